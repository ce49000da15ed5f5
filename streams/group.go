package streams

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	// maxReadBatch caps one XREADGROUP, so one subscription with much credit
	// does not starve the others of the same group.
	maxReadBatch = 500
	// reconcileEvery is how often a group whose subscriptions all lack
	// credit asks Redis which of their messages were acked elsewhere (on
	// another replica, or by redis-cli).
	reconcileEvery = 250 * time.Millisecond
)

// Delivery is an entry delivered to a group subscription.
type Delivery struct {
	Entry
	// Attempt is the entry's delivery count in the group's pending entries
	// list after this delivery: 1 on first delivery.
	Attempt int
}

// GroupOptions describe a group subscription.
type GroupOptions struct {
	Stream, Group, Consumer string
	// MaxInFlight is how many delivered, unacked entries the subscription may
	// hold. Must be positive.
	MaxInFlight int
	// Backlog asks to first deliver the consumer's own pending entries again
	// (XREADGROUP with ID 0), as a restarted consumer does.
	Backlog bool
	// Ephemeral marks a consumer name made up for this subscription alone:
	// Close deletes the consumer from the group if it holds nothing pending,
	// so short-lived subscribers do not pile up in XINFO CONSUMERS.
	Ephemeral bool
}

// GroupSub is one subscription to a consumer group. Deliveries are queued by
// the group's dispatcher and taken with Next. Next and Close are safe to call
// from different goroutines; Next itself from one goroutine at a time.
type GroupSub struct {
	d         *dispatcher
	consumer  string
	max       int
	ephemeral bool

	// Guarded by d.mu.
	inflight int
	backlog  *ID // next own-pending position to re-read; nil when done
	removed  bool

	mu     sync.Mutex
	queue  []Delivery
	err    error
	notify chan struct{} // cap 1: queue grew or err was set
}

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

