package streams_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sluice-io/sluice/internal/redisconn"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/streams"
)

func newStore(t *testing.T, r *testredis.Server) *streams.Store {
	t.Helper()
	cmd, read, err := redisconn.Open(r.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := streams.New(streams.Options{Client: cmd, ReadClient: read, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); cmd.Close() })
	return s
}

// subscribeNew starts backend b and subscribes consumer "c" of group "g" to
// stream "s", from the start, with a 5 s ack deadline.
func subscribeNew(t *testing.T, b testredis.Backend, maxInFlight int) (*testredis.Server, *streams.Store, *streams.GroupSub) {
	t.Helper()
	r := b.Start(t)
	s := newStore(t, r)
	if err := s.EnsureGroup(t.Context(), "s", "g", streams.Earliest); err != nil {
		t.Fatal(err)
	}
	policy := streams.Policy{AckDeadline: 5 * time.Second, MaxDeliveries: 5}
	sub, err := s.SubscribeGroup(streams.GroupOptions{Stream: "s", Group: "g", Consumer: "c", MaxInFlight: maxInFlight, Policy: policy})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Close)
	return r, s, sub
}

// nextN takes deliveries from sub until it has n, for at most testkit.Wait.
func nextN(t *testing.T, sub *streams.GroupSub, n int) []streams.Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), testkit.Wait)
	defer cancel()
	var ds []streams.Delivery
	for len(ds) < n {
		more, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("%d of %d deliveries: %v", len(ds), n, err)
		}
		ds = append(ds, more...)
	}
	return ds
}

// The ack deadline counts from when the message reached the client: a
// message that waited in the server (a slow send) gets its deadline pushed
// back by Sent.
func TestDeadlineStartsWhenSent(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		r, s, sub := subscribeNew(t, b, 10)
		ctx := t.Context()
		published := time.Now() // before the read
		if _, err := s.Publish(ctx, "s", []streams.Event{{Type: "T"}}); err != nil {
			t.Fatal(err)
		}
		ds := nextN(t, sub, 1)
		idle := func() time.Duration {
			p := r.Client.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: "s", Group: "g", Start: "-", End: "+", Count: 1}).Val()
			return p[0].Idle
		}
		// Just read: pending since the read, due at the consumer's
		// registered threshold (5 s). Redis counts whole milliseconds.
		if got, most := idle(), time.Since(published); got > most+time.Millisecond {
			t.Fatalf("idle after read = %v, more than the %v since publishing", got, most)
		}
		time.Sleep(1500 * time.Millisecond) // the behaviour under test: a slow send, within the deadline
		if got := idle(); got < 1500*time.Millisecond-time.Millisecond {
			t.Fatalf("idle before Sent = %v", got)
		}
		sending := time.Now()
		if err := sub.Sent(ctx, ds); err != nil {
			t.Fatal(err)
		}
		if got, most := idle(), time.Since(sending); got > most+time.Millisecond {
			t.Fatalf("idle after a slow send = %v, more than the %v since Sent began: the deadline was not pushed back", got, most)
		}
		p := r.Client.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: "s", Group: "g", Start: "-", End: "+", Count: 1}).Val()
		if p[0].RetryCount != 1 || p[0].Consumer != "c" {
			t.Fatalf("pending entry %+v", p[0])
		}
	})
}

