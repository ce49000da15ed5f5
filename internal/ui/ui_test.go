package ui_test

import (
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/types/known/durationpb"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

// dumpDOM loads url in headless Chromium, lets its scripts run, and
// returns the resulting DOM.
func dumpDOM(t *testing.T, url string) string {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is missing: run ./scripts/test, which installs Debian's chromium package")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=3000", "--dump-dom", url).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return string(out)
}

func number(t *testing.T, dom, pattern string) int64 {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("page lacks %s:\n%s", pattern, dom)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		t.Fatalf("%s: %q is not a number", pattern, m[1])
	}
	return n
}

// The page loads in a real browser, shows a stream the test published to,
// and its numbers match the AdminService.
func TestPageInBrowser(t *testing.T) {
	r := testredis.Start(t)
	s := testserver.Start(t, r.URL, daemon.Config{MetricsListen: "127.0.0.1:0"})
	ctx := t.Context()
	for i := 0; i < 5; i++ {
		if _, err := s.Pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "orders-ui", Events: []*sluicev1.Event{{Type: "demo.v1.E"}}}); err != nil {
			t.Fatal(err)
		}
	}
	later := &sluicev1.Event{Type: "demo.v1.E", DeliverAfter: durationpb.New(time.Hour)}
	if _, err := s.Pub.Publish(ctx, &sluicev1.PublishRequest{Stream: "orders-ui", Events: []*sluicev1.Event{later}}); err != nil {
		t.Fatal(err)
	}
	r.Client.XGroupCreate(ctx, "orders-ui", "billing", "0")
	// Two delivered and unacked: pending 2, lag 3.
	r.Client.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "billing", Consumer: "c", Streams: []string{"orders-ui", ">"}, Count: 2, Block: -1})

	dom := dumpDOM(t, "http://"+s.MetricsAddr+"/")
	d, err := s.Admin.DescribeStream(ctx, &sluicev1.DescribeStreamRequest{Stream: "orders-ui"})
	if err != nil {
		t.Fatal(err)
	}
	info, g := d.GetStream(), d.GetStream().GetGroups()[0]
	section := regexp.MustCompile(`(?s)<section[^>]*data-stream="orders-ui".*?</section>`).FindString(dom)
	if section == "" {
		t.Fatalf("no section for the stream in:\n%s", dom)
	}
	if got := number(t, section, `data-key="length">(\d+)<`); got != info.GetLength() {
		t.Errorf("length %d on the page, %d from the API", got, info.GetLength())
	}
	if got := number(t, section, `data-key="scheduled">(\d+)<`); got != info.GetScheduled() || got != 1 {
		t.Errorf("scheduled %d on the page, %d from the API, want 1", got, info.GetScheduled())
	}
	row := regexp.MustCompile(`(?s)<tr data-group="billing">.*?</tr>`).FindString(section)
	if got := number(t, row, `data-key="pending"[^>]*>(\d+)<`); got != g.GetPending() || got != 2 {
		t.Errorf("pending %d on the page, %d from the API", got, g.GetPending())
	}
	if got := number(t, row, `data-key="lag"[^>]*>(\d+)<`); got != g.GetLag() || got != 3 {
		t.Errorf("lag %d on the page, %d from the API", got, g.GetLag())
	}
	if !regexp.MustCompile(`id="status">updated`).MatchString(dom) {
		t.Errorf("status line not updated: %s", dom)
	}
}

// A topic shows which subscription holds which partition.
func TestTopicOnPage(t *testing.T) {
	r := testredis.Start(t)
	s := testserver.Start(t, r.URL, daemon.Config{MetricsListen: "127.0.0.1:0"})
	ctx := t.Context()
	if _, err := s.Admin.CreateTopic(ctx, &sluicev1.CreateTopicRequest{Topic: "clicks", Partitions: 2}); err != nil {
		t.Fatal(err)
	}
	sub, err := s.Sub.Subscribe(ctx, &sluicev1.SubscribeRequest{Topic: "clicks", Group: "counter"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		res, err := sub.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if len(res.GetAssignment().GetPartitions()) == 2 {
			break
		}
	}
	dom := dumpDOM(t, "http://"+s.MetricsAddr+"/")
	section := regexp.MustCompile(`(?s)<section[^>]*data-topic="clicks".*?</section>`).FindString(dom)
	if section == "" {
		t.Fatalf("no section for the topic in:\n%s", dom)
	}
	row := regexp.MustCompile(`(?s)<tr data-group="counter">.*?</tr>`).FindString(section)
	if got := number(t, row, `data-key="members"[^>]*>(\d+)<`); got != 1 {
		t.Errorf("%d subscriptions on the page, want 1: %s", got, row)
	}
	if !regexp.MustCompile(`data-key="held"[^>]*>2 of 2<`).MatchString(row) {
		t.Errorf("partitions held not 2 of 2: %s", row)
	}
	if !regexp.MustCompile(`p0: sluice-[0-9a-f]+#[0-9a-f]+, p1: sluice-`).MatchString(row) {
		t.Errorf("owners missing: %s", row)
	}
}
