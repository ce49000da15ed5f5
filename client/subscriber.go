package client

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	otelcodes "go.opentelemetry.io/otel/codes"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/tracing"
)

// SubscriberConfig describes what to consume. It mirrors SubscribeRequest.
type SubscriberConfig struct {
	// Stream to consume. Set exactly one of Stream and Topic.
	Stream string
	// Topic is a partitioned topic to consume instead of a stream. With a
	// group, the group's subscribers share its partitions, each partition
	// read by one subscriber at a time (so one key's messages arrive in
	// order, at one subscriber, as long as the handler is not concurrent:
	// WithConcurrency(1), the default). Message.GetStream and GetPartition
	// say where a message is from.
	Topic string
	// Group is the consumer group; empty makes an independent reader that
	// sees every entry and acks nothing.
	Group string
	// Consumer name in the group. Empty lets the server generate one; the
	// Subscriber then keeps that name across reconnects, so it gets its own
	// unacked messages back first.
	Consumer string
	// Start is where a new group (or a reader) starts. Nil means newest.
	// After a reconnect, a reader resumes after the last entry it received.
	Start *sluicev1.StartPosition
	// MaxInFlight is how many delivered, unacked messages the server lets
	// this subscriber hold. 0 means the server's default (1000).
	MaxInFlight int
	// PayloadFormat asks for JSON payloads where the server knows the type.
	PayloadFormat sluicev1.PayloadFormat
	// AckDeadline is how long the handler may take before the message is
	// redelivered elsewhere. 0 means the server's default (30 s).
	AckDeadline time.Duration
	// MaxDeliveries before a message goes to the dead-letter stream. 0 means
	// the server's default (10).
	MaxDeliveries int
	// DeadLetterExpired dead-letters expired messages (the reason
	// "expired") instead of the server acking them on the group's behalf.
	// Only with a group.
	DeadLetterExpired bool
	// Filter is a CEL expression over the event's type, version, key,
	// headers, content_type and publish_time (see SubscribeRequest.filter).
	// With a group it is the group's filter, set when the group is created;
	// empty takes the group's. A group with another filter refuses the
	// subscription (FAILED_PRECONDITION).
	Filter string
	// RetryPolicy is the backoff before redelivery after a handler error or a
	// time-out. Nil means the server's default (1 s doubling to 60 s).
	RetryPolicy *sluicev1.RetryPolicy
}

// Handler processes one message. Its context carries a "sluice.process"
// span (OpenTelemetry, through the global TracerProvider), a child of the
// publisher's span when the event carries trace context. Returning nil acks it; returning an error
// nacks it, with the error text as the reason, so the group redelivers it
// after the retry backoff (or dead-letters it after max deliveries). A
// message the handler settled itself (Ack, Nack, Reject) is left alone. The
// context ends when Consume stops.
type Handler func(ctx context.Context, m *Message) error

// Message is a delivered message.
type Message struct {
	*sluicev1.Message
	sub     *Subscriber
	settled atomic.Bool
}

// ErrNoAck is returned by the settling methods of messages from independent
// readers, which have nothing to settle.
var ErrNoAck = errors.New("sluice: messages of independent readers cannot be acked")

// Ack acknowledges the message now and waits for the server's answer. Safe
// to call from any goroutine. ACK_STATUS_STALE means the message had been
// redelivered (the deadline passed): another delivery now owns it.
func (m *Message) Ack(ctx context.Context) (sluicev1.AckStatus, error) {
	return m.settle(ctx, func(ids []string) (*sluicev1.AckResult, error) {
		res, err := m.sub.rpc.Ack(ctx, &sluicev1.AckRequest{AckIds: ids})
		return first(res.GetResults(), err)
	})
}

// Nack gives the message back for redelivery after delay (a negative delay
// means the subscription's retry backoff), keeping reason for the
// dead-letter record should it end there. Bytes of reason that are not
// UTF-8 are sent as U+FFFD, and it is cut at 1024 bytes (the server's limit).
func (m *Message) Nack(ctx context.Context, delay time.Duration, reason string) (sluicev1.AckStatus, error) {
	req := &sluicev1.NackRequest{Reason: reasonText(reason)}
	if delay >= 0 {
		req.Delay = durationpb.New(delay)
	}
	return m.settle(ctx, func(ids []string) (*sluicev1.AckResult, error) {
		req.AckIds = ids
		res, err := m.sub.rpc.Nack(ctx, req)
		return first(res.GetResults(), err)
	})
}

