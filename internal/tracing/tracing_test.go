package tracing_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sluice-io/sluice/client"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

// One trace shows the publisher's span, the Publish RPC, the wait in the
// stream, and the consumer's processing, in that order.
func TestTraceFromPublisherToConsumer(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	otel.SetTextMapPropagator(propagation.TraceContext{})
	r := testredis.Start(t)
	s := testserver.Start(t, r.URL, daemon.Config{})
	conn, err := grpc.NewClient(s.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	ctx, root := otel.Tracer("test").Start(t.Context(), "checkout")
	if _, err := client.NewPublisher(conn).Publish(ctx, "traced", &sluicev1.Event{Type: "demo.v1.E"}); err != nil {
		t.Fatal(err)
	}
	root.End()
	time.Sleep(20 * time.Millisecond) // a visible wait in the stream

	sub, _ := client.NewSubscriber(conn, client.SubscriberConfig{Stream: "traced", Group: "g",
		Start: &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}}})
	cctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var handled trace.SpanContext
	_ = sub.Consume(cctx, func(ctx context.Context, m *client.Message) error {
		handled = trace.SpanContextFromContext(ctx)
		cancel()
		return nil
	})

	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, sp := range rec.Ended() {
		if sp.SpanKind() != trace.SpanKindClient { // the RPC's client and server spans share a name
			byName[sp.Name()] = sp
		}
	}
	publishRPC := byName["sluice.v1.PublisherService/Publish"]
	wait, process := byName["sluice.stream_wait traced"], byName["sluice.process traced"]
	if publishRPC == nil || wait == nil || process == nil {
		names := []string{}
		for n := range byName {
			names = append(names, n)
		}
		t.Fatalf("spans: %v", names)
	}
	traceID := root.SpanContext().TraceID()
	for _, sp := range []sdktrace.ReadOnlySpan{publishRPC, wait, process} {
		if sp.SpanContext().TraceID() != traceID {
			t.Errorf("%s is in trace %s, not the publisher's %s", sp.Name(), sp.SpanContext().TraceID(), traceID)
		}
	}
	if handled.SpanID() != process.SpanContext().SpanID() {
		t.Error("the handler's context does not carry the process span")
	}
	// The wait starts at publish and ends at delivery, before processing.
	if wait.Parent().SpanID() != publishRPC.SpanContext().SpanID() || process.Parent().SpanID() != publishRPC.SpanContext().SpanID() {
		t.Errorf("parents: wait %s, process %s, publish %s", wait.Parent().SpanID(), process.Parent().SpanID(), publishRPC.SpanContext().SpanID())
	}
	if d := wait.EndTime().Sub(wait.StartTime()); d < 15*time.Millisecond || wait.EndTime().After(process.EndTime()) {
		t.Errorf("wait span lasts %v", d)
	}
}
