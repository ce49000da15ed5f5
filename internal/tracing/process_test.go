package tracing

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
)

// Without tracing set up, Process allocates nothing per message and still
// hands the handler the publisher's span context from the headers. (It runs
// before TestTraceFromPublisherToConsumer, which sets a provider and checks
// that Process then records spans: this package's tests run before its
// external tests.)
func TestProcessWithoutProvider(t *testing.T) {
	if otel.GetTracerProvider() != unsetProvider || unsetProvider == nil {
		t.Fatalf("a tracer provider is already set (%T): this test must run first", otel.GetTracerProvider())
	}
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() {
		_, span := Process(ctx, "s", "g", "1-1", 1, nil)
		span.End()
	}); n != 0 {
		t.Errorf("%v allocations per message without tracing", n)
	}
	const parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	hctx, span := Process(ctx, "s", "g", "1-1", 1, map[string]string{"traceparent": parent})
	span.End()
	sc := trace.SpanContextFromContext(hctx)
	if sc.TraceID().String() != "0af7651916cd43dd8448eb211c80319c" || sc.SpanID().String() != "b7ad6b7169203331" {
		t.Errorf("handler's span context %v, want the publisher's", sc)
	}
}
