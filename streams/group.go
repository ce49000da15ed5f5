package streams

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	// MaxWait is the longest ack deadline, nack delay or backoff, and the
	// min-idle of every reclaim (see scripts.go).
	MaxWait = 600 * time.Second
	// maxReadBatch caps one read, so one subscription with much credit does
	// not starve the others of the same group.
	maxReadBatch = 500
	// reconcileEvery is how often a group whose subscriptions all lack
	// credit asks Redis which of their messages were acked elsewhere (on
	// another replica, or by redis-cli).
	reconcileEvery = 250 * time.Millisecond
	// claimEvery is how often a dispatcher looks for entries to redeliver
	// (timed out, nacked, released by a closed subscription). Local nacks and
	// closes trigger a look at once.
	claimEvery = 500 * time.Millisecond
	// sweepEvery is how often a dispatcher looks for idle consumers.
	sweepEvery = time.Minute
	// releaseTimeout bounds the Redis call that releases a closing
	// subscription's messages.
	releaseTimeout = 2 * time.Second
)

// Policy is how a group subscription handles unacked messages.
type Policy struct {
	// AckDeadline is how long a message may go unacked after it was sent
	// before it is redelivered. 0 < AckDeadline <= MaxWait.
	AckDeadline time.Duration
	// MaxDeliveries is the number of deliveries after which an unacked
	// message is dead-lettered instead of delivered again. At least 1.
	MaxDeliveries int
	// BackoffMin and BackoffMax shape the delay before a redelivery after a
	// time-out or a nack without delay: BackoffMin * 2^(attempt-1), capped.
	BackoffMin, BackoffMax time.Duration
}

// Backoff is the retry delay after delivery attempt n.
func (p Policy) Backoff(n int) time.Duration {
	d := float64(p.BackoffMin) * math.Pow(2, float64(n-1))
	if d > float64(p.BackoffMax) {
		return p.BackoffMax
	}
	return time.Duration(d)
}

// wait is how long after a delivery of attempt n the message becomes
// claimable if nobody settles it.
func (p Policy) wait(n int) time.Duration {
	return min(p.AckDeadline+p.Backoff(n), MaxWait)
}

func (p Policy) validate() error {
	switch {
	case p.AckDeadline <= 0 || p.AckDeadline > MaxWait:
		return fmt.Errorf("streams: ack deadline must be in (0, %v]", MaxWait)
	case p.MaxDeliveries < 1:
		return errors.New("streams: max deliveries must be at least 1")
	case p.BackoffMin < 0 || p.BackoffMax < p.BackoffMin || p.BackoffMax > MaxWait:
		return fmt.Errorf("streams: backoff needs 0 <= min <= max <= %v", MaxWait)
	}
	return nil
}

// Delivery is an entry delivered to a group subscription.
type Delivery struct {
	Entry
	// Attempt is the entry's delivery count in the group's pending entries
	// list after this delivery: 1 on first delivery.
	Attempt int
	// NackDelay is the retry backoff for this attempt: the delay of a nack
	// that names none.
	NackDelay time.Duration
	// Stream is the stream the entry is in.
	Stream string
	// Partition is the entry's partition, for a topic subscription.
	Partition int
	// Fence is the group's redelivery epoch when the entry was delivered,
	// plus one (0: unknown). Pass it back in Ref.Fence: while no entry of
	// the group has been redelivered since, an ack needs no delivery count
	// check (see ackScript).
	Fence  uint64
	readAt time.Time
}

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
	// registered is when the dispatcher last wrote the consumer's threshold
	// to Redis; only the dispatcher's goroutine uses it.
	registered time.Time

	// Guarded by d.mu.
	inflight int
	removed  bool

	mu     sync.Mutex
	queue  []Delivery
	err    error
	notify chan struct{} // cap 1: queue grew or err was set
}

// deliveryPool keeps the arrays of read batches (*[]Delivery) that went
// out (Sent) for later reads: a read of 500 entries is a 100 KB array.
// What a pooled array still points to (payloads) stays reachable until it
// is reused, or dropped by the pool at a garbage collection.
var deliveryPool sync.Pool

