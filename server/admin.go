package server

import (
	"context"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/filter"
	"github.com/sluice-io/sluice/streams"
)

const (
	defaultPage = 100
	maxPage     = 1000
)

func pageSize(n int32) (int, error) {
	switch {
	case n < 0 || n > maxPage:
		return 0, invalid("page_size", "%d is out of range: use 1..%d, or 0 for %d", n, maxPage, defaultPage)
	case n == 0:
		return defaultPage, nil
	}
	return int(n), nil
}

// adminStream validates a stream name and checks the admin permission.
func (s *Server) adminStream(ctx context.Context, stream string) error {
	if err := validateName("stream", stream); err != nil {
		return invalid("stream", "%v", err)
	}
	return s.authz.Allow(ctx, PermAdmin, stream, "")
}

func (s *Server) adminGroup(ctx context.Context, stream, group string) error {
	if err := s.adminStream(ctx, stream); err != nil {
		return err
	}
	if err := validateName("group", group); err != nil {
		return invalid("group", "%v", err)
	}
	return nil
}

// ListStreams implements sluice.v1.AdminService.
func (s *Server) ListStreams(ctx context.Context, req *sluicev1.ListStreamsRequest) (*sluicev1.ListStreamsResponse, error) {
	if len(req.GetPattern()) > maxNameLen {
		return nil, invalid("pattern", "at most %d characters", maxNameLen)
	}
	var cursor uint64
	if tok := req.GetPageToken(); tok != "" {
		c, err := strconv.ParseUint(tok, 10, 64)
		if err != nil {
			return nil, invalid("page_token", "not a token from next_page_token")
		}
		cursor = c
	}
	names, next, err := s.store.ListStreams(ctx, req.GetPattern(), cursor)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	res := &sluicev1.ListStreamsResponse{}
	for _, n := range names {
		if s.authz.Allow(ctx, PermAdmin, n, "") == nil {
			res.Streams = append(res.Streams, n)
		}
	}
	if next != 0 {
		res.NextPageToken = strconv.FormatUint(next, 10)
	}
	return res, nil
}

// DescribeStream implements sluice.v1.AdminService.
func (s *Server) DescribeStream(ctx context.Context, req *sluicev1.DescribeStreamRequest) (*sluicev1.DescribeStreamResponse, error) {
	if err := s.adminStream(ctx, req.GetStream()); err != nil {
		return nil, err
	}
	info, err := s.store.Describe(ctx, req.GetStream())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &sluicev1.DescribeStreamResponse{Stream: streamInfo(info)}, nil
}

func streamInfo(info *streams.StreamInfo) *sluicev1.StreamInfo {
	out := &sluicev1.StreamInfo{Name: info.Name, Length: info.Length, FirstEntryId: info.FirstID, LastEntryId: info.LastID,
		EntriesAdded: info.EntriesAdded, MemoryBytes: info.MemoryBytes, DeadLetters: info.DeadLetters, Scheduled: info.Scheduled}
	for _, g := range info.Groups {
		gi := &sluicev1.GroupInfo{Name: g.Name, Pending: g.Pending, LastDeliveredId: g.LastDeliveredID,
			Lag: max(g.Lag, 0), LagKnown: g.Lag >= 0, Filter: g.Filter}
		if g.Pending > 0 {
			gi.OldestPendingAge = durationpb.New(g.OldestPending)
		}
		for _, c := range g.Consumers {
			ci := &sluicev1.ConsumerInfo{Name: c.Name, Pending: c.Pending}
			if c.Idle >= 0 {
				ci.Idle = durationpb.New(c.Idle)
			}
			gi.Consumers = append(gi.Consumers, ci)
		}
		out.Groups = append(out.Groups, gi)
	}
	return out
}