// A read batch's array is reused for a later read once it was Sent, and
// what the later read delivers is its own.
func TestReadBatchesReused(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		_, s, sub := subscribeNew(t, b, 200)
		ctx := t.Context()
		seen := map[*streams.Delivery]bool{}
		reused := false
		for round := 0; round < 10 && !reused; round++ {
			events := make([]streams.Event, 100)
			for i := range events {
				events[i] = streams.Event{Type: "T", Payload: fmt.Appendf(nil, "%d/%d", round, i)}
			}
			if _, err := s.Publish(ctx, "s", events); err != nil {
				t.Fatal(err)
			}
			ds, err := sub.Next(ctx)
			if err != nil || len(ds) != 100 {
				t.Fatalf("round %d: %d deliveries, %v; want the 100 of one read", round, len(ds), err)
			}
			refs := make([]streams.Ref, len(ds))
			for i, d := range ds {
				if want := fmt.Sprintf("%d/%d", round, i); string(d.Event.Payload) != want {
					t.Fatalf("round %d: delivery %d has payload %q, want %q", round, i, d.Event.Payload, want)
				}
				refs[i] = streams.Ref{Stream: "s", Group: "g", ID: d.ID, Attempt: d.Attempt, Fence: d.Fence}
			}
			reused = seen[&ds[0]]
			seen[&ds[0]] = true
			if err := sub.Sent(ctx, ds); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Ack(ctx, refs); err != nil {
				t.Fatal(err)
			}
		}
		if !reused {
			t.Error("no read reused the array of an earlier one in 10 rounds")
		}
	})
}

// Deadlines without a command per read: a consumer's entries are due at the
// threshold it registered; waits beyond it move to its wait lane, which
// Pending still shows as the consumer's; and the entries of a consumer that
// registered nothing (not created by Sluice) are due only after MaxWait,
// never early.
func TestDeadlinesByConsumer(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		r, s, sub := subscribeNew(t, b, 10)
		ctx := t.Context()
		ids, err := s.Publish(ctx, "s", []streams.Event{{Type: "T"}, {Type: "T"}})
		if err != nil {
			t.Fatal(err)
		}
		ds := nextN(t, sub, 2)
		if got := r.Client.HGet(ctx, "{s}:sluice:waits", "g c").Val(); got != "5000" {
			t.Fatalf("registered threshold = %q, want 5000", got)
		}
		ref := func(i int, wait time.Duration) streams.Ref {
			return streams.Ref{Stream: "s", Group: "g", ID: ds[i].ID, Attempt: ds[i].Attempt, Wait: wait}
		}
		// Longer than the threshold: the wait lane, due after a minute.
		// Shorter: stays with c, due after 2 s.
		nacked := time.Now()
		if res, err := s.Nack(ctx, []streams.Ref{ref(0, time.Minute), ref(1, 2*time.Second)}, ""); err != nil || res[0] != streams.Done || res[1] != streams.Done {
			t.Fatalf("nack: %v %v", res, err)
		}
		raw := r.Client.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: "s", Group: "g", Start: "-", End: "+", Count: 10}).Val()
		if len(raw) != 2 || raw[0].Consumer != "c~" || raw[1].Consumer != "c" {
			t.Fatalf("owners after nacks: %+v", raw)
		}
		pend, err := s.Pending(ctx, "s", "g", "c", false, streams.ID{}, 10)
		if err != nil || len(pend) != 2 {
			t.Fatalf("Pending: %+v %v", pend, err)
		}
		for i, want := range []time.Duration{time.Minute, 2 * time.Second} {
			p := pend[i]
			least := want - time.Since(nacked) - time.Millisecond
			if p.ID.String() != ids[i] || p.Consumer != "c" || p.Count != 1 || p.DueIn > want || p.DueIn < least {
				t.Fatalf("pending[%d] = %+v, want due in %v less the time since the nack", i, p, want)
			}
		}
		// The short one comes back, as attempt 2, not before 2 s; the
		// long one does not.
		again := nextN(t, sub, 1)
		if again[0].ID.String() != ids[1] || again[0].Attempt != 2 {
			t.Fatalf("redelivery: %+v", again)
		}
		if el := time.Since(nacked); el < 2*time.Second-time.Millisecond {
			t.Fatalf("redelivered %v after a nack of 2 s", el)
		}
		// A consumer Sluice did not create: nothing registered, so an
		// entry it holds is not taken from it after c's 5 s deadline...
		other := ids[:1]
		if err := r.Client.Do(ctx, "XCLAIM", "s", "g", "other", 0, other[0], "IDLE", 6000, "JUSTID", "RETRYCOUNT", 1).Err(); err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
		got, err := sub.Next(wctx)
		cancel()
		if err == nil {
			t.Fatalf("entry of an unregistered consumer taken before MaxWait: %+v", got)
		}
		// ...but is once it has waited MaxWait.
		if err := r.Client.Do(ctx, "XCLAIM", "s", "g", "other", 0, other[0], "IDLE", streams.MaxWait.Milliseconds(), "JUSTID", "RETRYCOUNT", 1).Err(); err != nil {
			t.Fatal(err)
		}
		got = nextN(t, sub, 1)
		if got[0].ID.String() != other[0] || got[0].Attempt != 2 {
			t.Fatalf("after MaxWait: %+v", got)
		}
	})
}

