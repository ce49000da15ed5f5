package server

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/timestamppb"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/tracing"
	"github.com/sluice-io/sluice/streams"
)

// Content types Sluice gives meaning to; any other is stored as opaque.
const (
	ContentTypeProtobuf = "application/protobuf"
	ContentTypeJSON     = "application/json"
)

// Publish implements sluice.v1.PublisherService.
func (s *Server) Publish(ctx context.Context, req *sluicev1.PublishRequest) (*sluicev1.PublishResponse, error) {
	partitions := 0
	if req.GetTopic() != "" {
		if req.GetStream() != "" {
			return nil, invalid("topic", "set either stream or topic, not both")
		}
		var err error
		if partitions, err = s.topic(ctx, PermPublish, req.GetTopic(), ""); err != nil {
			return nil, err
		}
	} else {
		if err := validateName("stream", req.GetStream()); err != nil {
			return nil, invalid("stream", "%v", err)
		}
		if err := s.authz.Allow(ctx, PermPublish, req.GetStream(), ""); err != nil {
			return nil, err
		}
	}
	n := len(req.GetEvents())
	if n == 0 {
		return nil, invalid("events", "no events: send at least one")
	}
	if n > s.maxBatch {
		s.metrics.Refused("batch")
		return nil, invalid("events", "%d events in one request; the limit is %d, split the batch", n, s.maxBatch)
	}
	events := make([]streams.Event, n)
	for i, ev := range req.GetEvents() {
		if err := s.toEntry(ev, &events[i]); err != nil {
			return nil, invalid(fmt.Sprintf("events[%d].%s", i, err.field), "%s", err.msg)
		}
		// The publisher's trace continues in whoever consumes the event.
		events[i].Headers = tracing.Inject(ctx, events[i].Headers)
	}
	var dur *streams.Durability
	if d := req.GetDurability(); d.GetMinReplicas() != 0 || d.GetAof() {
		v, err := durabilityOf(d)
		if err != nil {
			return nil, err
		}
		dur = &v
	}
	if partitions > 0 {
		return s.publishTopic(ctx, req.GetTopic(), partitions, events, dur)
	}
	start := time.Now()
	var ids []string
	var replicas int
	var err error
	if dur != nil {
		ids, replicas, err = s.store.PublishDurable(ctx, req.GetStream(), events, *dur)
	} else {
		ids, err = s.store.Publish(ctx, req.GetStream(), events)
	}
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	s.metrics.PublishTime.Observe(time.Since(start).Seconds())
	s.metrics.Published.WithLabelValues(s.metrics.Stream(req.GetStream())).Add(float64(len(ids)))
	resp := &sluicev1.PublishResponse{Ids: ids, Replicas: int32(replicas)}
	splitScheduled(resp)
	return resp, nil
}

// splitScheduled moves the schedule IDs among resp.Ids to ScheduleIds.
func splitScheduled(resp *sluicev1.PublishResponse) {
	for i, id := range resp.Ids {
		if !streams.IsScheduleID(id) {
			continue
		}
		if resp.ScheduleIds == nil {
			resp.ScheduleIds = make([]string, len(resp.Ids))
		}
		resp.ScheduleIds[i], resp.Ids[i] = id, ""
	}
}

func durabilityOf(d *sluicev1.Durability) (streams.Durability, error) {
	out := streams.Durability{MinReplicas: int(d.GetMinReplicas()), AOF: d.GetAof(), Timeout: time.Second}
	if out.MinReplicas < 0 || out.MinReplicas > 100 {
		return out, invalid("durability.min_replicas", "%d is out of range: use 0..100", out.MinReplicas)
	}
	if d.GetTimeout() != nil {
		t, err := duration("durability.timeout", d.GetTimeout(), time.Millisecond, time.Minute)
		if err != nil {
			return out, err
		}
		out.Timeout = t
	}
	return out, nil
}

type fieldError struct{ field, msg string }

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

func bad(field, format string, args ...any) *fieldError {
	return &fieldError{field, fmt.Sprintf(format, args...)}
}

