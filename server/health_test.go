package server_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

// Health follows Redis: NOT_SERVING and /readyz 503 while Redis is down,
// back to SERVING when it returns; /healthz stays 200 throughout.
func TestHealthFollowsRedis(t *testing.T) {
	t.Parallel()
	r := testredis.Start(t)
	s := testserver.Start(t, r.URL, daemon.Config{MetricsListen: "127.0.0.1:0"})
	h := health{t, s}
	testkit.Eventually(t, h.is(healthpb.HealthCheckResponse_SERVING, 200))
	r.Kill()
	testkit.Eventually(t, h.is(healthpb.HealthCheckResponse_NOT_SERVING, 503))
	if h.get("/healthz") != 200 {
		t.Fatal("/healthz failed while Redis was down")
	}
	r.Restart(t)
	testkit.Eventually(t, h.is(healthpb.HealthCheckResponse_SERVING, 200))
	if body := scrape(t, s); !strings.Contains(body, "go_goroutines") {
		t.Fatal("/metrics does not serve the Go collector")
	}
}

// At start-up sluiced warns, with the fix, when Redis has AOF off, and says
// nothing when it is on.
func TestPersistenceWarning(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		warn bool
	}{{nil, true}, {[]string{"--appendonly", "yes"}, false}} {
		r := testredis.StartWithArgs(t, c.args...)
		var logs strings.Builder
		s := testserver.Start(t, r.URL, daemon.Config{Logger: newCapture(&logs)})
		s.Stop()
		if got := strings.Contains(logs.String(), "REDIS HAS AOF OFF") && strings.Contains(logs.String(), "CONFIG SET appendonly yes"); got != c.warn {
			t.Errorf("redis %v: warned %v, want %v:\n%s", c.args, got, c.warn, logs.String())
		}
	}
}

// A sluiced started while Redis is down says so from its first moment
// (health NOT_SERVING, /readyz 503), not only after its first check of
// Redis, and turns SERVING once Redis answers.
func TestHealthAtStartWithRedisDown(t *testing.T) {
	t.Parallel()
	r := testredis.Start(t)
	r.Kill()
	s := testserver.Start(t, r.URL, daemon.Config{MetricsListen: "127.0.0.1:0"})
	h := health{t, s}
	if err := h.is(healthpb.HealthCheckResponse_NOT_SERVING, 503)(); err != nil {
		t.Fatalf("at start with Redis down: %v", err)
	}
	r.Restart(t)
	testkit.Eventually(t, h.is(healthpb.HealthCheckResponse_SERVING, 200))
}

// health reads a sluiced's gRPC health and its HTTP endpoints.
type health struct {
	t *testing.T
	s *testserver.Server
}

func (h health) status() healthpb.HealthCheckResponse_ServingStatus {
	h.t.Helper()
	res, err := healthpb.NewHealthClient(h.s.Conn).Check(h.t.Context(), &healthpb.HealthCheckRequest{Service: "sluice.v1.PublisherService"})
	if err != nil {
		h.t.Fatal(err)
	}
	return res.GetStatus()
}

func (h health) get(path string) int {
	h.t.Helper()
	res, err := http.Get("http://" + h.s.MetricsAddr + path)
	if err != nil {
		h.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// is checks that gRPC health is want and /readyz answers ready.
func (h health) is(want healthpb.HealthCheckResponse_ServingStatus, ready int) func() error {
	return func() error {
		if st, code := h.status(), h.get("/readyz"); st != want || code != ready {
			return fmt.Errorf("health %v, /readyz %d; want %v, %d", st, code, want, ready)
		}
		return nil
	}
}
