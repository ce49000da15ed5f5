// Package client is the Go client for Sluice: a Publisher that appends
// events to streams and a Subscriber that consumes them with explicit or
// automatic acks, flow control and reconnection.
//
// Both take a grpc.ClientConnInterface that the caller owns and closes.
package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/vtcodec"
)

// Publisher appends events to streams. It is safe for concurrent use.
type Publisher struct {
	conn     grpc.ClientConnInterface
	rpc      sluicev1.PublisherServiceClient
	retryFor time.Duration
	inFlight int // Publish calls per stream in flight before calls coalesce; 0: never

	mu     sync.Mutex
	queues map[string]*publishQueue
}

// publishQueue is one stream's Publish calls: how many are in flight, and
// those waiting to go out together.
type publishQueue struct {
	inFlight int
	waiting  []*queuedPublish
}

type queuedPublish struct {
	ctx    context.Context
	events []*sluicev1.Event
	done   chan publishResult // buffered: its caller may have gone

	// Guarded by Publisher.mu. A call's events are encoded when the call is
	// taken from the queue; after that (or once its caller gave up) they are
	// not read again, so a caller may return and reuse them at any time.
	encoded   []byte // the events as fields of a PublishRequest
	abandoned bool
}

type publishResult struct {
	ids []string
	err error
}

// Bounds of a coalesced request: the server's default batch limit, and the
// default gRPC message size limit. Calls of coalesceBelow events or more go
// on their own: they are requests big enough already, and combining them
// only takes parallel work away from the server.
const (
	maxCoalescedEvents = 1000
	maxCoalescedBytes  = 4 << 20
	coalesceBelow      = 16
)

// PublisherOption tunes a Publisher.
type PublisherOption func(*Publisher)

// WithPublishRetryFor sets how long Publish keeps retrying a batch whose
// events all have idempotency keys while the server or Redis is unavailable.
// Default 30 s; 0 disables retries.
func WithPublishRetryFor(d time.Duration) PublisherOption {
	return func(p *Publisher) { p.retryFor = max(d, 0) }
}

// WithCoalescing sets how many Publish calls to one stream may be in flight
// at once. Calls beyond that wait, and when a call in flight returns, the
// waiting ones go out together as one request (up to 1,000 events and 4 MiB),
// each still getting its own IDs or error. Under load this turns many small
// requests into a few larger ones, which is what keeps latency down when many
// goroutines publish to one stream. Default 4; 0 sends every call on its own.
// Calls of 16 events or more, calls with idempotency keys, and calls whose
// context carries outgoing gRPC metadata are always sent on their own. A
// coalesced request runs with the values (e.g. the trace) of its first
// call's context and the latest of the calls' deadlines, and is cancelled
// once all its calls have given up; a call whose context ends returns at
// once, and its events are not sent if they had not been taken into a
// request yet. As without coalescing, Publish does not read the events
// after it returns.
func WithCoalescing(maxInFlight int) PublisherOption {
	return func(p *Publisher) { p.inFlight = max(maxInFlight, 0) }
}

