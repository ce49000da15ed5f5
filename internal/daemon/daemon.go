// Package daemon wires sluiced together: Redis (or the embedded miniredis),
// the stream store, the gRPC services, health and reflection, and graceful
// shutdown. cmd/sluiced parses flags into a Config and calls Run; tests call
// Run too, so they exercise the same wiring.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/schema"
	"github.com/sluice-io/sluice/server"
	"github.com/sluice-io/sluice/streams"
)

// Config is sluiced's configuration.
type Config struct {
	// Listen is the gRPC address. Default 127.0.0.1:7070.
	Listen string
	// RedisURL selects Redis (redis://, rediss://, unix://). Empty starts an
	// embedded in-process Redis that keeps nothing.
	RedisURL string
	// DescriptorSet is a FileDescriptorSet file of known event types.
	DescriptorSet string
	// MaxPayloadBytes and MaxBatch are the publish limits; 0 means default.
	MaxPayloadBytes int
	MaxBatch        int
	// IdempotencyWindow is how long publish idempotency keys are kept.
	// Default 15 minutes.
	IdempotencyWindow time.Duration
	// IdleConsumerTTL is how long a consumer holding nothing may stay idle
	// before it is deleted from its group. Default 1 hour.
	IdleConsumerTTL time.Duration
	// ShutdownTimeout bounds the graceful stop. Default 10 s.
	ShutdownTimeout time.Duration
	Logger          *slog.Logger
	// Ready, if set, is called with the listening address once serving.
	Ready func(addr net.Addr)
}

// Run serves until ctx ends, then shuts down gracefully: health turns
// NOT_SERVING, Subscribe streams end with UNAVAILABLE (their messages stay
// pending), in-flight unary calls finish, and Run returns.
func Run(ctx context.Context, cfg Config) error {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:7070"
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}

	opts := []server.Option{server.WithLogger(log)}
	if cfg.DescriptorSet != "" {
		reg, err := schema.Load(cfg.DescriptorSet)
		if err != nil {
			return fmt.Errorf("--descriptor-set: %w", err)
		}
		log.Info("loaded event schemas", "file", cfg.DescriptorSet, "types", reg.Len())
		opts = append(opts, server.WithSchemas(reg))
	}
	if cfg.MaxPayloadBytes != 0 {
		opts = append(opts, server.WithMaxPayloadBytes(cfg.MaxPayloadBytes))
	}
	if cfg.MaxBatch != 0 {
		opts = append(opts, server.WithMaxBatch(cfg.MaxBatch))
	}

	redisURL := cfg.RedisURL
	if redisURL == "" {
		mr, err := miniredis.Run()
		if err != nil {
			return fmt.Errorf("starting embedded redis: %w", err)
		}
		defer mr.Close()
		redisURL = "redis://" + mr.Addr()
		log.Warn("NO --redis-url / REDIS_URL GIVEN: RUNNING ON AN EMBEDDED IN-PROCESS REDIS. " +
			"THIS MODE IS FOR TRYING SLUICE ONLY: NOTHING IS DURABLE, EVERYTHING IS LOST WHEN sluiced STOPS. " +
			"Set --redis-url redis://HOST:PORT for real use.")
	}
	cmdClient, readClient, err := Clients(redisURL)
	if err != nil {
		return err
	}
	defer cmdClient.Close()
	store, err := streams.New(streams.Options{
		Client:            cmdClient,
		ReadClient:        readClient,
		Logger:            log,
		IdempotencyWindow: cfg.IdempotencyWindow,
		IdleConsumerTTL:   cfg.IdleConsumerTTL,
	})
	if err != nil {
		return err
	}
	defer store.Close()
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = store.Ping(pingCtx)
	cancel()
	if err != nil {
		// Keep going: Redis may come up later, and health reports it.
		log.Error("redis does not answer yet", "err", err)
	}
	srv, err := server.New(store, opts...)
	if err != nil {
		return err
	}

	lis, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	g := grpc.NewServer(
		grpc.ChainUnaryInterceptor(recovery.UnaryServerInterceptor(recovery.WithRecoveryHandlerContext(panicHandler(log)))),
		grpc.ChainStreamInterceptor(recovery.StreamServerInterceptor(recovery.WithRecoveryHandlerContext(panicHandler(log)))),
		grpc.MaxRecvMsgSize(64<<20),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 30 * time.Second, Timeout: 10 * time.Second}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	)
	srv.Register(g)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(g, hs)
	for _, name := range []string{"", sluicev1.PublisherService_ServiceDesc.ServiceName,
		sluicev1.SubscriberService_ServiceDesc.ServiceName, sluicev1.DeadLetterService_ServiceDesc.ServiceName} {
		hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	reflection.Register(g)

	log.Info("sluiced listening", "addr", lis.Addr().String(), "redis", redactURL(redisURL))
	if cfg.Ready != nil {
		cfg.Ready(lis.Addr())
	}
	eg, ctx := errgroup.WithContext(ctx)
	eg.Go(func() error { return g.Serve(lis) })
	eg.Go(func() error {
		<-ctx.Done()
		log.Info("shutting down")
		hs.Shutdown()
		// Ends every Subscribe loop, so GracefulStop does not wait on them.
		_ = store.Close()
		done := make(chan struct{})
		go func() { g.GracefulStop(); close(done) }()
		select {
		case <-done:
		case <-time.After(cfg.ShutdownTimeout):
			log.Warn("graceful stop timed out; closing connections")
			g.Stop()
			<-done
		}
		return nil
	})
	if err := eg.Wait(); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}

// Clients builds the two Redis clients a Store needs from one URL.
func Clients(url string) (cmd, read redis.UniversalClient, err error) {
	o, err := redis.ParseURL(url)
	if err != nil {
		return nil, nil, fmt.Errorf("--redis-url: %w", err)
	}
	cmd = redis.NewClient(o)
	ro := *o
	// One connection per watched stream; opened on demand.
	ro.PoolSize = 10000
	// A retried XREADGROUP would leave its first batch pending, unseen.
	ro.MaxRetries = -1
	return cmd, redis.NewClient(&ro), nil
}

func panicHandler(log *slog.Logger) recovery.RecoveryHandlerFuncContext {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in handler", "panic", p)
		return status.Error(codes.Internal, "internal error")
	}
}

func redactURL(u string) string {
	o, err := redis.ParseURL(u)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%s db %d", o.Addr, o.DB)
}
