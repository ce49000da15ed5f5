// Package tracing carries OpenTelemetry trace context through Sluice: from a
// publisher's span into the event's headers, and from the headers to the
// span that covers the message's wait in the stream and to the consumer's
// processing span, so one trace shows publish, wait, and processing.
package tracing

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/metadata"
)

// Name is the instrumentation name of Sluice's spans.
const Name = "github.com/sluice-io/sluice"

// propagator is W3C trace context: the traceparent and tracestate headers.
var propagator = propagation.TraceContext{}

// headerCarrier adapts an event's headers map.
type headerCarrier map[string]string

func (h headerCarrier) Get(k string) string { return h[k] }
func (h headerCarrier) Set(k, v string)     { h[k] = v }
func (h headerCarrier) Keys() []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	return keys
}

// Inject adds ctx's span context to headers (allocating them if needed) as
// "traceparent" and "tracestate", unless the producer set a traceparent
// itself. It returns the headers, unchanged when ctx has no span.
func Inject(ctx context.Context, headers map[string]string) map[string]string {
	if !trace.SpanContextFromContext(ctx).IsValid() || headers["traceparent"] != "" {
		return headers
	}
	if headers == nil {
		headers = make(map[string]string, 2)
	}
	propagator.Inject(ctx, headerCarrier(headers))
	return headers
}

// Extract returns ctx with the remote span context found in headers.
func Extract(ctx context.Context, headers map[string]string) context.Context {
	if headers["traceparent"] == "" {
		return ctx
	}
	return propagator.Extract(ctx, headerCarrier(headers))
}

// Enabled reports whether a tracer provider has been set, so that spans go
// somewhere: sluiced adds gRPC's OpenTelemetry instrumentation only then.
func Enabled() bool { return otel.GetTracerProvider() != unsetProvider }

// FromMetadata returns ctx with the remote span context (and baggage) that
// the incoming gRPC call's metadata carries, through the global propagator,
// or ctx when it carries no traceparent. It is what gRPC's OpenTelemetry
// server handler does with no tracer provider set, without the
// non-recording span and the 35 allocations a call that handler costs.
func FromMetadata(ctx context.Context) context.Context {
	if len(metadata.ValueFromIncomingContext(ctx, "traceparent")) == 0 {
		return ctx
	}
	return otel.GetTextMapPropagator().Extract(ctx, metadataCarrier{ctx})
}

// metadataCarrier reads an incoming call's metadata.
type metadataCarrier struct{ ctx context.Context }

func (m metadataCarrier) Get(k string) string {
	if v := metadata.ValueFromIncomingContext(m.ctx, k); len(v) > 0 {
		return v[0]
	}
	return ""
}
func (m metadataCarrier) Set(string, string) {}
func (m metadataCarrier) Keys() []string {
	md, _ := metadata.FromIncomingContext(m.ctx)
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	return keys
}

// StreamWait records a span from publish to delivery, as a child of the
// publisher's span carried in headers. It does nothing for messages
// without trace context.
func StreamWait(stream, group, id string, published, delivered time.Time, attempt int, headers map[string]string) {
	if headers["traceparent"] == "" {
		return
	}
	ctx := Extract(context.Background(), headers)
	_, span := tracer.Start(ctx, "sluice.stream_wait "+stream,
		trace.WithTimestamp(published), trace.WithSpanKind(trace.SpanKindInternal))
	setAttributes(span, stream, group, id, attempt)
	span.End(trace.WithTimestamp(delivered))
}

// setAttributes describes the message on span, if anyone records it: with
// no tracing set up, building attributes for every message cost more than
// the rest of the span.
func setAttributes(span trace.Span, stream, group, id string, attempt int) {
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(
		attribute.String("messaging.system", "redis_streams"),
		attribute.String("messaging.destination.name", stream),
		attribute.String("messaging.consumer.group.name", group),
		attribute.String("messaging.message.id", id),
		attribute.Int("sluice.delivery_attempt", attempt))
}

// Process starts the consumer's span for handling a message, a child of
// the publisher's span carried in headers.
func Process(ctx context.Context, stream, group, id string, attempt int, headers map[string]string) (context.Context, trace.Span) {
	ctx = Extract(ctx, headers)
	if !Enabled() {
		// No tracing set up: the global tracer would allocate a
		// non-recording span and a context for each message. The handler
		// gets the caller's span context all the same (the publisher's,
		// from headers), so it still propagates.
		return ctx, trace.SpanFromContext(ctx)
	}
	ctx, span := tracer.Start(ctx, processName(stream), consumerKind...)
	setAttributes(span, stream, group, id, attempt)
	return ctx, span
}

// Per message, so kept from call to call: the tracer (it follows the global
// provider, also one set later), the span kind option, and the span name of
// the last stream seen (a subscriber mostly reads one).
var (
	tracer        = otel.Tracer(Name)
	unsetProvider = defaultProvider()
	consumerKind  = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindConsumer)}
	lastName      atomic.Pointer[[2]string]
)

// defaultProvider is the global tracer provider that OpenTelemetry starts
// with, before anyone sets one; nil if one was set before this package's
// initialization (then every span goes through the tracer).
func defaultProvider() trace.TracerProvider {
	tp := otel.GetTracerProvider()
	if fmt.Sprintf("%T", tp) != "*global.tracerProvider" {
		return nil
	}
	return tp
}

func processName(stream string) string {
	if p := lastName.Load(); p != nil && p[0] == stream {
		return p[1]
	}
	p := &[2]string{stream, "sluice.process " + stream}
	lastName.Store(p)
	return p[1]
}