// NewPublisher returns a Publisher over conn.
func NewPublisher(conn grpc.ClientConnInterface, opts ...PublisherOption) *Publisher {
	p := &Publisher{conn: conn, rpc: sluicev1.NewPublisherServiceClient(fastCodec{conn}), retryFor: 30 * time.Second, inFlight: 4}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Publish appends events to stream in one request and returns their entry
// IDs, in order. Either all events are stored or, on a validation error
// (errors.Is(err, ErrInvalidArgument)), none. It blocks until the server
// answers or ctx ends.
//
// When every event has an idempotency key (WithIdempotencyKey), Publish
// retries with backoff while the server answers UNAVAILABLE (a restart, a
// Redis failover): the keys make a retry of an already stored event return
// its original ID instead of storing it twice. Without keys it does not
// retry, since a retry after a lost answer could store the events twice.
//
// An event scheduled for later (WithDeliverAt, WithDeliverAfter) has no
// entry ID yet: its element is its schedule ID instead (IsScheduleID), which
// AdminService.CancelScheduled takes.
//
// Concurrent calls to one stream may share a request (WithCoalescing).
func (p *Publisher) Publish(ctx context.Context, stream string, events ...*sluicev1.Event) ([]string, error) {
	if !p.coalescable(ctx, events) {
		res, err := p.publish(ctx, &sluicev1.PublishRequest{Stream: stream, Events: events})
		return idsOf(res), err
	}
	p.mu.Lock()
	if p.queues == nil {
		p.queues = make(map[string]*publishQueue)
	}
	q := p.queues[stream]
	if q == nil {
		q = &publishQueue{}
		p.queues[stream] = q
	}
	if q.inFlight < p.inFlight {
		q.inFlight++
		p.mu.Unlock()
		res, err := p.publish(ctx, &sluicev1.PublishRequest{Stream: stream, Events: events})
		p.handOver(stream, q)
		return res.GetIds(), err
	}
	c := &queuedPublish{ctx: ctx, events: events, done: make(chan publishResult, 1)}
	q.waiting = append(q.waiting, c)
	p.mu.Unlock()
	select {
	case r := <-c.done:
		return r.ids, r.err
	case <-ctx.Done():
		p.mu.Lock()
		c.abandoned = c.encoded == nil // not taken yet: it never will be
		p.mu.Unlock()
		return nil, status.FromContextError(ctx.Err()).Err()
	}
}

func (p *Publisher) coalescable(ctx context.Context, events []*sluicev1.Event) bool {
	if p.inFlight == 0 || len(events) >= coalesceBelow {
		return false
	}
	if md, ok := metadata.FromOutgoingContext(ctx); ok && md.Len() > 0 {
		return false
	}
	for _, e := range events {
		if e.GetIdempotencyKey() != "" || e.DeliverAt != nil || e.DeliverAfter != nil {
			return false
		}
	}
	return true
}

// idsOf is res's entry IDs with each scheduled event's schedule ID in its
// place.
func idsOf(res *sluicev1.PublishResponse) []string {
	ids := res.GetIds()
	for i, sid := range res.GetScheduleIds() {
		if sid != "" && i < len(ids) {
			ids[i] = sid
		}
	}
	return ids
}

// IsScheduleID reports whether an ID from Publish is the schedule ID of an
// event scheduled for later rather than an entry ID.
func IsScheduleID(id string) bool { return strings.HasPrefix(id, "s") }

// handOver passes a finished call's place in flight to the calls waiting on
// stream: a goroutine sends them, a request at a time, until none wait.
func (p *Publisher) handOver(stream string, q *publishQueue) {
	batch := p.take(stream, q)
	if batch == nil {
		return
	}
	go func() {
		for ; batch != nil; batch = p.take(stream, q) {
			p.sendCoalesced(stream, batch)
		}
	}()
}

// take removes the next request's worth of waiting calls from q, encoding
// their events, or, if none wait, gives up the place in flight and returns
// nil.
func (p *Publisher) take(stream string, q *publishQueue) []*queuedPublish {
	p.mu.Lock()
	defer p.mu.Unlock()
	var batch []*queuedPublish
	events, size, n := 0, 0, 0
	for ; n < len(q.waiting); n++ {
		c := q.waiting[n]
		if c.abandoned || c.ctx.Err() != nil {
			c.abandoned = true
			continue // its caller returned; its events never went out
		}
		if len(batch) > 0 && events+len(c.events) > maxCoalescedEvents {
			break
		}
		enc, err := encodeEvents(c.events)
		if err != nil {
			c.abandoned = true
			c.done <- publishResult{err: fmt.Errorf("sluice: encoding events: %w", err)}
			continue
		}
		if len(batch) > 0 && size+len(enc) > maxCoalescedBytes {
			break
		}
		c.encoded = enc
		batch = append(batch, c)
		events, size = events+len(c.events), size+len(enc)
	}
	q.waiting = q.waiting[n:]
	if len(batch) == 0 {
		q.inFlight--
		if q.inFlight == 0 && len(q.waiting) == 0 {
			delete(p.queues, stream)
		}
		return nil
	}
	return batch
}

// encodeEvents encodes events as the repeated events field of a
// PublishRequest.
func encodeEvents(events []*sluicev1.Event) ([]byte, error) {
	var out []byte
	for _, e := range events {
		b, err := proto.Marshal(e)
		if err != nil {
			return nil, err
		}
		out = protowire.AppendTag(out, eventsField, protowire.BytesType)
		out = protowire.AppendBytes(out, b)
	}
	return out, nil
}

// eventsField is PublishRequest.events.
const eventsField = 2

// sendCoalesced sends the calls of batch as one request and gives each its
// share of the answer.
func (p *Publisher) sendCoalesced(stream string, batch []*queuedPublish) {
	head := protowire.AppendTag(nil, streamField, protowire.BytesType)
	head = protowire.AppendString(head, stream)
	send := func(ctx context.Context, calls []*queuedPublish) ([]string, error) {
		n := len(head)
		for _, c := range calls {
			n += len(c.encoded)
		}
		req := append(make(encodedRequest, 0, n), head...)
		for _, c := range calls {
			req = append(req, c.encoded...)
		}
		var res sluicev1.PublishResponse
		err := p.conn.Invoke(ctx, sluicev1.PublisherService_Publish_FullMethodName, &req, &res, grpc.ForceCodecV2(encodedCodec{}))
		return res.GetIds(), wrap(err)
	}
	if len(batch) == 1 {
		c := batch[0]
		ids, err := send(c.ctx, batch)
		c.done <- publishResult{ids, err}
		return
	}
	ctx, cancel := coalescedContext(batch)
	defer cancel()
	events := 0
	for _, c := range batch {
		events += len(c.events)
	}
	ids, err := send(ctx, batch)
	if errors.Is(err, ErrInvalidArgument) {
		// One call's bad event fails the whole request and nothing was
		// stored: send each on its own, so that only that call fails.
		for _, c := range batch {
			ids, err := send(c.ctx, []*queuedPublish{c})
			c.done <- publishResult{ids, err}
		}
		return
	}
	if err == nil && len(ids) != events {
		err = fmt.Errorf("sluice: %d IDs for %d events", len(ids), events)
	}
	for _, c := range batch {
		r := publishResult{err: err}
		if err == nil {
			r.ids, ids = ids[:len(c.events):len(c.events)], ids[len(c.events):]
		}
		c.done <- r
	}
}

// streamField is PublishRequest.stream.
const streamField = 1

// encodedRequest is a PublishRequest already in its wire format.
type encodedRequest []byte

// encodedCodec sends an encodedRequest as it is and decodes answers as
// Protobuf. Its name is "proto", so the server sees an ordinary request.
type encodedCodec struct{}

func (encodedCodec) Marshal(v any) (mem.BufferSlice, error) {
	if r, ok := v.(*encodedRequest); ok {
		return mem.BufferSlice{mem.SliceBuffer(*r)}, nil
	}
	return vtcodec.Client.Marshal(v)
}

func (encodedCodec) Unmarshal(data mem.BufferSlice, v any) error {
	return vtcodec.Client.Unmarshal(data, v)
}

func (encodedCodec) Name() string { return "proto" }

// coalescedContext carries the first call's values and the latest of the
// calls' deadlines (none if one has none), and ends once every call's
// context has ended.
func coalescedContext(batch []*queuedPublish) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(batch[0].ctx))
	if latest, ok := latestDeadline(batch); ok {
		var cancelDeadline context.CancelFunc
		ctx, cancelDeadline = context.WithDeadline(ctx, latest)
		cancelAll := cancel
		cancel = func() { cancelDeadline(); cancelAll() }
	}
	var left atomic.Int64
	left.Store(int64(len(batch)))
	stops := make([]func() bool, len(batch))
	for i, c := range batch {
		stops[i] = context.AfterFunc(c.ctx, func() {
			if left.Add(-1) == 0 {
				cancel()
			}
		})
	}
	return ctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
	}
}

