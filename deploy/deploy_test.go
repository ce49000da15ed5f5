// Package deploy_test checks the files under deploy/: the Grafana dashboard
// and the Prometheus rules parse and only use metrics that sluiced exports,
// and the Dockerfile and compose file use binaries, ports and flags that
// exist. Docker cannot run here, so this is what keeps them honest.
package deploy_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/types/known/durationpb"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/auth"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

var metricRE = regexp.MustCompile(`\b(sluice_[a-z_]+|grpc_server_[a-z_]+)\b`)

// exported runs a workload that touches every Sluice metric and returns
// the /metrics page.
func exported(t *testing.T) string {
	r := testredis.Start(t)
	cfg := filepath.Join(t.TempDir(), "sluice.yaml")
	os.WriteFile(cfg, []byte("retention: {trim_interval: 100ms, streams: [{pattern: capped, hard_max_length: 1}]}\n"), 0o600)
	s := testserver.Start(t, r.URL, daemon.Config{MetricsListen: "127.0.0.1:0", MetricsInterval: 100 * time.Millisecond,
		ConfigFile: cfg, MaxBatch: 2})
	ctx := t.Context()
	ev := func() *sluicev1.Event { return &sluicev1.Event{Type: "demo.v1.E"} }
	s.Pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "w", Events: []*sluicev1.Event{ev(), ev()}})
	s.Pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "w", Events: []*sluicev1.Event{ev(), ev(), ev()}}) // over --max-batch
	r.Client.XGroupCreateMkStream(ctx, "capped", "late", "0")
	s.Pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "capped", Events: []*sluicev1.Event{ev(), ev()}})
	sub, err := s.Sub.Subscribe(ctx, &sluicev1.SubscribeRequest{Stream: "w", Group: "g", MaxDeliveries: 1, Start: &sluicev1.StartPosition{
		Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}},
		RetryPolicy: &sluicev1.RetryPolicy{MinimumBackoff: durationpb.New(0), MaximumBackoff: durationpb.New(0)}})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []*sluicev1.Message
	for len(msgs) < 2 {
		res, err := sub.Recv()
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, res.GetMessages()...)
	}
	s.Sub.Ack(ctx, &sluicev1.AckRequest{AckIds: []string{msgs[0].GetAckId()}})
	s.Sub.Nack(ctx, &sluicev1.NackRequest{AckIds: []string{msgs[1].GetAckId()}}) // max deliveries 1: dead-lettered on reclaim
	// A stale settlement: a redelivered message acked with its first ack ID.
	s.Pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "w2", Events: []*sluicev1.Event{ev()}})
	sub2, err := s.Sub.Subscribe(ctx, &sluicev1.SubscribeRequest{Stream: "w2", Group: "g", Start: &sluicev1.StartPosition{
		Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}}})
	if err != nil {
		t.Fatal(err)
	}
	var first *sluicev1.Message
	for first == nil {
		res, err := sub2.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if len(res.GetMessages()) > 0 {
			first = res.GetMessages()[0]
		}
	}
	s.Sub.Nack(ctx, &sluicev1.NackRequest{AckIds: []string{first.GetAckId()}, Delay: durationpb.New(0)})
	if _, err := sub2.Recv(); err != nil {
		t.Fatal(err)
	}
	s.Sub.Ack(ctx, &sluicev1.AckRequest{AckIds: []string{first.GetAckId()}})
	var body string
	testkit.Eventually(t, func() error {
		res, err := http.Get("http://" + s.MetricsAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		body = string(b)
		if strings.Contains(body, "sluice_trimmed_unreceived_total{") && strings.Contains(body, `reason="max_deliveries"`) &&
			strings.Contains(body, "sluice_group_lag{") && strings.Contains(body, "sluice_stale_settlements_total{") {
			return nil
		}
		return fmt.Errorf("workload did not show up in /metrics:\n%s", body)
	})
	return body
}

