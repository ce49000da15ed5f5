// Package testredis starts real redis-server and valkey-server processes
// (and embedded miniredis instances) for tests, on free loopback ports.
package testredis

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/sluice-io/sluice/internal/testkit"
)

// Server is a running Redis for one test.
type Server struct {
	// URL is redis://127.0.0.1:PORT.
	URL string
	// Addr is 127.0.0.1:PORT.
	Addr string
	// Client is connected to it (a cluster client for a Cluster); closed at
	// cleanup.
	Client redis.UniversalClient
	// Cluster is set for a Cluster backend.
	Cluster *Cluster
	// Embedded is set for a miniredis backend.
	Embedded *miniredis.Miniredis
	cmd      *exec.Cmd
	args     []string
	exited   chan struct{}
	log      *syncBuffer
}

// Backend names a kind of Redis the behaviour suites run against.
type Backend struct {
	Name  string
	Start func(tb testing.TB) *Server
}

// Backends are the backends every behaviour suite runs on.
var Backends = []Backend{
	{"redis", Start},
	{"valkey", StartValkey},
	{"embedded", StartEmbedded},
	{"cluster", StartClusterBackend},
}

// ForEach runs fn as a parallel subtest of t, named after the backend, on
// every backend in Backends. fn starts the backend (b.Start) itself, so a
// test can choose its arguments.
func ForEach(t *testing.T, fn func(t *testing.T, b Backend)) {
	t.Helper()
	for _, b := range Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// StartClusterBackend runs a 3-master Cluster and presents it as one
// Server: URL and Client reach the whole cluster.
func StartClusterBackend(tb testing.TB) *Server {
	tb.Helper()
	c := StartCluster(tb, 3)
	return &Server{URL: c.URL, Addr: c.Nodes[0].Addr, Client: c.Client, Cluster: c}
}

// Keys lists every key (on every master of a Cluster).
func (s *Server) Keys(ctx context.Context) ([]string, error) {
	if s.Cluster == nil {
		return s.Client.Keys(ctx, "*").Result()
	}
	var out []string
	var mu sync.Mutex
	err := s.Cluster.Client.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
		keys, err := n.Keys(ctx, "*").Result()
		mu.Lock()
		out = append(out, keys...)
		mu.Unlock()
		return err
	})
	return out, err
}

// Start runs redis-server on a free loopback port without persistence and
// stops it when tb ends. It fails the test if redis-server is not installed:
// `apt-get install redis-server` (the README's test command does).
func Start(tb testing.TB) *Server {
	tb.Helper()
	return StartWithArgs(tb)
}

// StartWithArgs is Start with extra redis-server arguments.
func StartWithArgs(tb testing.TB, extraArgs ...string) *Server {
	tb.Helper()
	return startServer(tb, "redis-server", "install Debian's redis-server package", extraArgs)
}

// StartValkey is Start with valkey-server, which takes the same arguments:
// `apt-get install -t bookworm-backports valkey-server` (the README's test
// command does).
func StartValkey(tb testing.TB) *Server {
	tb.Helper()
	return StartValkeyWithArgs(tb)
}

// StartValkeyWithArgs is StartValkey with extra valkey-server arguments.
func StartValkeyWithArgs(tb testing.TB, extraArgs ...string) *Server {
	tb.Helper()
	return startServer(tb, "valkey-server", "install valkey-server from Debian's bookworm-backports", extraArgs)
}

func startServer(tb testing.TB, name, install string, extraArgs []string) *Server {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		tb.Fatalf("%s not found (%s): %v", name, install, err)
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port := testkit.FreePort(tb)
		args := append([]string{
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", tb.TempDir(),
		}, extraArgs...)
		s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), log: new(syncBuffer), args: append([]string{path}, args...)}
		s.URL = "redis://" + s.Addr
		if err := s.start(); err != nil {
			tb.Fatalf("starting %s: %v", name, err)
		}
		if lastErr = s.waitReady(); lastErr == nil {
			s.Client = redis.NewClient(&redis.Options{Addr: s.Addr})
			tb.Cleanup(s.stop)
			return s
		}
		s.stop()
	}
	tb.Fatalf("%s did not start: %v", name, lastErr)
	return nil
}

// StartEmbedded runs miniredis, the embedded backend, for tb.
func StartEmbedded(tb testing.TB) *Server {
	tb.Helper()
	m := miniredis.RunT(tb)
	s := &Server{Addr: m.Addr(), URL: "redis://" + m.Addr(), Embedded: m}
	s.Client = redis.NewClient(&redis.Options{Addr: s.Addr})
	tb.Cleanup(func() { s.Client.Close() })
	return s
}

// Binary is the server's program (redis-server or valkey-server), or ""
// for the embedded backend.
func (s *Server) Binary() string {
	if len(s.args) == 0 {
		return ""
	}
	return s.args[0]
}

// Real reports whether this is a real redis-server or valkey-server.
func (s *Server) Real() bool { return s.Embedded == nil }

func (s *Server) start() error {
	s.cmd = exec.Command(s.args[0], s.args[1:]...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.exited = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	return nil
}

// Restart starts a killed server again, same port, same data directory (so
// with persistence on it reloads its data), and waits until it answers.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	if err := s.start(); err != nil {
		tb.Fatalf("restarting %s: %v", filepath.Base(s.args[0]), err)
	}
	if err := s.waitReady(); err != nil {
		tb.Fatalf("%s did not come back: %v", filepath.Base(s.args[0]), err)
	}
}

// Kill stops the server at once (SIGKILL), as a crash would.
func (s *Server) Kill() {
	if s.cmd != nil {
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

func (s *Server) waitReady() error {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer c.Close()
	// Loading a large AOF takes a while, hence the longer wait.
	err := testkit.Poll(max(testkit.Wait, time.Minute), func() error {
		select {
		case <-s.exited:
			return nil
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		return c.Ping(ctx).Err()
	})
	select {
	case <-s.exited:
		return fmt.Errorf("%s exited: %s", filepath.Base(s.args[0]), s.log.String())
	default:
	}
	if err != nil {
		return fmt.Errorf("%v; log: %s", err, s.log.String())
	}
	return nil
}

func (s *Server) stop() {
	if s.Client != nil {
		s.Client.Close()
	}
	s.Kill()
}

// syncBuffer is written by exec's copying goroutine and read by waitReady.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
