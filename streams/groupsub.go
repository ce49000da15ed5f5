package streams

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// releaseTimeout bounds the Redis call that releases a closing
// subscription's messages.
const releaseTimeout = 2 * time.Second

// GroupOptions describe a group subscription.
type GroupOptions struct {
	Stream, Group, Consumer string
	// MaxInFlight is how many delivered, unacked entries the subscription may
	// hold. Must be positive.
	MaxInFlight int
	Policy      Policy
	// Ephemeral marks a consumer name made up for this subscription alone:
	// Close deletes the consumer from the group if it holds nothing pending,
	// so short-lived subscribers do not pile up in XINFO CONSUMERS.
	Ephemeral bool
	// Filter, when set, is the group's filter (see CreateGroup): the
	// dispatcher acks the entries it rejects on the group's behalf instead
	// of delivering them (see screen.go). Safe for concurrent use.
	Filter func(*Entry) bool
}

// GroupSub is one subscription to a consumer group. Deliveries are queued by
// the group's dispatcher and taken with Next. Next, Sent and Close are safe
// to call from different goroutines; Next itself from one at a time.
type GroupSub struct {
	d         *dispatcher
	consumer  string
	max       int
	policy    Policy
	ephemeral bool
	filter    func(*Entry) bool
	// registered is when the dispatcher last wrote the consumer's threshold
	// to Redis; only the dispatcher's goroutine uses it.
	registered time.Time

	// Guarded by d.mu.
	inflight int
	removed  bool

	box mailbox
}

// Consumer is the subscription's consumer name.
func (g *GroupSub) Consumer() string { return g.consumer }

// Next blocks until deliveries are available and returns all queued ones. It
// returns ctx.Err() when ctx ends, ErrClosed when the Store closes and
// ErrGroupDeleted when the group disappeared.
func (g *GroupSub) Next(ctx context.Context) ([]Delivery, error) {
	return g.box.next(ctx)
}

// Sent tells the subscription that ds reached the client. The ack deadline
// counts from here: if sending took long enough to matter (a slow client),
// the deadlines are pushed back in Redis. ds is the subscription's again
// after Sent: the caller must not use it any more (it is reused for a later
// read).
func (g *GroupSub) Sent(ctx context.Context, ds []Delivery) error {
	defer putDeliveries(ds)
	slack := max(50*time.Millisecond, g.policy.AckDeadline/20)
	var late []settleItem
	for _, d := range ds {
		if time.Since(d.readAt) > slack {
			late = append(late, settleItem{ID: d.ID, Attempt: d.Attempt, Wait: g.policy.wait(d.Attempt)})
		}
	}
	if len(late) == 0 {
		return nil
	}
	return g.d.s.settleBatches(ctx, opExtend, "", []*settleBatch{{key: g.d.key, items: late}}, false)
}

// Close ends the subscription. The messages it held and did not settle
// become available to the group's other subscribers at once (they stay
// pending, as claimable). An ephemeral consumer that then holds nothing is
// deleted from the group. If the dispatcher is reading for the subscription
// (a read waits in Redis up to 250 ms), Close waits for that read and for
// what it got to be given back, so that nothing reaches the consumer after
// Close returns. Then it makes at most two Redis calls of at most two
// seconds each. Close is idempotent.
func (g *GroupSub) Close() {
	held, ok := g.d.remove(g)
	if !ok {
		return
	}
	g.d.waitStep(g)
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	g.d.releaseHeld(ctx, held)
	if !g.ephemeral {
		return
	}
	if _, err := g.d.deleteIdleConsumer(ctx, g.consumer); err != nil {
		g.d.s.log.Debug("could not delete ephemeral consumer", "consumer", g.consumer, "err", err)
	}
}

// setMax changes how many messages the subscription may hold; 0 pauses it.
func (g *GroupSub) setMax(n int) {
	g.d.mu.Lock()
	g.max = n
	g.d.mu.Unlock()
	g.d.kick()
}

// holding is how many delivered messages the subscription has not settled.
func (g *GroupSub) holding() int {
	g.d.mu.Lock()
	defer g.d.mu.Unlock()
	return g.inflight
}

// SubscribeGroup joins a consumer group that must exist (see EnsureGroup).
// All subscriptions of one stream and group in this process share one
// dispatcher, which reads for one consumer at a time in turn, each time at
// most that subscription's free credit, waiting in Redis (XREADGROUP BLOCK)
// when nothing is new.
func (s *Store) SubscribeGroup(o GroupOptions) (*GroupSub, error) {
	if o.MaxInFlight <= 0 {
		return nil, errors.New("streams: MaxInFlight must be positive")
	}
	if err := o.Policy.validate(); err != nil {
		return nil, err
	}
	g := &GroupSub{consumer: o.Consumer, max: o.MaxInFlight, policy: o.Policy, ephemeral: o.Ephemeral,
		filter: o.Filter, box: newMailbox()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	key := groupKey{o.Stream, o.Group}
	d := s.dispatchers[key]
	if d == nil {
		d = &dispatcher{
			s:      s,
			key:    key,
			wake:   make(chan struct{}, 1),
			held:   make(map[ID]held),
			cursor: "0-0",
		}
		s.dispatchers[key] = d
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			d.run(s.ctx)
		}()
	}
	g.d = d
	d.mu.Lock()
	d.subs = append(d.subs, g)
	d.mu.Unlock()
	d.kick()
	return g, nil
}

// EnsureGroup creates group on stream at start (Newest, Earliest, or an ID
// after which delivery begins), creating the stream too if it is missing.
// An existing group is left as it is.
func (s *Store) EnsureGroup(ctx context.Context, stream, group, start string) error {
	err := s.rdb.XGroupCreateMkStream(ctx, stream, group, start).Err()
	if err != nil && redis.HasErrorPrefix(err, "BUSYGROUP") {
		return nil
	}
	return classify(err)
}
