package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

// metricValue finds one sample in a /metrics page (-1 when absent).
func metricValue(body, name string, labels string) float64 {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name+"{"+labels+"}") + ` (\S+)$`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// After a scripted workload the counters and sampled gauges say what
// happened.
func TestMetrics(t *testing.T) {
	t.Parallel()
	r := testredis.Start(t)
	s := startServerWith(t, r, daemon.Config{MetricsListen: "127.0.0.1:0", MetricsInterval: 100 * time.Millisecond})
	e := &env{t: t, r: r, s: s, ctx: t.Context()}
	stream := name(t, "m")
	sub := e.subscribe(&sluicev1.SubscribeRequest{Stream: stream, Group: "g", MaxInFlight: 3,
		RetryPolicy: &sluicev1.RetryPolicy{MinimumBackoff: durationpb.New(0), MaximumBackoff: durationpb.New(0)}})
	e.publish(stream, ev("A", "1"), ev("B", "2"), ev("C", "3"), ev("D", "4"), ev("E", "5"))
	got := sub.next(3)
	e.ack(got[0].GetAckId())
	e.ack(got[0].GetAckId()) // not pending: not counted again
	if _, err := e.s.Sub.Reject(e.ctx, &sluicev1.RejectRequest{AckIds: []string{got[1].GetAckId()}, Reason: "r"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Sub.Nack(e.ctx, &sluicev1.NackRequest{AckIds: []string{got[2].GetAckId()}}); err != nil {
		t.Fatal(err)
	}
	again := sub.next(1)[0] // the nacked one comes back (or a new one first)
	for again.GetDeliveryAttempt() == 1 {
		again = sub.next(1)[0]
	}
	e.ack(got[2].GetAckId()) // stale: redelivered since
	sg := fmt.Sprintf(`group="g",stream=%q`, stream)
	st := fmt.Sprintf(`stream=%q`, stream)
	want := map[string]float64{
		"sluice_published_total{" + st + "}":                                                     5,
		"sluice_acked_total{" + sg + "}":                                                         1,
		"sluice_nacked_total{" + sg + "}":                                                        1,
		"sluice_redelivered_total{" + sg + "}":                                                   1,
		"sluice_stale_settlements_total{" + sg + "}":                                             1,
		fmt.Sprintf(`sluice_dead_lettered_total{group="g",reason="rejected",stream=%q}`, stream): 1,
		"sluice_stream_length{" + st + "}":                                                       5,
		"sluice_dead_letters{" + st + "}":                                                        1,
	}
	testkit.Eventually(t, func() error {
		body := scrape(t, s)
		bad := ""
		for k, v := range want {
			name, labels, _ := cut(k)
			if got := metricValue(body, name, labels); got != v {
				bad += fmt.Sprintf("%s = %v, want %v; ", k, got, v)
			}
		}
		if pending := metricValue(body, "sluice_group_pending", sg); pending < 1 {
			bad += fmt.Sprintf("pending %v; ", pending)
		}
		for _, present := range []string{"sluice_end_to_end_seconds_count", "sluice_redis_seconds_count", "grpc_server_handled_total",
			"sluice_publish_seconds_count", "sluice_limit_rejections_total"} {
			if !regexp.MustCompile(`(?m)^`+present).MatchString(body) && present != "sluice_limit_rejections_total" {
				bad += present + " missing; "
			}
		}
		if bad != "" {
			return errors.New(bad)
		}
		return nil
	})
}

func cut(k string) (name, labels string, ok bool) {
	i := regexp.MustCompile(`\{`).FindStringIndex(k)
	if i == nil {
		return k, "", false
	}
	return k[:i[0]], k[i[0]+1 : len(k)-1], true
}

// With --pprof, Go's profiles are on the metrics port; without, they are not.
func TestPprofOnMetricsPort(t *testing.T) {
	t.Parallel()
	r := testredis.Start(t)
	get := func(s *testserver.Server, path string) (int, []byte) {
		res, err := http.Get("http://" + s.MetricsAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	off := startServerWith(t, r, daemon.Config{MetricsListen: "127.0.0.1:0"})
	if code, _ := get(off, "/debug/pprof/"); code != http.StatusNotFound {
		t.Fatalf("without --pprof: /debug/pprof/ answered %d", code)
	}
	on := startServerWith(t, r, daemon.Config{MetricsListen: "127.0.0.1:0", Pprof: true})
	if code, b := get(on, "/debug/pprof/"); code != http.StatusOK || !strings.Contains(string(b), "goroutine") {
		t.Fatalf("/debug/pprof/: %d %.200s", code, b)
	}
	if code, b := get(on, "/debug/pprof/goroutine?debug=1"); code != http.StatusOK || !strings.Contains(string(b), "goroutine profile: total") {
		t.Fatalf("goroutine profile: %d %.200s", code, b)
	}
	code, b := get(on, "/debug/pprof/profile?seconds=1")
	if code != http.StatusOK || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b { // a gzipped profile
		t.Fatalf("CPU profile: %d, %d bytes", code, len(b))
	}
	err := daemon.Run(t.Context(), daemon.Config{Listen: "127.0.0.1:0", RedisURL: r.URL, NoAuth: true, Pprof: true})
	if err == nil || !strings.Contains(err.Error(), "--metrics-listen") {
		t.Fatalf("--pprof without --metrics-listen: %v", err)
	}
}

// One Ack call across streams counts each stream's acks and stale acks
// under its own labels.
func TestAckCountsPerStream(t *testing.T) {
	t.Parallel()
	r := testredis.Start(t)
	s := startServerWith(t, r, daemon.Config{MetricsListen: "127.0.0.1:0"})
	e := &env{t: t, r: r, s: s, ctx: t.Context()}
	a, b := name(t, "a"), name(t, "b")
	subA := e.subscribe(&sluicev1.SubscribeRequest{Stream: a, Group: "g"})
	subB := e.subscribe(&sluicev1.SubscribeRequest{Stream: b, Group: "g"})
	e.publish(a, ev("A", "1"), ev("A", "2"))
	e.publish(b, ev("B", "1"))
	ma, mb := subA.next(2), subB.next(1)
	got := e.ack(ma[0].GetAckId(), ma[1].GetAckId(), mb[0].GetAckId(), ma[0].GetAckId())
	want := []sluicev1.AckStatus{sluicev1.AckStatus_ACK_STATUS_ACKED, sluicev1.AckStatus_ACK_STATUS_ACKED,
		sluicev1.AckStatus_ACK_STATUS_ACKED, sluicev1.AckStatus_ACK_STATUS_NOT_PENDING}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("acks: %v, want %v", got, want)
	}
	body := scrape(t, s)
	for stream, n := range map[string]float64{a: 2, b: 1} {
		if v := metricValue(body, "sluice_acked_total", fmt.Sprintf(`group="g",stream=%q`, stream)); v != n {
			t.Errorf("sluice_acked_total for %s: %v, want %v", stream, v, n)
		}
	}
}

// With omit_results, Ack answers without results, acks every delivery and
// counts them per stream as without (a repeated ID is not counted twice).
func TestAckWithoutResults(t *testing.T) {
	t.Parallel()
	r := testredis.Start(t)
	s := startServerWith(t, r, daemon.Config{MetricsListen: "127.0.0.1:0"})
	e := &env{t: t, r: r, s: s, ctx: t.Context()}
	a, b := name(t, "a"), name(t, "b")
	subA := e.subscribe(&sluicev1.SubscribeRequest{Stream: a, Group: "g"})
	subB := e.subscribe(&sluicev1.SubscribeRequest{Stream: b, Group: "g"})
	e.publish(a, ev("A", "1"), ev("A", "2"))
	e.publish(b, ev("B", "1"))
	ma, mb := subA.next(2), subB.next(1)
	res, err := s.Sub.Ack(e.ctx, &sluicev1.AckRequest{OmitResults: true,
		AckIds: []string{ma[0].GetAckId(), ma[1].GetAckId(), mb[0].GetAckId(), ma[0].GetAckId()}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.GetResults()) != 0 {
		t.Errorf("%d results, want none", len(res.GetResults()))
	}
	for _, stream := range []string{a, b} {
		if n := r.Client.XPending(e.ctx, stream, "g").Val().Count; n != 0 {
			t.Errorf("%s: %d entries still pending", stream, n)
		}
	}
	body := scrape(t, s)
	for stream, n := range map[string]float64{a: 2, b: 1} {
		if v := metricValue(body, "sluice_acked_total", fmt.Sprintf(`group="g",stream=%q`, stream)); v != n {
			t.Errorf("sluice_acked_total for %s: %v, want %v", stream, v, n)
		}
	}
	if _, err := s.Sub.Ack(e.ctx, &sluicev1.AckRequest{OmitResults: true, AckIds: []string{"x"}}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("a bad ack ID with omit_results: %v, want InvalidArgument", err)
	}
}

// syncBuffer is a log sink for one test.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines(substr string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range strings.Split(s.b.String(), "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return out
}

// has checks that n lines contain substr.
func (s *syncBuffer) has(substr string, n int) func() error {
	return func() error {
		if got := s.lines(substr); len(got) != n {
			return fmt.Errorf("%d lines with %q, want %d: %q", len(got), substr, n, got)
		}
		return nil
	}
}

// Every finished RPC is one log line: successes at debug level, a client's
// mistakes at info, with method, code, error, duration and peer.
func TestCallLogLines(t *testing.T) {
	t.Parallel()
	r := testredis.Start(t)
	for _, level := range []slog.Level{slog.LevelDebug, slog.LevelInfo} {
		t.Run(level.String(), func(t *testing.T) {
			var out syncBuffer
			s := startServerWith(t, r, daemon.Config{MetricsListen: "127.0.0.1:0",
				Logger: slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: level}))})
			stream := name(t, "log")
			if _, err := s.Pub.Publish(t.Context(), &sluicev1.PublishRequest{Stream: stream, Events: []*sluicev1.Event{ev("A", "1")}}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Pub.Publish(t.Context(), &sluicev1.PublishRequest{Stream: "bad name", Events: []*sluicev1.Event{ev("A", "1")}}); status.Code(err) != codes.InvalidArgument {
				t.Fatalf("bad stream name: %v", err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			sub, err := s.Sub.Subscribe(ctx, &sluicev1.SubscribeRequest{Stream: stream, Group: "g"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sub.Recv(); err != nil { // the subscription's first response
				t.Fatal(err)
			}
			cancel()
			testkit.Eventually(t, out.has("grpc.code=InvalidArgument", 1))
			bad := out.lines("grpc.code=InvalidArgument")[0]
			for _, want := range []string{"level=INFO", `msg="finished call"`, "grpc.service=sluice.v1.PublisherService", "grpc.method=Publish",
				"grpc.method_type=unary", "peer.address=127.0.0.1:", "grpc.error=", "grpc.time_ms="} {
				if !strings.Contains(bad, want) {
					t.Errorf("line %q lacks %q", bad, want)
				}
			}
			if level == slog.LevelInfo {
				// The cancelled Subscribe has ended (and would have logged)
				// once this server counts it as handled.
				testkit.Eventually(t, func() error {
					labels := `grpc_code="Canceled",grpc_method="Subscribe",grpc_service="sluice.v1.SubscriberService",grpc_type="server_stream"`
					if v := metricValue(scrape(t, s), "grpc_server_handled_total", labels); v != 1 {
						return fmt.Errorf("cancelled Subscribe calls handled: %v, want 1", v)
					}
					return nil
				})
				if n := len(out.lines("finished call")); n != 1 {
					t.Fatalf("%d call lines at info level, want only the invalid call's: %v", n, out.lines("finished call"))
				}
				return
			}
			testkit.Eventually(t, out.has("grpc.method=Subscribe", 1))
			if l := out.lines("grpc.method=Subscribe")[0]; !strings.Contains(l, "level=DEBUG") || !strings.Contains(l, "grpc.code=Canceled") ||
				!strings.Contains(l, "grpc.method_type=server_stream") {
				t.Errorf("subscription's line: %q", l)
			}
			if ok := out.lines("grpc.code=OK"); len(ok) != 1 || !strings.Contains(ok[0], "grpc.method=Publish") || !strings.Contains(ok[0], "level=DEBUG") {
				t.Errorf("successful call's lines: %q", ok)
			}
		})
	}
}
