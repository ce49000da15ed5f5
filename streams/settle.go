package streams

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Ref names one delivery of a message to a group.
type Ref struct {
	Stream, Group string
	ID            ID
	// Attempt is the delivery count the message was delivered with; a
	// settlement for an older attempt is stale.
	Attempt int
	// Wait is, for Nack, the delay before redelivery, and for Extend, the
	// new deadline from now. At most MaxWait.
	Wait time.Duration
	// Fence is Delivery.Fence (0: unknown).
	Fence uint64
}

// Result is what settling one delivery did.
type Result int

// Results of Ack, Nack, Extend and Reject.
const (
	// NotPending: already acked, dead-lettered, or gone; nothing done.
	NotPending Result = 0
	// Done: it took effect.
	Done Result = 1
	// Stale: the message was delivered again since this delivery.
	Stale Result = 2
)

type settleOp string

const (
	opAck    settleOp = "ack"
	opNack   settleOp = "nack"
	opExtend settleOp = "extend"
	opReject settleOp = "reject"
)

type settleItem struct {
	ID      ID
	Attempt int
	Wait    time.Duration
	Fence   uint64
}

// Ack acknowledges deliveries (XACK), each only if it is still the current
// delivery of its message.
func (s *Store) Ack(ctx context.Context, refs []Ref) ([]Result, error) {
	return s.settleRefs(ctx, opAck, "", refs)
}

// Nack makes deliveries claimable again after each ref's Wait, keeping
// reason for the dead-letter record should the message end there.
func (s *Store) Nack(ctx context.Context, refs []Ref, reason string) ([]Result, error) {
	return s.settleRefs(ctx, opNack, reason, refs)
}

// Extend sets each delivery's deadline to now + Wait.
func (s *Store) Extend(ctx context.Context, refs []Ref) ([]Result, error) {
	return s.settleRefs(ctx, opExtend, "", refs)
}

// Reject dead-letters deliveries with reason and acks them, atomically per
// message.
func (s *Store) Reject(ctx context.Context, refs []Ref, reason string) ([]Result, error) {
	return s.settleRefs(ctx, opReject, reason, refs)
}

// settleRefs settles refs with one script call per stream and group, all
// pipelined in one round trip (settleBatches), and returns a result per ref.
func (s *Store) settleRefs(ctx context.Context, op settleOp, reason string, refs []Ref) ([]Result, error) {
	batches := batchRefs(refs)
	if err := s.settleBatches(ctx, op, reason, batches, false); err != nil {
		return nil, err
	}
	out := make([]Result, len(refs))
	for _, b := range batches {
		for j, r := range b.res {
			out[b.idx[j]] = r
		}
	}
	return out, nil
}

// Tally is what settling did to the deliveries of one stream and group.
type Tally struct {
	Stream, Group           string
	Done, Stale, NotPending int
}

// AckCount is Ack for callers that need no result per delivery, only how
// many of each stream and group it acked: a batch of one read's deliveries
// then costs Redis one multi-ID XACK instead of one XACK per ID, and the
// call carries only the IDs (see ackCurrentScript).
func (s *Store) AckCount(ctx context.Context, refs []Ref) ([]Tally, error) {
	batches := batchRefs(refs)
	if err := s.settleBatches(ctx, opAck, "", batches, true); err != nil {
		return nil, err
	}
	out := make([]Tally, len(batches))
	for i, b := range batches {
		t := Tally{Stream: b.key.stream, Group: b.key.group}
		if b.res == nil {
			t.Done, t.NotPending = b.done, len(b.items)-b.done
		}
		for _, r := range b.res {
			switch r {
			case Done:
				t.Done++
			case Stale:
				t.Stale++
			default:
				t.NotPending++
			}
		}
		out[i] = t
	}
	return out, nil
}

// settleBatch is the deliveries of one stream and group in a settlement,
// and its results: one per item, or (ackCurrentScript's, with counts) only
// how many it acked.
type settleBatch struct {
	key   groupKey
	idx   []int // the items' places in the caller's refs
	items []settleItem
	res   []Result
	done  int
}

// batchRefs groups refs by stream and group, in the order they first
// appear.
func batchRefs(refs []Ref) []*settleBatch {
	var batches []*settleBatch
	byKey := make(map[groupKey]*settleBatch)
	for i, r := range refs {
		k := groupKey{r.Stream, r.Group}
		b := byKey[k]
		if b == nil {
			b = &settleBatch{key: k}
			if len(batches) == 0 { // mostly the only one: one stream and group per call
				b.idx, b.items = make([]int, 0, len(refs)), make([]settleItem, 0, len(refs))
			}
			byKey[k] = b
			batches = append(batches, b)
		}
		b.idx = append(b.idx, i)
		b.items = append(b.items, settleItem{ID: r.ID, Attempt: r.Attempt, Wait: r.Wait, Fence: r.Fence})
	}
	return batches
}

