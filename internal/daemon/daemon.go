// Package daemon wires sluiced together: Redis (or the embedded miniredis),
// the stream store, the gRPC services and their interceptors, health,
// metrics and the web page, and graceful shutdown. cmd/sluiced parses flags
// into a Config and calls Run; tests call Run too, so they exercise the same
// wiring.
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
	"github.com/prometheus/client_golang/prometheus/collectors"
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

	"github.com/sluice-io/sluice/client"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/auth"
	"github.com/sluice-io/sluice/internal/metrics"
	"github.com/sluice-io/sluice/internal/redisconn"
	"github.com/sluice-io/sluice/internal/retention"
	"github.com/sluice-io/sluice/internal/tracing"
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
	// ScheduleHorizon is how far ahead an event may be scheduled (deliver_at,
	// deliver_after). Default 400 days.
	ScheduleHorizon time.Duration
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
	cfg, err := withDefaults(cfg)
	if err != nil {
		return err
	}
	log := cfg.Logger
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(reg, cfg.MetricsMaxStreams)

	srvOpts, authz, err := serverOptions(cfg, log, m)
	if err != nil {
		return err
	}
	r, err := openRedis(ctx, cfg, log, m)
	if err != nil {
		return err
	}
	defer r.close()
	srv, err := server.New(r.store, srvOpts...)
	if err != nil {
		return err
	}
	rpcMetrics := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
	reg.MustRegister(rpcMetrics)
	g, err := newGRPCServer(cfg, authz, rpcMetrics)
	if err != nil {
		return err
	}
	srv.Register(g)
	h := newHealth(g)
	h.set(r.pingErr == nil)
	reflection.Register(g)
	rpcMetrics.InitializeMetrics(g)

	lis, ml, err := listen(cfg)
	if err != nil {
		return err
	}
	log.Info("sluiced listening", "addr", lis.Addr().String(), "redis", redisconn.Describe(r.url))
	if cfg.Ready != nil {
		cfg.Ready(lis.Addr())
	}
	eg, ctx := errgroup.WithContext(ctx)
	eg.Go(func() error { return g.Serve(lis) })
	eg.Go(func() error { h.follow(ctx, r.store, log); return nil })
	eg.Go(func() error { r.store.MoveScheduled(ctx); return nil })
	if r.keep != nil {
		eg.Go(func() error {
			(&retention.Trimmer{Config: r.keep, Store: r.store, Log: log, Metrics: m}).Run(ctx)
			return nil
		})
	}
	if ml != nil {
		eg.Go(func() error {
			m.Sample(ctx, cfg.MetricsInterval, func(ctx context.Context) ([]metrics.Sampled, error) {
				return sample(ctx, r.store, cfg.MetricsMaxStreams)
			}, log)
			return nil
		})
		serveHTTP(ctx, eg, ml, httpHandler(ctx, cfg, reg, r.store, h), log)
	}
	eg.Go(func() error {
		<-ctx.Done()
		shutdown(cfg, g, h, r.store, log)
		return nil
	})
	if err := eg.Wait(); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}

// withDefaults fills in cfg's defaults and refuses contradictory settings.
func withDefaults(cfg Config) (Config, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:7070"
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	if cfg.MaxConnectionAge <= 0 {
		cfg.MaxConnectionAge = time.Hour
	}
	if cfg.MetricsInterval <= 0 {
		cfg.MetricsInterval = 15 * time.Second
	}
	if cfg.MetricsMaxStreams <= 0 {
		cfg.MetricsMaxStreams = metrics.DefaultMaxStreams
	}
	switch {
	case cfg.Pprof && cfg.MetricsListen == "":
		return cfg, errors.New("--pprof needs --metrics-listen: profiles are served on the metrics port")
	case cfg.TLSClientCA != "" && cfg.TLSCert == "" && cfg.TLSKey == "":
		return cfg, errors.New("--tls-client-ca needs --tls-cert and --tls-key")
	}
	return cfg, nil
}

