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
	after, err := sen.MasterAddr(ctx)
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
