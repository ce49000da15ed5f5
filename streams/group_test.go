package streams_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/streams"
)

func newStore(t *testing.T, r *testredis.Server) *streams.Store {
	t.Helper()
	cmd, read, err := daemon.Clients(r.URL)
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

// The ack deadline counts from when the message reached the client: a
// message that waited in the server (a slow send) gets its deadline pushed
// back by Sent.
func TestDeadlineStartsWhenSent(t *testing.T) {
	for _, b := range testredis.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			r, s, sub := subscribeNew(t, b, 10)
			ctx := t.Context()
			if _, err := s.Publish(ctx, "s", []streams.Event{{Type: "T"}}); err != nil {
				t.Fatal(err)
			}
			ds, err := sub.Next(ctx)
			if err != nil || len(ds) != 1 {
				t.Fatalf("Next: %v %v", ds, err)
			}
			idle := func() time.Duration {
				p := r.Client.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: "s", Group: "g", Start: "-", End: "+", Count: 1}).Val()
				return p[0].Idle
			}
			// Just read: due after the deadline, i.e. idle = MaxWait - 5 s.
			due := streams.MaxWait - 5*time.Second
			if got := idle(); got < due-100*time.Millisecond || got > due+time.Second {
				t.Fatalf("idle after read = %v", got)
			}
			time.Sleep(1500 * time.Millisecond) // a slow send, well within the deadline
			if err := sub.Sent(ctx, ds); err != nil {
				t.Fatal(err)
			}
			if got := idle(); got > due+700*time.Millisecond {
				t.Fatalf("idle after a slow send = %v: the deadline was not pushed back", got)
			}
			p := r.Client.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: "s", Group: "g", Start: "-", End: "+", Count: 1}).Val()
			if p[0].RetryCount != 1 || p[0].Consumer != "c" {
				t.Fatalf("pending entry %+v", p[0])
			}
		})
	}
}

// After a subscription's first read, new entries are read with a plain
// XREADGROUP pipelined with a script that sets their deadline. Entries
// claimed to the same consumer in between (older, delivered before) must
// keep their delivery count and idle time, however many there are.
func TestPipelinedReadsSetDeadlines(t *testing.T) {
	for _, b := range testredis.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			// Credit 1: the dispatcher reads nothing more until the first
			// message is acked.
			r, s, sub := subscribeNew(t, b, 1)
			ctx := t.Context()
			publish := func(n int) []string {
				events := make([]streams.Event, n)
				for i := range events {
					events[i] = streams.Event{Type: "T"}
				}
				ids, err := s.Publish(ctx, "s", events)
				if err != nil {
					t.Fatal(err)
				}
				return ids
			}
			publish(1)
			first, err := sub.Next(ctx)
			if err != nil || len(first) != 1 {
				t.Fatalf("first read: %v %v", first, err)
			}
			// 40 entries delivered to another consumer, then claimed to c
			// with 3 deliveries, as a redelivery would be.
			claimed := publish(40)
			if err := r.Client.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "other", Streams: []string{"s", ">"}, Count: 40}).Err(); err != nil {
				t.Fatal(err)
			}
			args := []any{"XCLAIM", "s", "g", "c", 0}
			for _, id := range claimed {
				args = append(args, id)
			}
			if err := r.Client.Do(ctx, append(args, "JUSTID", "RETRYCOUNT", 3)...).Err(); err != nil {
				t.Fatal(err)
			}
			fresh := publish(1)
			res, err := s.Ack(ctx, []streams.Ref{{Stream: "s", Group: "g", ID: first[0].ID, Attempt: 1}})
			if err != nil || res[0] != streams.Done {
				t.Fatalf("ack: %v %v", res, err)
			}
			ds, err := sub.Next(ctx)
			if err != nil || len(ds) != 1 || ds[0].ID.String() != fresh[0] {
				t.Fatalf("second read: %v %v", ds, err)
			}
			pending := r.Client.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: "s", Group: "g", Start: "-", End: "+", Count: 100, Consumer: "c"}).Val()
			due := streams.MaxWait - 5*time.Second
			seen := 0
			for _, p := range pending {
				switch {
				case slices.Contains(claimed, p.ID):
					if p.RetryCount != 3 || p.Idle > 5*time.Second {
						t.Fatalf("claimed entry changed: %+v", p)
					}
					seen++
				case slices.Contains(fresh, p.ID):
					if p.RetryCount != 1 || p.Idle < due-100*time.Millisecond || p.Idle > due+time.Second {
						t.Fatalf("new entry not due after the deadline: %+v", p)
					}
					seen++
				}
			}
			if seen != 41 {
				t.Fatalf("saw %d of 41 pending entries: %+v", seen, pending)
			}
		})
	}
}

// Many independent readers at the same position share their reads; each
// still gets every entry, in order, while entries keep coming one by one.
func TestReadersShareReads(t *testing.T) {
	for _, b := range testredis.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
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
				deadline := time.Now().Add(3 * time.Second)
				for i := range counts {
					for counts[i].Load() != int64(sent) {
						if time.Now().After(deadline) {
							t.Fatalf("reader %d has %d of %d entries", i, counts[i].Load(), sent)
						}
						time.Sleep(time.Millisecond)
					}
				}
			}
			cancel()
			for range readers {
				if err := <-errs; err != nil && !errors.Is(err, context.Canceled) {
					t.Fatal(err)
				}
			}
		})
	}
}