// Reject sends the message to the dead-letter stream with reason (made
// UTF-8 and cut to 1024 bytes as for Nack).
func (m *Message) Reject(ctx context.Context, reason string) (sluicev1.AckStatus, error) {
	reason = reasonText(reason)
	return m.settle(ctx, func(ids []string) (*sluicev1.AckResult, error) {
		res, err := m.sub.rpc.Reject(ctx, &sluicev1.RejectRequest{AckIds: ids, Reason: reason})
		return first(res.GetResults(), err)
	})
}

// Hold tells Consume not to settle the message when the handler returns: it
// stays pending until someone settles it, its deadline passes, or the
// subscription ends (which makes it available to other subscribers).
func (m *Message) Hold() { m.settled.Store(true) }

// ExtendAckDeadline sets the message's deadline to now + d (1 s to 10 min),
// for a handler that needs longer. It does not settle the message.
func (m *Message) ExtendAckDeadline(ctx context.Context, d time.Duration) (sluicev1.AckStatus, error) {
	if m.GetAckId() == "" {
		return sluicev1.AckStatus_ACK_STATUS_UNSPECIFIED, ErrNoAck
	}
	res, err := m.sub.rpc.ExtendAckDeadline(ctx, &sluicev1.ExtendAckDeadlineRequest{
		AckIds: []string{m.GetAckId()}, AckDeadline: durationpb.New(d)})
	r, err := first(res.GetResults(), err)
	return r.GetStatus(), err
}

func (m *Message) settle(ctx context.Context, call func([]string) (*sluicev1.AckResult, error)) (sluicev1.AckStatus, error) {
	if m.GetAckId() == "" {
		return sluicev1.AckStatus_ACK_STATUS_UNSPECIFIED, ErrNoAck
	}
	m.settled.Store(true)
	r, err := call([]string{m.GetAckId()})
	return r.GetStatus(), err
}

func first(res []*sluicev1.AckResult, err error) (*sluicev1.AckResult, error) {
	if err != nil {
		return nil, wrap(err)
	}
	if len(res) != 1 {
		return nil, errors.New("sluice: server answered with no result")
	}
	return res[0], nil
}

// Unmarshal decodes the payload (binary or JSON) into dst.
func (m *Message) Unmarshal(dst proto.Message) error {
	if js := m.GetEvent().GetJson(); js != "" {
		return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal([]byte(js), dst)
	}
	return proto.Unmarshal(m.GetEvent().GetPayload(), dst)
}

// Subscriber consumes one subscription. Create it with NewSubscriber and run
// it with Consume.
type Subscriber struct {
	rpc         sluicev1.SubscriberServiceClient
	cfg         SubscriberConfig
	concurrency int
	ackBatch    int
	ackDelay    time.Duration
	minBackoff  time.Duration
	maxBackoff  time.Duration
	log         *slog.Logger

	consumer   atomic.Value // string: the consumer name in use
	assignment atomic.Value // []int: the topic partitions held now
}

// SubscriberOption tunes a Subscriber.
type SubscriberOption func(*Subscriber) error

// WithConcurrency runs the handler on n goroutines. Default 1, which keeps
// stream order; with more, messages are handled in parallel and out of order.
func WithConcurrency(n int) SubscriberOption {
	return func(s *Subscriber) error {
		if n < 1 {
			return errors.New("sluice: concurrency must be at least 1")
		}
		s.concurrency = n
		return nil
	}
}

// WithAckBatching sets how automatic acks are coalesced: up to size ack IDs
// in one Ack call, sent at the latest delay after the first. Default 256 and
// 2 ms. Up to 4 Ack calls are in flight at once.
func WithAckBatching(size int, delay time.Duration) SubscriberOption {
	return func(s *Subscriber) error {
		if size < 1 || size > 10000 || delay < 0 {
			return errors.New("sluice: ack batch size must be 1..10000 and delay >= 0")
		}
		s.ackBatch, s.ackDelay = size, delay
		return nil
	}
}

// WithReconnectBackoff sets the delays between reconnection attempts,
// doubling from min to max, with jitter. Default 100 ms to 5 s.
func WithReconnectBackoff(min, max time.Duration) SubscriberOption {
	return func(s *Subscriber) error {
		if min <= 0 || max < min {
			return errors.New("sluice: backoff needs 0 < min <= max")
		}
		s.minBackoff, s.maxBackoff = min, max
		return nil
	}
}

