package streams_test

import (
	"log/slog"
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

// The ack deadline counts from when the message reached the client: a
// message that waited in the server (a slow send) gets its deadline pushed
// back by Sent.
func TestDeadlineStartsWhenSent(t *testing.T) {
	for _, b := range testredis.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			r := b.Start(t)
			s := newStore(t, r)
			ctx := t.Context()
			if err := s.EnsureGroup(ctx, "s", "g", streams.Earliest); err != nil {
				t.Fatal(err)
			}
			policy := streams.Policy{AckDeadline: 5 * time.Second, MaxDeliveries: 5}
			sub, err := s.SubscribeGroup(streams.GroupOptions{Stream: "s", Group: "g", Consumer: "c", MaxInFlight: 10, Policy: policy})
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Close()
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
