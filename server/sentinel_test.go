package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/sluice-io/sluice/client"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
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
	<-got
	before, _ := sen.MasterAddr(ctx)
	sen.Primary.Kill()
	start := time.Now()
	publish(1) // retried (UNAVAILABLE) until the replica is promoted
	t.Logf("publishing was unavailable for about %v", time.Since(start).Round(100*time.Millisecond))
	// Sentinels learn of a failover one after another: ask until the one
	// asked has.
	after, err := sen.MasterAddr(ctx)
	for deadline := time.Now().Add(15 * time.Second); (err != nil || after == before) && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		after, err = sen.MasterAddr(ctx)
	}
	if err != nil || after == before {
		t.Fatalf("no failover: primary %s -> %s (%v)", before, after, err)
	}
	select {
	case <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("nothing delivered after the failover")
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
			time.Sleep(2 * time.Millisecond)
		}
	}
	stop := make(chan struct{})
	withWait, noWait := make(chan result, 1), make(chan result, 1)
	go publish("with-wait", &sluicev1.Durability{MinReplicas: 1, Timeout: durationpb.New(time.Second)}, stop, withWait)
	go publish("no-wait", nil, stop, noWait)

	time.Sleep(time.Second)
	sen.Primary.Kill()
	time.Sleep(2 * time.Second)
	sen.Primary.Restart(t) // Sentinel turns it into a replica of the new primary
	time.Sleep(3 * time.Second)
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
