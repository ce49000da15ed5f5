package main

import (
	"encoding/json"
	"testing"

	"github.com/sluice-io/sluice/internal/bench"
)

// The bench runs end to end in a fraction of a second and reports numbers
// that make sense. It is a smoke test: performance is judged by running the
// bench itself (BENCHMARKS.md), never by timing tests.
func TestBenchRuns(t *testing.T) {
	out, err := sluice(t, nil, "bench", "--duration", "200ms", "--messages", "2000", "--rates", "500", "--publishers", "2",
		"--subscribers", "2", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep bench.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.Cores < 1 || len(rep.Results) != 8 {
		t.Fatalf("report: %+v", rep)
	}
	for _, r := range rep.Results {
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
