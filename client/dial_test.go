package client_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/peer"

	"github.com/sluice-io/sluice/client"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

// DialBalanced spreads calls over two replicas and keeps going, publishing
// and consuming, when one of them stops.
func TestDialBalanced(t *testing.T) {
	t.Parallel()
	r := testredis.Start(t)
	a := testserver.Start(t, r.URL, daemon.Config{})
	b := testserver.Start(t, r.URL, daemon.Config{})
	var mu sync.Mutex
	served := map[string]int{}
	record := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoke grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		var p peer.Peer
		err := invoke(ctx, method, req, reply, cc, append(opts, grpc.Peer(&p))...)
		if err == nil && p.Addr != nil {
			mu.Lock()
			served[p.Addr.String()]++
			mu.Unlock()
		}
		return err
	}
	conn, err := client.DialBalanced([]string{a.Addr, b.Addr}, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(record))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	stream, group := unique("s"), unique("g")
	pub := client.NewPublisher(conn)
	sub, _ := client.NewSubscriber(conn, client.SubscriberConfig{Stream: stream, Group: group,
		Start: &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}}},
		client.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond))
	got := map[string]bool{}
	consume(t, sub, func(ctx context.Context, m *client.Message) error {
		mu.Lock()
		got[string(m.GetEvent().GetPayload())] = true
		mu.Unlock()
		return nil
	})
	publish := func(from, to int) {
		for i := from; i < to; i++ {
			ev := &sluicev1.Event{Type: "x.v1.Y", IdempotencyKey: fmt.Sprint(i), Data: &sluicev1.Event_Payload{Payload: []byte(fmt.Sprint(i))}}
			if _, err := pub.Publish(t.Context(), stream, ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	received := func(n int) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(got) == n
		}
	}
	publish(0, 20)
	testkit.WaitFor(t, "20 messages", received(20))
	mu.Lock()
	if served[a.Addr] == 0 || served[b.Addr] == 0 {
		t.Fatalf("calls were not spread over both replicas: %v", served)
	}
	mu.Unlock()
	a.Stop()
	publish(20, 40) // retried on the other replica (every event has an idempotency key)
	testkit.WaitFor(t, "40 messages after a replica stopped", received(40))
}
