package client_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sluice-io/sluice/client"
	ordersv1 "github.com/sluice-io/sluice/gen/go/examples/orders/v1"
	ordersv2 "github.com/sluice-io/sluice/gen/go/examples/orders/v2"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

var counter atomic.Int64

func unique(kind string) string {
	return fmt.Sprintf("%s-%d-%d", kind, time.Now().UnixNano(), counter.Add(1))
}

func forEachBackend(t *testing.T, fn func(t *testing.T, r *testredis.Server, s *testserver.Server)) {
	for _, b := range testredis.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			r := b.Start(t)
			fn(t, r, testserver.Start(t, r.URL, daemon.Config{DescriptorSet: "../gen/sluice.binpb"}))
		})
	}
}

// consume runs sub.Consume in the background until the test ends.
func consume(t *testing.T, sub *client.Subscriber, h client.Handler) (stop func() error) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- sub.Consume(ctx, h) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func publishOrders(t *testing.T, pub *client.Publisher, stream string, n int) []string {
	t.Helper()
	events := make([]*sluicev1.Event, n)
	for i := range events {
		e, err := client.NewEvent(&ordersv1.OrderCreated{OrderId: fmt.Sprint(i)}, client.WithKey("k"), client.WithHeader("h", "v"))
		if err != nil {
			t.Fatal(err)
		}
		events[i] = e
	}
	ids, err := pub.Publish(t.Context(), stream, events...)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestHandlerAcksOnSuccess(t *testing.T) {
	forEachBackend(t, func(t *testing.T, r *testredis.Server, s *testserver.Server) {
		stream, group := unique("s"), unique("g")
		pub := client.NewPublisher(s.Conn)
		sub, err := client.NewSubscriber(s.Conn, client.SubscriberConfig{Stream: stream, Group: group,
			Start: &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}}},
			client.WithConcurrency(4))
		if err != nil {
			t.Fatal(err)
		}
		publishOrders(t, pub, stream, 200)
		var mu sync.Mutex
		seen := map[string]bool{}
		var failedOnce atomic.Bool
		stop := consume(t, sub, func(ctx context.Context, m *client.Message) error {
			var o ordersv1.OrderCreated
			if err := m.Unmarshal(&o); err != nil {
				return err
			}
			if o.GetOrderId() == "7" && failedOnce.CompareAndSwap(false, true) {
				return errors.New("left pending on purpose")
			}
			mu.Lock()
			seen[o.GetOrderId()] = true
			mu.Unlock()
			return nil
		})
		waitFor(t, "199 handled and acked", func() bool {
			mu.Lock()
			n := len(seen)
			mu.Unlock()
			return n == 199 && r.Client.XPending(t.Context(), stream, group).Val().Count == 1
		})
		if err := stop(); err != nil {
			t.Fatalf("Consume returned %v after cancel", err)
		}
		pend := r.Client.XPendingExt(t.Context(), &redis.XPendingExtArgs{Stream: stream, Group: group, Start: "-", End: "+", Count: 100}).Val()
		if len(pend) != 1 || pend[0].Consumer != sub.Consumer() {
			t.Fatalf("pending %v, consumer %q", pend, sub.Consumer())
		}
		// A new Consume with the same Subscriber keeps its consumer name and
		// so gets the failed message back first.
		got := make(chan *client.Message, 1)
		consume(t, sub, func(ctx context.Context, m *client.Message) error {
			if st, err := m.Ack(ctx); err != nil || st != sluicev1.AckStatus_ACK_STATUS_ACKED {
				t.Errorf("explicit ack: %v %v", st, err)
			}
			got <- m
			return nil
		})
		select {
		case m := <-got:
			if m.GetDeliveryAttempt() != 2 {
				t.Fatalf("redelivered with attempt %d", m.GetDeliveryAttempt())
			}
		case <-time.After(10 * time.Second):
			t.Fatal("failed message not redelivered")
		}
		waitFor(t, "nothing pending", func() bool { return r.Client.XPending(t.Context(), stream, group).Val().Count == 0 })
	})
}

func TestReconnectAfterServerRestart(t *testing.T) {
	forEachBackend(t, func(t *testing.T, r *testredis.Server, s *testserver.Server) {
		stream, group := unique("s"), unique("g")
		pub := client.NewPublisher(s.Conn)
		sub, _ := client.NewSubscriber(s.Conn, client.SubscriberConfig{Stream: stream, Group: group},
			client.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond))
		reader, _ := client.NewSubscriber(s.Conn, client.SubscriberConfig{Stream: stream},
			client.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond))
		var groupN, readN atomic.Int64
		readIDs := make(chan string, 100)
		consume(t, sub, func(ctx context.Context, m *client.Message) error { groupN.Add(1); return nil })
		consume(t, reader, func(ctx context.Context, m *client.Message) error { readN.Add(1); readIDs <- m.GetId(); return nil })
		waitFor(t, "subscriptions", func() bool { return sub.Consumer() != "" })
		time.Sleep(50 * time.Millisecond) // let the reader's stream open
		publishOrders(t, pub, stream, 5)
		waitFor(t, "first 5", func() bool { return groupN.Load() == 5 && readN.Load() == 5 })
		name := sub.Consumer()
		s.Restart()
		// Publishing may race the reconnect; both must still get everything.
		waitFor(t, "publish after restart", func() bool {
			_, err := pub.Publish(t.Context(), stream, &sluicev1.Event{Type: "x.v1.Y"})
			return err == nil
		})
		waitFor(t, "delivery after restart", func() bool { return groupN.Load() == 6 && readN.Load() == 6 })
		time.Sleep(100 * time.Millisecond)
		if groupN.Load() != 6 || readN.Load() != 6 {
			t.Fatalf("duplicates after reconnect: group %d, reader %d", groupN.Load(), readN.Load())
		}
		if sub.Consumer() != name {
			t.Fatalf("consumer name changed from %q to %q", name, sub.Consumer())
		}
		waitFor(t, "nothing pending", func() bool { return r.Client.XPending(t.Context(), stream, group).Val().Count == 0 })
	})
}