// toEntry validates ev and fills out. With the event's schema known, JSON is
// converted to binary Protobuf and Protobuf payloads must decode.
func (s *Server) toEntry(ev *sluicev1.Event, out *streams.Event) *fieldError {
	typ := ev.GetType()
	switch {
	case typ == "":
		return bad("type", "empty: set the full Protobuf message name, e.g. examples.orders.v1.OrderCreated")
	case len(typ) > maxTypeLen:
		return bad("type", "%d bytes long; the limit is %d", len(typ), maxTypeLen)
	case !isFullName(typ):
		return bad("type", "%q is not a full message name (dot-separated identifiers)", typ)
	}
	version := ev.GetVersion()
	if version == "" {
		version = versionOf(typ)
	} else if len(version) > maxVersionLen || !every(version, tokenByte) {
		return bad("version", "%q: use up to %d characters from [A-Za-z0-9._-]", version, maxVersionLen)
	}
	ct := ev.GetContentType()
	if len(ct) > maxContentTypeLen || !printable(ct) {
		return bad("content_type", "must be a media type of at most %d printable characters", maxContentTypeLen)
	}
	if k := ev.GetIdempotencyKey(); len(k) > maxIdempotencyKeyLen || !printable(k) {
		return bad("idempotency_key", "use at most %d printable characters", maxIdempotencyKeyLen)
	}
	if len(ev.GetKey()) > maxKeyLen {
		return bad("key", "%d bytes long; the limit is %d", len(ev.GetKey()), maxKeyLen)
	}
	if !utf8.ValidString(ev.GetKey()) {
		return bad("key", "not valid UTF-8; encode a binary key (hex, base64)")
	}
	if len(ev.GetHeaders()) > maxHeaders {
		return bad("headers", "%d headers; the limit is %d", len(ev.GetHeaders()), maxHeaders)
	}
	for k, v := range ev.GetHeaders() {
		if len(k) > maxHeaderNameLen || !every(k, tokenByte) {
			return bad("headers", "header name %q: use 1 to %d characters from [A-Za-z0-9._-]", k, maxHeaderNameLen)
		}
		if len(v) > maxHeaderValueLen {
			return bad("headers", "header %q is %d bytes long; the limit is %d", k, len(v), maxHeaderValueLen)
		}
		if !utf8.ValidString(v) {
			return bad("headers", "header %q is not valid UTF-8; encode binary values (hex, base64)", k)
		}
	}

	var payload []byte
	switch data := ev.GetData().(type) {
	case *sluicev1.Event_Json:
		if ct == "" {
			ct = ContentTypeJSON
		}
		if len(data.Json) > s.maxPayloadBytes {
			s.metrics.Refused("payload_bytes")
			return bad("json", "%d bytes; the limit is %d", len(data.Json), s.maxPayloadBytes)
		}
		if !utf8.ValidString(data.Json) {
			return bad("json", "not valid UTF-8; send bytes in payload instead")
		}
		if s.schemas.Known(typ) {
			b, err := s.schemas.FromJSON(typ, []byte(data.Json))
			if err != nil {
				return bad("json", "does not convert to %s: %v", typ, err)
			}
			payload, ct = b, ContentTypeProtobuf
		} else {
			if !json.Valid([]byte(data.Json)) {
				return bad("json", "not valid JSON")
			}
			payload = []byte(data.Json)
		}
	default: // payload bytes, or no body at all
		payload = ev.GetPayload()
		if ct == "" {
			ct = ContentTypeProtobuf
		}
		if ct == ContentTypeProtobuf && s.schemas.Known(typ) {
			if err := s.schemas.Validate(typ, payload); err != nil {
				return bad("payload", "does not decode as %s: %v", typ, err)
			}
		}
		if ct == ContentTypeJSON && !json.Valid(payload) {
			return bad("payload", "content type is %s but the payload is not valid JSON", ContentTypeJSON)
		}
	}
	if len(payload) > s.maxPayloadBytes {
		s.metrics.Refused("payload_bytes")
		return bad("payload", "%d bytes; the limit is %d", len(payload), s.maxPayloadBytes)
	}
	at, after, ferr := s.schedule(ev)
	if ferr != nil {
		return ferr
	}
	expireAt, ttl, ferr := expiry(ev, at)
	if ferr != nil {
		return ferr
	}
	*out = streams.Event{
		Type:        typ,
		Version:     version,
		ContentType: ct,
		Payload:     payload,
		Key:         ev.GetKey(),
		Headers:     ev.GetHeaders(),

		IdempotencyKey: ev.GetIdempotencyKey(),
		DeliverAt:      at,
		DeliverAfter:   after,
		ExpireAt:       expireAt,
		TTL:            ttl,
	}
	return nil
}

