package server_test

import (
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc/metadata"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

// With no tracer provider set, sluiced records no spans, but the caller's
// trace context (W3C traceparent in the call's metadata, as an instrumented
// client sends it) still reaches the events' headers, so the consumer's
// trace continues the publisher's; an event's own traceparent wins.
func TestTraceContextFromMetadataWithoutProvider(t *testing.T) {
	otel.SetTextMapPropagator(propagation.TraceContext{}) // as cmd/sluiced sets it
	r := testredis.Start(t)
	s := testserver.Start(t, r.URL, daemon.Config{})
	const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	ctx := metadata.AppendToOutgoingContext(t.Context(), "traceparent", tp)
	for _, ev := range []*sluicev1.Event{{Type: "demo.v1.E"}, {Type: "demo.v1.E", Headers: map[string]string{"traceparent": "own"}}} {
		if _, err := s.Pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "traced", Events: []*sluicev1.Event{ev}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Pub.Publish(t.Context(), &sluicev1.PublishRequest{Stream: "traced", Events: []*sluicev1.Event{{Type: "demo.v1.E"}}}); err != nil {
		t.Fatal(err)
	}
	entries := r.Client.XRange(t.Context(), "traced", "-", "+").Val()
	if len(entries) != 3 {
		t.Fatalf("XRANGE: %v", entries)
	}
	for i, want := range []any{tp, "own", nil} {
		if got := entries[i].Values["h:traceparent"]; got != want {
			t.Errorf("entry %d: h:traceparent = %v, want %v", i, got, want)
		}
	}
}