// Close ends the subscription. Entries it was given and that were not acked
// stay pending in Redis under its consumer name. An ephemeral consumer that
// holds nothing pending is deleted from the group (one Redis call, at most
// two seconds). Close is idempotent.
func (g *GroupSub) Close() {
	if !g.d.remove(g) || !g.ephemeral {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := delIdleConsumer.Run(ctx, g.d.s.rdb, []string{g.d.key.stream}, g.d.key.group, g.consumer).Err()
	if err != nil && !redis.HasErrorPrefix(err, "NOGROUP") {
		g.d.s.log.Debug("could not delete ephemeral consumer", "consumer", g.consumer, "err", err)
	}
}

// delIdleConsumer deletes a consumer only if it owns no pending entries:
// XGROUP DELCONSUMER would silently drop them. One script, so no entry can
// be delivered to it between the check and the delete.
var delIdleConsumer = redis.NewScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #p == 0 then
  return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
end
return -1
`)

func (g *GroupSub) push(ds []Delivery) {
	g.mu.Lock()
	g.queue = append(g.queue, ds...)
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
// dispatcher, which reads with non-blocking XREADGROUPs, one consumer at a
// time in turn, each for at most that subscription's free credit.
func (s *Store) SubscribeGroup(o GroupOptions) (*GroupSub, error) {
	if o.MaxInFlight <= 0 {
		return nil, errors.New("streams: MaxInFlight must be positive")
	}
	g := &GroupSub{consumer: o.Consumer, max: o.MaxInFlight, ephemeral: o.Ephemeral, notify: make(chan struct{}, 1)}
	if o.Backlog {
		g.backlog = &ID{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	key := groupKey{o.Stream, o.Group}
	d := s.dispatchers[key]
	if d == nil {
		d = &dispatcher{
			s:    s,
			key:  key,
			w:    s.acquireWatcherLocked(o.Stream),
			wake: make(chan struct{}, 1),
			held: make(map[ID]*GroupSub),
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

// released tells the local dispatcher of key that ids are no longer held by
// whichever subscription had them, freeing their credit.
func (s *Store) released(key groupKey, ids []ID) {
	s.mu.Lock()
	d := s.dispatchers[key]
	s.mu.Unlock()
	if d != nil {
		d.release(ids)
	}
}

// dispatcher delivers one stream and group to the subscriptions of this
// process. It runs in its own goroutine, owned by the Store, and ends when
// its last subscription leaves, the group disappears, or the Store closes.
type dispatcher struct {
	s    *Store
	key  groupKey
	w    *watcher
	wake chan struct{} // cap 1: credit freed, or subscriptions came or went

	mu   sync.Mutex
	subs []*GroupSub
	next int              // round-robin position in subs
	held map[ID]*GroupSub // delivered, not yet acked: who holds each entry
}

func (d *dispatcher) kick() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *dispatcher) run(ctx context.Context) {
	select {
	case <-d.w.ready:
	case <-ctx.Done():
		d.stop(ErrClosed)
		return
	}
	var b backoff
	for {
		changed := d.w.changed()
		g, cursor, count := d.pick()
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
		batch, err := d.read(ctx, g, cursor, count)
		if err != nil {
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
		if len(batch) > 0 {
			d.deliver(g, batch)
			continue
		}
		if cursor != ">" {
			continue // that consumer's backlog is done; pick again
		}
		// The group has nothing new: wait for the stream to change.
		select {
		case <-changed:
		case <-d.wake:
		case <-ctx.Done():
			d.stop(ErrClosed)
			return
		}
	}
}

// pick chooses the next subscription with credit, round robin, and what to
// read for it: its own backlog first, then new entries (">").
func (d *dispatcher) pick() (g *GroupSub, cursor string, count int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := len(d.subs)
	// A consumer's own backlog goes first: otherwise an empty read of new
	// entries for another subscription would park the loop with it unread.
	for _, c := range d.subs {
		if c.backlog != nil && c.inflight < c.max {
			return c, c.backlog.String(), min(c.max-c.inflight, maxReadBatch)
		}
	}
	for i := 0; i < n; i++ {
		c := d.subs[(d.next+i)%n]
		if free := c.max - c.inflight; free > 0 {
			d.next = (d.next + i + 1) % n
			return c, ">", min(free, maxReadBatch)
		}
	}
	return nil, "", 0
}

// read runs one non-blocking XREADGROUP for g: new entries (">"), or, while
// g has a backlog, its own pending entries after the cursor.
func (d *dispatcher) read(ctx context.Context, g *GroupSub, cursor string, count int) ([]Delivery, error) {
	if cursor != ">" {
		return d.readBacklog(ctx, g, cursor, count)
	}
	msgs, err := d.xreadgroup(ctx, g, cursor, count)
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(msgs))
	for _, m := range msgs {
		id, err := ParseID(m.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, Delivery{Entry: decodeEntry(id, m.Values), Attempt: 1})
	}
	return out, nil
}

func (d *dispatcher) xreadgroup(ctx context.Context, g *GroupSub, cursor string, count int) ([]redis.XMessage, error) {
	res, err := d.s.reader.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group:    d.key.group,
		Consumer: g.consumer,
		Streams:  []string{d.key.stream, cursor},
		Count:    int64(count),
		Block:    -1,
	}).Result()
	switch {
	case err == redis.Nil:
		return nil, nil
	case err != nil:
		return nil, classify(err)
	case len(res) == 0:
		return nil, nil
	}
	return res[0].Messages, nil
}

// readBacklog re-reads up to count of g's own pending entries after cursor.
// XPENDING lists them first, which gives their delivery counts and tells
// which ones lost their stream entry to trimming or XDEL: Redis returns
// those with no fields, miniredis leaves them out. Those are acked, since
// nobody can ever process them.
func (d *dispatcher) readBacklog(ctx context.Context, g *GroupSub, cursor string, count int) ([]Delivery, error) {
	from, err := ParseID(cursor)
	if err != nil {
		return nil, err
	}
	pend, err := d.s.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream:   d.key.stream,
		Group:    d.key.group,
		Start:    from.next().String(),
		End:      "+",
		Count:    int64(count),
		Consumer: g.consumer,
	}).Result()
	if err != nil {
		return nil, classify(err)
	}
	if len(pend) == 0 {
		d.mu.Lock()
		g.backlog = nil
		d.mu.Unlock()
		return nil, nil
	}
	msgs, err := d.xreadgroup(ctx, g, cursor, len(pend))
	if err != nil {
		return nil, err
	}
	values := make(map[string]map[string]any, len(msgs))
	for _, m := range msgs {
		values[m.ID] = m.Values
	}
	var out []Delivery
	var gone []string
	for _, p := range pend {
		v := values[p.ID]
		if v == nil {
			gone = append(gone, p.ID)
			continue
		}
		id, err := ParseID(p.ID)
		if err != nil {
			return nil, err
		}
		// The re-read itself added one delivery.
		out = append(out, Delivery{Entry: decodeEntry(id, v), Attempt: int(p.RetryCount) + 1})
	}
	if len(gone) > 0 {
		if err := d.s.rdb.XAck(ctx, d.key.stream, d.key.group, gone...).Err(); err != nil {
			return nil, classify(err)
		}
		d.s.log.Warn("acked pending entries whose stream entry is gone",
			"stream", d.key.stream, "group", d.key.group, "count", len(gone))
	}
	last, _ := ParseID(pend[len(pend)-1].ID)
	d.mu.Lock()
	g.backlog = &last
	d.mu.Unlock()
	return out, nil
}

func (d *dispatcher) deliver(g *GroupSub, batch []Delivery) {
	d.mu.Lock()
	if g.removed {
		// It left while we read: the entries stay pending under its name.
		d.mu.Unlock()
		return
	}
	for _, dl := range batch {
		if prev := d.held[dl.ID]; prev != nil {
			prev.inflight-- // re-read by a subscription sharing its consumer name
		}
		d.held[dl.ID] = g
		g.inflight++
	}
	d.mu.Unlock()
	g.push(batch)
}

func (d *dispatcher) release(ids []ID) {
	freed := false
	d.mu.Lock()
	for _, id := range ids {
		if g := d.held[id]; g != nil {
			delete(d.held, id)
			if g.inflight == g.max {
				freed = true
			}
			g.inflight--
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
	for id, g := range d.held {
		if g.inflight >= g.max {
			byConsumer[g.consumer] = append(byConsumer[g.consumer], id)
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
		pend, err := d.s.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
			Stream:   d.key.stream,
			Group:    d.key.group,
			Start:    ids[0].String(),
			End:      ids[len(ids)-1].String(),
			Count:    int64(2*len(ids) + 100),
			Consumer: consumer,
		}).Result()
		if err != nil {
			return // the next round tries again
		}
		still := make(map[string]bool, len(pend))
		for _, p := range pend {
			still[p.ID] = true
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

// remove takes g out of the dispatcher; it reports false if g was out already.
func (d *dispatcher) remove(g *GroupSub) bool {
	d.mu.Lock()
	if g.removed {
		d.mu.Unlock()
		return false
	}
	g.removed = true
	if i := slices.Index(d.subs, g); i >= 0 {
		d.subs = slices.Delete(d.subs, i, i+1)
	}
	for id, h := range d.held {
		if h == g {
			delete(d.held, id)
		}
	}
	d.mu.Unlock()
	g.end(ErrClosed)
	d.kick()
	return true
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

// stop ends every subscription with err and removes the dispatcher.
func (d *dispatcher) stop(err error) {
	d.s.mu.Lock()
	d.unregisterLocked()
	d.s.mu.Unlock()
	d.mu.Lock()
	subs := d.subs
	d.subs = nil
	for _, g := range subs {
		g.removed = true
	}
	clear(d.held)
	d.mu.Unlock()
	for _, g := range subs {
		g.end(err)
	}
}

// unregisterLocked needs Store.mu.
func (d *dispatcher) unregisterLocked() {
	if d.s.dispatchers[d.key] == d {
		delete(d.s.dispatchers, d.key)
		d.s.releaseWatcherLocked(d.w)
	}
}