// serverOptions are the gRPC services' settings: schemas, limits, metrics,
// and auth. authz is nil when auth is off.
func serverOptions(cfg Config, log *slog.Logger, m *metrics.Metrics) (opts []server.Option, authz *auth.Policy, err error) {
	opts = []server.Option{server.WithLogger(log), server.WithMetrics(m)}
	if cfg.DescriptorSet != "" {
		reg, err := schema.Load(cfg.DescriptorSet)
		if err != nil {
			return nil, nil, fmt.Errorf("--descriptor-set: %w", err)
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
	if cfg.ScheduleHorizon != 0 {
		opts = append(opts, server.WithScheduleHorizon(cfg.ScheduleHorizon))
	}
	authz, authOpts, err := setUpAuth(cfg, cfg.RedisURL == "", log, m)
	if err != nil {
		return nil, nil, err
	}
	return append(opts, authOpts...), authz, nil
}

// backend is sluiced's Redis: the clients, the Store over them, and the
// retention policies; pingErr is how the first ping went.
type backend struct {
	url     string
	cmd     redis.UniversalClient
	store   *streams.Store
	keep    *retention.Config
	pingErr error
	closers []func() error
}

// openRedis connects to cfg.RedisURL, or starts the embedded Redis when it
// is empty, and pings it once: a Redis that does not answer yet is logged,
// not an error (health reports it until it does).
func openRedis(ctx context.Context, cfg Config, log *slog.Logger, m *metrics.Metrics) (*backend, error) {
	b := &backend{url: cfg.RedisURL}
	if b.url == "" {
		mr, err := miniredis.Run()
		if err != nil {
			return nil, fmt.Errorf("starting embedded redis: %w", err)
		}
		b.closers = append(b.closers, func() error { mr.Close(); return nil })
		b.url = "redis://" + mr.Addr()
		log.Warn("NO --redis-url / REDIS_URL GIVEN: RUNNING ON AN EMBEDDED IN-PROCESS REDIS. " +
			"THIS MODE IS FOR TRYING SLUICE ONLY: NOTHING IS DURABLE, EVERYTHING IS LOST WHEN sluiced STOPS. " +
			"Set --redis-url redis://HOST:PORT for real use.")
	}
	fail := func(err error) (*backend, error) { b.close(); return nil, err }
	if cfg.ConfigFile != "" {
		keep, err := retention.Load(cfg.ConfigFile)
		if err != nil {
			return fail(fmt.Errorf("--config: %w", err))
		}
		b.keep = keep
	}
	cmd, read, err := redisconn.Open(b.url, cfg.RedisCA)
	if err != nil {
		return fail(err)
	}
	b.cmd = cmd
	b.closers = append(b.closers, cmd.Close)
	cmd.AddHook(m.RedisHook())
	store, err := streams.New(streams.Options{
		Client:            cmd,
		ReadClient:        read,
		Logger:            log,
		IdempotencyWindow: cfg.IdempotencyWindow,
		IdleConsumerTTL:   cfg.IdleConsumerTTL,
		Observer:          m.StoreObserver(),
		MaxLength:         b.keep.MaxLength,
	})
	if err != nil {
		read.Close()
		return fail(err)
	}
	b.store = store
	b.closers = append(b.closers, store.Close)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if b.pingErr = store.Ping(pctx); b.pingErr != nil {
		log.Error("redis does not answer yet", "err", b.pingErr)
	} else if cfg.RedisURL != "" {
		checkPersistence(pctx, cmd, log)
	}
	return b, nil
}

// close releases what openRedis opened, last first.
func (b *backend) close() {
	for i := len(b.closers) - 1; i >= 0; i-- {
		_ = b.closers[i]()
	}
}

// newGRPCServer is the gRPC server with sluiced's interceptors: metrics,
// one log line per call, panics mapped to Internal, and, with auth,
// authentication and the rate limit on everything but health and
// reflection.
func newGRPCServer(cfg Config, authz *auth.Policy, rpcMetrics *grpcprom.ServerMetrics) (*grpc.Server, error) {
	log := cfg.Logger
	// One log line per finished call: method, code, duration, peer; never a
	// payload. Successful calls log at debug level.
	calls := callLog{log}
	unary := []grpc.UnaryServerInterceptor{rpcMetrics.UnaryServerInterceptor(),
		calls.unary,
		recovery.UnaryServerInterceptor(recovery.WithRecoveryHandlerContext(panicHandler(log)))}
	stream := []grpc.StreamServerInterceptor{rpcMetrics.StreamServerInterceptor(),
		calls.stream,
		recovery.StreamServerInterceptor(recovery.WithRecoveryHandlerContext(panicHandler(log)))}
	traced := tracing.Enabled()
	if !traced {
		// No spans to record: the caller's trace context alone, for
		// Publish to put into the events' headers.
		unary = append([]grpc.UnaryServerInterceptor{func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			return h(tracing.FromMetadata(ctx), req)
		}}, unary...)
	}
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
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(unary...),
		grpc.ChainStreamInterceptor(stream...),
		grpc.MaxRecvMsgSize(64 << 20),
		// Fixed windows: no BDP PINGs on every call (see client.StreamWindow).
		grpc.InitialWindowSize(client.StreamWindow),
		grpc.InitialConnWindowSize(client.ConnectionWindow),
		grpc.ForceServerCodecV2(vtcodec.Server),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 30 * time.Second, Timeout: 10 * time.Second,
			MaxConnectionAge: cfg.MaxConnectionAge, MaxConnectionAgeGrace: 30 * time.Second}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	}
	if traced {
		// A span per RPC, continuing the caller's trace (W3C traceparent),
		// through the global TracerProvider: cmd/sluiced sets one up when
		// OTEL_EXPORTER_OTLP_ENDPOINT is set.
		opts = append(opts, grpc.StatsHandler(otelgrpc.NewServerHandler()))
	}
	if cfg.TLSCert != "" || cfg.TLSKey != "" {
		tc, err := auth.ServerTLS(cfg.TLSCert, cfg.TLSKey, cfg.TLSClientCA, log)
		if err != nil {
			return nil, err
		}
		opts = append(opts, grpc.Creds(credentials.NewTLS(tc)))
	}
	return grpc.NewServer(opts...), nil
}