// expiry validates ev's expire_at and ttl; at is its deliver_at, if any.
func expiry(ev *sluicev1.Event, at time.Time) (time.Time, time.Duration, *fieldError) {
	switch {
	case ev.ExpireAt != nil && ev.Ttl != nil:
		return time.Time{}, 0, bad("expire_at", "set at most one of expire_at and ttl")
	case ev.ExpireAt != nil:
		if err := ev.ExpireAt.CheckValid(); err != nil {
			return time.Time{}, 0, bad("expire_at", "%v", err)
		}
		exp := ev.ExpireAt.AsTime()
		if !exp.After(time.Now()) {
			return time.Time{}, 0, bad("expire_at", "%s is in the past: the event would never be delivered", exp.Format(time.RFC3339Nano))
		}
		if !at.IsZero() && !exp.After(at) {
			return time.Time{}, 0, bad("expire_at", "%s is not after deliver_at %s: the event would expire before it is delivered",
				exp.Format(time.RFC3339Nano), at.Format(time.RFC3339Nano))
		}
		return exp, 0, nil
	case ev.Ttl != nil:
		if err := ev.Ttl.CheckValid(); err != nil {
			return time.Time{}, 0, bad("ttl", "%v", err)
		}
		d := ev.Ttl.AsDuration()
		if d < time.Millisecond {
			return time.Time{}, 0, bad("ttl", "%v is not positive: use at least 1 ms", d)
		}
		return time.Time{}, d, nil
	}
	return time.Time{}, 0, nil
}

// schedule validates ev's deliver_at and deliver_after against the horizon.
func (s *Server) schedule(ev *sluicev1.Event) (time.Time, time.Duration, *fieldError) {
	switch {
	case ev.DeliverAt != nil && ev.DeliverAfter != nil:
		return time.Time{}, 0, bad("deliver_at", "set at most one of deliver_at and deliver_after")
	case ev.DeliverAt != nil:
		if err := ev.DeliverAt.CheckValid(); err != nil {
			return time.Time{}, 0, bad("deliver_at", "%v", err)
		}
		at := ev.DeliverAt.AsTime()
		if ahead := time.Until(at); ahead > s.horizon {
			return time.Time{}, 0, bad("deliver_at", "%s is %v ahead; the server's horizon is %v", at.Format(time.RFC3339), ahead.Round(time.Second), s.horizon)
		}
		if at.UnixMilli() < 1 {
			at = time.UnixMilli(1) // before 1970: due, and still a schedule
		}
		return at, 0, nil
	case ev.DeliverAfter != nil:
		if err := ev.DeliverAfter.CheckValid(); err != nil {
			return time.Time{}, 0, bad("deliver_after", "%v", err)
		}
		d := ev.DeliverAfter.AsDuration()
		if d < 0 || d > s.horizon {
			return time.Time{}, 0, bad("deliver_after", "%v is out of range: use 0 to the server's horizon, %v", d, s.horizon)
		}
		return time.Time{}, d, nil
	}
	return time.Time{}, 0, nil
}

// fromEntry converts a stored entry into a delivered Event.
func (s *Server) fromEntry(e *streams.Entry, format sluicev1.PayloadFormat) *sluicev1.Event {
	ev := new(sluicev1.Event)
	s.fillEvent(ev, new(timestamppb.Timestamp), new(sluicev1.Event_Payload), e, format)
	return ev
}

