package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/bench"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

// The bench runs end to end in a fraction of a second and reports numbers
// that make sense. It is a smoke test: performance is judged by running the
// bench itself (BENCHMARKS.md), never by timing tests.
func TestBenchRuns(t *testing.T) {
	out, err := sluice(t, nil, "bench", "--duration", "200ms", "--messages", "2000", "--rates", "500", "--publishers", "2",
		"--subscribers", "2", "--schedule-rate", "500", "--schedule-backlog", "1000", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep bench.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.Cores < 1 || len(rep.Results) != 20 {
		t.Fatalf("report: %+v", rep)
	}
	for _, r := range rep.Results {
		if strings.HasPrefix(r.Scenario, "schedule: in stream") {
			// Lateness is to the millisecond and may be 0; it has no
			// go-redis counterpart.
			if r.Sluice < 0 || r.Sluice > 1000 || r.Redis != 0 {
				t.Errorf("%s: sluice %v ms, redis %v", r.Scenario, r.Sluice, r.Redis)
			}
			continue
		}
		if strings.HasPrefix(r.Scenario, "schedule: Redis CPU per due") {
			if r.Sluice <= 0 || r.Redis != 0 {
				t.Errorf("%s: sluice %v, redis %v", r.Scenario, r.Sluice, r.Redis)
			}
			continue
		}
		if r.Sluice <= 0 || r.Redis <= 0 || r.Ratio <= 0 {
			t.Errorf("%s: sluice %v, redis %v, ratio %v", r.Scenario, r.Sluice, r.Redis, r.Ratio)
		}
		if r.Unit == "µs" && (r.Sluice > 1e6 || r.Redis > 1e6) {
			t.Errorf("%s: latency over a second", r.Scenario)
		}
	}
}

func TestBenchFanOutRuns(t *testing.T) {
	out, err := sluice(t, nil, "bench", "--fanout", "40", "--fanout-streams", "2", "--fanout-groups", "2",
		"--fanout-rate", "200", "--duration", "300ms")
	if err != nil {
		t.Fatal(err)
	}
	var rs []bench.FanOut
	if err := json.Unmarshal([]byte(out), &rs); err != nil || len(rs) != 1 {
		t.Fatalf("%v: %s", err, out)
	}
	r := rs[0]
	if r.Subscriptions != 40 || r.PublishedPerSec <= 0 || r.DeliveredPerSec <= 0 || r.RSSBytes <= 0 || r.RedisClients <= 0 {
		t.Fatalf("fan-out report: %+v", r)
	}
}

// --auth measures sluiced as a deployment with auth runs it: the policy the
// bench writes refuses a call without its token, and the bench's calls,
// which carry it, go through.
func TestBenchAuth(t *testing.T) {
	var cfg daemon.Config
	token, dir, err := benchAuth(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	r := testredis.Start(t)
	s := testserver.Start(t, r.URL, daemon.Config{AuthPolicy: cfg.AuthPolicy, AckKeyFile: cfg.AckKeyFile})
	req := &sluicev1.PublishRequest{Stream: "bench-x", Events: []*sluicev1.Event{{Type: "bench.v1.E"}}}
	if _, err := s.Pub.Publish(t.Context(), req); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("publish without the token: %v, want Unauthenticated", err)
	}
	ctx := metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer "+token)
	if _, err := s.Pub.Publish(ctx, req); err != nil {
		t.Fatalf("publish with the token: %v", err)
	}

	out, err := sluice(t, nil, "bench", "--auth", "--only", "publish,consume", "--duration", "200ms", "--messages", "2000",
		"--publishers", "2", "--subscribers", "2", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep bench.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !rep.Config.Auth || len(rep.Results) != 7 {
		t.Fatalf("report: %+v", rep)
	}
	for _, r := range rep.Results {
		if r.Sluice <= 0 {
			t.Errorf("%s: sluice %v", r.Scenario, r.Sluice)
		}
	}
}