// settleBatches settles each batch's items with op and fills in its
// results: one script call per batch, all in one pipeline, then frees the
// local credit of what was settled. With counts, acks of one shared fence go
// to ackCurrentScript first, and to ackScript only if their fence was not
// current.
func (s *Store) settleBatches(ctx context.Context, op settleOp, reason string, batches []*settleBatch, counts bool) error {
	calls := make([]scriptCall, len(batches))
	for i, b := range batches {
		if fence, ok := sharedFence(b.items); ok && fence != 0 && counts && op == opAck {
			calls[i] = ackCurrentCall(b.key, fence, b.items)
		} else {
			calls[i] = settleCall(b.key, op, reason, b.items)
		}
	}
	if err := s.runScripts(ctx, calls); err != nil {
		return classify(err)
	}
	// Batches whose fence was not current any more are checked one by one.
	var again []scriptCall
	var againFor []int
	for i, b := range batches {
		if calls[i].script != ackCurrentScript {
			continue
		}
		n, err := calls[i].cmd.Int64()
		if err != nil || n < -1 || n > int64(len(b.items)) {
			return fmt.Errorf("streams: unexpected ack reply %d: %v", n, err)
		}
		if n == -1 {
			again = append(again, settleCall(b.key, op, reason, b.items))
			againFor = append(againFor, i)
			continue
		}
		b.done = int(n)
	}
	if len(again) > 0 {
		if err := s.runScripts(ctx, again); err != nil {
			return classify(err)
		}
		for j, i := range againFor {
			calls[i] = again[j]
		}
	}
	for i, b := range batches {
		if calls[i].script != ackCurrentScript {
			res, err := settleResults(calls[i].cmd, len(b.items))
			if err != nil {
				return err
			}
			b.res = res
		}
		s.afterSettle(b.key, op, b.items)
	}
	return nil
}

// settleCall settles items with op: acks, the common case, have a script
// of their own.
func settleCall(key groupKey, op settleOp, reason string, items []settleItem) scriptCall {
	if op == opAck {
		return ackCall(key, items)
	}
	args := make([]any, 0, 5+3*len(items))
	args = append(args, key.group, string(op), MaxWait.Milliseconds(), reason, time.Now().UnixMilli())
	for _, it := range items {
		args = append(args, it.ID.String(), it.Attempt, min(it.Wait, MaxWait).Milliseconds())
	}
	return scriptCall{script: settleScript, keys: []string{key.stream, DeadLetterKey(key.stream), reasonsKey(key.stream), waitsKey(key.stream)}, args: args}
}

// sharedFence is the fence of items if they all have the same one.
func sharedFence(items []settleItem) (uint64, bool) {
	f := items[0].Fence
	for _, it := range items[1:] {
		if it.Fence != f {
			return 0, false
		}
	}
	return f, true
}

// ackCurrentCall is ackCurrentScript's call: the fence, then the IDs.
func ackCurrentCall(key groupKey, fence uint64, items []settleItem) scriptCall {
	args := make([]any, 0, 2+len(items))
	args = append(args, key.group, fence)
	for _, it := range items {
		args = append(args, it.ID.String())
	}
	return scriptCall{script: ackCurrentScript, keys: []string{key.stream, reasonsKey(key.stream), epochsKey(key.stream)}, args: args}
}

// ackCall is ackScript's call: the IDs' range, the fence they share (if
// they do), then each ID and attempt, and each fence if not shared.
func ackCall(key groupKey, items []settleItem) scriptCall {
	lo, hi := items[0].ID, items[0].ID
	for _, it := range items[1:] {
		if it.ID.Less(lo) {
			lo = it.ID
		}
		if hi.Less(it.ID) {
			hi = it.ID
		}
	}
	fence, shared := sharedFence(items)
	args := make([]any, 0, 4+3*len(items))
	args = append(args, key.group, lo.String(), hi.String())
	if shared {
		args = append(args, fence)
	} else {
		args = append(args, "")
	}
	for _, it := range items {
		args = append(args, it.ID.String(), it.Attempt)
		if !shared {
			args = append(args, it.Fence)
		}
	}
	return scriptCall{script: ackScript, keys: []string{key.stream, reasonsKey(key.stream), epochsKey(key.stream)}, args: args}
}

// settleResults reads a settle script's reply for n items: one result per
// item.
func settleResults(cmd *redis.Cmd, n int) ([]Result, error) {
	vals, err := cmd.Int64Slice()
	if err != nil || len(vals) != n {
		return nil, fmt.Errorf("streams: unexpected settle reply: %v", err)
	}
	out := make([]Result, n)
	for i, v := range vals {
		out[i] = Result(v)
	}
	return out, nil
}

// afterSettle frees local credit: every settled delivery but an extended one
// no longer counts against the subscription that holds it, whatever the
// result (stale or not pending means it is not held any more either).
func (s *Store) afterSettle(key groupKey, op settleOp, items []settleItem) {
	if op == opExtend {
		return
	}
	s.mu.Lock()
	d := s.dispatchers[key]
	s.mu.Unlock()
	if d == nil {
		return
	}
	ids := make([]ID, len(items))
	soon := false
	for i, it := range items {
		ids[i] = it.ID
		soon = soon || (op == opNack && it.Wait < claimEvery)
	}
	d.release(ids)
	if soon {
		d.claimSoon()
	}
}