// Many independent readers at the same position share their reads; each
// still gets every entry, in order, while entries keep coming one by one.
func TestReadersShareReads(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		r := b.Start(t)
		s := newStore(t, r)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		const readers, entries = 30, 300
		counts := make([]atomic.Int64, readers)
		errs := make(chan error, readers)
		for i := range readers {
			go func() {
				var last streams.ID
				errs <- s.Read(ctx, "s", streams.ID{}, 500, func(es []streams.Entry) error {
					for _, e := range es {
						if !last.Less(e.ID) {
							return fmt.Errorf("reader %d: %v after %v", i, e.ID, last)
						}
						last = e.ID
					}
					counts[i].Add(int64(len(es)))
					return nil
				})
			}()
		}
		// Bursts, each followed by a check that every reader caught up:
		// the end of a burst is where a reader that joined a read begun
		// before the last entry would be left waiting.
		for sent := 0; sent < entries; {
			for range 10 {
				if _, err := s.Publish(ctx, "s", []streams.Event{{Type: "T"}}); err != nil {
					t.Fatal(err)
				}
				sent++
				time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
			}
			testkit.Eventually(t, func() error {
				for i := range counts {
					if n := counts[i].Load(); n != int64(sent) {
						return fmt.Errorf("reader %d has %d of %d entries", i, n, sent)
					}
				}
				return nil
			})
		}
		cancel()
		for range readers {
			if err := <-errs; err != nil && !errors.Is(err, context.Canceled) {
				t.Fatal(err)
			}
		}
	})
}