// listen opens the gRPC listener and, if configured, the metrics one (open
// before Ready is called, so a caller may scrape at once).
func listen(cfg Config) (lis, ml net.Listener, err error) {
	if lis, err = net.Listen("tcp", cfg.Listen); err != nil {
		return nil, nil, err
	}
	if cfg.MetricsListen != "" {
		if ml, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
			lis.Close()
			return nil, nil, fmt.Errorf("--metrics-listen: %w", err)
		}
	}
	return lis, ml, nil
}

// healthEvery is how often sluiced checks that Redis answers.
const healthEvery = 2 * time.Second

// healthState is gRPC health and /readyz: SERVING while Redis answers.
type healthState struct {
	hs    *health.Server
	ready atomic.Bool
}

// servedServices are the services gRPC health reports on ("" is the
// server as a whole).
var servedServices = []string{"", sluicev1.PublisherService_ServiceDesc.ServiceName,
	sluicev1.SubscriberService_ServiceDesc.ServiceName, sluicev1.DeadLetterService_ServiceDesc.ServiceName,
	sluicev1.AdminService_ServiceDesc.ServiceName}

func newHealth(g *grpc.Server) *healthState {
	h := &healthState{hs: health.NewServer()}
	healthpb.RegisterHealthServer(g, h.hs)
	return h
}

func (h *healthState) set(ok bool) {
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if ok {
		st = healthpb.HealthCheckResponse_SERVING
	}
	for _, name := range servedServices {
		h.hs.SetServingStatus(name, st)
	}
	h.ready.Store(ok)
}

// follow makes health follow Redis until ctx ends: NOT_SERVING (and /readyz
// 503) while it does not answer, so load balancers send traffic elsewhere.
func (h *healthState) follow(ctx context.Context, store *streams.Store, log *slog.Logger) {
	t := time.NewTicker(healthEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, healthEvery)
		err := store.Ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if ok := err == nil; ok != h.ready.Load() {
			log.Warn("redis reachability changed", "reachable", ok, "err", err)
			h.set(ok)
		}
	}
}

// httpHandler serves /metrics (reg), /healthz, /readyz (h, and not after
// ctx ended), the web page, and with --pprof Go's profiles.
func httpHandler(ctx context.Context, cfg Config, reg *prometheus.Registry, store *streams.Store, h *healthState) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ui.Register(mux, store)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !h.ready.Load() || ctx.Err() != nil {
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
		cfg.Logger.Warn("profiles served on the metrics port (--pprof): keep it internal", "path", "/debug/pprof/")
	}
	return mux
}

// serveHTTP serves handler on ml in eg until ctx ends, then stops it within
// a second (a scrape or a profile still running is cut).
func serveHTTP(ctx context.Context, eg *errgroup.Group, ml net.Listener, handler http.Handler, log *slog.Logger) {
	hsrv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
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
			hsrv.Close()
		}
		return nil
	})
}

// shutdown turns health NOT_SERVING, ends every Subscribe stream (closing
// the Store, so GracefulStop does not wait on them), and stops g gracefully
// within cfg.ShutdownTimeout, then at once.
func shutdown(cfg Config, g *grpc.Server, h *healthState, store *streams.Store, log *slog.Logger) {
	log.Info("shutting down")
	h.ready.Store(false)
	h.hs.Shutdown()
	_ = store.Close()
	done := make(chan struct{})
	go func() { g.GracefulStop(); close(done) }()
	t := time.NewTimer(cfg.ShutdownTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		log.Warn("graceful stop timed out; closing connections")
		g.Stop()
		<-done
	}
}

func panicHandler(log *slog.Logger) recovery.RecoveryHandlerFuncContext {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in handler", "panic", p)
		return status.Error(codes.Internal, "internal error")
	}
}

// sample reads the gauges' values: the first max streams, described.
func sample(ctx context.Context, store *streams.Store, max int) ([]metrics.Sampled, error) {
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
// when auth is off. The policy counts its refusals in m.
func setUpAuth(cfg Config, embedded bool, log *slog.Logger, m *metrics.Metrics) (*auth.Policy, []server.Option, error) {
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
	policy.OnRefusal(m.Refused)
	if key == nil {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
		log.Warn("no --ack-key-file: ack IDs are signed with a random key, so they are valid only on this process until it restarts; give every replica the same key file")
	}
	opts = append(opts, server.WithAuthorizer(policy), server.WithAckKey(key))
	return policy, opts, nil
}
