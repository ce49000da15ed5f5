package client_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-io/sluice/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	ordersv1 "github.com/sluice-io/sluice/gen/go/examples/orders/v1"
	ordersv2 "github.com/sluice-io/sluice/gen/go/examples/orders/v2"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

var counter atomic.Int64

func unique(kind string) string {
	return fmt.Sprintf("%s-%d-%d", kind, time.Now().UnixNano(), counter.Add(1))
}

// forEachBackend runs fn on every backend (testredis.ForEach) with a
// sluiced that knows the example schemas.
func forEachBackend(t *testing.T, fn func(t *testing.T, r *testredis.Server, s *testserver.Server)) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		r := b.Start(t)
		fn(t, r, testserver.Start(t, r.URL, daemon.Config{DescriptorSet: "../gen/sluice.binpb"}))
	})
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

func TestHandlerAcksOnSuccessAndNacksOnError(t *testing.T) {
	forEachBackend(t, func(t *testing.T, r *testredis.Server, s *testserver.Server) {
		stream, group := unique("s"), unique("g")
		pub := client.NewPublisher(s.Conn)
		sub, err := client.NewSubscriber(s.Conn, client.SubscriberConfig{Stream: stream, Group: group,
			Start:       &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}},
			RetryPolicy: &sluicev1.RetryPolicy{MinimumBackoff: durationpb.New(300 * time.Millisecond)}},
			client.WithConcurrency(4))
		if err != nil {
			t.Fatal(err)
		}
		publishOrders(t, pub, stream, 200)
		var mu sync.Mutex
		seen := map[string]int32{}
		var failedAt time.Time
		stop := consume(t, sub, func(ctx context.Context, m *client.Message) error {
			var o ordersv1.OrderCreated
			if err := m.Unmarshal(&o); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			if o.GetOrderId() == "7" && failedAt.IsZero() {
				failedAt = time.Now()
				return errors.New("not yet")
			}
			if o.GetOrderId() == "7" && time.Since(failedAt) < 250*time.Millisecond {
				t.Errorf("redelivered after %v, before the 300 ms backoff", time.Since(failedAt))
			}
			seen[o.GetOrderId()] = m.GetDeliveryAttempt()
			return nil
		})
		testkit.WaitFor(t, "200 handled and acked", func() bool {
			mu.Lock()
			n := len(seen)
			mu.Unlock()
			return n == 200 && r.Client.XPending(t.Context(), stream, group).Val().Count == 0
		})
		if err := stop(); err != nil {
			t.Fatalf("Consume returned %v after cancel", err)
		}
		if seen["7"] != 2 || seen["8"] != 1 {
			t.Fatalf("attempts: 7 -> %d, 8 -> %d", seen["7"], seen["8"])
		}
	})
}

// A handler's error may quote payload bytes that are not UTF-8; the nack
// still goes out (the reason is made valid), so the message comes back after
// the retry backoff, not after the 30 s ack deadline.
func TestNackReasonWithBinaryBytes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, r *testredis.Server, s *testserver.Server) {
		stream, group := unique("s"), unique("g")
		pub := client.NewPublisher(s.Conn)
		sub, err := client.NewSubscriber(s.Conn, client.SubscriberConfig{Stream: stream, Group: group,
			Start:       &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}},
			RetryPolicy: &sluicev1.RetryPolicy{MinimumBackoff: durationpb.New(100 * time.Millisecond)}})
		if err != nil {
			t.Fatal(err)
		}
		publishOrders(t, pub, stream, 1)
		var attempts atomic.Int32
		stop := consume(t, sub, func(ctx context.Context, m *client.Message) error {
			if attempts.Add(1) == 1 {
				return fmt.Errorf("cannot parse %q... %s", "x", []byte{0xff, 0xfe})
			}
			return nil
		})
		testkit.WaitFor(t, "the redelivery after the nack", func() bool {
			return attempts.Load() == 2 && r.Client.XPending(t.Context(), stream, group).Val().Count == 0
		})
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestExplicitSettlement(t *testing.T) {
	forEachBackend(t, func(t *testing.T, r *testredis.Server, s *testserver.Server) {
		stream, group := unique("s"), unique("g")
		sub, _ := client.NewSubscriber(s.Conn, client.SubscriberConfig{Stream: stream, Group: group})
		results := make(chan string, 10)
		consume(t, sub, func(ctx context.Context, m *client.Message) error {
			var o ordersv1.OrderCreated
			_ = m.Unmarshal(&o)
			var st sluicev1.AckStatus
			var err error
			switch o.GetOrderId() {
			case "0":
				if _, err = m.ExtendAckDeadline(ctx, time.Minute); err == nil {
					st, err = m.Ack(ctx)
				}
			case "1":
				st, err = m.Reject(ctx, "bad order")
			}
			results <- fmt.Sprintf("%s:%v:%v", o.GetOrderId(), st, err)
			return errors.New("ignored: the handler settled the message itself")
		})
		testkit.WaitFor(t, "subscription", func() bool { return sub.Consumer() != "" })
		publishOrders(t, client.NewPublisher(s.Conn), stream, 2)
		for _, want := range []string{"0:ACK_STATUS_ACKED:<nil>", "1:ACK_STATUS_ACKED:<nil>"} {
			if got := testkit.Recv(t, results, "a handled message"); got != want {
				t.Fatalf("got %s, want %s", got, want)
			}
		}
		testkit.WaitFor(t, "nothing pending", func() bool { return r.Client.XPending(t.Context(), stream, group).Val().Count == 0 })
		dl, err := sluicev1.NewDeadLetterServiceClient(s.Conn).ListDeadLetters(t.Context(), &sluicev1.ListDeadLettersRequest{Stream: stream})
		if err != nil || len(dl.GetDeadLetters()) != 1 || dl.GetDeadLetters()[0].GetReason() != "bad order" {
			t.Fatalf("dead letters: %v %v", dl, err)
		}
	})
}

