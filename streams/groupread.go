package streams

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
)

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
