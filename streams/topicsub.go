package streams

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Partition assignment timing. A member heartbeats every topicHeartbeat; a
// lease it does not renew expires after topicLease, so a crashed
// subscription's partitions move after at most topicLease.
const (
	topicHeartbeat = time.Second
	topicLease     = 6 * time.Second
	// drainPoll is how often a partition being given up is checked for
	// messages still in flight.
	drainPoll = 50 * time.Millisecond
	// maxDrain bounds how long a partition being given up waits for its
	// in-flight messages to be settled before releasing them to the next
	// owner.
	maxDrain = 10 * time.Second
)

// TopicOptions describe a group subscription to a partitioned topic.
type TopicOptions struct {
	Topic      string
	Partitions int
	Group      string
	Consumer   string
	// Start is where a partition's group begins if it does not exist yet
	// (Newest, Earliest, or an ID such as AfterTime gives).
	Start string
	// MaxInFlight is shared by the partitions held: each gets an equal part,
	// at least 1.
	MaxInFlight int
	Policy      Policy
	// Ephemeral: see GroupOptions.
	Ephemeral bool
}

// TopicSub is one subscription of a group to a topic. It holds a lease on
// some of the topic's partitions, agreed with the group's other
// subscriptions (on any replica) through Redis, and delivers from those
// partitions only, so that one partition, and so one key, is read by one
// subscription at a time. Next, Sent, Assignment and Close are safe for
// concurrent use; Next itself from one goroutine at a time.
type TopicSub struct {
	s      *Store
	o      TopicOptions
	member string
	ctx    context.Context // ends on Close or when the Store closes
	cancel context.CancelFunc
	done   chan struct{} // closed when the coordinator ended

	box mailbox // deliveries of every partition; marked when assigned changes

	mu       sync.Mutex
	parts    map[int]*partition
	assigned []int // partitions delivering (not draining), ascending
}

type partition struct {
	n        int
	g        *GroupSub
	cancel   context.CancelFunc // ends the forwarder
	done     chan struct{}      // closed when the forwarder ended
	draining time.Time          // zero, or when giving up started
}

// SubscribeTopic joins a group on a topic. The group on each partition is
// created (at o.Start) when the subscription first takes that partition.
func (s *Store) SubscribeTopic(o TopicOptions) (*TopicSub, error) {
	if o.MaxInFlight <= 0 || o.Partitions < 1 {
		return nil, errors.New("streams: MaxInFlight and Partitions must be positive")
	}
	if err := o.Policy.validate(); err != nil {
		return nil, err
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	t := &TopicSub{
		s:      s,
		o:      o,
		member: o.Consumer + "#" + hex.EncodeToString(b[:]),
		done:   make(chan struct{}),
		parts:  make(map[int]*partition),
		box:    newMailbox(),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	t.ctx, t.cancel = context.WithCancel(s.ctx)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(t.done)
		t.run()
	}()
	return t, nil
}

// Member is the subscription's name in the group's assignment.
func (t *TopicSub) Member() string { return t.member }

// Next blocks until deliveries are available or the assignment changed, and
// returns the queued deliveries (possibly none, after an assignment change:
// see Assignment). Each delivery's Partition and Stream say where it is
// from. It returns ctx.Err() when ctx ends, ErrClosed when the Store closes,
// and ErrGroupDeleted when a partition's group disappeared.
func (t *TopicSub) Next(ctx context.Context) ([]Delivery, error) {
	return t.box.next(ctx)
}

// Assignment returns the partitions the subscription delivers from now,
// ascending (partitions being given up are not listed).
func (t *TopicSub) Assignment() []int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.assigned)
}

// Sent is GroupSub.Sent for deliveries of any of the topic's partitions.
func (t *TopicSub) Sent(ctx context.Context, ds []Delivery) error {
	by := make(map[int][]Delivery)
	for _, d := range ds {
		by[d.Partition] = append(by[d.Partition], d)
	}
	var errs []error
	for p, ds := range by {
		t.mu.Lock()
		part := t.parts[p]
		t.mu.Unlock()
		if part != nil {
			errs = append(errs, part.g.Sent(ctx, ds))
		}
	}
	return errors.Join(errs...)
}

// Close ends the subscription: it stops reading, releases the messages it
// held (as GroupSub.Close does) and gives up its partitions at once, so the
// group's other subscriptions take them at their next heartbeat. It waits
// for that, at most a few seconds, and is idempotent.
func (t *TopicSub) Close() {
	t.cancel()
	<-t.done
}