// Publishes with idempotency keys ride out a server restart: every one
// succeeds, and none is stored twice.
func TestPublishRetriesWithIdempotencyKeys(t *testing.T) {
	forEachBackend(t, func(t *testing.T, r *testredis.Server, s *testserver.Server) {
		stream := unique("s")
		pub := client.NewPublisher(s.Conn)
		// One publish after another until stop; then how many succeeded.
		stop := make(chan struct{})
		type result struct {
			n   int
			err error
		}
		done := make(chan result, 1)
		go func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					done <- result{i, nil}
					return
				default:
				}
				e, _ := client.NewEvent(&ordersv1.OrderCreated{OrderId: fmt.Sprint(i)}, client.WithIdempotencyKey(fmt.Sprint("order-", i)))
				if _, err := pub.Publish(t.Context(), stream, e); err != nil {
					done <- result{i, fmt.Errorf("publish %d: %w", i, err)}
					return
				}
			}
		}()
		stored := func() int64 { return r.Client.XLen(t.Context(), stream).Val() }
		testkit.WaitFor(t, "publishes before the restart", func() bool { return stored() >= 20 })
		s.Restart()
		atRestart := stored()
		testkit.WaitFor(t, "publishes after the restart", func() bool { return stored() >= atRestart+20 })
		close(stop)
		res := testkit.Recv(t, done, "end of publishing")
		if res.err != nil {
			t.Fatal(res.err)
		}
		if n := stored(); n != int64(res.n) {
			t.Fatalf("stream has %d entries, want %d", n, res.n)
		}
		// The same keys again store nothing.
		e, _ := client.NewEvent(&ordersv1.OrderCreated{OrderId: "0"}, client.WithIdempotencyKey("order-0"))
		if _, err := pub.Publish(t.Context(), stream, e); err != nil || stored() != int64(res.n) {
			t.Fatalf("repeat: %v, %d entries, want %d", err, stored(), res.n)
		}
	})
}

