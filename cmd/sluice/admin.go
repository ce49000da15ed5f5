package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
)

// admin runs the inspection and control commands: streams, describe,
// pending, read, group create|delete|seek, trim. Each prints JSON.
func admin(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	sub := ""
	switch cmd {
	case "group":
		if len(args) == 0 {
			return errors.New("group needs a command: create, delete or seek")
		}
		sub, args = args[0], args[1:]
	case "topic":
		if len(args) == 0 {
			return errors.New("topic needs a command: create, list or describe")
		}
		sub, args = args[0], args[1:]
	case "scheduled":
		if len(args) == 0 {
			return errors.New("scheduled needs a command: list or cancel")
		}
		sub, args = args[0], args[1:]
	}
	fs, server := newFlagSet(cmd+" "+sub, stderr)
	stream := fs.String("stream", "", "stream name")
	group := fs.String("group", "", "consumer group")
	consumer := fs.String("consumer", "", "pending: only this consumer's entries")
	pattern := fs.String("pattern", "", "streams: glob pattern on names")
	due := fs.Bool("due", false, "pending: only entries due for redelivery")
	limit := fs.Int("limit", 100, "pending, read: most entries to print")
	from := fs.String("from", "newest", "group create / seek: earliest, newest, an entry ID (exclusive), an RFC 3339 time, or a duration ago")
	start := fs.String("start", "", "read: first entry ID (default: oldest)")
	end := fs.String("end", "", "read: last entry ID (default: newest)")
	reverse := fs.Bool("reverse", false, "read: newest first")
	maxLen := fs.Int64("max-len", -1, "trim: keep this many newest entries")
	maxAge := fs.Duration("max-age", 0, "trim: keep entries younger than this")
	minID := fs.String("min-id", "", "trim: keep entries from this ID on")
	topic := fs.String("topic", "", "topic create / describe: topic name")
	partitions := fs.Int("partitions", 0, "topic create: number of partitions (1 to 256; cannot change later)")
	id := fs.String("id", "", "scheduled cancel: the schedule ID publish printed")
	filterExpr := fs.String("filter", "", "group create: the group's filter, a CEL expression over type, version, key, headers, content_type and publish_time")
	yes := fs.Bool("yes", false, "confirm a destructive command (group delete, group seek, trim)")
	if err := envflagParse(fs, args, getenv); err != nil {
		return err
	}
	needs := func(names ...string) error {
		for _, n := range names {
			if fs.Lookup(n).Value.String() == "" {
				return fmt.Errorf("%s needs --%s", cmd, n)
			}
		}
		return nil
	}
	destructive := (cmd == "group" && sub != "create") || cmd == "trim"
	if destructive && !*yes {
		return fmt.Errorf("%s %s changes what consumers will see: add --yes to confirm", cmd, sub)
	}
	conn, err := dial(server)
	if err != nil {
		return err
	}
	defer conn.Close()
	rpc := sluicev1.NewAdminServiceClient(conn)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	print := func(m proto.Message) error {
		b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, string(b))
		return err
	}
	switch cmd {
	case "scheduled":
		return scheduled(ctx, rpc, sub, *stream, *id, *limit, stdout, print)
	case "streams":
		token := ""
		for {
			res, err := rpc.ListStreams(ctx, &sluicev1.ListStreamsRequest{Pattern: *pattern, PageToken: token})
			if err != nil {
				return err
			}
			for _, s := range res.GetStreams() {
				fmt.Fprintln(stdout, s)
			}
			if token = res.GetNextPageToken(); token == "" {
				return nil
			}
		}
	case "describe":
		if err := needs("stream"); err != nil {
			return err
		}
		res, err := rpc.DescribeStream(ctx, &sluicev1.DescribeStreamRequest{Stream: *stream})
		if err != nil {
			return err
		}
		return print(res.GetStream())
	case "pending":
		if err := needs("stream", "group"); err != nil {
			return err
		}
		token := ""
		for printed := 0; printed < *limit; {
			res, err := rpc.ListPending(ctx, &sluicev1.ListPendingRequest{Stream: *stream, Group: *group, Consumer: *consumer,
				DueOnly: *due, PageSize: int32(min(*limit-printed, 1000)), PageToken: token})
			if err != nil {
				return err
			}
			for _, p := range res.GetEntries() {
				if err := print(p); err != nil {
					return err
				}
				printed++
			}
			if token = res.GetNextPageToken(); token == "" {
				break
			}
		}
		return nil
	case "read":
		if err := needs("stream"); err != nil {
			return err
		}
		token := ""
		for printed := 0; printed < *limit; {
			res, err := rpc.ReadRange(ctx, &sluicev1.ReadRangeRequest{Stream: *stream, Start: *start, End: *end, Reverse: *reverse,
				PageSize: int32(min(*limit-printed, 1000)), PageToken: token, PayloadFormat: sluicev1.PayloadFormat_PAYLOAD_FORMAT_JSON})
			if err != nil {
				return err
			}
			for _, m := range res.GetMessages() {
				if err := jsonLine(stdout, toOutput(*stream, "", m)); err != nil {
					return err
				}
				printed++
			}
			if token = res.GetNextPageToken(); token == "" {
				break
			}
		}
		return nil
	case "group":
		if err := needs("stream", "group"); err != nil {
			return err
		}
		pos, err := parseFrom(*from, time.Now())
		if err != nil {
			return err
		}
		switch sub {
		case "create":
			res, err := rpc.CreateGroup(ctx, &sluicev1.CreateGroupRequest{Stream: *stream, Group: *group, Start: pos, Filter: *filterExpr})
			if err != nil {
				return err
			}
			return print(res)
		case "delete":
			res, err := rpc.DeleteGroup(ctx, &sluicev1.DeleteGroupRequest{Stream: *stream, Group: *group})
			if err != nil {
				return err
			}
			return print(res)
		case "seek":
			_, err := rpc.SeekGroup(ctx, &sluicev1.SeekGroupRequest{Stream: *stream, Group: *group, Position: pos})
			return err
		}
		return fmt.Errorf("unknown group command %q: use create, delete or seek", sub)
	case "trim":
		if err := needs("stream"); err != nil {
			return err
		}
		req := &sluicev1.TrimStreamRequest{Stream: *stream}
		n := 0
		if *maxLen >= 0 {
			req.Keep, n = &sluicev1.TrimStreamRequest_MaxLength{MaxLength: *maxLen}, n+1
		}
		if *maxAge > 0 {
			req.Keep, n = &sluicev1.TrimStreamRequest_MaxAge{MaxAge: durationpb.New(*maxAge)}, n+1
		}
		if *minID != "" {
			req.Keep, n = &sluicev1.TrimStreamRequest_MinId{MinId: *minID}, n+1
		}
		if n != 1 {
			return errors.New("trim needs exactly one of --max-len, --max-age and --min-id")
		}
		res, err := rpc.TrimStream(ctx, req)
		if err != nil {
			return err
		}
		return print(res)
	case "topic":
		switch sub {
		case "create":
			if err := needs("topic"); err != nil {
				return err
			}
			res, err := rpc.CreateTopic(ctx, &sluicev1.CreateTopicRequest{Topic: *topic, Partitions: int32(*partitions)})
			if err != nil {
				return err
			}
			return print(res)
		case "list":
			res, err := rpc.ListTopics(ctx, &sluicev1.ListTopicsRequest{})
			if err != nil {
				return err
			}
			for _, t := range res.GetTopics() {
				if err := print(t); err != nil {
					return err
				}
			}
			return nil
		case "describe":
			if err := needs("topic"); err != nil {
				return err
			}
			res, err := rpc.DescribeTopic(ctx, &sluicev1.DescribeTopicRequest{Topic: *topic})
			if err != nil {
				return err
			}
			return print(res)
		}
		return fmt.Errorf("unknown topic command %q: use create, list or describe", sub)
	}
	return fmt.Errorf("unknown command %q", cmd)
}

