package streams

import (
	"context"
	"time"
)

// ReasonExpired is the dead-letter reason of an expired message.
const ReasonExpired = "expired"

// expire settles the entries of a read or reclaimed batch that have expired
// (Entry.Expired, by this process's clock) on the group's behalf, so they
// never reach a subscriber: acked, or with g's Policy.DeadLetterExpired
// dead-lettered with the reason "expired". It returns the rest of the batch,
// in order. If settling fails, the expired entries stay pending for g's
// consumer and come back, expired again, after its ack deadline.
func (d *dispatcher) expire(ctx context.Context, g *GroupSub, batch []Delivery) []Delivery {
	now := time.Now()
	var refs []Ref
	kept := batch[:0]
	for _, dl := range batch {
		if !dl.Expired(now) {
			kept = append(kept, dl)
			continue
		}
		refs = append(refs, Ref{Stream: d.key.stream, Group: d.key.group, ID: dl.ID, Attempt: dl.Attempt, Fence: dl.Fence})
	}
	if len(refs) == 0 {
		return batch
	}
	clear(batch[len(kept):]) // drop the expired entries' fields
	var res []Result
	var err error
	dead := g.policy.DeadLetterExpired
	if dead {
		res, err = d.s.Reject(ctx, refs, ReasonExpired)
	} else {
		res, err = d.s.Ack(ctx, refs)
	}
	if err != nil {
		d.s.log.Warn("could not settle expired messages; they come back after the ack deadline",
			"stream", d.key.stream, "group", d.key.group, "count", len(refs), "err", err)
		return kept
	}
	n := 0
	for _, r := range res {
		if r == Done {
			n++
		}
	}
	if n > 0 {
		d.s.observer.Expired(d.key.stream, d.key.group, n, dead)
	}
	return kept
}

// unexpired returns the entries of es that have not expired at now: es
// itself when none has, else a new slice (es may be shared by readers).
func unexpired(es []Entry, now time.Time) []Entry {
	for i := range es {
		if es[i].Expired(now) {
			out := append(make([]Entry, 0, len(es)-1), es[:i]...)
			for j := i + 1; j < len(es); j++ {
				if !es[j].Expired(now) {
					out = append(out, es[j])
				}
			}
			return out
		}
	}
	return es
}