func TestReconnectAfterServerRestart(t *testing.T) {
	forEachBackend(t, func(t *testing.T, r *testredis.Server, s *testserver.Server) {
		stream, group := unique("s"), unique("g")
		pub := client.NewPublisher(s.Conn)
		sub, _ := client.NewSubscriber(s.Conn, client.SubscriberConfig{Stream: stream, Group: group},
			client.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond))
		// From a time before anything is published, so the reader gets all
		// of it however late its stream opens.
		reader, _ := client.NewSubscriber(s.Conn, client.SubscriberConfig{Stream: stream,
			Start: &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Time{Time: timestamppb.Now()}}},
			client.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond))
		var mu sync.Mutex
		groupSeen, readSeen := map[string]int{}, map[string]int{}
		seen := func(m map[string]int, id string) int {
			mu.Lock()
			defer mu.Unlock()
			if id != "" {
				m[id]++
			}
			return len(m)
		}
		consume(t, sub, func(ctx context.Context, m *client.Message) error { seen(groupSeen, m.GetId()); return nil })
		consume(t, reader, func(ctx context.Context, m *client.Message) error { seen(readSeen, m.GetId()); return nil })
		testkit.WaitFor(t, "subscriptions", func() bool { return sub.Consumer() != "" })
		publishOrders(t, pub, stream, 5)
		testkit.WaitFor(t, "first 5", func() bool { return seen(groupSeen, "") == 5 && seen(readSeen, "") == 5 })
		name := sub.Consumer()
		s.Restart()
		// Publishing may race the reconnect (the key makes retrying safe).
		testkit.WaitFor(t, "publish after restart", func() bool {
			_, err := pub.Publish(t.Context(), stream, &sluicev1.Event{Type: "x.v1.Y", IdempotencyKey: "after-restart"})
			return err == nil
		})
		testkit.WaitFor(t, "delivery after restart", func() bool { return seen(groupSeen, "") == 6 && seen(readSeen, "") == 6 })
		// A last entry: a reader that resumed too early would see an entry
		// again before this one.
		publishOrders(t, pub, stream, 1)
		testkit.WaitFor(t, "the last entry", func() bool { return seen(readSeen, "") == 7 })
		mu.Lock()
		// The reader resumes after the last entry it saw: nothing twice. The
		// group is at-least-once: an ack lost in the restart means a message
		// comes again, which is allowed, so it is only logged.
		for id, n := range readSeen {
			if n != 1 {
				t.Errorf("reader got %s %d times", id, n)
			}
		}
		for id, n := range groupSeen {
			if n != 1 {
				t.Logf("group got %s %d times (an ack lost in the restart)", id, n)
			}
		}
		mu.Unlock()
		if sub.Consumer() != name {
			t.Fatalf("consumer name changed from %q to %q", name, sub.Consumer())
		}
		testkit.WaitFor(t, "nothing pending", func() bool { return r.Client.XPending(t.Context(), stream, group).Val().Count == 0 })
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
		testkit.WaitFor(t, "subscription", func() bool { return sub.Consumer() != "" })
		publishOrders(t, client.NewPublisher(s.Conn), stream, 10)
		testkit.WaitFor(t, "3 delivered", func() bool { return r.Client.XPending(t.Context(), stream, group).Val().Count == 3 })
		time.Sleep(200 * time.Millisecond) // a window for a fourth delivery to show; it can only miss one, not invent one
		if n := r.Client.XPending(t.Context(), stream, group).Val().Count; n != 3 {
			t.Fatalf("%d delivered while the handler holds 3", n)
		}
		close(release)
		testkit.WaitFor(t, "all handled and acked", func() bool {
			return handled.Load() == 10 && r.Client.XPending(t.Context(), stream, group).Val().Count == 0
		})
	})
}

// ackHoldConn holds the first Ack call until release is closed and counts
// the Ack calls made.
type ackHoldConn struct {
	grpc.ClientConnInterface
	release chan struct{}
	acks    atomic.Int64
}

func (c *ackHoldConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	if strings.HasSuffix(method, "/Ack") && c.acks.Add(1) == 1 {
		<-c.release
	}
	return c.ClientConnInterface.Invoke(ctx, method, args, reply, opts...)
}

// ackLogConn records the size and time of each Ack call.
type ackLogConn struct {
	grpc.ClientConnInterface
	mu    sync.Mutex
	sizes []int
	times []time.Time
}

func (c *ackLogConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	if req, ok := args.(*sluicev1.AckRequest); ok {
		c.mu.Lock()
		c.sizes, c.times = append(c.sizes, len(req.GetAckIds())), append(c.times, time.Now())
		c.mu.Unlock()
	}
	return c.ClientConnInterface.Invoke(ctx, method, args, reply, opts...)
}