func latestDeadline(batch []*queuedPublish) (time.Time, bool) {
	var latest time.Time
	for _, c := range batch {
		d, ok := c.ctx.Deadline()
		if !ok {
			return time.Time{}, false
		}
		if d.After(latest) {
			latest = d
		}
	}
	return latest, true
}

// Position is where an event published to a topic was stored.
type Position struct {
	// Partition of the topic; the stream is "<topic>.p<Partition>".
	Partition int
	// ID is the entry ID in that partition's stream.
	ID string
	// ScheduleID, for an event scheduled for later, is its schedule ID in
	// that partition's stream (ID is then empty).
	ScheduleID string
}

// PublishTopic appends events to a partitioned topic (see
// AdminService.CreateTopic) and returns where each was stored, in order.
// Events with the same key (WithKey) go to the same partition, in order.
// Validation errors store nothing; other errors may leave some partitions
// written, so retries (as for Publish, automatic when every event has an
// idempotency key) rely on idempotency keys.
func (p *Publisher) PublishTopic(ctx context.Context, topic string, events ...*sluicev1.Event) ([]Position, error) {
	res, err := p.publish(ctx, &sluicev1.PublishRequest{Topic: topic, Events: events})
	if err != nil {
		return nil, err
	}
	out := make([]Position, len(res.GetIds()))
	for i, id := range res.GetIds() {
		out[i] = Position{ID: id}
		if i < len(res.GetScheduleIds()) {
			out[i].ScheduleID = res.GetScheduleIds()[i]
		}
		if i < len(res.GetPartitions()) {
			out[i].Partition = int(res.GetPartitions()[i])
		}
	}
	return out, nil
}

