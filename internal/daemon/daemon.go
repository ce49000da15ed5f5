// Package daemon wires sluiced together: Redis (or the embedded miniredis),
// the stream store, the gRPC services, health and reflection, and graceful
// shutdown. cmd/sluiced parses flags into a Config and calls Run; tests call
// Run too, so they exercise the same wiring.
package daemon

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors"
	grpcauth "github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/auth"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/ratelimit"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/selector"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/auth"
	"github.com/sluice-io/sluice/internal/metrics"
	"github.com/sluice-io/sluice/internal/retention"
	"github.com/sluice-io/sluice/internal/ui"
	"github.com/sluice-io/sluice/internal/vtcodec"
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
	// ConfigFile is the YAML configuration file (retention policies).
	ConfigFile string
	// MaxPayloadBytes and MaxBatch are the publish limits; 0 means default.
	MaxPayloadBytes int
	MaxBatch        int
	// IdempotencyWindow is how long publish idempotency keys are kept.
	// Default 15 minutes.
	IdempotencyWindow time.Duration
	// IdleConsumerTTL is how long a consumer holding nothing may stay idle
	// before it is deleted from its group. Default 1 hour.
	IdleConsumerTTL time.Duration
	// TLSCert and TLSKey turn on TLS for the gRPC server (reloaded when the
	// files change); TLSClientCA also requires client certificates.
	TLSCert, TLSKey, TLSClientCA string
	// AuthPolicy is the policy file (tokens, principals, permissions).
	AuthPolicy string
	// NoAuth runs without authentication, explicitly. Without a policy and
	// without NoAuth, sluiced refuses to start on a real Redis; the embedded
	// mode defaults to no auth.
	NoAuth bool
	// AckKeyFile holds the key that signs ack IDs (at least 16 bytes; every
	// replica needs the same). With auth on and no key, a random one is used.
	AckKeyFile string
	// RedisCA is a PEM file of CAs to trust for rediss:// URLs.
	RedisCA string
	// MaxConnectionAge closes connections after this long (with a 30 s grace
	// for running calls), so load spreads and abusive clients cannot pin a
	// connection. Default 1 hour.
	MaxConnectionAge time.Duration
	// MetricsListen serves Prometheus /metrics, /healthz and /readyz on this
	// address when set.
	MetricsListen string
	// MetricsInterval is how often stream gauges (length, lag, pending,
	// dead letters) are sampled from Redis. Default 15 s.
	MetricsInterval time.Duration
	// Pprof serves Go's profiles (net/http/pprof) under /debug/pprof/ on the
	// metrics port. Needs MetricsListen.
	Pprof bool
	// MetricsMaxStreams bounds the streams that get their own label values;
	// the rest are "_other". Default 200.
	MetricsMaxStreams int
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
	if cfg.Pprof && cfg.MetricsListen == "" {
		return errors.New("--pprof needs --metrics-listen: profiles are served on the metrics port")
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

	embedded := cfg.RedisURL == ""
	authz, authOpts, err := setUpAuth(cfg, embedded, log)
	if err != nil {
		return err
	}
	opts = append(opts, authOpts...)

	redisURL := cfg.RedisURL
	if embedded {
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
	cmdClient, readClient, err := ClientsWithCA(redisURL, cfg.RedisCA)
	if err != nil {
		return err
	}
	cmdClient.AddHook(metrics.RedisHook{})
	var keep *retention.Config
	if cfg.ConfigFile != "" {
		if keep, err = retention.Load(cfg.ConfigFile); err != nil {
			return fmt.Errorf("--config: %w", err)
		}
	}
	defer cmdClient.Close()
	store, err := streams.New(streams.Options{
		Client:            cmdClient,
		ReadClient:        readClient,
		Logger:            log,
		IdempotencyWindow: cfg.IdempotencyWindow,
		IdleConsumerTTL:   cfg.IdleConsumerTTL,
		Observer:          metrics.Observer{},
		MaxLength:         keep.MaxLength,
	})
	if err != nil {
		return err
	}
	defer store.Close()
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	pingErr := store.Ping(pingCtx)
	if err := pingErr; err != nil {
		// Keep going: Redis may come up later, and health reports it.
		log.Error("redis does not answer yet", "err", err)
	} else if !embedded {
		checkPersistence(pingCtx, cmdClient, log)
	}
	cancel()
	srv, err := server.New(store, opts...)
	if err != nil {
		return err
	}

	if cfg.MaxConnectionAge <= 0 {
		cfg.MaxConnectionAge = time.Hour
	}
	rpcMetrics := grpcMetrics()
	// One log line per finished call: method, code, duration, peer; never a
	// payload. Successful calls log at debug level.
	calls := callLog{log}
	unary := []grpc.UnaryServerInterceptor{rpcMetrics.UnaryServerInterceptor(),
		calls.unary,
		recovery.UnaryServerInterceptor(recovery.WithRecoveryHandlerContext(panicHandler(log)))}
	stream := []grpc.StreamServerInterceptor{rpcMetrics.StreamServerInterceptor(),
		calls.stream,
		recovery.StreamServerInterceptor(recovery.WithRecoveryHandlerContext(panicHandler(log)))}
	if authz != nil {
		// Health and reflection stay open; everything else needs a
		// principal, then passes its rate limit.
		guarded := selector.MatchFunc(func(_ context.Context, c interceptors.CallMeta) bool { return !openService(c.Service) })
		unary = append(unary,
			selector.UnaryServerInterceptor(grpcauth.UnaryServerInterceptor(authz.Authenticate), guarded),
			selector.UnaryServerInterceptor(ratelimit.UnaryServerInterceptor(authz), guarded))
		stream = append(stream,
			selector.StreamServerInterceptor(grpcauth.StreamServerInterceptor(authz.Authenticate), guarded),
			selector.StreamServerInterceptor(ratelimit.StreamServerInterceptor(authz), guarded))
	}
	gopts := []grpc.ServerOption{
		// A span per RPC, continuing the caller's trace (W3C traceparent),
		// through the global TracerProvider: cmd/sluiced sets one up when
		// OTEL_EXPORTER_OTLP_ENDPOINT is set.
		grpc.StatsHandler(otelgrpc.NewServerHandler()),
		grpc.ChainUnaryInterceptor(unary...),
		grpc.ChainStreamInterceptor(stream...),
		grpc.MaxRecvMsgSize(64 << 20),
		grpc.ForceServerCodecV2(vtcodec.Server),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 30 * time.Second, Timeout: 10 * time.Second,
			MaxConnectionAge: cfg.MaxConnectionAge, MaxConnectionAgeGrace: 30 * time.Second}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	}
	if cfg.TLSCert != "" || cfg.TLSKey != "" {
		tc, err := auth.ServerTLS(cfg.TLSCert, cfg.TLSKey, cfg.TLSClientCA, log)
		if err != nil {
			return err
		}
		gopts = append(gopts, grpc.Creds(credentials.NewTLS(tc)))
	} else if cfg.TLSClientCA != "" {
		return errors.New("--tls-client-ca needs --tls-cert and --tls-key")
	}

	lis, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	var ml net.Listener // /metrics, /healthz, /readyz; open before Ready is called
	if cfg.MetricsListen != "" {
		if ml, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
			lis.Close()
			return fmt.Errorf("--metrics-listen: %w", err)
		}
	}
	g := grpc.NewServer(gopts...)
	srv.Register(g)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(g, hs)
	services := []string{"", sluicev1.PublisherService_ServiceDesc.ServiceName,
		sluicev1.SubscriberService_ServiceDesc.ServiceName, sluicev1.DeadLetterService_ServiceDesc.ServiceName,
		sluicev1.AdminService_ServiceDesc.ServiceName}
	var ready atomic.Bool
	setHealth := func(ok bool) {
		st := healthpb.HealthCheckResponse_NOT_SERVING
		if ok {
			st = healthpb.HealthCheckResponse_SERVING
		}
		for _, name := range services {
			hs.SetServingStatus(name, st)
		}
		ready.Store(ok)
	}
	setHealth(pingErr == nil)
	reflection.Register(g)
	rpcMetrics.InitializeMetrics(g)
	if cfg.MetricsMaxStreams > 0 {
		metrics.SetMaxStreams(cfg.MetricsMaxStreams)
	}
	if cfg.MetricsInterval <= 0 {
		cfg.MetricsInterval = 15 * time.Second
	}

	log.Info("sluiced listening", "addr", lis.Addr().String(), "redis", redactURL(redisURL))
	if cfg.Ready != nil {
		cfg.Ready(lis.Addr())
	}
	eg, ctx := errgroup.WithContext(ctx)
	eg.Go(func() error { return g.Serve(lis) })
	eg.Go(func() error {
		// Health follows Redis: NOT_SERVING (and /readyz 503) while it does
		// not answer, so load balancers send traffic elsewhere.
		t := time.NewTicker(healthEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
			pctx, cancel := context.WithTimeout(ctx, healthEvery)
			err := store.Ping(pctx)
			cancel()
			if ctx.Err() != nil {
				return nil
			}
			if ok := err == nil; ok != ready.Load() {
				log.Warn("redis reachability changed", "reachable", ok, "err", err)
				setHealth(ok)
			}
		}
	})
	if keep != nil {
		eg.Go(func() error {
			(&retention.Trimmer{Config: keep, Store: store, Log: log}).Run(ctx)
			return nil
		})
	}
	if cfg.MetricsListen != "" {
		eg.Go(func() error {
			metrics.Sample(ctx, cfg.MetricsInterval, func(ctx context.Context) ([]metrics.Sampled, error) {
				return sample(ctx, store, cfg.MetricsMaxStreams)
			}, log)
			return nil
		})
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.Handler())
		ui.Register(mux, store)
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
		mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
			if !ready.Load() || ctx.Err() != nil {
				http.Error(w, "not ready: redis unreachable or shutting down", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprintln(w, "ok")
		})
		if cfg.Pprof {
			mux.HandleFunc("/debug/pprof/", pprof.Index) // and the named profiles: heap, goroutine, ...
			mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
			mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
			log.Warn("profiles served on the metrics port (--pprof): keep it internal", "path", "/debug/pprof/")
		}
		hsrv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		log.Info("metrics listening", "addr", ml.Addr().String())
		eg.Go(func() error {
			if err := hsrv.Serve(ml); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
		eg.Go(func() error {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if hsrv.Shutdown(sctx) != nil {
				hsrv.Close() // a scrape or a profile still running: cut it
			}
			return nil
		})
	}
	eg.Go(func() error {
		<-ctx.Done()
		log.Info("shutting down")
		ready.Store(false)
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
	return ClientsWithCA(url, "")
}

// ClientsWithCA is Clients trusting the CAs in caFile (PEM) for rediss://.
func ClientsWithCA(url, caFile string) (cmd, read redis.UniversalClient, err error) {
	o, err := ParseRedisURL(url)
	if errors.Is(err, errUnix) {
		so, err := redis.ParseURL(url)
		if err != nil {
			return nil, nil, fmt.Errorf("--redis-url: %v", err)
		}
		ro := *so
		ro.PoolSize, ro.MaxRetries = 10000, -1
		return redis.NewClient(so), redis.NewClient(&ro), nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("--redis-url: %v", redactErr(err, url))
	}
	if caFile != "" {
		if o.TLSConfig == nil {
			return nil, nil, errors.New("--redis-ca needs a rediss:// URL")
		}
		pool, err := auth.ClientCAPool(caFile)
		if err != nil {
			return nil, nil, fmt.Errorf("--redis-ca: %w", err)
		}
		o.TLSConfig.RootCAs = pool
	}
	cmd = redis.NewUniversalClient(o)
	ro := *o
	// One connection per watched stream (per node in a cluster); opened on
	// demand.
	ro.PoolSize = 10000
	// A retried XREADGROUP would leave its first batch pending, unseen.
	ro.MaxRetries = -1
	return cmd, redis.NewUniversalClient(&ro), nil
}

func panicHandler(log *slog.Logger) recovery.RecoveryHandlerFuncContext {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in handler", "panic", p)
		return status.Error(codes.Internal, "internal error")
	}
}

var (
	rpcMetricsOnce sync.Once
	rpcMetricsVal  *grpcprom.ServerMetrics
)

// grpcMetrics are the RPC metrics (go-grpc-middleware's Prometheus
// provider), registered once per process.
func grpcMetrics() *grpcprom.ServerMetrics {
	rpcMetricsOnce.Do(func() {
		rpcMetricsVal = grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
		prometheus.MustRegister(rpcMetricsVal)
	})
	return rpcMetricsVal
}

// sample reads the gauges' values: the first max streams, described.
func sample(ctx context.Context, store *streams.Store, max int) ([]metrics.Sampled, error) {
	if max <= 0 {
		max = 200
	}
	infos, err := store.DescribeAll(ctx, max)
	if err != nil {
		return nil, err
	}
	out := make([]metrics.Sampled, 0, len(infos))
	for _, info := range infos {
		s := metrics.Sampled{Stream: info.Name, Length: info.Length, DeadLetters: info.DeadLetters}
		for _, g := range info.Groups {
			s.Groups = append(s.Groups, metrics.SampledGroup{Name: g.Name, Lag: g.Lag, Pending: g.Pending, OldestPending: g.OldestPending})
		}
		out = append(out, s)
	}
	return out, nil
}

// healthEvery is how often sluiced checks that Redis answers.
const healthEvery = 2 * time.Second

// checkPersistence warns when Redis would lose acknowledged publishes on a
// crash. It reads INFO, which managed Redis services allow where they refuse
// CONFIG.
func checkPersistence(ctx context.Context, c redis.UniversalClient, log *slog.Logger) {
	info, err := c.Info(ctx, "persistence").Result()
	if err != nil {
		log.Info("cannot read Redis persistence settings; check that AOF is on", "err", err)
		return
	}
	if strings.Contains(info, "aof_enabled:0") {
		log.Warn("REDIS HAS AOF OFF: a Redis crash loses acknowledged publishes and acks since the last snapshot. " +
			"Fix: CONFIG SET appendonly yes, with appendfsync everysec (about 1 s at risk) or always, and set both in redis.conf")
	}
}

// openService reports whether a service is reachable without credentials.
func openService(name string) bool {
	return name == healthpb.Health_ServiceDesc.ServiceName || strings.HasPrefix(name, "grpc.reflection.")
}

// setUpAuth loads the auth policy and the ack key. It returns a nil policy
// when auth is off.
func setUpAuth(cfg Config, embedded bool, log *slog.Logger) (*auth.Policy, []server.Option, error) {
	var key []byte
	if cfg.AckKeyFile != "" {
		b, err := os.ReadFile(cfg.AckKeyFile)
		if err != nil {
			return nil, nil, fmt.Errorf("--ack-key-file: %w", err)
		}
		key = bytes.TrimSpace(b)
	}
	var opts []server.Option
	switch {
	case cfg.AuthPolicy != "" && cfg.NoAuth:
		return nil, nil, errors.New("--auth-policy and --no-auth contradict each other")
	case cfg.AuthPolicy == "" && !cfg.NoAuth && !embedded:
		return nil, nil, errors.New("no --auth-policy: give one, or start with --no-auth to let anyone who reaches the port publish and consume")
	case cfg.AuthPolicy == "":
		log.Warn("AUTHENTICATION IS OFF: anyone who can reach the gRPC port may publish, consume and manage dead letters")
		if key != nil {
			opts = append(opts, server.WithAckKey(key))
		}
		return nil, opts, nil
	}
	policy, err := auth.Load(cfg.AuthPolicy)
	if err != nil {
		return nil, nil, fmt.Errorf("--auth-policy: %w", err)
	}
	if key == nil {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
		log.Warn("no --ack-key-file: ack IDs are signed with a random key, so they are valid only on this process until it restarts; give every replica the same key file")
	}
	opts = append(opts, server.WithAuthorizer(policy), server.WithAckKey(key))
	return policy, opts, nil
}

func redactErr(err error, url string) string {
	msg := err.Error()
	if o, perr := ParseRedisURL(url); perr == nil && o.Password != "" {
		msg = strings.ReplaceAll(msg, o.Password, "****")
	}
	return msg
}

// redactURL describes where Redis is without credentials.
func redactURL(u string) string {
	o, err := ParseRedisURL(u)
	if errors.Is(err, errUnix) {
		return "unix socket"
	}
	if err != nil {
		return "?"
	}
	switch {
	case o.MasterName != "":
		return fmt.Sprintf("sentinel master %s via %s db %d", o.MasterName, strings.Join(o.Addrs, ","), o.DB)
	case o.IsClusterMode:
		return "cluster via " + strings.Join(o.Addrs, ",")
	}
	return fmt.Sprintf("%s db %d", o.Addrs[0], o.DB)
}
