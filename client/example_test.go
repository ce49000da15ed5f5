package client_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"maps"
	"net"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sluice-io/sluice/client"
	ordersv1 "github.com/sluice-io/sluice/gen/go/examples/orders/v1"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
)

// The examples run against a sluiced of their own, on the embedded Redis.
// In a program, conn is a connection to your sluiced:
//
//	conn, err := grpc.NewClient("127.0.0.1:7070", grpc.WithTransportCredentials(insecure.NewCredentials()))

func Example_publish() {
	conn, stop := exampleServer()
	defer stop()
	ctx := context.Background()

	pub := client.NewPublisher(conn)
	ev, err := client.NewEvent(&ordersv1.OrderCreated{OrderId: "o-1", TotalCents: 1250},
		client.WithKey("customer-9"), client.WithIdempotencyKey("order-o-1"))
	if err != nil {
		log.Fatal(err)
	}
	ids, err := pub.Publish(ctx, "orders", ev)
	if err != nil {
		log.Fatal(err)
	}
	// Publishing the same idempotency key again stores nothing new.
	again, err := pub.Publish(ctx, "orders", ev)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(ids), "stored; the retry got the same ID:", again[0] == ids[0])
	// Output: 1 stored; the retry got the same ID: true
}

func ExampleSubscriber_Consume() {
	conn, stop := exampleServer()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	pub := client.NewPublisher(conn)
	for _, id := range []string{"o-1", "o-2", "o-3"} {
		ev, _ := client.NewEvent(&ordersv1.OrderCreated{OrderId: id})
		if _, err := pub.Publish(ctx, "orders", ev); err != nil {
			log.Fatal(err)
		}
	}

	sub, err := client.NewSubscriber(conn, client.SubscriberConfig{Stream: "orders", Group: "billing",
		Start: &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}}})
	if err != nil {
		log.Fatal(err)
	}
	handled := 0
	// One handler at a time, in stream order: returning nil acks the
	// message, returning an error nacks it (redelivered after the backoff).
	err = sub.Consume(ctx, func(ctx context.Context, m *client.Message) error {
		var o ordersv1.OrderCreated
		if err := m.Unmarshal(&o); err != nil {
			return err
		}
		fmt.Println("billing", o.GetOrderId())
		if handled++; handled == 3 {
			cancel() // Consume returns once the handler does, after sending the acks
		}
		return nil
	})
	fmt.Println("Consume returned", err)
	// Output:
	// billing o-1
	// billing o-2
	// billing o-3
	// Consume returned <nil>
}

// A handler can settle a message itself: here it nacks the first delivery
// with a short delay, and acks the second one.
func ExampleMessage_Nack() {
	conn, stop := exampleServer()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	ev, _ := client.NewEvent(&ordersv1.OrderCreated{OrderId: "o-1"})
	if _, err := client.NewPublisher(conn).Publish(ctx, "orders", ev); err != nil {
		log.Fatal(err)
	}
	sub, _ := client.NewSubscriber(conn, client.SubscriberConfig{Stream: "orders", Group: "shipping",
		Start: &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}}})
	_ = sub.Consume(ctx, func(ctx context.Context, m *client.Message) error {
		fmt.Println("delivery attempt", m.GetDeliveryAttempt())
		if m.GetDeliveryAttempt() == 1 {
			st, err := m.Nack(ctx, 100*time.Millisecond, "warehouse busy")
			fmt.Println("nacked:", st, err)
			return nil // settled already: Consume does not ack it
		}
		st, err := m.Ack(ctx)
		fmt.Println("acked:", st, err)
		cancel()
		return nil
	})
	// Output:
	// delivery attempt 1
	// nacked: ACK_STATUS_ACKED <nil>
	// delivery attempt 2
	// acked: ACK_STATUS_ACKED <nil>
}

// A partitioned topic: events with one key go to one partition, and a
// group's subscriptions share the partitions, so each key's events are
// handled in order by one subscription at a time.
func ExamplePublisher_PublishTopic() {
	conn, stop := exampleServer()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	admin := sluicev1.NewAdminServiceClient(conn)
	if _, err := admin.CreateTopic(ctx, &sluicev1.CreateTopicRequest{Topic: "orders-by-customer", Partitions: 4}); err != nil {
		log.Fatal(err)
	}
	var events []*sluicev1.Event
	for i := range 6 {
		ev, _ := client.NewEvent(&ordersv1.OrderCreated{OrderId: fmt.Sprint("o-", i)}, client.WithKey(fmt.Sprint("customer-", i%2)))
		events = append(events, ev)
	}
	pos, err := client.NewPublisher(conn).PublishTopic(ctx, "orders-by-customer", events...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("one customer, one partition:", pos[0].Partition == pos[2].Partition && pos[1].Partition == pos[5].Partition)

	sub, _ := client.NewSubscriber(conn, client.SubscriberConfig{Topic: "orders-by-customer", Group: "billing",
		Start: &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}}})
	var mu sync.Mutex
	byCustomer := map[string][]string{}
	_ = sub.Consume(ctx, func(ctx context.Context, m *client.Message) error {
		var o ordersv1.OrderCreated
		if err := m.Unmarshal(&o); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		byCustomer[m.GetEvent().GetKey()] = append(byCustomer[m.GetEvent().GetKey()], o.GetOrderId())
		if len(byCustomer["customer-0"])+len(byCustomer["customer-1"]) == 6 {
			cancel()
		}
		return nil
	})
	for _, k := range slices.Sorted(maps.Keys(byCustomer)) {
		fmt.Println(k, byCustomer[k])
	}
	// Output:
	// one customer, one partition: true
	// customer-0 [o-0 o-2 o-4]
	// customer-1 [o-1 o-3 o-5]
}

// exampleServer runs a sluiced on the embedded Redis on a free port and
// returns a connection to it, and a func that stops both.
func exampleServer() (*grpc.ClientConn, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- daemon.Run(ctx, daemon.Config{Listen: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler),
			Ready: func(a net.Addr) { ready <- a.String() }})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		log.Fatalf("sluiced: %v", err)
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	return conn, func() {
		conn.Close()
		cancel()
		if err := <-done; err != nil {
			log.Printf("sluiced: %v", err)
		}
	}
}
