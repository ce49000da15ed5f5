package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

// Health follows Redis: NOT_SERVING and /readyz 503 while Redis is down,
// back to SERVING when it returns; /healthz stays 200 throughout.
func TestHealthFollowsRedis(t *testing.T) {
	t.Parallel()
	r := testredis.Start(t)
	s := testserver.Start(t, r.URL, daemon.Config{MetricsListen: "127.0.0.1:0"})
	hc := healthpb.NewHealthClient(s.Conn)
	status := func() healthpb.HealthCheckResponse_ServingStatus {
		res, err := hc.Check(t.Context(), &healthpb.HealthCheckRequest{Service: "sluice.v1.PublisherService"})
		if err != nil {
			t.Fatal(err)
		}
		return res.GetStatus()
	}
	get := func(path string) int {
		res, err := http.Get("http://" + s.MetricsAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	waitFor := func(want healthpb.HealthCheckResponse_ServingStatus, ready int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for status() != want || get("/readyz") != ready {
			if time.Now().After(deadline) {
				t.Fatalf("health stayed %v, /readyz %d; want %v, %d", status(), get("/readyz"), want, ready)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitFor(healthpb.HealthCheckResponse_SERVING, 200)
	r.Kill()
	waitFor(healthpb.HealthCheckResponse_NOT_SERVING, 503)
	if get("/healthz") != 200 {
		t.Fatal("/healthz failed while Redis was down")
	}
	r.Restart(t)
	waitFor(healthpb.HealthCheckResponse_SERVING, 200)
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
