// Command sluiced is the Sluice server: gRPC in front of Redis Streams.
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

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/envflag"
	"github.com/sluice-io/sluice/server"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "sluiced:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	fs := flag.NewFlagSet("sluiced", flag.ContinueOnError)
	var cfg daemon.Config
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:7070", "gRPC listen address (env SLUICE_LISTEN)")
	fs.StringVar(&cfg.RedisURL, "redis-url", "", "Redis URL, e.g. redis://127.0.0.1:6379/0; empty starts an embedded, non-durable Redis (env REDIS_URL)")
	fs.StringVar(&cfg.DescriptorSet, "descriptor-set", "", "FileDescriptorSet of event schemas, from `buf build -o FILE` (env SLUICE_DESCRIPTOR_SET)")
	fs.StringVar(&cfg.ConfigFile, "config", "", "YAML configuration file: retention policies (env SLUICE_CONFIG)")
	fs.IntVar(&cfg.MaxPayloadBytes, "max-payload-bytes", server.DefaultMaxPayloadBytes, "largest event payload accepted (env SLUICE_MAX_PAYLOAD_BYTES)")
	fs.IntVar(&cfg.MaxBatch, "max-batch", server.DefaultMaxBatch, "most events in one Publish (env SLUICE_MAX_BATCH)")
	fs.DurationVar(&cfg.IdempotencyWindow, "idempotency-window", 15*time.Minute, "how long publish idempotency keys are remembered (env SLUICE_IDEMPOTENCY_WINDOW)")
	fs.DurationVar(&cfg.ScheduleHorizon, "schedule-horizon", server.DefaultScheduleHorizon, "how far ahead an event may be scheduled with deliver_at or deliver_after (env SLUICE_SCHEDULE_HORIZON)")
	fs.DurationVar(&cfg.IdleConsumerTTL, "consumer-idle-ttl", time.Hour, "delete consumers that hold nothing after this long idle (env SLUICE_CONSUMER_IDLE_TTL)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "PEM certificate for TLS; reloaded when it changes (env SLUICE_TLS_CERT)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "PEM private key for TLS (env SLUICE_TLS_KEY)")
	fs.StringVar(&cfg.TLSClientCA, "tls-client-ca", "", "PEM CA bundle: require client certificates signed by it (env SLUICE_TLS_CLIENT_CA)")
	fs.StringVar(&cfg.AuthPolicy, "auth-policy", "", "YAML policy: token hashes, principals, permissions, limits (env SLUICE_AUTH_POLICY)")
	fs.BoolVar(&cfg.NoAuth, "no-auth", false, "run without authentication (env SLUICE_NO_AUTH)")
	fs.StringVar(&cfg.AckKeyFile, "ack-key-file", "", "key that signs ack IDs, the same on every replica (env SLUICE_ACK_KEY_FILE)")
	fs.StringVar(&cfg.RedisCA, "redis-ca", "", "PEM CA bundle to trust for rediss:// (env SLUICE_REDIS_CA)")
	fs.DurationVar(&cfg.MaxConnectionAge, "max-connection-age", time.Hour, "close client connections after this long (env SLUICE_MAX_CONNECTION_AGE)")
	fs.StringVar(&cfg.MetricsListen, "metrics-listen", "", "serve Prometheus /metrics, /healthz and /readyz on this address (env SLUICE_METRICS_LISTEN)")
	fs.BoolVar(&cfg.Pprof, "pprof", false, "also serve Go profiles under /debug/pprof/ on the metrics port (env SLUICE_PPROF)")
	fs.DurationVar(&cfg.MetricsInterval, "metrics-interval", 15*time.Second, "how often stream gauges are sampled from Redis (env SLUICE_METRICS_INTERVAL)")
	fs.IntVar(&cfg.MetricsMaxStreams, "metrics-max-streams", 200, "streams with their own metric labels; the rest are _other (env SLUICE_METRICS_MAX_STREAMS)")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "how long a graceful stop may take (env SLUICE_SHUTDOWN_TIMEOUT)")
	floorMiB := fs.Uint64("gc-heap-floor-mib", daemon.DefaultHeapFloor>>20, "let the Go heap grow to this many MiB before collecting while the live heap is small; 0: Go's default; ignored when GOGC is set (env SLUICE_GC_HEAP_FLOOR_MIB)")
	level := fs.String("log-level", "info", "debug, info, warn or error (env SLUICE_LOG_LEVEL)")
	// Every flag also comes from SLUICE_<FLAG>, and --redis-url from REDIS_URL.
	err := envflag.Parse(fs, args, envflag.Prefixed("SLUICE_", map[string]string{"redis-url": "REDIS_URL"}), os.Getenv)
	if err != nil {
		return err
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(strings.ToUpper(*level))); err != nil {
		return fmt.Errorf("--log-level: %v", err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
	shutdown, err := setUpTracing(ctx, cfg.Logger)
	if err != nil {
		return err
	}
	defer shutdown()
	defer daemon.SetHeapFloor(*floorMiB<<20, os.Getenv)()
	return daemon.Run(ctx, cfg)
}

// setUpTracing exports spans with OTLP/gRPC when the standard
// OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set; trace context
// is propagated (W3C traceparent) either way.
func setUpTracing(ctx context.Context, log *slog.Logger) (func(), error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return func() {}, nil
	}
	exp, err := otlptracegrpc.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("OTLP exporter: %w", err)
	}
	res, _ := resource.Merge(resource.Default(), resource.NewSchemaless(attribute.String("service.name", "sluiced")))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	log.Info("exporting traces with OTLP")
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tp.Shutdown(sctx)
	}, nil
}
