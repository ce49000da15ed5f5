package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

// env is one test's Redis and sluiced.
type env struct {
	t   *testing.T
	r   *testredis.Server
	s   *testserver.Server
	ctx context.Context
}

func newEnv(t *testing.T, b testredis.Backend, cfg daemon.Config) *env {
	t.Helper()
	r := b.Start(t)
	return &env{t: t, r: r, s: testserver.Start(t, r.URL, cfg), ctx: t.Context()}
}

var nameCounter atomic.Int64

// name returns a stream or group name unique to this test.
func name(t *testing.T, kind string) string {
	clean := regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "-")
	return fmt.Sprintf("%s-%s-%d", kind, clean, nameCounter.Add(1))
}

func ev(typ, payload string) *sluicev1.Event {
	return &sluicev1.Event{Type: typ, Data: &sluicev1.Event_Payload{Payload: []byte(payload)}, ContentType: "text/plain"}
}

func (e *env) publish(stream string, events ...*sluicev1.Event) []string {
	e.t.Helper()
	res, err := e.s.Pub.Publish(e.ctx, &sluicev1.PublishRequest{Stream: stream, Events: events})
	if err != nil {
		e.t.Fatalf("Publish: %v", err)
	}
	if len(res.GetIds()) != len(events) {
		e.t.Fatalf("Publish returned %d IDs for %d events", len(res.GetIds()), len(events))
	}
	return res.GetIds()
}

func (e *env) ack(ids ...string) []sluicev1.AckStatus {
	e.t.Helper()
	res, err := e.s.Sub.Ack(e.ctx, &sluicev1.AckRequest{AckIds: ids})
	if err != nil {
		e.t.Fatalf("Ack: %v", err)
	}
	out := make([]sluicev1.AckStatus, len(res.GetResults()))
	for i, r := range res.GetResults() {
		out[i] = r.GetStatus()
	}
	return out
}

// sub is an open Subscribe stream whose messages are pumped into a channel.
type sub struct {
	t      *testing.T
	info   *sluicev1.Subscription
	msgs   chan *sluicev1.Message
	err    chan error // the stream's final error (io.EOF never: the server never ends cleanly)
	cancel context.CancelFunc

	mu     sync.Mutex
	assign []int32 // latest Assignment of a topic subscription
}

// assignment is the latest partition assignment the subscription was sent.
func (s *sub) assignment() []int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.assign
}

func (e *env) subscribe(req *sluicev1.SubscribeRequest) *sub {
	e.t.Helper()
	s, err := e.trySubscribe(req)
	if err != nil {
		e.t.Fatalf("Subscribe: %v", err)
	}
	return s
}

// trySubscribe opens a subscription and waits for its first response.
func (e *env) trySubscribe(req *sluicev1.SubscribeRequest) (*sub, error) {
	ctx, cancel := context.WithCancel(e.ctx)
	stream, err := e.s.Sub.Subscribe(ctx, req)
	if err != nil {
		cancel()
		return nil, err
	}
	first, err := stream.Recv()
	if err != nil {
		cancel()
		return nil, err
	}
	s := &sub{t: e.t, info: first.GetSubscription(), msgs: make(chan *sluicev1.Message, 100000), err: make(chan error, 1), cancel: cancel}
	if s.info == nil {
		cancel()
		e.t.Fatal("first Subscribe response has no subscription")
	}
	go func() {
		for {
			r, err := stream.Recv()
			if err != nil {
				s.err <- err
				return
			}
			if a := r.GetAssignment(); a != nil {
				s.mu.Lock()
				s.assign = a.GetPartitions()
				s.mu.Unlock()
				continue
			}
			if len(r.GetMessages()) == 0 {
				s.err <- fmt.Errorf("response without messages: %v", r)
				return
			}
			for _, m := range r.GetMessages() {
				s.msgs <- m
			}
		}
	}()
	e.t.Cleanup(cancel)
	return s, nil
}

// next waits for n messages.
func (s *sub) next(n int) []*sluicev1.Message {
	s.t.Helper()
	out := make([]*sluicev1.Message, 0, n)
	timeout := time.NewTimer(testkit.Wait)
	defer timeout.Stop()
	for len(out) < n {
		select {
		case m := <-s.msgs:
			out = append(out, m)
		case err := <-s.err:
			s.t.Fatalf("subscription ended after %d of %d messages: %v", len(out), n, err)
		case <-timeout.C:
			s.t.Fatalf("got %d of %d messages in %v", len(out), n, testkit.Wait)
		}
	}
	return out
}

// none checks that nothing arrives for d.
func (s *sub) none(d time.Duration) {
	s.t.Helper()
	select {
	case m := <-s.msgs:
		s.t.Fatalf("unexpected message %s (%s)", m.GetId(), m.GetEvent().GetType())
	case err := <-s.err:
		s.t.Fatalf("subscription ended: %v", err)
	case <-time.After(d):
	}
}

// ended waits for the stream to end and returns its status code.
func (s *sub) ended() codes.Code {
	s.t.Helper()
	return status.Code(testkit.Recv(s.t, s.err, "end of the subscription"))
}

func ackIDs(ms []*sluicev1.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.GetAckId()
	}
	return out
}

func ids(ms []*sluicev1.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.GetId()
	}
	return out
}

func earliest() *sluicev1.StartPosition {
	return &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}}
}

func wantCode(t *testing.T, err error, want codes.Code) {
	t.Helper()
	if got := status.Code(err); got != want {
		t.Fatalf("got %v (%v), want %v", got, err, want)
	}
}

// newCapture is a logger that writes into b.
func newCapture(b *strings.Builder) *slog.Logger {
	return slog.New(slog.NewTextHandler(&lockedWriter{b: b}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type lockedWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func startServer(t *testing.T, r *testredis.Server) *testserver.Server {
	return testserver.Start(t, r.URL, daemon.Config{})
}

func startServerWith(t *testing.T, r *testredis.Server, cfg daemon.Config) *testserver.Server {
	return testserver.Start(t, r.URL, cfg)
}

func redisClient(addr string) *redis.Client { return redis.NewClient(&redis.Options{Addr: addr}) }
