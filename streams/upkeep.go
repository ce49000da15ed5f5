package streams

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// sweepEvery is how often a dispatcher looks for idle consumers.
const sweepEvery = time.Minute

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
		if deleted, err := d.deleteIdleConsumer(ctx, c.Name); err == nil && deleted {
			d.s.log.Info("deleted idle consumer", "stream", d.key.stream, "group", d.key.group,
				"consumer", c.Name, "idle", idle.Round(time.Millisecond))
			delete(seen, c.Name)
		}
	}
	d.mu.Lock()
	d.idleSince = seen
	d.mu.Unlock()
}

// afterRead deletes again the consumer of an ephemeral subscription that
// closed while a read for it was in flight: XREADGROUP and XCLAIM create
// the consumer they name, so the read may have recreated it after Close deleted it.
func (d *dispatcher) afterRead(ctx context.Context, g *GroupSub) {
	d.mu.Lock()
	gone := g.removed && g.ephemeral
	d.mu.Unlock()
	if gone {
		_, _ = d.deleteIdleConsumer(ctx, g.consumer)
	}
}

// deleteIdleConsumer deletes consumer from the group unless it holds
// pending entries (see del_idle_consumer.lua); deleted is false if it does.
// A group or stream that is gone is not an error (the consumer went with
// it), and deletes nothing.
func (d *dispatcher) deleteIdleConsumer(ctx context.Context, consumer string) (deleted bool, err error) {
	n, err := delIdleConsumerScript.Run(ctx, d.s.rdb, []string{d.key.stream, waitsKey(d.key.stream)}, d.key.group, consumer).Int64()
	if redis.HasErrorPrefix(err, "NOGROUP") {
		return false, nil
	}
	if err != nil {
		return false, classify(err)
	}
	return n >= 0, nil
}
