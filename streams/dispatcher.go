package streams

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

const (
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
)

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
	batch = d.screen(ctx, g, batch)
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
		d.releaseHeld(ctx, items)
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
	g.box.push(batch)
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
	g.box.end(ErrClosed)
	d.kick()
	return items, true
}

// releaseHeld makes items, held by or read for a subscription that closed,
// claimable now (a nack without delay, fenced by attempt, so nothing
// delivered elsewhere since is touched) and offers them to the remaining
// subscriptions at once.
func (d *dispatcher) releaseHeld(ctx context.Context, items []settleItem) {
	if len(items) == 0 {
		return
	}
	if err := d.s.settleBatches(ctx, opNack, "", []*settleBatch{{key: d.key, items: items}}, false); err != nil {
		d.s.log.Warn("could not release messages of a closed subscription; they will be redelivered after their deadline",
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
		g.box.end(err)
	}
	if len(items) > 0 && !errors.Is(err, ErrGroupDeleted) {
		ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
		defer cancel()
		d.releaseHeld(ctx, items)
	}
}

// unregisterLocked needs Store.mu.
func (d *dispatcher) unregisterLocked() {
	if d.s.dispatchers[d.key] == d {
		delete(d.s.dispatchers, d.key)
	}
}