// The reclaim scans the pending list a page at a time, not an entry per
// round trip, when the subscription has little credit: one due entry behind
// 3,000 pending ones that are not due is found in a few script calls.
func TestReclaimScansPages(t *testing.T) {
	r := testredis.Start(t) // commandstats: real Redis only
	s := newStore(t, r)
	ctx := t.Context()
	if err := s.EnsureGroup(ctx, "s", "g", streams.Earliest); err != nil {
		t.Fatal(err)
	}
	events := make([]streams.Event, 3001)
	for i := range events {
		events[i] = streams.Event{Type: "T"}
	}
	ids, err := s.Publish(ctx, "s", events)
	if err != nil {
		t.Fatal(err)
	}
	// All pending to a consumer Sluice did not create (due after MaxWait),
	// the last one made due now.
	if err := r.Client.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "other", Streams: []string{"s", ">"}, Count: 5000, Block: -1}).Err(); err != nil {
		t.Fatal(err)
	}
	last := ids[len(ids)-1]
	if err := r.Client.Do(ctx, "XCLAIM", "s", "g", "other", 0, last, "IDLE", streams.MaxWait.Milliseconds(), "JUSTID", "RETRYCOUNT", 1).Err(); err != nil {
		t.Fatal(err)
	}
	if err := r.Client.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	sub, err := s.SubscribeGroup(streams.GroupOptions{Stream: "s", Group: "g", Consumer: "c", MaxInFlight: 1,
		Policy: streams.Policy{AckDeadline: 5 * time.Second, MaxDeliveries: 5}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ds, err := sub.Next(ctx)
	if err != nil || len(ds) != 1 || ds[0].ID.String() != last || ds[0].Attempt != 2 {
		t.Fatalf("Next: %+v %v", ds, err)
	}
	stats := r.Client.Info(ctx, "commandstats").Val()
	var calls int
	for _, line := range strings.Split(stats, "\n") {
		if strings.HasPrefix(line, "cmdstat_evalsha:") || strings.HasPrefix(line, "cmdstat_eval:") {
			var n int
			if _, err := fmt.Sscanf(line[strings.Index(line, "calls="):], "calls=%d", &n); err == nil {
				calls += n
			}
		}
	}
	if calls == 0 || calls > 40 {
		t.Fatalf("%d script calls to find one due entry behind 3,000", calls)
	}
	t.Logf("%d script calls", calls)
}

// An ack whose fence is the group's current redelivery epoch is a plain
// XACK; without one (or with an older one) the delivery count is checked.
// Shown with a delivery count raised behind Sluice's back (a foreign XCLAIM,
// which does not move the epoch): the fenced ack trusts its fence, the
// unfenced one sees the new count. A redelivery by Sluice moves the epoch.
func TestAcksFencedByEpoch(t *testing.T) {
	r, s, sub := subscribeNew(t, testredis.Backend{Name: "redis", Start: testredis.Start}, 10) // XCLAIM counts as documented
	ctx := t.Context()
	if _, err := s.Publish(ctx, "s", []streams.Event{{Type: "T"}, {Type: "T"}, {Type: "T"}}); err != nil {
		t.Fatal(err)
	}
	ds := nextN(t, sub, 3)
	for _, d := range ds {
		if d.Fence != 1 || d.Attempt != 1 {
			t.Fatalf("first delivery %s: fence %d, attempt %d; want 1, 1", d.ID, d.Fence, d.Attempt)
		}
	}
	for _, d := range ds[:2] {
		if err := r.Client.Do(ctx, "XCLAIM", "s", "g", "c", 0, d.ID.String(), "JUSTID", "RETRYCOUNT", 2).Err(); err != nil {
			t.Fatal(err)
		}
	}
	ref := func(d streams.Delivery, fence uint64) streams.Ref {
		return streams.Ref{Stream: "s", Group: "g", ID: d.ID, Attempt: d.Attempt, Fence: fence}
	}
	res, err := s.Ack(ctx, []streams.Ref{ref(ds[0], ds[0].Fence), ref(ds[1], 0), ref(ds[2], 0), ref(ds[2], ds[2].Fence)})
	if err != nil {
		t.Fatal(err)
	}
	want := []streams.Result{streams.Done, streams.Stale, streams.Done, streams.NotPending}
	if fmt.Sprint(res) != fmt.Sprint(want) {
		t.Fatalf("acks: %v, want %v", res, want)
	}

	// A redelivery by Sluice: the entry left unacked comes back after its
	// deadline with the next epoch; the first delivery's ack is then
	// checked, and stale.
	if err := r.Client.Do(ctx, "XCLAIM", "s", "g", "c", 0, ds[1].ID.String(), "IDLE", 5000, "JUSTID", "RETRYCOUNT", 1).Err(); err != nil {
		t.Fatal(err)
	}
	again, err := sub.Next(ctx)
	if err != nil || len(again) != 1 || again[0].ID != ds[1].ID || again[0].Attempt != 2 || again[0].Fence != 2 {
		t.Fatalf("redelivery: %+v %v; want %s, attempt 2, fence 2", again, err, ds[1].ID)
	}
	// Acks that share a fence, here an old one: all checked.
	res, err = s.Ack(ctx, []streams.Ref{ref(ds[1], ds[1].Fence), ref(ds[1], ds[1].Fence)})
	if err != nil {
		t.Fatal(err)
	}
	if want := []streams.Result{streams.Stale, streams.Stale}; fmt.Sprint(res) != fmt.Sprint(want) {
		t.Fatalf("acks sharing the fence of before the redelivery: %v, want %v", res, want)
	}
	res, err = s.Ack(ctx, []streams.Ref{ref(ds[1], ds[1].Fence), ref(again[0], again[0].Fence)})
	if err != nil {
		t.Fatal(err)
	}
	if want := []streams.Result{streams.Stale, streams.Done}; fmt.Sprint(res) != fmt.Sprint(want) {
		t.Fatalf("acks after the redelivery: %v, want %v", res, want)
	}

	// Acks that share the current fence: one XACK each, and a second ack of
	// one entry finds it no longer pending.
	if _, err := s.Publish(ctx, "s", []streams.Event{{Type: "T"}, {Type: "T"}}); err != nil {
		t.Fatal(err)
	}
	more := nextN(t, sub, 2)
	if more[0].Fence != 2 || more[1].Fence != 2 {
		t.Fatalf("fences after one redelivery: %d, %d; want 2", more[0].Fence, more[1].Fence)
	}
	res, err = s.Ack(ctx, []streams.Ref{ref(more[0], more[0].Fence), ref(more[1], more[1].Fence), ref(more[0], more[0].Fence)})
	if err != nil {
		t.Fatal(err)
	}
	if want := []streams.Result{streams.Done, streams.Done, streams.NotPending}; fmt.Sprint(res) != fmt.Sprint(want) {
		t.Fatalf("acks sharing the current fence: %v, want %v", res, want)
	}
	if n := r.Client.XPending(ctx, "s", "g").Val().Count; n != 0 {
		t.Fatalf("%d entries still pending", n)
	}
}

// blockedIn reports whether a client of r is blocked in cmd.
func blockedIn(t *testing.T, r *testredis.Server, cmd string) bool {
	for _, line := range strings.Split(r.Client.ClientList(t.Context()).Val(), "\n") {
		if strings.Contains(line, " cmd="+cmd+" ") && strings.Contains(line, " flags=b ") {
			return true
		}
	}
	return false
}

// idleGroupSub subscribes consumer "c" of group "g" to the empty stream "s"
// of s and waits until its dispatcher is blocked in Redis.
func idleGroupSub(t *testing.T, r *testredis.Server, s *streams.Store) *streams.GroupSub {
	t.Helper()
	if err := s.EnsureGroup(t.Context(), "s", "g", streams.Newest); err != nil {
		t.Fatal(err)
	}
	sub, err := s.SubscribeGroup(streams.GroupOptions{Stream: "s", Group: "g", Consumer: "c", MaxInFlight: 10,
		Policy: streams.Policy{AckDeadline: 5 * time.Second, MaxDeliveries: 5}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Close)
	testkit.WaitFor(t, "an XREADGROUP blocked in Redis", func() bool { return blockedIn(t, r, "xreadgroup") })
	return sub
}

// TestGroupReadWaitsInRedis: an idle group subscription waits for new entries
// in its own blocking XREADGROUP, not in a stream watcher's XREAD followed by
// a second read, and what is published then reaches it from that read.
func TestGroupReadWaitsInRedis(t *testing.T) {
	r := testredis.Start(t)
	sub := idleGroupSub(t, r, newStore(t, r))
	if blockedIn(t, r, "xread") {
		t.Fatalf("a blocking XREAD for a group subscription:\n%s", r.Client.ClientList(t.Context()).Val())
	}
	id := r.Client.XAdd(t.Context(), &redis.XAddArgs{Stream: "s", Values: []any{"type", "t.v1.E", "payload", "x"}}).Val()
	if ds := nextN(t, sub, 1); ds[0].ID.String() != id {
		t.Fatalf("delivered %s, published %s", ds[0].ID, id)
	}
}

// TestStreamDeletedUnderBlockedRead: deleting the stream ends a subscription
// whose read is blocked in Redis (which answers "UNBLOCKED the stream key no
// longer exists", not NOGROUP) as a deleted group, not as a failed read.
func TestStreamDeletedUnderBlockedRead(t *testing.T) {
	r := testredis.Start(t)
	cmd, read, err := redisconn.Open(r.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder // written by the dispatcher only, read after it ended
	s, err := streams.New(streams.Options{Client: cmd, ReadClient: read, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close(); cmd.Close() }()
	sub := idleGroupSub(t, r, s)
	r.Client.Del(t.Context(), "s")
	ctx, cancel := context.WithTimeout(t.Context(), testkit.Wait)
	defer cancel()
	for {
		_, err := sub.Next(ctx)
		if err == nil {
			continue
		}
		if !errors.Is(err, streams.ErrGroupDeleted) {
			t.Fatalf("Next: %v, want ErrGroupDeleted", err)
		}
		break
	}
	s.Close() // the dispatcher has ended; its log is complete
	if strings.Contains(logs.String(), "reading group failed") {
		t.Fatalf("logged as a failure:\n%s", logs.String())
	}
}

// TestCloseWaitsForItsRead: when Close returns, no read for the subscription
// is left waiting in Redis, so an entry published afterwards does not reach
// its consumer (for a topic partition, another member may start reading at
// once, and must get the entries in order): the next subscription of the
// group gets it as a first delivery.
func TestCloseWaitsForItsRead(t *testing.T) {
	r := testredis.Start(t)
	s := newStore(t, r)
	sub := idleGroupSub(t, r, s)
	sub.Close()
	if blockedIn(t, r, "xreadgroup") {
		t.Fatalf("a read still waits after Close:\n%s", r.Client.ClientList(t.Context()).Val())
	}
	id := r.Client.XAdd(t.Context(), &redis.XAddArgs{Stream: "s", Values: []any{"type", "t.v1.E", "payload", "x"}}).Val()
	next, err := s.SubscribeGroup(streams.GroupOptions{Stream: "s", Group: "g", Consumer: "next", MaxInFlight: 10,
		Policy: streams.Policy{AckDeadline: 5 * time.Second, MaxDeliveries: 5}})
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	if ds := nextN(t, next, 1); ds[0].ID.String() != id || ds[0].Attempt != 1 {
		t.Fatalf("the next subscription got %s attempt %d, want %s attempt 1", ds[0].ID, ds[0].Attempt, id)
	}
}

// TestEntriesReadForAClosedSubscriptionComeFirst: what a read took for a
// subscription that closed meanwhile goes to the group's other subscribers
// before anything newer.
func TestEntriesReadForAClosedSubscriptionComeFirst(t *testing.T) {
	r := testredis.Start(t)
	s := newStore(t, r)
	a := idleGroupSub(t, r, s) // its read now waits in Redis
	closed := make(chan struct{})
	go func() { a.Close(); close(closed) }()
	// a is out of the group's subscriptions once its Next says so; its
	// Close still waits for the read.
	ctx, cancel := context.WithTimeout(t.Context(), testkit.Wait)
	defer cancel()
	for {
		if _, err := a.Next(ctx); errors.Is(err, streams.ErrClosed) {
			break
		} else if err != nil {
			t.Fatalf("a's Next: %v, want ErrClosed", err)
		}
	}
	b, err := s.SubscribeGroup(streams.GroupOptions{Stream: "s", Group: "g", Consumer: "b", MaxInFlight: 10,
		Policy: streams.Policy{AckDeadline: 5 * time.Second, MaxDeliveries: 5}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	first := r.Client.XAdd(t.Context(), &redis.XAddArgs{Stream: "s", Values: []any{"type", "t.v1.E", "payload", "1"}}).Val()
	testkit.Recv(t, closed, "end of a's Close") // a's read took the first entry and gave it back
	second := r.Client.XAdd(t.Context(), &redis.XAddArgs{Stream: "s", Values: []any{"type", "t.v1.E", "payload", "2"}}).Val()
	ds := nextN(t, b, 2)
	if ds[0].ID.String() != first || ds[1].ID.String() != second {
		t.Fatalf("b got %s, %s; published %s, %s", ds[0].ID, ds[1].ID, first, second)
	}
}

// Scripts come back after Redis lost them (a restart, SCRIPT FLUSH), also
// when one pipeline runs two different ones: one group's batch shares its
// current fence (ackCurrentScript), the other's has one delivery without a
// fence (ackScript).
func TestScriptsReloaded(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		r, s, sub := subscribeNew(t, b, 10)
		ctx := t.Context()
		if err := s.EnsureGroup(ctx, "s", "g2", streams.Earliest); err != nil {
			t.Fatal(err)
		}
		sub2, err := s.SubscribeGroup(streams.GroupOptions{Stream: "s", Group: "g2", Consumer: "c", MaxInFlight: 10,
			Policy: streams.Policy{AckDeadline: 5 * time.Second, MaxDeliveries: 5}})
		if err != nil {
			t.Fatal(err)
		}
		defer sub2.Close()
		if err := r.Client.ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Publish(ctx, "s", []streams.Event{{Type: "T"}, {Type: "T"}}); err != nil {
			t.Fatal(err)
		}
		ds, ds2 := nextN(t, sub, 2), nextN(t, sub2, 2)
		if err := r.Client.ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		refs := []streams.Ref{
			{Stream: "s", Group: "g", ID: ds[0].ID, Attempt: 1, Fence: ds[0].Fence},
			{Stream: "s", Group: "g2", ID: ds2[0].ID, Attempt: 1},
			{Stream: "s", Group: "g", ID: ds[1].ID, Attempt: 1, Fence: ds[1].Fence},
			{Stream: "s", Group: "g2", ID: ds2[1].ID, Attempt: 1, Fence: ds2[1].Fence},
		}
		tallies, err := s.AckCount(ctx, refs)
		want := []streams.Tally{{Stream: "s", Group: "g", Done: 2}, {Stream: "s", Group: "g2", Done: 2}}
		if err != nil || fmt.Sprint(tallies) != fmt.Sprint(want) {
			t.Fatalf("AckCount after SCRIPT FLUSH: %+v, %v; want %+v", tallies, err, want)
		}
		for _, g := range []string{"g", "g2"} {
			if n := r.Client.XPending(ctx, "s", g).Val().Count; n != 0 {
				t.Errorf("group %s: %d entries still pending", g, n)
			}
		}
	})
}

// AckCount: a batch that shares the group's current epoch is acked with one
// XACK and counted (a second ack of an entry counts as not pending, and the
// nack reason of an acked entry is deleted); a batch it has to check (no
// fence, or an old one) still counts stale deliveries as stale.
func TestAckCount(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		r, s, sub := subscribeNew(t, b, 10)
		ctx := t.Context()
		if _, err := s.Publish(ctx, "s", []streams.Event{{Type: "T"}, {Type: "T"}, {Type: "T"}}); err != nil {
			t.Fatal(err)
		}
		ds := nextN(t, sub, 3)
		ref := func(d streams.Delivery) streams.Ref {
			return streams.Ref{Stream: "s", Group: "g", ID: d.ID, Attempt: d.Attempt, Fence: d.Fence}
		}
		// ds[0] comes back once with a reason: that moves the epoch on.
		if _, err := s.Nack(ctx, []streams.Ref{ref(ds[0])}, "try again"); err != nil {
			t.Fatal(err)
		}
		again := nextN(t, sub, 1)
		if again[0].ID != ds[0].ID || again[0].Attempt != 2 {
			t.Fatalf("redelivery %+v, want %s attempt 2", again[0], ds[0].ID)
		}
		if n := r.Client.HLen(ctx, "{s}:sluice:reasons").Val(); n != 1 {
			t.Fatalf("%d nack reasons, want 1", n)
		}
		// Old fence: checked one by one.
		tallies, err := s.AckCount(ctx, []streams.Ref{ref(ds[0]), ref(ds[1])})
		if err != nil {
			t.Fatal(err)
		}
		want := []streams.Tally{{Stream: "s", Group: "g", Done: 1, Stale: 1}}
		if fmt.Sprint(tallies) != fmt.Sprint(want) {
			t.Fatalf("checked batch: %+v, want %+v", tallies, want)
		}
		// The current fence, shared: counted, with a repeated ID not pending.
		single := r.Real() && r.Cluster == nil // where INFO commandstats shows the one XACK
		if single {
			if err := r.Client.ConfigResetStat(ctx).Err(); err != nil {
				t.Fatal(err)
			}
		}
		tallies, err = s.AckCount(ctx, []streams.Ref{ref(again[0]), ref(again[0])})
		if err != nil {
			t.Fatal(err)
		}
		if single {
			stats, err := r.Client.Info(ctx, "commandstats").Result()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stats, "cmdstat_xack:calls=1,") {
				t.Errorf("not one XACK for the batch: %s", stats)
			}
		}
		want = []streams.Tally{{Stream: "s", Group: "g", Done: 1, NotPending: 1}}
		if fmt.Sprint(tallies) != fmt.Sprint(want) {
			t.Fatalf("batch of the current epoch: %+v, want %+v", tallies, want)
		}
		if n := r.Client.HLen(ctx, "{s}:sluice:reasons").Val(); n != 0 {
			t.Errorf("%d nack reasons left after the ack", n)
		}
		// ds[2] still has the first read's fence, now old: checked, acked.
		tallies, err = s.AckCount(ctx, []streams.Ref{ref(ds[2])})
		if err != nil || fmt.Sprint(tallies) != fmt.Sprint([]streams.Tally{{Stream: "s", Group: "g", Done: 1}}) {
			t.Fatalf("last ack: %+v %v", tallies, err)
		}
		if n := r.Client.XPending(ctx, "s", "g").Val().Count; n != 0 {
			t.Fatalf("%d entries still pending", n)
		}
	})
}

// A subscription whose first step claims entries (here a fresh dispatcher,
// as on a replica that just started, finding what a closed subscription
// gave back) gives them their full deadline: it registers its consumer's
// threshold before claiming, so a claim's idle time is not computed
// against the longest wait and found overdue once the threshold is there
// (which would redeliver them at once, a third time).
func TestFirstStepClaimKeepsDeadline(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		r, s, a := subscribeNew(t, b, 10)
		ctx := t.Context()
		if _, err := s.Publish(ctx, "s", []streams.Event{{Type: "T"}, {Type: "T"}}); err != nil {
			t.Fatal(err)
		}
		nextN(t, a, 2)
		a.Close() // gives them back: claimable now
		other := newStore(t, r)
		policy := streams.Policy{AckDeadline: 5 * time.Second, MaxDeliveries: 5}
		bsub, err := other.SubscribeGroup(streams.GroupOptions{Stream: "s", Group: "g", Consumer: "b", MaxInFlight: 10, Policy: policy})
		if err != nil {
			t.Fatal(err)
		}
		defer bsub.Close()
		claimedAt := time.Now()
		ds := nextN(t, bsub, 2)
		if ds[0].Attempt != 2 || ds[1].Attempt != 2 {
			t.Fatalf("claimed %+v, want attempt 2", ds)
		}
		testkit.WaitFor(t, "b's registered threshold", func() bool { return r.Client.HExists(ctx, "{s}:sluice:waits", "g b").Val() })
		pend, err := other.Pending(ctx, "s", "g", "b", false, streams.ID{}, 10)
		if err != nil || len(pend) != 2 {
			t.Fatalf("Pending: %+v %v", pend, err)
		}
		for _, p := range pend {
			if left := policy.AckDeadline - time.Since(claimedAt); p.DueIn < left-time.Millisecond {
				t.Fatalf("claimed entry %s due in %v, want at least %v (the deadline since the claim)", p.ID, p.DueIn, left)
			}
		}
	})
}
