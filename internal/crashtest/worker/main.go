// Command worker is the subscriber process of the crash test: it consumes a
// group through the Go client and prints, unbuffered, one line per message
// before settling it:
//
//	PROCESS <idempotency key from the payload> <stream>/<entry ID> <attempt>
//
// Payloads starting with "poison" are rejected; everything else is acked.
// The test kills it with SIGKILL at any moment.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/sluice-io/sluice/client"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
)

func main() {
	server := flag.String("server", "", "sluiced addresses, comma-separated (calls are balanced over them)")
	stream := flag.String("stream", "", "stream")
	topic := flag.String("topic", "", "partitioned topic, instead of a stream")
	group := flag.String("group", "", "group")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	conn, err := client.DialBalanced(strings.Split(*server, ","), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	sub, err := client.NewSubscriber(conn, client.SubscriberConfig{
		Stream: *stream, Topic: *topic, Group: *group, MaxInFlight: 50,
		Start:         &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}},
		AckDeadline:   2 * time.Second,
		MaxDeliveries: 1000,
		RetryPolicy:   &sluicev1.RetryPolicy{MinimumBackoff: durationpb.New(0), MaximumBackoff: durationpb.New(0)},
	}, client.WithReconnectBackoff(20*time.Millisecond, 500*time.Millisecond), client.WithLogger(log))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	err = sub.Consume(ctx, func(ctx context.Context, m *client.Message) error {
		key := string(m.GetEvent().GetPayload())
		fmt.Fprintf(os.Stdout, "PROCESS %s %s/%s %d\n", key, m.GetStream(), m.GetId(), m.GetDeliveryAttempt())
		if strings.HasPrefix(key, "poison") {
			_, err := m.Reject(ctx, "poison message")
			return err
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