// run is the coordinator: heartbeats, starts and stops partitions, and on
// the way out releases everything.
func (t *TopicSub) run() {
	var giveUp []int
	timer := time.NewTimer(0)
	defer timer.Stop()
	// expiry fires when the leases may be about to go to others: lease
	// minus two heartbeats after the start of the last successful renewal
	// (Redis set the expiry later than that start, so this is early).
	expiry := time.NewTimer(time.Hour)
	expiry.Stop()
	defer expiry.Stop()
	for {
		select {
		case <-t.ctx.Done():
			t.leave()
			return
		case <-expiry.C:
			// Renewals kept failing: stop delivering before two
			// subscriptions read one partition.
			t.s.log.Warn("topic subscription lost contact with Redis; stopped reading its partitions",
				"topic", t.o.Topic, "group", t.o.Group, "member", t.member)
			t.stopAll()
			continue
		case <-timer.C:
		}
		started := time.Now()
		owned, drop, err := t.heartbeat(giveUp, false)
		switch {
		case t.ctx.Err() != nil:
			continue
		case err != nil:
			t.s.log.Warn("topic subscription could not renew its partitions", "topic", t.o.Topic,
				"group", t.o.Group, "member", t.member, "err", err)
			timer.Reset(topicHeartbeat)
			continue
		}
		expiry.Reset(time.Until(started.Add(topicLease - 2*topicHeartbeat)))
		idle, err := t.apply(owned, drop)
		if err != nil {
			if t.ctx.Err() == nil {
				t.box.end(err)
			}
			t.leave()
			return
		}
		giveUp = append(idle, t.drained()...)
		next := topicHeartbeat
		switch {
		case len(giveUp) > 0:
			next = 0
		case t.anyDraining():
			next = drainPoll
		}
		timer.Reset(next)
	}
}

func (t *TopicSub) heartbeat(giveUp []int, leave bool) (owned, drop []int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), topicHeartbeat)
	defer cancel()
	args := []any{t.member, topicLease.Milliseconds(), t.o.Partitions, 0}
	if leave {
		args[3] = 1
	}
	for _, p := range giveUp {
		args = append(args, p)
	}
	keys := []string{membersKey(t.o.Topic, t.o.Group), ownersKey(t.o.Topic, t.o.Group)}
	res, err := rebalanceScript.Run(ctx, t.s.rdb, keys, args...).Slice()
	if err != nil {
		return nil, nil, classify(err)
	}
	if len(res) != 2 {
		return nil, nil, fmt.Errorf("streams: unexpected rebalance reply %v", res)
	}
	ints := func(v any) []int {
		vs, _ := v.([]any)
		out := make([]int, 0, len(vs))
		for _, x := range vs {
			if n, ok := x.(int64); ok {
				out = append(out, int(n))
			}
		}
		return out
	}
	return ints(res[0]), ints(res[1]), nil
}

// apply makes the running partitions follow the lease holder's view: start
// what is owned and not running, begin giving up what is to be dropped, and
// stop at once what is no longer owned at all (the lease was lost). It
// returns the partitions to drop that were not running: they can be given up
// at once.
func (t *TopicSub) apply(owned, drop []int) (idle []int, err error) {
	for _, p := range owned {
		t.mu.Lock()
		running := t.parts[p] != nil
		t.mu.Unlock()
		switch {
		case running:
		case slices.Contains(drop, p):
			idle = append(idle, p)
		default:
			if err := t.startPartition(p); err != nil {
				if errors.Is(err, ErrUnavailable) || (errors.Is(err, context.DeadlineExceeded) && t.ctx.Err() == nil) {
					continue // the lease stays ours; try again at the next heartbeat
				}
				return nil, err
			}
		}
	}
	t.mu.Lock()
	var lost []*partition
	for p, part := range t.parts {
		switch {
		case !slices.Contains(owned, p):
			lost = append(lost, part)
			delete(t.parts, p)
		case slices.Contains(drop, p) && part.draining.IsZero():
			part.draining = time.Now()
			part.g.setMax(0)
		}
	}
	t.mu.Unlock()
	for _, part := range lost {
		t.stopPartition(part)
	}
	t.rebalanceCredit()
	return idle, nil
}

