package streams

import (
	"context"
	"time"
)

// ReasonExpired is the dead-letter reason of an expired message.
const ReasonExpired = "expired"

// screen settles, on the group's behalf, the entries of a read or reclaimed
// batch that g must not be sent, and returns the rest in order:
//   - expired ones (Entry.Expired, by this process's clock): acked, or with
//     g's Policy.DeadLetterExpired dead-lettered with the reason "expired";
//   - ones the group's filter rejects: acked.
//
// If settling fails, those entries stay pending for g's consumer and come
// back, to be screened again, after its ack deadline.
func (d *dispatcher) screen(ctx context.Context, g *GroupSub, batch []Delivery) []Delivery {
	now := time.Now()
	var expired, filtered []Ref
	kept := batch[:0]
	for _, dl := range batch {
		ref := Ref{Stream: d.key.stream, Group: d.key.group, ID: dl.ID, Attempt: dl.Attempt, Fence: dl.Fence}
		switch {
		case dl.Expired(now):
			expired = append(expired, ref)
		case g.filter != nil && !g.filter(&dl.Entry):
			filtered = append(filtered, ref)
		default:
			kept = append(kept, dl)
		}
	}
	if len(kept) == len(batch) {
		return batch
	}
	clear(batch[len(kept):]) // drop the screened entries' fields
	dead := g.policy.DeadLetterExpired
	if n := d.settleScreened(ctx, expired, dead); n > 0 {
		d.s.observer.Expired(d.key.stream, d.key.group, n, dead)
	}
	if n := d.settleScreened(ctx, filtered, false); n > 0 {
		d.s.observer.Filtered(d.key.stream, d.key.group, n)
	}
	return kept
}

// settleScreened acks refs, or dead-letters them as expired, and returns how
// many it settled.
func (d *dispatcher) settleScreened(ctx context.Context, refs []Ref, deadLetter bool) int {
	if len(refs) == 0 {
		return 0
	}
	var res []Result
	var err error
	if deadLetter {
		res, err = d.s.Reject(ctx, refs, ReasonExpired)
	} else {
		res, err = d.s.Ack(ctx, refs)
	}
	if err != nil {
		d.s.log.Warn("could not settle expired or filtered messages; they come back after the ack deadline",
			"stream", d.key.stream, "group", d.key.group, "count", len(refs), "err", err)
		return 0
	}
	n := 0
	for _, r := range res {
		if r == Done {
			n++
		}
	}
	return n
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
