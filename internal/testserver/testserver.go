// Package testserver runs a full sluiced (internal/daemon) in-process on a
// loopback port for tests, with a real gRPC client connection to it.
package testserver

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sluice-io/sluice/client"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
)

// Server is a running sluiced.
type Server struct {
	tb   testing.TB
	cfg  daemon.Config
	Addr string
	// MetricsAddr is where /metrics is served, when cfg.MetricsListen was
	// set ("127.0.0.1:0" picks a free port).
	MetricsAddr string
	Conn        *grpc.ClientConn
	Pub         sluicev1.PublisherServiceClient
	Sub         sluicev1.SubscriberServiceClient
	DL          sluicev1.DeadLetterServiceClient
	Admin       sluicev1.AdminServiceClient
	cancel      context.CancelFunc
	done        chan error
}

// Start runs sluiced against redisURL with cfg's other settings and stops it
// when tb ends. Without cfg.AuthPolicy it runs with auth off. The gRPC
// connection (plaintext, no credentials, unless dialOpts say otherwise; always
// with client.DialOptions) survives Stop and Restart.
func Start(tb testing.TB, redisURL string, cfg daemon.Config, dialOpts ...grpc.DialOption) *Server {
	tb.Helper()
	cfg.RedisURL = redisURL
	cfg.NoAuth = cfg.AuthPolicy == ""
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(tbWriter{tb: tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if cfg.MetricsMaxStreams == 0 {
		cfg.MetricsMaxStreams = 1 << 20 // tests make many streams; keep their labels apart
	}
	if cfg.MetricsListen == "127.0.0.1:0" {
		l, err := net.Listen("tcp", cfg.MetricsListen)
		if err != nil {
			tb.Fatal(err)
		}
		cfg.MetricsListen = l.Addr().String()
		l.Close()
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 5 * time.Second
	}
	s := &Server{tb: tb, cfg: cfg, MetricsAddr: cfg.MetricsListen}
	s.start()
	if len(dialOpts) == 0 {
		dialOpts = []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	}
	conn, err := grpc.NewClient(s.Addr, append(client.DialOptions(), dialOpts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	s.Conn = conn
	s.Pub = sluicev1.NewPublisherServiceClient(conn)
	s.Sub = sluicev1.NewSubscriberServiceClient(conn)
	s.DL = sluicev1.NewDeadLetterServiceClient(conn)
	s.Admin = sluicev1.NewAdminServiceClient(conn)
	tb.Cleanup(func() {
		s.Stop()
		conn.Close()
	})
	return s
}

func (s *Server) start() {
	s.tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	cfg := s.cfg
	cfg.Ready = func(a net.Addr) { ready <- a.String() }
	s.cancel, s.done = cancel, make(chan error, 1)
	go func() { s.done <- daemon.Run(ctx, cfg) }()
	select {
	case a := <-ready:
		s.Addr = a
		// A restart listens on the same port, so client connections recover.
		s.cfg.Listen = a
	case err := <-s.done:
		s.tb.Fatalf("sluiced did not start: %v", err)
	case <-time.After(10 * time.Second):
		s.tb.Fatal("sluiced did not start in 10s")
	}
}

// Stop shuts sluiced down gracefully and waits for it. Idempotent.
func (s *Server) Stop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	if err := <-s.done; err != nil {
		s.tb.Errorf("sluiced: %v", err)
	}
	s.cancel = nil
}

// Restart stops sluiced and starts it again on the same address.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	s.start()
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
