package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
)

func sluice(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	err := run(ctx, args, strings.NewReader("from stdin"), &out, &errOut, func(k string) string { return env[k] })
	if errOut.Len() > 0 {
		t.Logf("stderr: %s", errOut.String())
	}
	return out.String(), err
}

func TestPublishAndSubscribe(t *testing.T) {
	r := testredis.Start(t)
	s := testserver.Start(t, r.URL, daemon.Config{DescriptorSet: "../../gen/sluice.binpb"})
	env := map[string]string{"SLUICE_SERVER": s.Addr}

	id, err := sluice(t, env, "publish", "--stream", "orders", "--type", "examples.orders.v1.OrderCreated",
		"--json", `{"orderId":"o-1","totalCents":"1250"}`, "--key", "c-9", "--header", "source=cli")
	if err != nil || !strings.Contains(id, "-") {
		t.Fatalf("publish: %q %v", id, err)
	}
	if _, err := sluice(t, env, "publish", "--stream", "orders", "--type", "demo.Note", "--content-type", "text/plain", "--data", "@-"); err != nil {
		t.Fatal(err)
	}
	// --server wins over the environment.
	if _, err := sluice(t, map[string]string{"SLUICE_SERVER": "127.0.0.1:1"}, "publish", "--server", s.Addr,
		"--stream", "orders", "--type", "demo.Note", "--content-type", "text/plain", "--data", "third"); err != nil {
		t.Fatal(err)
	}

	out, err := sluice(t, env, "subscribe", "--stream", "orders", "--group", "cli", "--from", "earliest", "--count", "2")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("printed %d lines: %s", len(lines), out)
	}
	var first, second map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	payload, _ := first["payload"].(map[string]any)
	if first["id"] != strings.TrimSpace(id) || first["type"] != "examples.orders.v1.OrderCreated" ||
		payload["orderId"] != "o-1" || first["key"] != "c-9" || first["delivery_attempt"] != 1.0 ||
		first["headers"].(map[string]any)["source"] != "cli" {
		t.Fatalf("first line: %s", lines[0])
	}
	if second["payload_text"] != "from stdin" {
		t.Fatalf("second line: %s", lines[1])
	}
	// Both were acked; the third was never delivered to the group.
	if n := r.Client.XPending(t.Context(), "orders", "cli").Val().Count; n != 0 {
		t.Fatalf("pending after subscribe = %d", n)
	}
	out, err = sluice(t, env, "subscribe", "--stream", "orders", "--group", "cli", "--count", "1", "--no-ack")
	if err != nil || !strings.Contains(out, `"payload_text":"third"`) {
		t.Fatalf("third: %s %v", out, err)
	}
	if n := r.Client.XPending(t.Context(), "orders", "cli").Val().Count; n != 1 {
		t.Fatalf("--no-ack left %d pending", n)
	}
	// An independent reader replays everything.
	out, err = sluice(t, env, "subscribe", "--stream", "orders", "--from", "earliest", "--count", "3")
	if err != nil || strings.Count(out, "\n") != 3 || strings.Contains(out, "delivery_attempt") {
		t.Fatalf("reader: %s %v", out, err)
	}
}

func TestDeadLetterCommands(t *testing.T) {
	r := testredis.Start(t)
	s := testserver.Start(t, r.URL, daemon.Config{})
	env := map[string]string{"SLUICE_SERVER": s.Addr}
	for _, d := range []string{"one", "two"} {
		if _, err := sluice(t, env, "publish", "--stream", "jobs", "--type", "demo.Job", "--content-type", "text/plain",
			"--data", d, "--idempotency-key", d); err != nil {
			t.Fatal(err)
		}
	}
	out, err := sluice(t, env, "subscribe", "--stream", "jobs", "--group", "w", "--from", "earliest", "--count", "2", "--reject", "cannot parse")
	if err != nil || strings.Count(out, "\n") != 2 {
		t.Fatalf("subscribe --reject: %s %v", out, err)
	}
	out, err = sluice(t, env, "dlq", "list", "--stream", "jobs")
	if err != nil || strings.Count(out, `"reason":"cannot parse"`) != 2 || !strings.Contains(out, `"payload_text":"one"`) {
		t.Fatalf("dlq list: %s %v", out, err)
	}
	var first struct{ ID string }
	_ = json.Unmarshal([]byte(strings.Split(out, "\n")[0]), &first)
	if _, err := sluice(t, env, "dlq", "purge", "--stream", "jobs", "--all"); err == nil {
		t.Fatal("purge without --yes worked")
	}
	if out, err = sluice(t, env, "dlq", "redrive", "--stream", "jobs", "--id", first.ID); err != nil || out != "redriven: 1, not found: 0\n" {
		t.Fatalf("redrive: %q %v", out, err)
	}
	if out, err = sluice(t, env, "dlq", "purge", "--stream", "jobs", "--all", "--yes"); err != nil || out != "purged: 1\n" {
		t.Fatalf("purge: %q %v", out, err)
	}
	out, err = sluice(t, env, "subscribe", "--stream", "jobs", "--group", "w", "--count", "1")
	if err != nil || !strings.Contains(out, `"payload_text":"one"`) || !strings.Contains(out, `"sluice-dead-letter-id"`) {
		t.Fatalf("redriven message: %s %v", out, err)
	}
}

func TestBadUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"nope"},
		{"publish", "--stream", "s"},
		{"publish", "--stream", "s", "--type", "T", "--json", "{}", "--data", "x"},
		{"subscribe"},
		{"subscribe", "--stream", "s", "--from", "yesterday"},
		{"subscribe", "--stream", "s", "--count", "-1"},
		{"subscribe", "--stream", "s", "--no-ack", "--nack"},
		{"dlq"},
		{"dlq", "list"},
		{"dlq", "redrive", "--stream", "s"},
		{"dlq", "nope", "--stream", "s"},
	} {
		if _, err := sluice(t, nil, args...); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

func TestParseFrom(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	edge := func(e sluicev1.Edge) *sluicev1.StartPosition {
		return &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: e}}
	}
	at := func(t time.Time) *sluicev1.StartPosition {
		return &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Time{Time: timestamppb.New(t)}}
	}
	for in, want := range map[string]*sluicev1.StartPosition{
		"":                     edge(sluicev1.Edge_EDGE_NEWEST),
		"earliest":             edge(sluicev1.Edge_EDGE_EARLIEST),
		"1700000000000-5":      {Position: &sluicev1.StartPosition_AfterId{AfterId: "1700000000000-5"}},
		"2026-01-01T00:00:00Z": at(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		"1h":                   at(now.Add(-time.Hour)),
	} {
		p, err := parseFrom(in, now)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if !proto.Equal(p, want) {
			t.Errorf("%q -> %v, want %v", in, p, want)
		}
	}
}

func TestToken(t *testing.T) {
	r := testredis.Start(t)
	sum := sha256.Sum256([]byte("cli-secret"))
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	_ = os.WriteFile(policy, []byte("tokens: [{sha256: "+hex.EncodeToString(sum[:])+", principal: ops}]\n"+
		"principals: {ops: {publish: [\"*\"], subscribe: [\"*\"]}}\n"), 0o600)
	s := testserver.Start(t, r.URL, daemon.Config{AuthPolicy: policy})
	args := []string{"publish", "--stream", "s", "--type", "demo.E", "--data", "x", "--content-type", "text/plain"}
	if _, err := sluice(t, map[string]string{"SLUICE_SERVER": s.Addr}, args...); err == nil || !strings.Contains(err.Error(), "Unauthenticated") {
		t.Fatalf("without a token: %v", err)
	}
	if _, err := sluice(t, map[string]string{"SLUICE_SERVER": s.Addr, "SLUICE_TOKEN": "cli-secret"}, args...); err != nil {
		t.Fatalf("with a token: %v", err)
	}
}

