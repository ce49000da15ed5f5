package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"math"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/streams"
)

// Subscribe implements sluice.v1.SubscriberService. Only this handler's
// goroutine calls Send; it returns when the client goes away, the
// subscription ends, or the Store closes.
func (s *Server) Subscribe(req *sluicev1.SubscribeRequest, stream grpc.ServerStreamingServer[sluicev1.SubscribeResponse]) error {
	ctx := stream.Context()
	if err := validateName("stream", req.GetStream()); err != nil {
		return invalid("stream", "%v", err)
	}
	if req.GetGroup() != "" {
		if err := validateName("group", req.GetGroup()); err != nil {
			return invalid("group", "%v", err)
		}
	}
	if c := req.GetConsumer(); c != "" {
		if req.GetGroup() == "" {
			return invalid("consumer", "a consumer name needs a group; independent readers have none")
		}
		if err := validateName("consumer", c); err != nil {
			return invalid("consumer", "%v", err)
		}
	}
	maxInFlight := int(req.GetMaxInFlight())
	switch {
	case maxInFlight < 0 || maxInFlight > MaxInFlightLimit:
		return invalid("max_in_flight", "%d is out of range: use 1..%d, or 0 for the default %d",
			maxInFlight, MaxInFlightLimit, DefaultMaxInFlight)
	case maxInFlight == 0:
		maxInFlight = DefaultMaxInFlight
	}
	if _, ok := sluicev1.PayloadFormat_name[int32(req.GetPayloadFormat())]; !ok {
		return invalid("payload_format", "unknown value %d", req.GetPayloadFormat())
	}
	start, err := startPosition(req.GetStart())
	if err != nil {
		return err
	}
	if req.GetGroup() == "" {
		return s.read(ctx, req, start, maxInFlight, stream)
	}
	return s.subscribeGroup(ctx, req, start, maxInFlight, stream)
}

// startPosition turns the request's position into a Redis position: "$", or
// an ID after which reading starts.
func startPosition(p *sluicev1.StartPosition) (string, error) {
	switch pos := p.GetPosition().(type) {
	case nil:
		return streams.Newest, nil
	case *sluicev1.StartPosition_Edge:
		switch pos.Edge {
		case sluicev1.Edge_EDGE_UNSPECIFIED, sluicev1.Edge_EDGE_NEWEST:
			return streams.Newest, nil
		case sluicev1.Edge_EDGE_EARLIEST:
			return streams.Earliest, nil
		}
		return "", invalid("start.edge", "unknown value %d", pos.Edge)
	case *sluicev1.StartPosition_AfterId:
		id, err := streams.ParseID(pos.AfterId)
		if err != nil {
			return "", invalid("start.after_id", "%q: %v", pos.AfterId, err)
		}
		return id.String(), nil
	case *sluicev1.StartPosition_Time:
		if err := pos.Time.CheckValid(); err != nil {
			return "", invalid("start.time", "%v", err)
		}
		return streams.AfterTime(pos.Time.AsTime()), nil
	}
	return "", invalid("start", "unknown position")
}

func (s *Server) subscribeGroup(ctx context.Context, req *sluicev1.SubscribeRequest, start string, maxInFlight int,
	stream grpc.ServerStreamingServer[sluicev1.SubscribeResponse]) error {
	consumer := req.GetConsumer()
	// A named consumer gets its own pending entries back first, the way a
	// restarted Redis consumer re-reads from ID 0.
	backlog := consumer != ""
	if consumer == "" {
		consumer = newConsumerName()
	}
	if err := s.store.EnsureGroup(ctx, req.GetStream(), req.GetGroup(), start); err != nil {
		return toStatus(ctx, s.log, err)
	}
	sub, err := s.store.SubscribeGroup(streams.GroupOptions{
		Stream:      req.GetStream(),
		Group:       req.GetGroup(),
		Consumer:    consumer,
		MaxInFlight: maxInFlight,
		Backlog:     backlog,
		Ephemeral:   !backlog,
	})
	if err != nil {
		return toStatus(ctx, s.log, err)
	}
	defer sub.Close()
	if err := stream.Send(&sluicev1.SubscribeResponse{Subscription: &sluicev1.Subscription{
		Stream: req.GetStream(), Group: req.GetGroup(), Consumer: consumer,
	}}); err != nil {
		return err
	}
	format := req.GetPayloadFormat()
	for {
		ds, err := sub.Next(ctx)
		if err != nil {
			return toStatus(ctx, s.log, err)
		}
		msgs := make([]*sluicev1.Message, len(ds))
		for i := range ds {
			d := &ds[i]
			msgs[i] = &sluicev1.Message{
				AckId:           encodeAckID(req.GetStream(), req.GetGroup(), d.ID, d.Attempt),
				Id:              d.ID.String(),
				Event:           s.fromEntry(&d.Entry, format),
				DeliveryAttempt: int32(min(d.Attempt, math.MaxInt32)),
				ExtraFields:     d.Extra,
			}
		}
		if err := sendChunked(stream, msgs); err != nil {
			return err
		}
	}
}

func (s *Server) read(ctx context.Context, req *sluicev1.SubscribeRequest, start string, count int,
	stream grpc.ServerStreamingServer[sluicev1.SubscribeResponse]) error {
	var after streams.ID
	if start == streams.Newest {
		id, err := s.store.LastID(ctx, req.GetStream())
		if err != nil {
			return toStatus(ctx, s.log, err)
		}
		after = id
	} else {
		after, _ = streams.ParseID(start) // startPosition returned a valid ID
	}
	if err := stream.Send(&sluicev1.SubscribeResponse{Subscription: &sluicev1.Subscription{Stream: req.GetStream()}}); err != nil {
		return err
	}
	format := req.GetPayloadFormat()
	err := s.store.Read(ctx, req.GetStream(), after, min(count, 500), func(entries []streams.Entry) error {
		msgs := make([]*sluicev1.Message, len(entries))
		for i := range entries {
			e := &entries[i]
			msgs[i] = &sluicev1.Message{Id: e.ID.String(), Event: s.fromEntry(e, format), ExtraFields: e.Extra}
		}
		return sendChunked(stream, msgs)
	})
	return toStatus(ctx, s.log, err)
}

// sendChunked sends msgs in responses of at most about maxResponseBytes.
func sendChunked(stream grpc.ServerStreamingServer[sluicev1.SubscribeResponse], msgs []*sluicev1.Message) error {
	for len(msgs) > 0 {
		n, size := 0, 0
		for n < len(msgs) {
			size += proto.Size(msgs[n])
			if n > 0 && size > maxResponseBytes {
				break
			}
			n++
		}
		if err := stream.Send(&sluicev1.SubscribeResponse{Messages: msgs[:n]}); err != nil {
			return err
		}
		msgs = msgs[n:]
	}
	return nil
}

func newConsumerName() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "sluice-" + hex.EncodeToString(b[:])
}

func timestamp(id streams.ID) *timestamppb.Timestamp {
	ms := int64(min(id.Ms, math.MaxInt64))
	return &timestamppb.Timestamp{Seconds: ms / 1000, Nanos: int32(ms%1000) * 1e6}
}