// WithLogger sets where reconnects and failed acks are logged. Default
// slog.Default().
func WithLogger(l *slog.Logger) SubscriberOption {
	return func(s *Subscriber) error {
		if l == nil {
			return errors.New("sluice: nil logger")
		}
		s.log = l
		return nil
	}
}

// NewSubscriber returns a Subscriber over conn.
func NewSubscriber(conn grpc.ClientConnInterface, cfg SubscriberConfig, opts ...SubscriberOption) (*Subscriber, error) {
	if (cfg.Stream == "") == (cfg.Topic == "") {
		return nil, errors.New("sluice: set exactly one of SubscriberConfig.Stream and SubscriberConfig.Topic")
	}
	if cfg.MaxInFlight < 0 {
		return nil, errors.New("sluice: MaxInFlight must not be negative")
	}
	s := &Subscriber{
		rpc:         sluicev1.NewSubscriberServiceClient(fastCodec{conn}),
		cfg:         cfg,
		concurrency: 1,
		ackBatch:    256,
		ackDelay:    2 * time.Millisecond,
		minBackoff:  100 * time.Millisecond,
		maxBackoff:  5 * time.Second,
		log:         slog.Default(),
	}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	s.consumer.Store(cfg.Consumer)
	return s, nil
}

// Assignment is the topic partitions this subscriber reads now, for a topic
// subscription with a group (nil otherwise, and while disconnected).
func (s *Subscriber) Assignment() []int {
	a, _ := s.assignment.Load().([]int)
	return a
}

// Consumer is the consumer name in use: the configured one, or the one the
// server generated, once known.
func (s *Subscriber) Consumer() string { return s.consumer.Load().(string) }

// Consume receives messages and runs h for each until ctx ends, then waits
// for running handlers, sends the acks still queued and returns nil. When the
// stream breaks (server restart, network), it reconnects with backoff; it
// returns an error only for problems retrying cannot fix (invalid
// configuration, permission). Consume may be called again after it returns,
// but not concurrently.
func (s *Subscriber) Consume(ctx context.Context, h Handler) error {
	if h == nil {
		return errors.New("sluice: nil handler")
	}
	acks := newAcker(s)
	var ackDone sync.WaitGroup
	ackDone.Add(1)
	go func() {
		defer ackDone.Done()
		// Acks must still go out after ctx ends: handlers finished them.
		acks.run(context.WithoutCancel(ctx))
	}()
	handle := func(m *Message) {
		hctx, span := tracing.Process(ctx, m.GetStream(), s.cfg.Group, m.GetId(), int(m.GetDeliveryAttempt()), m.GetEvent().GetHeaders())
		err := h(hctx, m)
		if err != nil {
			span.SetStatus(otelcodes.Error, err.Error())
		}
		span.End()
		if m.GetAckId() == "" || m.settled.Load() {
			return
		}
		if err == nil {
			acks.add(m.GetAckId())
			return
		}
		// Nack at once: the retry backoff starts now, not when the ack
		// deadline runs out.
		nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		if _, nerr := m.Nack(nctx, -1, err.Error()); nerr != nil {
			s.log.Warn("sluice nack failed; the message is redelivered after its deadline", "id", m.GetId(), "err", nerr)
		}
		cancel()
	}
	var err error
	if s.concurrency == 1 {
		// In order, on the receiving goroutine: no hand-off per message.
		// The transport keeps reading ahead meanwhile.
		err = s.receive(ctx, func(m *Message) bool {
			if ctx.Err() != nil {
				return false
			}
			handle(m)
			return true
		})
	} else {
		work := make(chan *Message)
		var workers sync.WaitGroup
		for range s.concurrency {
			workers.Add(1)
			go func() {
				defer workers.Done()
				for m := range work {
					handle(m)
				}
			}()
		}
		err = s.receive(ctx, func(m *Message) bool {
			if ctx.Err() != nil {
				return false // not even when a worker is free
			}
			select {
			case work <- m:
				return true
			case <-ctx.Done():
				return false
			}
		})
		close(work)
		workers.Wait()
	}
	acks.close() // run sends what is queued, then returns
	ackDone.Wait()
	return err
}

