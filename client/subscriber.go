package client

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
)

// SubscriberConfig describes what to consume. It mirrors SubscribeRequest.
type SubscriberConfig struct {
	// Stream to consume. Required.
	Stream string
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
}

// Handler processes one message. Returning nil acks it (unless it was acked
// or will be acked explicitly); returning an error leaves it pending, so the
// group redelivers it later. The context ends when Consume stops.
type Handler func(ctx context.Context, m *Message) error

// Message is a delivered message.
type Message struct {
	*sluicev1.Message
	sub   *Subscriber
	acked atomic.Bool
}

// Ack acknowledges the message now and waits for the server's answer. Safe
// to call from any goroutine; a second call asks the server again, which
// then reports ACK_STATUS_NOT_PENDING.
func (m *Message) Ack(ctx context.Context) (sluicev1.AckStatus, error) {
	if m.GetAckId() == "" {
		return sluicev1.AckStatus_ACK_STATUS_UNSPECIFIED, errors.New("sluice: messages of independent readers have no ack")
	}
	m.acked.Store(true)
	res, err := m.sub.rpc.Ack(ctx, &sluicev1.AckRequest{AckIds: []string{m.GetAckId()}})
	if err != nil {
		return sluicev1.AckStatus_ACK_STATUS_UNSPECIFIED, wrap(err)
	}
	return res.GetResults()[0].GetStatus(), nil
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

	consumer atomic.Value // string: the consumer name in use
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
// 2 ms.
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
	if cfg.Stream == "" {
		return nil, errors.New("sluice: SubscriberConfig.Stream is required")
	}
	if cfg.MaxInFlight < 0 {
		return nil, errors.New("sluice: MaxInFlight must not be negative")
	}
	s := &Subscriber{
		rpc:         sluicev1.NewSubscriberServiceClient(conn),
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
	work := make(chan *Message)
	acks := newAcker(s)
	var ackDone sync.WaitGroup
	ackDone.Add(1)
	go func() {
		defer ackDone.Done()
		// Acks must still go out after ctx ends: handlers finished them.
		acks.run(context.WithoutCancel(ctx))
	}()
	var workers sync.WaitGroup
	for i := 0; i < s.concurrency; i++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for m := range work {
				if err := h(ctx, m); err == nil && m.GetAckId() != "" && !m.acked.Load() {
					acks.add(m.GetAckId())
				}
			}
		}()
	}
	err := s.receive(ctx, work)
	close(work)
	workers.Wait()
	acks.close() // run sends what is queued, then returns
	ackDone.Wait()
	return err
}

// receive runs subscriptions one after another until ctx ends or a
// permanent error.
func (s *Subscriber) receive(ctx context.Context, work chan<- *Message) error {
	var lastID string // for readers: resume after it
	delay := s.minBackoff
	for {
		got, err := s.receiveOnce(ctx, work, &lastID)
		if ctx.Err() != nil {
			return nil
		}
		if permanent(err) {
			return wrap(err)
		}
		if got {
			delay = s.minBackoff
		}
		s.log.Warn("sluice subscription broke; reconnecting", "stream", s.cfg.Stream, "group", s.cfg.Group,
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

// receiveOnce runs one Subscribe stream; got reports whether it delivered
// anything (which resets the backoff).
func (s *Subscriber) receiveOnce(ctx context.Context, work chan<- *Message, lastID *string) (got bool, err error) {
	req := &sluicev1.SubscribeRequest{
		Stream:        s.cfg.Stream,
		Group:         s.cfg.Group,
		Consumer:      s.Consumer(),
		Start:         s.cfg.Start,
		MaxInFlight:   int32(s.cfg.MaxInFlight),
		PayloadFormat: s.cfg.PayloadFormat,
	}
	if s.cfg.Group == "" && *lastID != "" {
		req.Start = &sluicev1.StartPosition{Position: &sluicev1.StartPosition_AfterId{AfterId: *lastID}}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
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
		for _, m := range res.GetMessages() {
			got = true
			if s.cfg.Group == "" {
				*lastID = m.GetId()
			}
			select {
			case work <- &Message{Message: m, sub: s}:
			case <-ctx.Done():
				return got, ctx.Err()
			}
		}
	}
}

// acker coalesces automatic acks into few Ack calls. Acks are idempotent, so
// a failed call is retried a few times; if it still fails, the messages stay
// pending and are redelivered (at-least-once).
type acker struct {
	s    *Subscriber
	in   chan string
	once sync.Once
}

func newAcker(s *Subscriber) *acker {
	return &acker{s: s, in: make(chan string, s.ackBatch)}
}

func (a *acker) add(id string) { a.in <- id }

func (a *acker) close() { a.once.Do(func() { close(a.in) }) }

// run sends batches until in is closed, then sends the rest within a few
// seconds and returns.
func (a *acker) run(ctx context.Context) {
	batch := make([]string, 0, a.s.ackBatch)
	var timer <-chan time.Time
	for {
		select {
		case id, ok := <-a.in:
			if !ok {
				final, cancel := context.WithTimeout(ctx, 5*time.Second)
				a.send(final, batch)
				cancel()
				return
			}
			batch = append(batch, id)
			if len(batch) < a.s.ackBatch {
				if timer == nil {
					timer = time.After(a.s.ackDelay)
				}
				continue
			}
		case <-timer:
		}
		a.send(ctx, batch)
		batch, timer = batch[:0], nil
	}
}

func (a *acker) send(ctx context.Context, ids []string) {
	if len(ids) == 0 {
		return
	}
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err = a.s.rpc.Ack(callCtx, &sluicev1.AckRequest{AckIds: ids})
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