func TestAdminCommands(t *testing.T) {
	r := testredis.Start(t)
	s := testserver.Start(t, r.URL, daemon.Config{})
	env := map[string]string{"SLUICE_SERVER": s.Addr}
	for _, d := range []string{"a", "b", "c"} {
		if _, err := sluice(t, env, "publish", "--stream", "ops", "--type", "demo.E", "--content-type", "text/plain", "--data", d); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := sluice(t, env, "group", "create", "--stream", "ops", "--group", "g", "--from", "earliest"); err != nil || !strings.Contains(out, `"created":true`) {
		t.Fatalf("group create: %s %v", out, err)
	}
	if _, err := sluice(t, env, "subscribe", "--stream", "ops", "--group", "g", "--count", "1", "--no-ack"); err != nil {
		t.Fatal(err)
	}
	out, err := sluice(t, env, "streams")
	if err != nil || out != "ops\n" {
		t.Fatalf("streams: %q %v", out, err)
	}
	out, err = sluice(t, env, "describe", "--stream", "ops")
	if err != nil || !strings.Contains(out, `"length":"3"`) || !strings.Contains(out, `"lag":"2"`) || !strings.Contains(out, `"pending":"1"`) {
		t.Fatalf("describe: %s %v", out, err)
	}
	out, err = sluice(t, env, "pending", "--stream", "ops", "--group", "g")
	if err != nil || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"delivery_count":"1"`) {
		t.Fatalf("pending: %s %v", out, err)
	}
	out, err = sluice(t, env, "read", "--stream", "ops", "--reverse", "--limit", "2")
	if err != nil || strings.Count(out, "\n") != 2 || !strings.Contains(strings.Split(out, "\n")[0], `"payload_text":"c"`) {
		t.Fatalf("read: %s %v", out, err)
	}
	if _, err := sluice(t, env, "trim", "--stream", "ops", "--max-len", "1"); err == nil {
		t.Fatal("trim without --yes worked")
	}
	if out, err = sluice(t, env, "trim", "--stream", "ops", "--max-len", "1", "--yes"); err != nil || !strings.Contains(out, `"deleted":"2"`) {
		t.Fatalf("trim: %s %v", out, err)
	}
	if out, err = sluice(t, env, "group", "delete", "--stream", "ops", "--group", "g", "--yes"); err != nil || !strings.Contains(out, `"deleted":true`) {
		t.Fatalf("group delete: %s %v", out, err)
	}
}

func TestTopicCommands(t *testing.T) {
	r := testredis.Start(t)
	s := testserver.Start(t, r.URL, daemon.Config{})
	env := map[string]string{"SLUICE_SERVER": s.Addr}

	// protojson varies its spacing on purpose: compare decoded JSON.
	decode := func(s string) map[string]any {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatalf("%v: %q", err, s)
		}
		return m
	}
	out, err := sluice(t, env, "topic", "create", "--topic", "orders", "--partitions", "3")
	if err != nil || decode(out)["created"] != true {
		t.Fatalf("topic create: %q %v", out, err)
	}
	if _, err := sluice(t, env, "topic", "create", "--topic", "orders", "--partitions", "4"); err == nil ||
		!strings.Contains(err.Error(), "AlreadyExists") {
		t.Fatalf("re-create with another count: %v", err)
	}
	out, err = sluice(t, env, "topic", "list")
	if err != nil || decode(out)["name"] != "orders" || decode(out)["partitions"] != 3.0 {
		t.Fatalf("topic list: %q %v", out, err)
	}
	out, err = sluice(t, env, "publish", "--topic", "orders", "--type", "demo.Note", "--content-type", "text/plain",
		"--data", "hello", "--key", "c-1")
	if err != nil || !strings.HasPrefix(out, "orders.p") {
		t.Fatalf("publish --topic: %q %v", out, err)
	}
	where := strings.Fields(out) // stream, id
	out, err = sluice(t, env, "subscribe", "--topic", "orders", "--group", "g", "--from", "earliest", "--count", "1")
	if err != nil {
		t.Fatal(err)
	}
	m := decode(out)
	if m["stream"] != where[0] || m["id"] != where[1] || m["topic"] != "orders" || m["payload_text"] != "hello" {
		t.Fatalf("subscribe --topic printed %s, published %v", out, where)
	}
	out, err = sluice(t, env, "topic", "describe", "--topic", "orders")
	if err != nil {
		t.Fatal(err)
	}
	if parts, _ := decode(out)["partitions"].([]any); len(parts) != 3 || parts[2].(map[string]any)["name"] != "orders.p2" {
		t.Fatalf("topic describe: %q", out)
	}
}

func TestScheduledCommands(t *testing.T) {
	r := testredis.Start(t)
	s := testserver.Start(t, r.URL, daemon.Config{})
	env := map[string]string{"SLUICE_SERVER": s.Addr}
	out, err := sluice(t, env, "publish", "--stream", "reminders", "--type", "demo.Reminder", "--content-type", "text/plain",
		"--data", "in an hour", "--deliver-after", "1h")
	id, ok := strings.CutPrefix(strings.TrimSpace(out), "scheduled ")
	if err != nil || !ok || !strings.HasPrefix(id, "s") {
		t.Fatalf("publish --deliver-after: %q %v", out, err)
	}
	at := time.Now().Add(300 * time.Millisecond).UTC().Format(time.RFC3339Nano)
	if out, err := sluice(t, env, "publish", "--stream", "reminders", "--type", "demo.Reminder", "--content-type", "text/plain",
		"--data", "soon", "--deliver-at", at); err != nil || !strings.HasPrefix(out, "scheduled s") {
		t.Fatalf("publish --deliver-at: %q %v", out, err)
	}
	if out, err := sluice(t, env, "scheduled", "list", "--stream", "reminders"); err != nil ||
		!strings.Contains(out, `"schedule_id":"`+id+`"`) {
		t.Fatalf("scheduled list: %q %v", out, err)
	}
	if out, err := sluice(t, env, "scheduled", "cancel", "--stream", "reminders", "--id", id); err != nil || out != "cancelled "+id+"\n" {
		t.Fatalf("scheduled cancel: %q %v", out, err)
	}
	if _, err := sluice(t, env, "scheduled", "cancel", "--stream", "reminders", "--id", id); err == nil || !strings.Contains(err.Error(), "NotFound") {
		t.Fatalf("second cancel: %v, want NotFound", err)
	}
	out, err = sluice(t, env, "subscribe", "--stream", "reminders", "--group", "cli", "--from", "earliest", "--count", "1")
	if err != nil || !strings.Contains(out, `"payload_text":"soon"`) || !strings.Contains(out, `"deliver_at":"`+at[:19]) {
		t.Fatalf("subscribe: %q %v", out, err)
	}
	if _, err := sluice(t, env, "publish", "--stream", "reminders", "--type", "demo.Reminder", "--data", "x",
		"--deliver-at", "tomorrow"); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
		t.Fatalf("bad --deliver-at: %v", err)
	}
}