// Automatic acks go out in full batches at once, and a partial batch after
// the ack delay counted from its first ID, or when Consume ends.
func TestAcksAreBatched(t *testing.T) {
	r := testredis.Start(t)
	s := testserver.Start(t, r.URL, daemon.Config{})
	stream, group := unique("s"), unique("g")
	pending := func() int64 { return r.Client.XPending(t.Context(), stream, group).Val().Count }
	start := func(delay time.Duration) (*ackLogConn, *[]time.Time, *sync.Mutex, func() error) {
		conn := &ackLogConn{ClientConnInterface: s.Conn}
		sub, err := client.NewSubscriber(conn, client.SubscriberConfig{Stream: stream, Group: group},
			client.WithAckBatching(10, delay))
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var handledAt []time.Time
		stop := consume(t, sub, func(context.Context, *client.Message) error {
			mu.Lock()
			handledAt = append(handledAt, time.Now())
			mu.Unlock()
			return nil
		})
		testkit.WaitFor(t, "subscription", func() bool { return sub.Consumer() != "" })
		return conn, &handledAt, &mu, stop
	}
	sizes := func(c *ackLogConn) string {
		c.mu.Lock()
		defer c.mu.Unlock()
		return fmt.Sprint(c.sizes)
	}

	// With an ack delay longer than the test, only full batches go out,
	// and the rest when Consume ends.
	conn, handledAt, mu, stop := start(time.Hour)
	publishOrders(t, client.NewPublisher(s.Conn), stream, 25)
	testkit.Eventually(t, func() error {
		mu.Lock()
		n := len(*handledAt)
		mu.Unlock()
		if got, p := sizes(conn), pending(); n != 25 || got != "[10 10]" || p != 5 {
			return fmt.Errorf("%d handled, Ack calls of %s IDs, %d pending; want 25, [10 10], 5", n, got, p)
		}
		return nil
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if got, p := sizes(conn), pending(); got != "[10 10 5]" || p != 0 {
		t.Fatalf("after Consume returned: Ack calls of %s IDs, %d pending; want [10 10 5], 0", got, p)
	}

	// A partial batch goes out once the delay has passed since its first ID.
	const delay = 300 * time.Millisecond
	conn, handledAt, mu, _ = start(delay)
	publishOrders(t, client.NewPublisher(s.Conn), stream, 3)
	testkit.WaitFor(t, "the partial batch acked", func() bool { return pending() == 0 })
	conn.mu.Lock()
	defer conn.mu.Unlock()
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(conn.sizes) != "[3]" || len(*handledAt) != 3 {
		t.Fatalf("Ack calls of %v IDs for %d handled, want [3] for 3", conn.sizes, len(*handledAt))
	}
	if d := conn.times[0].Sub((*handledAt)[0]); d < delay {
		t.Errorf("the partial batch went out %v after its first message, before the %v delay", d, delay)
	}
}

// A slow Ack call holds up neither the handler nor the acks after it.
func TestAcksDoNotWaitForEachOther(t *testing.T) {
	r := testredis.Start(t)
	s := testserver.Start(t, r.URL, daemon.Config{})
	conn := &ackHoldConn{ClientConnInterface: s.Conn, release: make(chan struct{})}
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(conn.release) }) }
	stream, group := unique("s"), unique("g")
	sub, err := client.NewSubscriber(conn, client.SubscriberConfig{Stream: stream, Group: group},
		client.WithAckBatching(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	var handled atomic.Int64
	consume(t, sub, func(context.Context, *client.Message) error { handled.Add(1); return nil })
	t.Cleanup(release) // runs before consume's cleanup, which waits for the acks
	testkit.WaitFor(t, "subscription", func() bool { return sub.Consumer() != "" })
	publishOrders(t, client.NewPublisher(s.Conn), stream, 4)
	testkit.WaitFor(t, "all handled and all acks but the held one in", func() bool {
		return handled.Load() == 4 && r.Client.XPending(t.Context(), stream, group).Val().Count == 1
	})
	release()
	testkit.WaitFor(t, "the held ack in", func() bool { return r.Client.XPending(t.Context(), stream, group).Val().Count == 0 })
	if n := conn.acks.Load(); n != 4 {
		t.Fatalf("%d Ack calls, want 4", n)
	}
}

// With one handler goroutine, messages are handled in stream order, and none
// after Consume's context ends, even within one delivered batch: they stay
// pending and come back.
func TestConsumeStopsBetweenMessages(t *testing.T) {
	forEachBackend(t, func(t *testing.T, r *testredis.Server, s *testserver.Server) {
		stream, group := unique("s"), unique("g")
		ids := publishOrders(t, client.NewPublisher(s.Conn), stream, 50)
		sub, err := client.NewSubscriber(s.Conn, client.SubscriberConfig{Stream: stream, Group: group,
			Start: &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		var got []string
		err = sub.Consume(ctx, func(_ context.Context, m *client.Message) error {
			got = append(got, m.GetId())
			if len(got) == 10 {
				cancel()
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Consume = %v", err)
		}
		if len(got) != 10 || !slices.Equal(got, ids[:10]) {
			t.Fatalf("handled %d messages (%v), want the first 10 in order", len(got), got)
		}
		if n := r.Client.XPending(t.Context(), stream, group).Val().Count; n != 40 {
			t.Fatalf("%d pending after Consume returned, want the 40 delivered and not handled", n)
		}
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
			if got := testkit.Recv(t, v1got, "a v1 message"); got != want {
				t.Fatalf("v1 consumer got %s, want %s", got, want)
			}
		}
		for _, want := range []string{`v1:a:""`, `v2:b:"EUR"`} {
			if got := testkit.Recv(t, v2got, "a v2 message"); got != want {
				t.Fatalf("v2 consumer got %s, want %s", got, want)
			}
		}
	})
}

// blockingConn holds the first Publish request until release is closed,
// and the second until release2 is (if set), and counts Publish requests.
type blockingConn struct {
	grpc.ClientConnInterface
	release   chan struct{}
	release2  chan struct{}
	publish   atomic.Int64
	firstOut  chan struct{}
	secondOut chan struct{}
	// secondEnded: the second request's context ended while it was held.
	secondEnded atomic.Bool
}

func (c *blockingConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	if strings.HasSuffix(method, "/Publish") {
		switch c.publish.Add(1) {
		case 1:
			close(c.firstOut)
			<-c.release
		case 2:
			if c.release2 != nil {
				close(c.secondOut)
				select {
				case <-c.release2:
				case <-ctx.Done():
					c.secondEnded.Store(true)
					return ctx.Err()
				}
			}
		}
	}
	return c.ClientConnInterface.Invoke(ctx, method, args, reply, opts...)
}

// Publish calls beyond the in-flight limit wait and go out as one request;
// each still gets its own IDs, a bad event fails only its own call, and a
// call that gives up while waiting is never sent.
func TestPublishCoalesces(t *testing.T) {
	r := testredis.Start(t)
	s := testserver.Start(t, r.URL, daemon.Config{})
	// holdFirst starts a call that holds the only place in flight (until
	// conn.release is closed) and returns when it does.
	holdFirst := func(t *testing.T, conn *blockingConn) (pub *client.Publisher, stream string, first chan error) {
		pub = client.NewPublisher(conn, client.WithCoalescing(1))
		stream = unique("s")
		first = make(chan error, 1)
		go func() {
			_, err := pub.Publish(t.Context(), stream, &sluicev1.Event{Type: "demo.v1.First"})
			first <- err
		}()
		testkit.Recv(t, conn.firstOut, "the first request")
		return pub, stream, first
	}
	run := func(t *testing.T, events []*sluicev1.Event, cancelLast bool) (*blockingConn, string, [][]string, []error) {
		conn := &blockingConn{ClientConnInterface: s.Conn, release: make(chan struct{}), firstOut: make(chan struct{})}
		pub, stream, first := holdFirst(t, conn)
		ids, errs := make([][]string, len(events)), make([]error, len(events))
		var wg sync.WaitGroup
		for i, e := range events {
			ctx, cancel := context.WithCancel(t.Context())
			if cancelLast && i == len(events)-1 {
				cancel()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer cancel()
				ids[i], errs[i] = pub.Publish(ctx, stream, e)
			}()
		}
		testkit.WaitFor(t, "calls queued behind the first", func() bool { return client.Waiting(pub, stream) == len(events) })
		close(conn.release)
		wg.Wait()
		if err := testkit.Recv(t, first, "the first call's answer"); err != nil {
			t.Fatal(err)
		}
		return conn, stream, ids, errs
	}
	events := func(n int) []*sluicev1.Event {
		out := make([]*sluicev1.Event, n)
		for i := range out {
			out[i] = &sluicev1.Event{Type: "demo.v1.E", Data: &sluicev1.Event_Payload{Payload: []byte(fmt.Sprint(i))}}
		}
		return out
	}

	t.Run("shared", func(t *testing.T) {
		conn, stream, ids, errs := run(t, events(20), false)
		if n := conn.publish.Load(); n != 2 {
			t.Fatalf("%d Publish requests for 21 calls, want 2", n)
		}
		for i := range ids {
			if errs[i] != nil || len(ids[i]) != 1 {
				t.Fatalf("call %d: %v %v", i, ids[i], errs[i])
			}
			got := r.Client.XRange(t.Context(), stream, ids[i][0], ids[i][0]).Val()
			if len(got) != 1 || got[0].Values["payload"] != fmt.Sprint(i) {
				t.Fatalf("call %d's ID %s holds %v", i, ids[i][0], got)
			}
		}
	})
	t.Run("bad event fails its call only", func(t *testing.T) {
		evs := events(10)
		evs[4].Type = "not a type"
		_, stream, ids, errs := run(t, evs, false)
		for i := range evs {
			if (i == 4) != errors.Is(errs[i], client.ErrInvalidArgument) || (i != 4) != (len(ids[i]) == 1) {
				t.Fatalf("call %d: %v %v", i, ids[i], errs[i])
			}
		}
		if n := r.Client.XLen(t.Context(), stream).Val(); n != 10 {
			t.Fatalf("stream has %d entries, want 10 (9 calls and the first)", n)
		}
	})
	t.Run("given up while sent", func(t *testing.T) {
		// A call already in a request in flight returns when its context
		// ends, and its events are its own again at once (-race checks).
		conn := &blockingConn{ClientConnInterface: s.Conn, release: make(chan struct{}), firstOut: make(chan struct{}),
			release2: make(chan struct{}), secondOut: make(chan struct{})}
		pub, stream, first := holdFirst(t, conn)
		evs := events(2)
		ctx, cancel := context.WithCancel(t.Context())
		gaveUp := make(chan error, 1)
		go func() {
			_, err := pub.Publish(ctx, stream, evs[0])
			gaveUp <- err
		}()
		kept := make(chan error, 1)
		go func() {
			_, err := pub.Publish(t.Context(), stream, evs[1])
			kept <- err
		}()
		testkit.WaitFor(t, "both queued behind the first", func() bool { return client.Waiting(pub, stream) == 2 })
		close(conn.release)
		testkit.Recv(t, conn.secondOut, "the second request") // the two are in it, held
		cancel()
		if err := testkit.Recv(t, gaveUp, "the cancelled call's answer"); status.Code(err) != codes.Canceled {
			t.Fatalf("cancelled call: %v", err)
		}
		evs[0].Type = "demo.v1.Reused"
		close(conn.release2)
		if err := testkit.Recv(t, kept, "the kept call's answer"); err != nil {
			t.Fatal(err)
		}
		if err := testkit.Recv(t, first, "the first call's answer"); err != nil {
			t.Fatal(err)
		}
		got := r.Client.XRange(t.Context(), stream, "-", "+").Val()
		if len(got) != 3 || got[1].Values["type"] != "demo.v1.E" {
			t.Fatalf("stream holds %v, want the first and both queued events as sent", got)
		}
	})
	t.Run("all given up", func(t *testing.T) {
		// A request whose calls have all given up is cancelled.
		conn := &blockingConn{ClientConnInterface: s.Conn, release: make(chan struct{}), firstOut: make(chan struct{}),
			release2: make(chan struct{}), secondOut: make(chan struct{})}
		pub, stream, first := holdFirst(t, conn)
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		for _, e := range events(3) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = pub.Publish(ctx, stream, e)
			}()
		}
		testkit.WaitFor(t, "all queued behind the first", func() bool { return client.Waiting(pub, stream) == 3 })
		close(conn.release)
		testkit.Recv(t, conn.secondOut, "the second request")
		cancel()
		wg.Wait()
		if err := testkit.Recv(t, first, "the first call's answer"); err != nil {
			t.Fatal(err)
		}
		defer close(conn.release2)
		testkit.WaitFor(t, "the held request to end", conn.secondEnded.Load)
	})
	t.Run("big calls go alone", func(t *testing.T) {
		conn := &blockingConn{ClientConnInterface: s.Conn, release: make(chan struct{}), firstOut: make(chan struct{})}
		pub, stream, first := holdFirst(t, conn)
		defer func() {
			close(conn.release)
			if err := testkit.Recv(t, first, "the first call's answer"); err != nil {
				t.Fatal(err)
			}
		}()
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		if ids, err := pub.Publish(ctx, stream, events(16)...); err != nil || len(ids) != 16 {
			t.Fatalf("16 events while a call holds the place in flight: %v %v", ids, err)
		}
	})
	t.Run("given up while waiting", func(t *testing.T) {
		_, stream, _, errs := run(t, events(5), true)
		if !errors.Is(errs[4], context.Canceled) && status.Code(errs[4]) != codes.Canceled {
			t.Fatalf("cancelled call: %v", errs[4])
		}
		if n := r.Client.XLen(t.Context(), stream).Val(); n != 5 {
			t.Fatalf("stream has %d entries, want 5 (4 calls and the first)", n)
		}
	})
}