// receive runs subscriptions one after another until ctx ends or a
// permanent error.
func (s *Subscriber) receive(ctx context.Context, deliver func(*Message) bool) error {
	pos := &readerPos{parts: make(map[int32]string)} // for readers: where to resume
	delay := s.minBackoff
	for {
		got, err := s.receiveOnce(ctx, deliver, pos)
		if ctx.Err() != nil {
			return nil
		}
		if permanent(err) {
			return wrap(err)
		}
		if got {
			delay = s.minBackoff
		}
		s.log.Warn("sluice subscription broke; reconnecting", "stream", s.cfg.Stream, "topic", s.cfg.Topic, "group", s.cfg.Group,
			"err", err, "in", delay)
		jittered := delay/2 + rand.N(delay/2+1)
		select {
		case <-time.After(jittered):
		case <-ctx.Done():
			return nil
		}
		delay = min(2*delay, s.maxBackoff)
	}
}

// readerPos is how far an independent reader got: the last entry ID of the
// stream, or for a topic of each partition.
type readerPos struct {
	id      string
	parts   map[int32]string
	started time.Time // when the first subscription was opened
}

// resume is where a reader's next subscription starts. A topic reader
// restarts at the time of the oldest entry it still needs and skips what it
// had (seen), since entry IDs are positions in one partition only.
func (p *readerPos) resume(s *Subscriber) *sluicev1.StartPosition {
	if s.cfg.Topic == "" {
		if p.id == "" {
			return s.cfg.Start
		}
		return &sluicev1.StartPosition{Position: &sluicev1.StartPosition_AfterId{AfterId: p.id}}
	}
	if len(p.parts) == 0 || p.started.IsZero() {
		return s.cfg.Start
	}
	if _, ok := s.cfg.Start.GetPosition().(*sluicev1.StartPosition_Edge); ok && s.cfg.Start.GetEdge() == sluicev1.Edge_EDGE_EARLIEST {
		return s.cfg.Start // partitions with nothing read yet start at the beginning
	}
	from := p.started
	if t := s.cfg.Start.GetTime(); t != nil && t.AsTime().Before(from) {
		from = t.AsTime()
	}
	for _, id := range p.parts {
		if t := idTime(id); t.Before(from) {
			from = t
		}
	}
	return &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Time{Time: timestamppb.New(from)}}
}

// seen reports whether a topic reader had m already, and records it.
func (p *readerPos) seen(m *sluicev1.Message) bool {
	prev, ok := p.parts[m.GetPartition()]
	if ok && !idAfter(m.GetId(), prev) {
		return true
	}
	p.parts[m.GetPartition()] = m.GetId()
	return false
}

// idTime is the time part of an entry ID "<ms>-<seq>".
func idTime(id string) time.Time {
	ms, _, _ := strings.Cut(id, "-")
	n, _ := strconv.ParseInt(ms, 10, 64)
	return time.UnixMilli(n)
}

// idAfter reports whether entry ID a comes after b.
func idAfter(a, b string) bool {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	x, _ := strconv.ParseUint(am, 10, 64)
	y, _ := strconv.ParseUint(bm, 10, 64)
	if x != y {
		return x > y
	}
	xs, _ := strconv.ParseUint(as, 10, 64)
	ys, _ := strconv.ParseUint(bs, 10, 64)
	return xs > ys
}