func TestExpiryFlags(t *testing.T) {
	r := testredis.Start(t)
	s := testserver.Start(t, r.URL, daemon.Config{})
	env := map[string]string{"SLUICE_SERVER": s.Addr}
	pub := func(args ...string) (string, error) {
		return sluice(t, env, append([]string{"publish", "--stream", "offers", "--type", "demo.Offer", "--content-type", "text/plain"}, args...)...)
	}
	if out, err := pub("--data", "short", "--ttl", "1ms"); err != nil {
		t.Fatalf("publish --ttl: %q %v", out, err)
	}
	at := time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano)
	if out, err := pub("--data", "long", "--expire-at", at); err != nil {
		t.Fatalf("publish --expire-at: %q %v", out, err)
	}
	// The expired one is dead-lettered for this subscription; the other is
	// delivered with its expiry time.
	out, err := sluice(t, env, "subscribe", "--stream", "offers", "--group", "cli", "--from", "earliest", "--count", "1", "--dead-letter-expired")
	if err != nil || !strings.Contains(out, `"payload_text":"long"`) || !strings.Contains(out, `"expire_at":"`+at[:19]) {
		t.Fatalf("subscribe: %q %v", out, err)
	}
	if out, err := sluice(t, env, "dlq", "list", "--stream", "offers"); err != nil || !strings.Contains(out, `"reason":"expired"`) {
		t.Fatalf("dlq list: %q %v", out, err)
	}
	if _, err := pub("--data", "x", "--ttl", "1s", "--expire-at", at); err == nil || !strings.Contains(err.Error(), "at most one") {
		t.Fatalf("--ttl with --expire-at: %v", err)
	}
	if _, err := pub("--data", "x", "--expire-at", "soon"); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
		t.Fatalf("bad --expire-at: %v", err)
	}
}

func TestFilterFlags(t *testing.T) {
	r := testredis.Start(t)
	s := testserver.Start(t, r.URL, daemon.Config{})
	env := map[string]string{"SLUICE_SERVER": s.Addr}
	for _, h := range []string{"region=us", "region=eu"} {
		if out, err := sluice(t, env, "publish", "--stream", "orders", "--type", "demo.orders.v1.Created", "--content-type", "text/plain",
			"--data", h, "--header", h); err != nil {
			t.Fatalf("publish: %q %v", out, err)
		}
	}
	const eu = `headers["region"] == "eu"`
	if out, err := sluice(t, env, "group", "create", "--stream", "orders", "--group", "eu", "--from", "earliest", "--filter", eu); err != nil {
		t.Fatalf("group create --filter: %q %v", out, err)
	}
	out, err := sluice(t, env, "subscribe", "--stream", "orders", "--group", "eu", "--count", "1")
	if err != nil || !strings.Contains(out, `"payload_text":"region=eu"`) {
		t.Fatalf("subscribe to the filtered group: %q %v", out, err)
	}
	if out, err := sluice(t, env, "describe", "--stream", "orders"); err != nil || !strings.Contains(out, `"filter":`) {
		t.Fatalf("describe shows no filter: %q %v", out, err)
	}
	out, err = sluice(t, env, "subscribe", "--stream", "orders", "--from", "earliest", "--count", "1", "--filter", `headers["region"] == "us"`)
	if err != nil || !strings.Contains(out, `"payload_text":"region=us"`) {
		t.Fatalf("filtered reader: %q %v", out, err)
	}
	if _, err := sluice(t, env, "subscribe", "--stream", "orders", "--group", "eu", "--filter", "type =="); err == nil ||
		!strings.Contains(err.Error(), "InvalidArgument") || !strings.Contains(err.Error(), "1:8") {
		t.Fatalf("bad filter: %v", err)
	}
}