func TestMaxInFlightHoldsBackDelivery(t *testing.T) {
	forEachBackend(t, func(t *testing.T, r *testredis.Server, s *testserver.Server) {
		stream, group := unique("s"), unique("g")
		sub, _ := client.NewSubscriber(s.Conn, client.SubscriberConfig{Stream: stream, Group: group, MaxInFlight: 3})
		release := make(chan struct{})
		var handled atomic.Int64
		consume(t, sub, func(ctx context.Context, m *client.Message) error {
			handled.Add(1)
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil
		})
		waitFor(t, "subscription", func() bool { return sub.Consumer() != "" })
		publishOrders(t, client.NewPublisher(s.Conn), stream, 10)
		waitFor(t, "3 delivered", func() bool { return r.Client.XPending(t.Context(), stream, group).Val().Count == 3 })
		time.Sleep(200 * time.Millisecond)
		if n := r.Client.XPending(t.Context(), stream, group).Val().Count; n != 3 {
			t.Fatalf("%d delivered while the handler holds 3", n)
		}
		close(release)
		waitFor(t, "all handled and acked", func() bool {
			return handled.Load() == 10 && r.Client.XPending(t.Context(), stream, group).Val().Count == 0
		})
	})
}

func TestPermanentErrorsEndConsume(t *testing.T) {
	forEachBackend(t, func(t *testing.T, r *testredis.Server, s *testserver.Server) {
		sub, _ := client.NewSubscriber(s.Conn, client.SubscriberConfig{Stream: "bad name", Group: "g"})
		err := sub.Consume(t.Context(), func(context.Context, *client.Message) error { return nil })
		if !errors.Is(err, client.ErrInvalidArgument) {
			t.Fatalf("Consume = %v, want ErrInvalidArgument", err)
		}
		_, err = client.NewPublisher(s.Conn).Publish(t.Context(), "s", &sluicev1.Event{})
		if !errors.Is(err, client.ErrInvalidArgument) || errors.Is(err, client.ErrNotFound) {
			t.Fatalf("Publish = %v", err)
		}
	})
}

// A v1 consumer and a v2 consumer read one stream that carries both versions.
func TestSchemaEvolution(t *testing.T) {
	forEachBackend(t, func(t *testing.T, r *testredis.Server, s *testserver.Server) {
		stream := unique("s")
		pub := client.NewPublisher(s.Conn)
		e1, _ := client.NewEvent(&ordersv1.OrderCreated{OrderId: "a", TotalCents: 1})
		e2, _ := client.NewEvent(&ordersv2.OrderCreated{OrderId: "b", TotalCents: 2, Currency: "EUR"})
		if _, err := pub.Publish(t.Context(), stream, e1, e2); err != nil {
			t.Fatal(err)
		}
		from := &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}}
		v1got, v2got := make(chan string, 2), make(chan string, 2)
		old, _ := client.NewSubscriber(s.Conn, client.SubscriberConfig{Stream: stream, Group: "billing-v1", Start: from})
		consume(t, old, func(ctx context.Context, m *client.Message) error {
			var o ordersv1.OrderCreated // knows nothing of v2
			if err := m.Unmarshal(&o); err != nil {
				return err
			}
			v1got <- fmt.Sprintf("%s:%s:%d", m.GetEvent().GetVersion(), o.GetOrderId(), o.GetTotalCents())
			return nil
		})
		// This one asks for JSON and decodes into v2.
		cur, _ := client.NewSubscriber(s.Conn, client.SubscriberConfig{Stream: stream, Group: "billing-v2", Start: from,
			PayloadFormat: sluicev1.PayloadFormat_PAYLOAD_FORMAT_JSON})
		consume(t, cur, func(ctx context.Context, m *client.Message) error {
			var o ordersv2.OrderCreated
			if err := m.Unmarshal(&o); err != nil {
				return err
			}
			v2got <- fmt.Sprintf("%s:%s:%q", m.GetEvent().GetVersion(), o.GetOrderId(), o.GetCurrency())
			return nil
		})
		for _, want := range []string{"v1:a:1", "v2:b:2"} {
			if got := <-v1got; got != want {
				t.Fatalf("v1 consumer got %s, want %s", got, want)
			}
		}
		for _, want := range []string{`v1:a:""`, `v2:b:"EUR"`} {
			if got := <-v2got; got != want {
				t.Fatalf("v2 consumer got %s, want %s", got, want)
			}
		}
	})
}