// receiveOnce runs one Subscribe stream; got reports whether it delivered
// anything (which resets the backoff).
func (s *Subscriber) receiveOnce(ctx context.Context, deliver func(*Message) bool, pos *readerPos) (got bool, err error) {
	req := &sluicev1.SubscribeRequest{
		Topic:         s.cfg.Topic,
		Stream:        s.cfg.Stream,
		Group:         s.cfg.Group,
		Consumer:      s.Consumer(),
		Start:         s.cfg.Start,
		MaxInFlight:   int32(s.cfg.MaxInFlight),
		PayloadFormat: s.cfg.PayloadFormat,
		MaxDeliveries: int32(s.cfg.MaxDeliveries),
		RetryPolicy:   s.cfg.RetryPolicy,
	}
	req.DeadLetterExpired, req.Filter = s.cfg.DeadLetterExpired, s.cfg.Filter
	if s.cfg.AckDeadline > 0 {
		req.AckDeadline = durationpb.New(s.cfg.AckDeadline)
	}
	if s.cfg.Group == "" {
		req.Start = pos.resume(s)
		if pos.started.IsZero() {
			pos.started = time.Now()
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer s.assignment.Store([]int(nil))
	stream, err := s.rpc.Subscribe(ctx, req)
	if err != nil {
		return false, err
	}
	for {
		res, err := stream.Recv()
		if err != nil {
			return got, err
		}
		if info := res.GetSubscription(); info != nil && s.cfg.Group != "" {
			s.consumer.Store(info.GetConsumer())
		}
		if a := res.GetAssignment(); a != nil {
			parts := make([]int, len(a.GetPartitions()))
			for i, p := range a.GetPartitions() {
				parts[i] = int(p)
			}
			s.assignment.Store(parts)
		}
		for _, m := range res.GetMessages() {
			got = true
			if s.cfg.Group == "" {
				if s.cfg.Topic != "" {
					if pos.seen(m) {
						continue
					}
				} else {
					pos.id = m.GetId()
				}
			}
			if !deliver(&Message{Message: m, sub: s}) {
				return got, ctx.Err()
			}
		}
	}
}

// acker coalesces automatic acks into few Ack calls, up to acksInFlight of
// them at a time, so that handlers never wait for an Ack round trip. Acks
// are idempotent, so a failed call is retried a few times; if it still fails,
// the messages stay pending and are redelivered (at-least-once).
//
// Handlers queue IDs under a mutex and wake run only for the first ID of a
// batch and for a full one, not once per message. The queue needs no bound
// of its own: the server delivers no more than the subscription's
// MaxInFlight unacked messages.
type acker struct {
	s      *Subscriber
	wake   chan struct{} // cap 1
	mu     sync.Mutex
	queue  []string
	closed bool
}

// acksInFlight bounds the Ack calls one Consume has outstanding.
const acksInFlight = 4

func newAcker(s *Subscriber) *acker {
	return &acker{s: s, wake: make(chan struct{}, 1)}
}

func (a *acker) add(id string) {
	a.mu.Lock()
	a.queue = append(a.queue, id)
	n := len(a.queue)
	a.mu.Unlock()
	if n == 1 || n == a.s.ackBatch {
		a.kick()
	}
}

func (a *acker) kick() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func (a *acker) close() {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	a.kick()
}

// take removes a full batch from the queue, or with all whatever is
// queued, up to a batch. It reports whether the acker was closed and how
// many IDs it left queued.
func (a *acker) take(all bool) (ids []string, closed bool, left int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := len(a.queue)
	if n >= a.s.ackBatch || (all || a.closed) && n > 0 {
		n = min(n, a.s.ackBatch)
		ids = a.queue[:n:n]
		a.queue = a.queue[n:]
		if len(a.queue) == 0 {
			a.queue = nil // a new batch gets a new array: ids keeps this one
		}
	}
	return ids, a.closed, len(a.queue)
}

// run sends batches until close, then sends the rest within a few seconds,
// waits for the calls in flight and returns. A batch goes out when it is
// full or its first ID has waited the ack delay.
func (a *acker) run(ctx context.Context) {
	slots := make(chan struct{}, acksInFlight)
	var calls sync.WaitGroup
	defer calls.Wait()
	var due <-chan time.Time // the ack delay of the oldest queued ID
	expired := false
	for {
		ids, closed, left := a.take(expired)
		if closed {
			final, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			for ; len(ids) > 0; ids, _, _ = a.take(true) {
				a.send(final, ids)
			}
			return
		}
		if ids != nil {
			expired, due = false, nil
			slots <- struct{}{}
			calls.Add(1)
			go func() {
				defer func() { <-slots; calls.Done() }()
				a.send(ctx, ids)
			}()
			continue // maybe another full batch
		}
		if left > 0 && due == nil {
			due = time.After(a.s.ackDelay)
		}
		select {
		case <-a.wake:
		case <-due:
			expired = true
		}
	}
}

func (a *acker) send(ctx context.Context, ids []string) {
	if len(ids) == 0 {
		return
	}
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err = a.s.rpc.Ack(callCtx, &sluicev1.AckRequest{AckIds: ids, OmitResults: true})
		cancel()
		if err == nil || permanent(err) {
			break
		}
		select {
		case <-time.After(time.Duration(50<<attempt) * time.Millisecond):
		case <-ctx.Done():
		}
	}
	if err != nil {
		a.s.log.Warn("sluice acks failed; the messages will be redelivered", "count", len(ids), "err", err)
	}
}

// reasonText is s as a reason the server takes: valid UTF-8 (a handler's
// error may quote payload bytes; protobuf refuses such a string) and at most
// 1024 bytes.
func reasonText(s string) string {
	return truncate(strings.ToValidUTF8(s, "\uFFFD"), 1024)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