// deliveryBatch holds the messages of one response and what they point to,
// allocated once per response instead of four times per message. list is
// the response's list.
type deliveryBatch struct {
	list     []*sluicev1.Message
	msgs     []sluicev1.Message
	events   []sluicev1.Event
	times    []timestamppb.Timestamp
	payloads []sluicev1.Event_Payload
}

// batches holds deliveryBatches between responses: a response is encoded
// when Send returns, so its batch can serve a later one (see the package
// comment for what that asks of stats handlers). It saved about 380 bytes a
// delivered message.
var batches sync.Pool // of *deliveryBatch

// getBatch is a batch for n messages, from the pool when one is large
// enough. The caller hands it back with putBatch once the response is sent.
func getBatch(n int) *deliveryBatch {
	if b, ok := batches.Get().(*deliveryBatch); ok {
		if cap(b.msgs) >= n {
			b.list, b.msgs, b.events, b.times, b.payloads = b.list[:n], b.msgs[:n], b.events[:n], b.times[:n], b.payloads[:n]
			return b
		}
		batches.Put(b)
	}
	return newDeliveryBatch(n)
}

// putBatch clears b (its messages point into entries: payloads, headers)
// and pools it.
func putBatch(b *deliveryBatch) {
	clear(b.list)
	clear(b.msgs)
	clear(b.events)
	clear(b.times)
	clear(b.payloads)
	batches.Put(b)
}

func newDeliveryBatch(n int) *deliveryBatch {
	return &deliveryBatch{
		list:     make([]*sluicev1.Message, n),
		msgs:     make([]sluicev1.Message, n),
		events:   make([]sluicev1.Event, n),
		times:    make([]timestamppb.Timestamp, n),
		payloads: make([]sluicev1.Event_Payload, n),
	}
}

// message fills the i-th message of b from e and returns it.
func (s *Server) message(b *deliveryBatch, i int, e *streams.Entry, format sluicev1.PayloadFormat) *sluicev1.Message {
	m := &b.msgs[i]
	m.Id = e.ID.String()
	m.Event = &b.events[i]
	s.fillEvent(m.Event, &b.times[i], &b.payloads[i], e, format)
	m.ExtraFields = e.Extra
	b.list[i] = m
	return m
}

// fillEvent fills ev from e; ts and pl become its publish time and, unless
// it is delivered as JSON, its payload.
func (s *Server) fillEvent(ev *sluicev1.Event, ts *timestamppb.Timestamp, pl *sluicev1.Event_Payload, e *streams.Entry, format sluicev1.PayloadFormat) {
	ev.Type = e.Event.Type
	ev.Version = e.Event.Version
	ev.ContentType = e.Event.ContentType
	ev.Headers = e.Event.Headers
	ev.Key = e.Event.Key
	setTime(ts, e.ID)
	ev.PublishTime = ts
	if !e.Event.DeliverAt.IsZero() {
		ev.DeliverAt = timestamppb.New(e.Event.DeliverAt)
	}
	if !e.Event.ExpireAt.IsZero() {
		ev.ExpireAt = timestamppb.New(e.Event.ExpireAt)
	}
	if format == sluicev1.PayloadFormat_PAYLOAD_FORMAT_JSON {
		switch {
		case (ev.ContentType == ContentTypeProtobuf || ev.ContentType == "") && s.schemas.Known(ev.Type):
			if js, err := s.schemas.ToJSON(ev.Type, e.Event.Payload); err == nil {
				ev.Data = &sluicev1.Event_Json{Json: string(js)}
				return
			}
		case ev.ContentType == ContentTypeJSON && utf8.Valid(e.Event.Payload):
			ev.Data = &sluicev1.Event_Json{Json: string(e.Event.Payload)}
			return
		}
	}
	pl.Payload = e.Event.Payload
	ev.Data = pl
}