// ListPending implements sluice.v1.AdminService.
func (s *Server) ListPending(ctx context.Context, req *sluicev1.ListPendingRequest) (*sluicev1.ListPendingResponse, error) {
	if err := s.adminGroup(ctx, req.GetStream(), req.GetGroup()); err != nil {
		return nil, err
	}
	if c := req.GetConsumer(); c != "" {
		if err := validateName("consumer", c); err != nil {
			return nil, invalid("consumer", "%v", err)
		}
	}
	size, err := pageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	after, err := pageToken(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	ps, err := s.store.Pending(ctx, req.GetStream(), req.GetGroup(), req.GetConsumer(), req.GetDueOnly(), after, size+1)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	res := &sluicev1.ListPendingResponse{}
	if len(ps) > size {
		ps = ps[:size]
		res.NextPageToken = ps[size-1].ID.String()
	}
	for _, p := range ps {
		res.Entries = append(res.Entries, &sluicev1.PendingEntry{Id: p.ID.String(), Consumer: p.Consumer, DeliveryCount: p.Count,
			DueIn: durationpb.New(p.DueIn), Age: durationpb.New(max(0, time.Since(p.Published)))})
	}
	return res, nil
}

func pageToken(tok string) (streams.ID, error) {
	if tok == "" {
		return streams.ID{}, nil
	}
	id, err := streams.ParseID(tok)
	if err != nil {
		return id, invalid("page_token", "not a token from next_page_token")
	}
	return id, nil
}

// CreateGroup implements sluice.v1.AdminService.
func (s *Server) CreateGroup(ctx context.Context, req *sluicev1.CreateGroupRequest) (*sluicev1.CreateGroupResponse, error) {
	if err := s.adminGroup(ctx, req.GetStream(), req.GetGroup()); err != nil {
		return nil, err
	}
	start, err := startPosition(req.GetStart())
	if err != nil {
		return nil, err
	}
	if expr := req.GetFilter(); expr != "" {
		if _, err := filter.Compile(expr); err != nil {
			return nil, invalid("filter", "%v", err)
		}
	}
	created, has, err := s.store.CreateGroup(ctx, req.GetStream(), req.GetGroup(), start, req.GetFilter())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	if !created && has != req.GetFilter() {
		return nil, filterMismatch(req.GetGroup(), has)
	}
	return &sluicev1.CreateGroupResponse{Created: created}, nil
}

// DeleteGroup implements sluice.v1.AdminService.
func (s *Server) DeleteGroup(ctx context.Context, req *sluicev1.DeleteGroupRequest) (*sluicev1.DeleteGroupResponse, error) {
	if err := s.adminGroup(ctx, req.GetStream(), req.GetGroup()); err != nil {
		return nil, err
	}
	deleted, err := s.store.DeleteGroup(ctx, req.GetStream(), req.GetGroup())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	if deleted {
		s.log.InfoContext(ctx, "deleted consumer group", "stream", req.GetStream(), "group", req.GetGroup())
	}
	return &sluicev1.DeleteGroupResponse{Deleted: deleted}, nil
}

// SeekGroup implements sluice.v1.AdminService.
func (s *Server) SeekGroup(ctx context.Context, req *sluicev1.SeekGroupRequest) (*sluicev1.SeekGroupResponse, error) {
	if err := s.adminGroup(ctx, req.GetStream(), req.GetGroup()); err != nil {
		return nil, err
	}
	if req.GetPosition() == nil {
		return nil, invalid("position", "required: an edge, an entry ID or a time")
	}
	pos, err := startPosition(req.GetPosition())
	if err != nil {
		return nil, err
	}
	if err := s.store.SeekGroup(ctx, req.GetStream(), req.GetGroup(), pos); err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	s.log.InfoContext(ctx, "moved consumer group", "stream", req.GetStream(), "group", req.GetGroup(), "to", pos)
	return &sluicev1.SeekGroupResponse{}, nil
}

// ReadRange implements sluice.v1.AdminService.
func (s *Server) ReadRange(ctx context.Context, req *sluicev1.ReadRangeRequest) (*sluicev1.ReadRangeResponse, error) {
	if err := s.adminStream(ctx, req.GetStream()); err != nil {
		return nil, err
	}
	size, err := pageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	start, end := "-", "+"
	for _, b := range []struct {
		field string
		v     string
		dst   *string
	}{{"start", req.GetStart(), &start}, {"end", req.GetEnd(), &end}} {
		if b.v == "" {
			continue
		}
		id, err := streams.ParseID(b.v)
		if err != nil {
			return nil, invalid(b.field, "%q: %v", b.v, err)
		}
		*b.dst = id.String()
	}
	if tok := req.GetPageToken(); tok != "" {
		last, err := pageToken(tok)
		if err != nil {
			return nil, err
		}
		if req.GetReverse() {
			end = last.Prev().String()
		} else {
			start = last.Next().String()
		}
	}
	if _, ok := sluicev1.PayloadFormat_name[int32(req.GetPayloadFormat())]; !ok {
		return nil, invalid("payload_format", "unknown value %d", req.GetPayloadFormat())
	}
	entries, err := s.store.Range(ctx, req.GetStream(), start, end, req.GetReverse(), size+1)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	res := &sluicev1.ReadRangeResponse{}
	if len(entries) > size {
		entries = entries[:size]
		res.NextPageToken = entries[size-1].ID.String()
	}
	for i := range entries {
		e := &entries[i]
		res.Messages = append(res.Messages, &sluicev1.Message{Id: e.ID.String(), Event: s.fromEntry(e, req.GetPayloadFormat()), ExtraFields: e.Extra})
	}
	return res, nil
}

// TrimStream implements sluice.v1.AdminService.
func (s *Server) TrimStream(ctx context.Context, req *sluicev1.TrimStreamRequest) (*sluicev1.TrimStreamResponse, error) {
	if err := s.adminStream(ctx, req.GetStream()); err != nil {
		return nil, err
	}
	maxLen, minID := int64(-1), ""
	switch k := req.GetKeep().(type) {
	case *sluicev1.TrimStreamRequest_MaxLength:
		if k.MaxLength < 0 {
			return nil, invalid("max_length", "must not be negative")
		}
		maxLen = k.MaxLength
	case *sluicev1.TrimStreamRequest_MinId:
		id, err := streams.ParseID(k.MinId)
		if err != nil {
			return nil, invalid("min_id", "%q: %v", k.MinId, err)
		}
		minID = id.String()
	case *sluicev1.TrimStreamRequest_MaxAge:
		d, err := duration("max_age", k.MaxAge, 0, 100*365*24*time.Hour)
		if err != nil {
			return nil, err
		}
		minID = streams.ID{Ms: uint64(max(0, time.Now().Add(-d).UnixMilli()))}.String()
	default:
		return nil, invalid("keep", "say what to keep: max_length, min_id or max_age")
	}
	n, err := s.store.Trim(ctx, req.GetStream(), maxLen, minID)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &sluicev1.TrimStreamResponse{Deleted: n}, nil
}

// ListScheduled implements sluice.v1.AdminService.
func (s *Server) ListScheduled(ctx context.Context, req *sluicev1.ListScheduledRequest) (*sluicev1.ListScheduledResponse, error) {
	if err := s.adminStream(ctx, req.GetStream()); err != nil {
		return nil, err
	}
	size, err := pageSize(req.GetPageSize())
	if err != nil {
		return nil, err
	}
	var due time.Time
	var after string
	if tok := req.GetPageToken(); tok != "" {
		ms, id, ok := strings.Cut(tok, "/")
		n, err := strconv.ParseInt(ms, 10, 64)
		if !ok || err != nil || !validScheduleID(id) {
			return nil, invalid("page_token", "not a token from next_page_token")
		}
		due, after = time.UnixMilli(n), id
	}
	evs, err := s.store.ListScheduled(ctx, req.GetStream(), due, after, size+1)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	res := &sluicev1.ListScheduledResponse{}
	if len(evs) > size {
		evs = evs[:size]
		last := evs[size-1]
		res.NextPageToken = strconv.FormatInt(last.Due.UnixMilli(), 10) + "/" + last.ID
	}
	for i := range evs {
		e := &streams.Entry{Event: evs[i].Event}
		ev := s.fromEntry(e, sluicev1.PayloadFormat_PAYLOAD_FORMAT_UNSPECIFIED)
		ev.PublishTime = nil // not published yet
		res.Events = append(res.Events, &sluicev1.ScheduledEvent{
			ScheduleId: evs[i].ID, DeliverAt: timestamppb.New(evs[i].Due), Event: ev})
	}
	return res, nil
}

// CancelScheduled implements sluice.v1.AdminService.
func (s *Server) CancelScheduled(ctx context.Context, req *sluicev1.CancelScheduledRequest) (*sluicev1.CancelScheduledResponse, error) {
	if err := s.adminStream(ctx, req.GetStream()); err != nil {
		return nil, err
	}
	if !validScheduleID(req.GetScheduleId()) {
		return nil, invalid("schedule_id", "%q is not a schedule ID (Publish returns them in schedule_ids, e.g. s000000000042)", req.GetScheduleId())
	}
	if err := s.store.CancelScheduled(ctx, req.GetStream(), req.GetScheduleId()); err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &sluicev1.CancelScheduledResponse{}, nil
}

// validScheduleID: "s" and 12 or more digits.
func validScheduleID(id string) bool {
	return len(id) >= 13 && len(id) <= 24 && id[0] == 's' && every(id[1:], func(c byte) bool { return c >= '0' && c <= '9' })
}