// getDeliveries is an empty slice with room for n deliveries.
func getDeliveries(n int) []Delivery {
	if p, ok := deliveryPool.Get().(*[]Delivery); ok {
		if cap(*p) >= n {
			return (*p)[:0]
		}
		deliveryPool.Put(p)
	}
	return make([]Delivery, 0, n)
}

// putDeliveries gives ds's array back for later reads.
func putDeliveries(ds []Delivery) {
	if cap(ds) >= minPooledBatch {
		ds = ds[:0]
		deliveryPool.Put(&ds)
	}
}

// minPooledBatch is the smallest read batch array worth keeping.
const minPooledBatch = 64

// Consumer is the subscription's consumer name.
func (g *GroupSub) Consumer() string { return g.consumer }

// Next blocks until deliveries are available and returns all queued ones. It
// returns ctx.Err() when ctx ends, ErrClosed when the Store closes and
// ErrGroupDeleted when the group disappeared.
func (g *GroupSub) Next(ctx context.Context) ([]Delivery, error) {
	for {
		g.mu.Lock()
		q, err := g.queue, g.err
		g.queue = nil
		g.mu.Unlock()
		if len(q) > 0 {
			return q, nil
		}
		if err != nil {
			return nil, err
		}
		select {
		case <-g.notify:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
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
	_, err := g.d.s.settle(ctx, g.d.key, opExtend, "", late)
	return err
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
	g.d.s.releaseHeld(ctx, g.d, held)
	if !g.ephemeral {
		return
	}
	err := delIdleConsumer.Run(ctx, g.d.s.rdb, []string{g.d.key.stream, waitsKey(g.d.key.stream)}, g.d.key.group, g.consumer).Err()
	if err != nil && !redis.HasErrorPrefix(err, "NOGROUP") {
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

// push queues ds, which the subscription then owns.
func (g *GroupSub) push(ds []Delivery) {
	g.mu.Lock()
	if len(g.queue) == 0 {
		g.queue = ds // the common case: Next took everything before
	} else {
		g.queue = append(g.queue, ds...)
	}
	g.mu.Unlock()
	g.signal()
}

func (g *GroupSub) end(err error) {
	g.mu.Lock()
	if g.err == nil {
		g.err = err
	}
	g.mu.Unlock()
	g.signal()
}

func (g *GroupSub) signal() {
	select {
	case g.notify <- struct{}{}:
	default:
	}
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
		notify: make(chan struct{}, 1)}
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

// dispatcher delivers one stream and group to the subscriptions of this
// process. It runs in its own goroutine, owned by the Store, and ends when
// its last subscription leaves, the group disappears, or the Store closes.
type dispatcher struct {
	s    *Store
	key  groupKey
	wake chan struct{} // cap 1: credit freed, subscriptions came or went, claim now

	mu        sync.Mutex
	subs      []*GroupSub
	next      int         // round-robin position in subs
	held      map[ID]held // delivered, not yet settled
	claimAt   time.Time   // next reclaim scan
	cursor    string      // reclaim scan position
	lastSweep time.Time
	idleSince map[string]time.Time // consumers whose idle time Redis does not report
	stepFor   *GroupSub            // the subscription a read or reclaim runs for
	stepDone  chan struct{}        // made by waitStep, closed when that step ends
}

type held struct {
	g       *GroupSub
	attempt int
}

func (d *dispatcher) kick() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// claimSoon makes the next loop look for redeliveries at once.
func (d *dispatcher) claimSoon() {
	d.mu.Lock()
	d.claimAt = time.Time{}
	d.mu.Unlock()
	d.kick()
}

func (d *dispatcher) run(ctx context.Context) {
	var b backoff
	for {
		// What a wake-up announces, pick sees from here on.
		select {
		case <-d.wake:
		default:
		}
		g, count := d.pick()
		if g == nil {
			if d.retireIfIdle() {
				return
			}
			select {
			case <-d.wake:
			case <-ctx.Done():
				d.stop(ErrClosed)
				return
			case <-time.After(reconcileEvery):
				d.reconcile(ctx)
			}
			continue
		}
		d.sweep(ctx)
		if err := d.step(ctx, g, count, d.claimDue()); err != nil {
			switch {
			case ctx.Err() != nil:
				d.stop(ErrClosed)
				return
			case errors.Is(err, ErrGroupDeleted):
				d.s.log.Warn("consumer group disappeared; ending its subscriptions",
					"stream", d.key.stream, "group", d.key.group)
				d.stop(ErrGroupDeleted)
				return
			}
			d.s.log.Warn("reading group failed; retrying", "stream", d.key.stream, "group", d.key.group, "err", err)
			if !sleepCtx(ctx, b.next()) {
				d.stop(ErrClosed)
				return
			}
			continue
		}
		b.reset()
	}
}

// step reads new entries for g, or reclaims due ones if claiming, and hands
// them to g (or, if g left meanwhile, back to the group). A Close of g waits
// for a step running for it (waitStep).
func (d *dispatcher) step(ctx context.Context, g *GroupSub, count int, claiming bool) error {
	d.mu.Lock()
	if g.removed { // since pick: its Close did not wait for this step
		d.mu.Unlock()
		return nil
	}
	d.stepFor = g
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.stepFor = nil
		if d.stepDone != nil {
			close(d.stepDone)
			d.stepDone = nil
		}
		d.mu.Unlock()
	}()
	var batch []Delivery
	var err error
	if claiming {
		batch, err = d.claim(ctx, g, count)
	} else {
		batch, err = d.readNew(ctx, g, count, d.blockFor())
	}
	if err != nil {
		return err
	}
	d.afterRead(ctx, g)
	if len(batch) > 0 {
		d.deliver(g, batch)
	}
	return nil
}

// waitStep waits until no step runs for g: at most a blocked read, and the
// nack that gives back what it got.
func (d *dispatcher) waitStep(g *GroupSub) {
	d.mu.Lock()
	var done chan struct{}
	if d.stepFor == g {
		if d.stepDone == nil {
			d.stepDone = make(chan struct{})
		}
		done = d.stepDone
	}
	d.mu.Unlock()
	if done == nil {
		return
	}
	t := time.NewTimer(d.s.readBlock + 2*releaseTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// blockFor is how long the next read of new entries may wait in Redis for
// one to arrive: until the next reclaim, at most the Store's readBlock, and
// not at all if a wake-up is pending. While it waits, the dispatcher does
// nothing else, so wake-ups (a nack to redeliver, a subscription that came
// or went) wait that long at most when the stream is quiet.
func (d *dispatcher) blockFor() time.Duration {
	if len(d.wake) > 0 {
		return -1 // no BLOCK
	}
	return max(min(time.Until(d.nextClaim()), d.s.readBlock), time.Millisecond)
}

// pick chooses the next subscription with credit, round robin.
func (d *dispatcher) pick() (*GroupSub, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := len(d.subs)
	for i := 0; i < n; i++ {
		c := d.subs[(d.next+i)%n]
		if free := c.max - c.inflight; free > 0 {
			d.next = (d.next + i + 1) % n
			return c, min(free, maxReadBatch)
		}
	}
	return nil, 0
}

func (d *dispatcher) claimDue() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return !time.Now().Before(d.claimAt)
}

func (d *dispatcher) nextClaim() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.claimAt
}

// registerEvery is how often a subscription's consumer threshold is written
// again (with a read), so it comes back if the waits hash is lost.
const registerEvery = 10 * time.Second

// readNew reads entries never delivered to the group (XREADGROUP >),
// waiting up to block for one to arrive (-1: not at all). They become due
// for redelivery after the subscription's first-delivery wait without any
// further command: that is the consumer's registered threshold (see
// scripts.go), written in the same pipeline, before the read, when it is
// not known to be there.
func (d *dispatcher) readNew(ctx context.Context, g *GroupSub, count int, block time.Duration) ([]Delivery, error) {
	pipe := d.s.reader.Pipeline()
	register := time.Since(g.registered) > registerEvery
	var regCmd *redis.IntCmd
	if register {
		regCmd = pipe.HSet(ctx, waitsKey(d.key.stream), d.key.group+" "+g.consumer, g.policy.wait(1).Milliseconds())
	}
	// The epoch before the read: a redelivery after it, even of an entry
	// this read returns, moves the epoch on.
	epochCmd := pipe.HGet(ctx, epochsKey(d.key.stream), d.key.group)
	readCmd := pipe.XReadGroup(ctx, &redis.XReadGroupArgs{Group: d.key.group, Consumer: g.consumer,
		Streams: []string{d.key.stream, ">"}, Count: int64(count), Block: block})
	_, _ = pipe.Exec(ctx)
	if register {
		if err := regCmd.Err(); err != nil {
			// Deliver all the same: unsettled, they come back after
			// MaxWait instead of the deadline.
			d.s.log.Warn("could not register the ack deadline of a consumer; its unacked messages are redelivered after the maximum wait",
				"stream", d.key.stream, "group", d.key.group, "consumer", g.consumer, "max_wait", MaxWait, "err", err)
		} else {
			g.registered = time.Now()
		}
	}
	res, err := readCmd.Result()
	if err == redis.Nil {
		return nil, nil
	}
	if err != nil {
		return nil, classify(err)
	}
	if len(res) == 0 {
		return nil, nil
	}
	var fence uint64 // unknown: acks take the checked path
	if epoch, err := epochCmd.Uint64(); err == nil || err == redis.Nil {
		fence = epoch + 1
	}
	now := time.Now()
	out := getDeliveries(len(res[0].Messages))
	for _, m := range res[0].Messages {
		id, err := ParseID(m.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, Delivery{Entry: decodeEntry(id, m.Values), Attempt: 1, NackDelay: g.policy.Backoff(1),
			Fence: fence, readAt: now})
	}
	return out, nil
}

// claim runs one step of the reclaim scan (claimScript) for g.
func (d *dispatcher) claim(ctx context.Context, g *GroupSub, count int) ([]Delivery, error) {
	d.mu.Lock()
	cursor := d.cursor
	d.mu.Unlock()
	p := g.policy
	res, err := claimScript.Run(ctx, d.s.reader,
		[]string{d.key.stream, DeadLetterKey(d.key.stream), reasonsKey(d.key.stream), waitsKey(d.key.stream),
			epochsKey(d.key.stream)},
		d.key.group, g.consumer, MaxWait.Milliseconds(), cursor, count, p.MaxDeliveries,
		p.AckDeadline.Milliseconds(), p.BackoffMin.Milliseconds(), p.BackoffMax.Milliseconds(),
		time.Now().UnixMilli(), p.wait(1).Milliseconds()).Result()
	if err != nil {
		return nil, classify(err)
	}
	g.registered = time.Now()
	reply, ok := res.([]any)
	if !ok || len(reply) != 5 {
		return nil, fmt.Errorf("streams: unexpected claim reply %T", res)
	}
	next, _ := reply[0].(string)
	list, _ := reply[1].([]any)
	dead, _ := reply[2].(int64)
	gone, _ := reply[3].(int64)
	epoch, _ := reply[4].(int64)
	if dead > 0 {
		d.s.observer.DeadLettered(d.key.stream, d.key.group, int(dead))
		d.s.log.Info("dead-lettered messages past max deliveries", "stream", d.key.stream, "group", d.key.group,
			"count", dead, "max_deliveries", p.MaxDeliveries)
	}
	if gone > 0 {
		d.s.observer.GonePending(d.key.stream, d.key.group, int(gone))
		d.s.log.Warn("acked pending entries whose stream entry is gone", "stream", d.key.stream,
			"group", d.key.group, "count", gone)
	}
	now := time.Now()
	out := make([]Delivery, 0, len(list))
	for _, v := range list {
		t, ok := v.([]any)
		if !ok || len(t) != 3 {
			return nil, fmt.Errorf("streams: unexpected claimed entry %T", v)
		}
		e, err := parseEntry(t[:2])
		if err != nil {
			return nil, err
		}
		id, err := ParseID(e.id)
		if err != nil {
			return nil, err
		}
		n, _ := t[2].(int64)
		out = append(out, Delivery{Entry: decodeEntry(id, e.fields), Attempt: int(n), NackDelay: p.Backoff(int(n)),
			Fence: uint64(max(epoch, 0)) + 1, readAt: now})
	}
	d.mu.Lock()
	if next == "" || next == "0-0" {
		// The scan went round the whole pending list: rest until the next
		// round, unless this step found work (there may be more).
		d.cursor = "0-0"
		if len(out) == 0 {
			d.claimAt = now.Add(claimEvery)
		}
	} else {
		d.cursor = next
	}
	d.mu.Unlock()
	return out, nil
}

// afterRead deletes again the consumer of an ephemeral subscription that
// closed while a read for it was in flight: XREADGROUP and XCLAIM create
// the consumer they name, so the read may have recreated it after Close deleted it.
func (d *dispatcher) afterRead(ctx context.Context, g *GroupSub) {
	d.mu.Lock()
	gone := g.removed && g.ephemeral
	d.mu.Unlock()
	if gone {
		_ = delIdleConsumer.Run(ctx, d.s.rdb, []string{d.key.stream, waitsKey(d.key.stream)}, d.key.group, g.consumer).Err()
	}
}

func (d *dispatcher) deliver(g *GroupSub, batch []Delivery) {
	d.mu.Lock()
	if g.removed {
		d.mu.Unlock()
		// It left while we read: let the others have them now.
		ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
		defer cancel()
		items := make([]settleItem, len(batch))
		for i, dl := range batch {
			items[i] = settleItem{ID: dl.ID, Attempt: dl.Attempt}
		}
		if _, err := d.s.settle(ctx, d.key, opNack, "", items); err != nil {
			d.s.log.Warn("could not give back messages read for a closed subscription; they are redelivered after their deadline",
				"stream", d.key.stream, "group", d.key.group, "count", len(items), "err", err)
		}
		return
	}
	for i := range batch {
		dl := &batch[i]
		dl.Stream = d.key.stream
		if prev, ok := d.held[dl.ID]; ok {
			prev.g.inflight-- // delivered again: the older delivery is stale
		}
		d.held[dl.ID] = held{g: g, attempt: dl.Attempt}
		g.inflight++
	}
	d.mu.Unlock()
	g.push(batch)
}

func (d *dispatcher) release(ids []ID) {
	freed := false
	d.mu.Lock()
	for _, id := range ids {
		if h, ok := d.held[id]; ok {
			delete(d.held, id)
			if h.g.inflight == h.g.max {
				freed = true
			}
			h.g.inflight--
		}
	}
	d.mu.Unlock()
	if freed {
		d.kick()
	}
}

// reconcile frees the credit of entries that Redis no longer lists as
// pending for their holder: acked through another replica, or claimed.
func (d *dispatcher) reconcile(ctx context.Context) {
	byConsumer := make(map[string][]ID)
	d.mu.Lock()
	for id, h := range d.held {
		if h.g.inflight >= h.g.max {
			byConsumer[h.g.consumer] = append(byConsumer[h.g.consumer], id)
		}
	}
	d.mu.Unlock()
	for consumer, ids := range byConsumer {
		slices.SortFunc(ids, func(a, b ID) int {
			switch {
			case a.Less(b):
				return -1
			case b.Less(a):
				return 1
			}
			return 0
		})
		// Held entries are the consumer's or, extended past its threshold,
		// its wait lane's.
		still := make(map[string]bool, len(ids))
		for _, c := range []string{consumer, waitLane(consumer)} {
			pend, err := d.s.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
				Stream:   d.key.stream,
				Group:    d.key.group,
				Start:    ids[0].String(),
				End:      ids[len(ids)-1].String(),
				Count:    int64(2*len(ids) + 100),
				Consumer: c,
			}).Result()
			if err != nil {
				return // the next round tries again
			}
			for _, p := range pend {
				still[p.ID] = true
			}
		}
		var gone []ID
		for _, id := range ids {
			if !still[id.String()] {
				gone = append(gone, id)
			}
		}
		if len(gone) > 0 {
			d.release(gone)
		}
	}
}

// sweep deletes consumers that hold nothing and have been idle longer than
// the Store's IdleConsumerTTL, at most once every sweepEvery.
func (d *dispatcher) sweep(ctx context.Context) {
	d.mu.Lock()
	if time.Since(d.lastSweep) < min(sweepEvery, d.s.idleConsumerTTL) {
		d.mu.Unlock()
		return
	}
	d.lastSweep = time.Now()
	live := make(map[string]bool, len(d.subs))
	for _, g := range d.subs {
		live[g.consumer] = true
	}
	d.mu.Unlock()
	consumers, err := d.s.rdb.XInfoConsumers(ctx, d.key.stream, d.key.group).Result()
	if err != nil {
		return
	}
	now := time.Now()
	seen := make(map[string]time.Time, len(consumers))
	for _, c := range consumers {
		idle := c.Idle
		if idle < 0 {
			// Idle unknown (miniredis does not track it for every command):
			// count from when this dispatcher first saw the consumer idle.
			d.mu.Lock()
			first, ok := d.idleSince[c.Name]
			d.mu.Unlock()
			if !ok {
				first = now
			}
			seen[c.Name] = first
			idle = now.Sub(first)
		}
		if c.Pending > 0 || idle < d.s.idleConsumerTTL || live[c.Name] {
			continue
		}
		n, err := delIdleConsumer.Run(ctx, d.s.rdb, []string{d.key.stream, waitsKey(d.key.stream)}, d.key.group, c.Name).Int64()
		if err == nil && n >= 0 {
			d.s.log.Info("deleted idle consumer", "stream", d.key.stream, "group", d.key.group,
				"consumer", c.Name, "idle", idle.Round(time.Millisecond))
			delete(seen, c.Name)
		}
	}
	d.mu.Lock()
	d.idleSince = seen
	d.mu.Unlock()
}

// remove takes g out of the dispatcher and returns what it held; ok is false
// if g was out already.
func (d *dispatcher) remove(g *GroupSub) (items []settleItem, ok bool) {
	d.mu.Lock()
	if g.removed {
		d.mu.Unlock()
		return nil, false
	}
	g.removed = true
	if i := slices.Index(d.subs, g); i >= 0 {
		d.subs = slices.Delete(d.subs, i, i+1)
	}
	for id, h := range d.held {
		if h.g == g {
			delete(d.held, id)
			items = append(items, settleItem{ID: id, Attempt: h.attempt})
		}
	}
	d.mu.Unlock()
	g.end(ErrClosed)
	d.kick()
	return items, true
}

// releaseHeld makes items claimable now (a nack without delay, fenced by
// attempt, so nothing delivered elsewhere since is touched) and has the
// dispatcher offer them to its remaining subscriptions.
func (s *Store) releaseHeld(ctx context.Context, d *dispatcher, items []settleItem) {
	if len(items) == 0 {
		return
	}
	if _, err := s.settle(ctx, d.key, opNack, "", items); err != nil {
		s.log.Warn("could not release messages of a closed subscription; they will be redelivered after their deadline",
			"stream", d.key.stream, "group", d.key.group, "count", len(items), "err", err)
		return
	}
	d.claimSoon()
}

// retireIfIdle removes the dispatcher when no subscription is left. Holding
// Store.mu while checking means no subscription can join in between.
func (d *dispatcher) retireIfIdle() bool {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.subs) > 0 {
		return false
	}
	d.unregisterLocked()
	return true
}

// stop ends every subscription with err, releases what they held, and
// removes the dispatcher.
func (d *dispatcher) stop(err error) {
	d.s.mu.Lock()
	d.unregisterLocked()
	d.s.mu.Unlock()
	d.mu.Lock()
	subs := d.subs
	d.subs = nil
	var items []settleItem
	for id, h := range d.held {
		items = append(items, settleItem{ID: id, Attempt: h.attempt})
	}
	for _, g := range subs {
		g.removed = true
	}
	clear(d.held)
	d.mu.Unlock()
	for _, g := range subs {
		g.end(err)
	}
	if len(items) > 0 && !errors.Is(err, ErrGroupDeleted) {
		ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
		defer cancel()
		d.s.releaseHeld(ctx, d, items)
	}
}

// unregisterLocked needs Store.mu.
func (d *dispatcher) unregisterLocked() {
	if d.s.dispatchers[d.key] == d {
		delete(d.s.dispatchers, d.key)
	}
}
