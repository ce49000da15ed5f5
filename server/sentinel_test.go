package server_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/sluice-io/sluice/client"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

// Through Sentinel: sluiced follows a failover without operator action, and
// a subscriber keeps receiving what publishers (retrying with idempotency
// keys) managed to store.
func TestSentinelFailover(t *testing.T) {
	t.Parallel()
	sen := testredis.StartSentinel(t)
	s := testserver.Start(t, sen.URL, daemon.Config{})
	ctx := t.Context()
	pub := client.NewPublisher(s.Conn)
	publish := func(i int) {
		t.Helper()
		e, _ := client.NewEvent(&sluicev1.Event{Type: fmt.Sprint("n", i)}, client.WithIdempotencyKey(fmt.Sprint("k", i)))
		if _, err := pub.Publish(ctx, "failover", e); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	sub, _ := client.NewSubscriber(s.Conn, client.SubscriberConfig{Stream: "failover", Group: "g",
		Start: &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}}},
		client.WithReconnectBackoff(50*time.Millisecond, 500*time.Millisecond))
	got := make(chan string, 100)
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- sub.Consume(cctx, func(_ context.Context, m *client.Message) error { got <- m.GetId(); return nil })
	}()
	defer func() { cancel(); <-done }()

	publish(0)
	testkit.Recv(t, got, "delivery before the failover")
	before, _ := sen.MasterAddr(ctx)
	sen.Primary.Kill()
	start := time.Now()
	publish(1) // retried (UNAVAILABLE) until the replica is promoted
	t.Logf("publishing was unavailable for about %v", time.Since(start).Round(100*time.Millisecond))
	// Sentinels learn of a failover one after another: ask until the one
	// asked has.
	testkit.Eventually(t, failedOver(sen, before))
	testkit.Recv(t, got, "delivery after the failover")
}

// failedOver checks that Sentinel names a primary other than before.
func failedOver(sen *testredis.Sentinel, before string) func() error {
	return func() error {
		after, err := sen.MasterAddr(context.Background())
		if err != nil || after == before {
			return fmt.Errorf("no failover: primary %s -> %s (%v)", before, after, err)
		}
		return nil
	}
}

// Publish can wait for replicas (WAIT): it reports how many confirmed, and
// a shortfall is UNAVAILABLE, to be retried with the same idempotency keys.
func TestPublishDurability(t *testing.T) {
	t.Parallel()
	sen := testredis.StartSentinel(t)
	s := testserver.Start(t, sen.URL, daemon.Config{})
	ctx := t.Context()
	ev := []*sluicev1.Event{{Type: "demo.v1.E", IdempotencyKey: "d1"}}
	res, err := s.Pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "durable", Events: ev,
		Durability: &sluicev1.Durability{MinReplicas: 1, Timeout: durationpb.New(5 * time.Second)}})
	if err != nil || res.GetReplicas() != 1 {
		t.Fatalf("WAIT 1: %v %v", res, err)
	}
	_, err = s.Pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "durable", Events: ev,
		Durability: &sluicev1.Durability{MinReplicas: 2, Timeout: durationpb.New(100 * time.Millisecond)}})
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "1 of 2 replicas") {
		t.Fatalf("WAIT 2 with one replica: %v", err)
	}
	// Redis 7.0 has no WAITAOF.
	_, err = s.Pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "durable", Events: ev,
		Durability: &sluicev1.Durability{Aof: true}})
	wantCode(t, err, codes.FailedPrecondition)
	_, err = s.Pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "durable", Events: ev,
		Durability: &sluicev1.Durability{MinReplicas: -1}})
	wantCode(t, err, codes.InvalidArgument)
}