func families(body string) map[string]bool {
	out := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) `).FindAllStringSubmatch(body, -1) {
		out[m[1]] = true
	}
	return out
}

func base(name string) string {
	for _, suf := range []string{"_bucket", "_count", "_sum"} {
		if s, ok := strings.CutSuffix(name, suf); ok && !strings.HasSuffix(name, "_total"+suf) {
			return s
		}
	}
	return name
}

func TestDashboardAndAlertsUseExportedMetrics(t *testing.T) {
	body := exported(t)
	have := families(body)
	var exprs []string

	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	b, err := os.ReadFile("grafana/sluice.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &dash); err != nil || dash.Title == "" || len(dash.Panels) == 0 {
		t.Fatalf("dashboard: %v", err)
	}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	b, err = os.ReadFile("prometheus/alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &rules); err != nil || len(rules.Groups) == 0 {
		t.Fatalf("alerts: %v", err)
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" {
				t.Errorf("rule without alert or expr: %+v", r)
			}
			exprs = append(exprs, r.Expr)
		}
	}
	for _, e := range exprs {
		for _, m := range metricRE.FindAllString(e, -1) {
			if !have[base(m)] {
				t.Errorf("%q uses %s, which sluiced does not export", e, m)
			}
		}
	}
}

// flags lists sluiced's flags from its -h output.
func flags(t *testing.T) map[string]bool {
	out, _ := exec.Command("go", "run", "../cmd/sluiced", "-h").CombinedOutput()
	got := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+-([a-z-]+)`).FindAllStringSubmatch(string(out), -1) {
		got[m[1]] = true
	}
	if !got["redis-url"] {
		t.Fatalf("could not read sluiced's flags:\n%s", out)
	}
	return got
}

func TestDockerfileAndCompose(t *testing.T) {
	known := flags(t)
	docker, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	d := string(docker)
	for _, want := range []string{"./cmd/sluiced", "CGO_ENABLED=0", "USER", "ENTRYPOINT"} {
		if !strings.Contains(d, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join("..", "cmd", "sluiced", "main.go")); err != nil {
		t.Fatal("the Dockerfile builds ./cmd/sluiced, which is missing")
	}
	var compose struct {
		Services map[string]struct {
			Image   string   `yaml:"image"`
			Command []string `yaml:"command"`
			Ports   []string `yaml:"ports"`
			Volumes []string `yaml:"volumes"`
		} `yaml:"services"`
	}
	b, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &compose); err != nil {
		t.Fatal(err)
	}
	redis, sluiced := compose.Services["redis"], compose.Services["sluiced"]
	if !strings.Contains(strings.Join(redis.Command, " "), "--appendonly yes") {
		t.Errorf("redis runs without AOF: %v", redis.Command)
	}
	args := map[string]string{}
	for _, a := range sluiced.Command {
		name, value, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !known[name] {
			t.Errorf("compose passes --%s, which sluiced does not have", name)
		}
		args[name] = value
	}
	for _, flag := range []string{"listen", "metrics-listen"} {
		_, port, _ := strings.Cut(args[flag], ":")
		found := false
		for _, p := range sluiced.Ports {
			found = found || strings.HasSuffix(p, ":"+port)
		}
		if port == "" || !found || !strings.Contains(d, "EXPOSE") || !strings.Contains(d, port) {
			t.Errorf("--%s=%s: port not published in compose or exposed in the Dockerfile (%v)", flag, args[flag], sluiced.Ports)
		}
	}
	if !strings.HasPrefix(args["redis-url"], "redis://redis:") {
		t.Errorf("sluiced does not point at the redis service: %q", args["redis-url"])
	}
	for _, v := range sluiced.Volumes {
		src, _, _ := strings.Cut(v, ":")
		if _, err := os.Stat(src); err != nil {
			t.Errorf("compose mounts %s, which is missing: %v", src, err)
		}
	}
}

// The example policy loads, and its documented token works.
func TestExamplePolicy(t *testing.T) {
	b, _ := os.ReadFile("policy.example.yaml")
	sum := sha256.Sum256([]byte("change-me"))
	if !strings.Contains(string(b), hex.EncodeToString(sum[:])) {
		t.Fatal("policy.example.yaml does not hold the SHA-256 of its documented token")
	}
	if _, err := auth.Load("policy.example.yaml"); err != nil {
		t.Fatal(err)
	}
}