func (t *TopicSub) startPartition(p int) error {
	stream := PartitionStream(t.o.Topic, p)
	ctx, cancel := context.WithTimeout(t.ctx, topicHeartbeat)
	err := t.s.EnsureGroup(ctx, stream, t.o.Group, t.o.Start)
	cancel()
	if err != nil {
		return err
	}
	g, err := t.s.SubscribeGroup(GroupOptions{
		Stream: stream, Group: t.o.Group, Consumer: t.o.Consumer,
		MaxInFlight: 1, Policy: t.o.Policy, Ephemeral: t.o.Ephemeral,
	})
	if err != nil {
		return err
	}
	fctx, fcancel := context.WithCancel(t.ctx)
	part := &partition{n: p, g: g, cancel: fcancel, done: make(chan struct{})}
	t.mu.Lock()
	t.parts[p] = part
	t.mu.Unlock()
	t.s.wg.Add(1)
	go func() {
		defer t.s.wg.Done()
		defer close(part.done)
		t.forward(fctx, part)
	}()
	return nil
}

// forward moves one partition's deliveries into the subscription's queue.
func (t *TopicSub) forward(ctx context.Context, part *partition) {
	for {
		ds, err := part.g.Next(ctx)
		if err != nil {
			if ctx.Err() == nil {
				t.box.end(err) // the group disappeared, or the Store is closing
			}
			return
		}
		for i := range ds {
			ds[i].Partition = part.n
		}
		// stopPartition waits for this goroutine before it drops what the
		// partition queued, so a partition replaced meanwhile is the only
		// case to check.
		t.mu.Lock()
		current := t.parts[part.n] == part
		t.mu.Unlock()
		if current {
			t.box.push(ds)
		}
	}
}

// stopPartition stops reading a partition and releases what it held.
func (t *TopicSub) stopPartition(part *partition) {
	part.cancel()
	<-part.done
	t.box.drop(func(d *Delivery) bool { return d.Partition == part.n })
	part.g.Close()
}

// stopAll stops every partition: first all deliveries (at once), then the
// releases, which talk to Redis and may be slow when it is unreachable.
func (t *TopicSub) stopAll() {
	t.mu.Lock()
	parts := t.parts
	t.parts = make(map[int]*partition)
	t.mu.Unlock()
	for _, part := range parts {
		part.cancel()
	}
	for _, part := range parts {
		<-part.done
	}
	t.box.drop(func(*Delivery) bool { return true })
	for _, part := range parts {
		part.g.Close()
	}
	t.rebalanceCredit()
}

// drained stops the partitions being given up whose messages are all
// settled (or that waited long enough) and returns them, to be released.
func (t *TopicSub) drained() []int {
	wait := min(t.o.Policy.AckDeadline, maxDrain)
	t.mu.Lock()
	var done []*partition
	for p, part := range t.parts {
		if !part.draining.IsZero() && (part.g.holding() == 0 || time.Since(part.draining) > wait) {
			done = append(done, part)
			delete(t.parts, p)
		}
	}
	t.mu.Unlock()
	out := make([]int, len(done))
	for i, part := range done {
		t.stopPartition(part)
		out[i] = part.n
	}
	return out
}

func (t *TopicSub) anyDraining() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, part := range t.parts {
		if !part.draining.IsZero() {
			return true
		}
	}
	return false
}

// rebalanceCredit shares MaxInFlight among the delivering partitions and
// publishes the assignment.
func (t *TopicSub) rebalanceCredit() {
	t.mu.Lock()
	var active []*partition
	assigned := []int{}
	for _, part := range t.parts {
		if part.draining.IsZero() {
			active = append(active, part)
			assigned = append(assigned, part.n)
		}
	}
	slices.Sort(assigned)
	changed := !slices.Equal(assigned, t.assigned)
	if changed {
		t.assigned = assigned
	}
	t.mu.Unlock()
	if len(active) > 0 {
		share := max(1, (t.o.MaxInFlight+len(active)-1)/len(active))
		for _, part := range active {
			part.g.setMax(share)
		}
	}
	if changed {
		t.box.mark()
	}
}

// leave stops every partition (releasing held messages) and gives up the
// leases and the membership, so the others need not wait for expiry.
func (t *TopicSub) leave() {
	t.stopAll()
	if _, _, err := t.heartbeat(nil, true); err != nil {
		t.s.log.Warn("topic subscription could not give up its partitions; they move when the lease expires",
			"topic", t.o.Topic, "group", t.o.Group, "member", t.member, "lease", topicLease, "err", err)
	}
	t.box.end(ErrClosed)
}