func (p *Publisher) publish(ctx context.Context, req *sluicev1.PublishRequest) (*sluicev1.PublishResponse, error) {
	events := req.GetEvents()
	retry := p.retryFor > 0
	for _, e := range events {
		retry = retry && e.GetIdempotencyKey() != ""
	}
	deadline := time.Now().Add(p.retryFor)
	delay := 50 * time.Millisecond
	for {
		res, err := p.rpc.Publish(ctx, req)
		if err == nil {
			return res, nil
		}
		if !retry || status.Code(err) != codes.Unavailable || time.Now().Add(delay).After(deadline) {
			return nil, wrap(err)
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, wrap(err)
		}
		delay = min(2*delay, time.Second)
	}
}

// EventOption sets an optional field of an event built by NewEvent.
type EventOption func(*sluicev1.Event)

// WithKey sets the event's key.
func WithKey(key string) EventOption { return func(e *sluicev1.Event) { e.Key = key } }

// WithIdempotencyKey makes publishing the event idempotent: the server
// stores it once per key and stream within its idempotency window, and
// Publish may then retry safely.
func WithIdempotencyKey(key string) EventOption {
	return func(e *sluicev1.Event) { e.IdempotencyKey = key }
}

// WithHeader sets one header.
func WithHeader(name, value string) EventOption {
	return func(e *sluicev1.Event) {
		if e.Headers == nil {
			e.Headers = make(map[string]string)
		}
		e.Headers[name] = value
	}
}

// WithDeliverAt schedules the event: the server stores it now and appends it
// to the stream at t (by Redis's clock); until then no consumer sees it. A
// time in the past delivers now.
func WithDeliverAt(t time.Time) EventOption {
	return func(e *sluicev1.Event) { e.DeliverAt, e.DeliverAfter = timestamppb.New(t), nil }
}

// WithDeliverAfter schedules the event for d after the server stores it (see
// WithDeliverAt).
func WithDeliverAfter(d time.Duration) EventOption {
	return func(e *sluicev1.Event) { e.DeliverAfter, e.DeliverAt = durationpb.New(d), nil }
}

// WithExpireAt makes the event expire at t: a consumer group that has not
// been sent it by then never is (the server acks it on the group's behalf,
// or dead-letters it for subscriptions with dead_letter_expired), and
// independent readers skip it.
func WithExpireAt(t time.Time) EventOption {
	return func(e *sluicev1.Event) { e.ExpireAt, e.Ttl = timestamppb.New(t), nil }
}

// WithTTL makes the event expire d after it is in the stream (for a
// scheduled event, after it fell due); see WithExpireAt.
func WithTTL(d time.Duration) EventOption {
	return func(e *sluicev1.Event) { e.Ttl, e.ExpireAt = durationpb.New(d), nil }
}

// NewEvent builds an event from a Protobuf message: its type is the
// message's full name, its payload the binary encoding. The server derives
// the version from the package ("examples.orders.v2" -> "v2").
func NewEvent(m proto.Message, opts ...EventOption) (*sluicev1.Event, error) {
	if m == nil {
		return nil, errors.New("sluice: nil message")
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, err
	}
	e := &sluicev1.Event{
		Type: string(m.ProtoReflect().Descriptor().FullName()),
		Data: &sluicev1.Event_Payload{Payload: b},
	}
	for _, o := range opts {
		o(e)
	}
	return e, nil
}