// scheduled runs scheduled list (one JSON line per event, soonest first)
// and scheduled cancel.
func scheduled(ctx context.Context, rpc sluicev1.AdminServiceClient, sub, stream, id string, limit int, stdout io.Writer, print func(proto.Message) error) error {
	if stream == "" {
		return fmt.Errorf("scheduled %s needs --stream", sub)
	}
	switch sub {
	case "list":
		token := ""
		for printed := 0; printed < limit; {
			res, err := rpc.ListScheduled(ctx, &sluicev1.ListScheduledRequest{Stream: stream,
				PageSize: int32(min(limit-printed, 1000)), PageToken: token})
			if err != nil {
				return err
			}
			for _, e := range res.GetEvents() {
				if err := print(e); err != nil {
					return err
				}
				printed++
			}
			if token = res.GetNextPageToken(); token == "" {
				break
			}
		}
		return nil
	case "cancel":
		if id == "" {
			return errors.New("scheduled cancel needs --id")
		}
		if _, err := rpc.CancelScheduled(ctx, &sluicev1.CancelScheduledRequest{Stream: stream, ScheduleId: id}); err != nil {
			return err
		}
		_, err := fmt.Fprintln(stdout, "cancelled", id)
		return err
	}
	return fmt.Errorf("unknown scheduled command %q: use list or cancel", sub)
}