// Two sluiced replicas on one Sentinel-managed Redis: publishers on one,
// a subscriber on the other. The primary is killed mid-traffic (and comes
// back as a replica). Acknowledged publishes made with WAIT for one replica
// all survive; without WAIT some may not. Reports unavailability, losses
// and duplicates.
func TestFailoverWithTwoReplicas(t *testing.T) {
	t.Parallel()
	sen := testredis.StartSentinel(t)
	a := testserver.Start(t, sen.URL, daemon.Config{})
	b := testserver.Start(t, sen.URL, daemon.Config{})
	ctx := t.Context()

	// A subscriber on replica b sees every stream's messages.
	for _, stream := range []string{"with-wait", "no-wait"} {
		sub, _ := client.NewSubscriber(b.Conn, client.SubscriberConfig{Stream: stream, Group: "g",
			Start: &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}}},
			client.WithReconnectBackoff(50*time.Millisecond, 500*time.Millisecond))
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- sub.Consume(cctx, func(context.Context, *client.Message) error { return nil }) }()
		defer func() { cancel(); <-done }()
	}

	type result struct {
		acked       []string
		unavailable time.Duration
	}
	// Publishes acknowledged so far, of both streams.
	var acked atomic.Int64
	publish := func(stream string, durability *sluicev1.Durability, stop <-chan struct{}, out chan<- result) {
		var r result
		for i := 0; ; i++ {
			select {
			case <-stop:
				out <- r
				return
			default:
			}
			key := fmt.Sprintf("%s-%d", stream, i)
			req := &sluicev1.PublishRequest{Stream: stream, Durability: durability, Events: []*sluicev1.Event{{
				Type: "demo.v1.E", ContentType: "text/plain", IdempotencyKey: key, Data: &sluicev1.Event_Payload{Payload: []byte(key)}}}}
			start := time.Now()
			for {
				_, err := a.Pub.Publish(ctx, req)
				if err == nil {
					break
				}
				if ctx.Err() != nil || time.Since(start) > time.Minute {
					t.Errorf("%s: publishing unavailable for over a minute: %v", stream, err)
					out <- r
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
			if d := time.Since(start); d > r.unavailable {
				r.unavailable = d
			}
			r.acked = append(r.acked, key)
			acked.Add(1)
			time.Sleep(2 * time.Millisecond)
		}
	}
	stop := make(chan struct{})
	withWait, noWait := make(chan result, 1), make(chan result, 1)
	go publish("with-wait", &sluicev1.Durability{MinReplicas: 1, Timeout: durationpb.New(time.Second)}, stop, withWait)
	go publish("no-wait", nil, stop, noWait)

	// Each step waits for traffic to be acknowledged since the last.
	moreAcked := func(what string) {
		t.Helper()
		n := acked.Load()
		testkit.Eventually(t, func() error {
			if got := acked.Load(); got < n+50 {
				return fmt.Errorf("%d publishes acknowledged %s, want %d", got-n, what, 50)
			}
			return nil
		})
	}
	moreAcked("before the failover")
	before, _ := sen.MasterAddr(ctx)
	sen.Primary.Kill()
	testkit.Eventually(t, failedOver(sen, before))
	moreAcked("after the failover")
	sen.Primary.Restart(t) // Sentinel makes it a replica (or, if the failover did not stick, the primary again)
	testkit.Eventually(t, func() error {
		addr, err := sen.MasterAddr(ctx)
		if err != nil {
			return err
		}
		c := redisClient(addr)
		defer c.Close()
		info, err := c.Info(ctx, "replication").Result()
		if err != nil || !strings.Contains(info, "role:master") || !strings.Contains(info, "connected_slaves:1") ||
			!strings.Contains(info, "state=online") {
			return fmt.Errorf("the primary Sentinel names (%s) has no replica in sync: %v %s", addr, err, info)
		}
		return nil
	})
	moreAcked("after the restarted node came back")
	close(stop)
	rw, rn := <-withWait, <-noWait

	// Count, on whichever node is primary now, what survived.
	addr, err := sen.MasterAddr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	primary := redisClient(addr)
	defer primary.Close()
	survived := func(stream string) (map[string]int, int) {
		seen := map[string]int{}
		dups := 0
		for _, m := range primary.XRange(ctx, stream, "-", "+").Val() {
			k := fmt.Sprint(m.Values["payload"])
			seen[k]++
			if seen[k] > 1 {
				dups++
			}
		}
		return seen, dups
	}
	report := func(name string, r result) int {
		seen, dups := survived(name)
		lost := 0
		for _, k := range r.acked {
			if seen[k] == 0 {
				lost++
			}
		}
		t.Logf("%s: acknowledged %d, lost %d, duplicates %d, longest wait for an acknowledgement %v",
			name, len(r.acked), lost, dups, r.unavailable.Round(10*time.Millisecond))
		return lost
	}
	if lost := report("with-wait", rw); lost != 0 {
		t.Errorf("%d publishes acknowledged after WAIT were lost in the failover", lost)
	}
	report("no-wait", rn)
	if len(rw.acked) == 0 || len(rn.acked) == 0 {
		t.Fatal("no traffic")
	}
}
