// Package examples_test runs the Python, Node and Java examples against a
// live sluiced on a real redis-server and checks what they did, and checks
// interoperation across Go, Python, Node, Java and plain redis-py.
//
// Needs Debian's python3-grpcio, python3-protobuf and python3-redis (for
// /usr/bin/python3), `npm ci` at the repository root, and a JDK with
// Debian's grpc-java jars (examples/java/build names the packages); the
// README's test command installs them all.
package examples_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/proto"

	"github.com/sluice-io/sluice/client"
	ordersv1 "github.com/sluice-io/sluice/gen/go/examples/orders/v1"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testcerts"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
	"github.com/sluice-io/sluice/streams"
)

const python = "/usr/bin/python3"

var tsx = filepath.Join("..", "node_modules", ".bin", "tsx")

// javaArgs compiles the Java examples once per test binary, into a
// directory TestMain removes, and returns java's "@argfile" argument.
var javaArgs = sync.OnceValues(func() (string, error) {
	out, err := exec.Command(filepath.Join("java", "build"), javaDir).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("examples/java/build: %v\n%s", err, out)
	}
	return "@" + filepath.Join(javaDir, "java-args"), nil
})

var javaDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sluice-java-")
	if err != nil {
		panic(err)
	}
	javaDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type env struct {
	t *testing.T
	r *testredis.Server
	s *testserver.Server
}

func newEnv(t *testing.T) *env {
	t.Helper()
	for _, tool := range []string{python, tsx, "java", "javac"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run ./scripts/test, which installs the Python packages, a JDK and grpc-java and runs npm ci", tool)
		}
	}
	r := testredis.Start(t)
	return &env{t: t, r: r, s: testserver.Start(t, r.URL, daemon.Config{DescriptorSet: "../gen/sluice.binpb"})}
}

// run runs an example and returns its stdout lines parsed as JSON objects:
// prog is a Python (.py), Node (.ts) or Java (.java, the class
// com.sluice.examples.Prog) example, run with --server.
func (e *env) run(prog string, args ...string) []map[string]any {
	e.t.Helper()
	out, err := e.exec(prog, append(args, "--server", e.s.Addr)...)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.parse(prog, out)
}

// exec runs an example with exactly args and returns its stdout.
func (e *env) exec(prog string, args ...string) ([]byte, error) {
	e.t.Helper()
	var argv []string
	switch filepath.Ext(prog) {
	case ".py":
		argv = append([]string{python, filepath.Join("python", prog)}, args...)
	case ".ts":
		argv = append([]string{tsx, filepath.Join("node", prog)}, args...)
	case ".java":
		argFile, err := javaArgs()
		if err != nil {
			e.t.Fatal(err)
		}
		class := strings.TrimSuffix(prog, ".java")
		argv = append([]string{"java", argFile, "com.sluice.examples." + strings.ToUpper(class[:1]) + class[1:]}, args...)
	default:
		e.t.Fatalf("no language for %s", prog)
	}
	ctx, cancel := context.WithTimeout(e.t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %v: %v\nstdout: %s\nstderr: %s", prog, args, err, out, stderr.String())
	}
	return out, nil
}

func (e *env) parse(prog string, out []byte) []map[string]any {
	e.t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			e.t.Fatalf("%s printed %q: %v", prog, l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func (e *env) pending(stream, group string) int64 {
	return e.r.Client.XPending(e.t.Context(), stream, group).Val().Count
}

func field(lines []map[string]any, name string) []string {
	var out []string
	for _, l := range lines {
		if v, ok := l[name]; ok {
			out = append(out, toString(v))
		}
	}
	return out
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Each language's examples: publish with idempotency keys, consume and ack,
// replay as an independent reader, and a poison message that ends up
// dead-lettered.
func TestExamples(t *testing.T) {
	for _, lang := range []struct{ name, ext, group string }{{"python", ".py", "billing-py"}, {"node", ".ts", "billing-node"}, {"java", ".java", "billing-java"}} {
		t.Run(lang.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			pub := e.run("publisher"+lang.ext, "--stream", "orders", "--prefix", lang.name)
			ids := field(pub, "id")
			if len(ids) != 3 {
				t.Fatalf("published %v", pub)
			}
			// A retried publish with the same keys stores nothing new.
			if again := field(e.run("publisher"+lang.ext, "--stream", "orders", "--prefix", lang.name), "id"); !slices.Equal(again, ids) {
				t.Fatalf("republished IDs %v, first %v", again, ids)
			}
			if n := e.r.Client.XLen(t.Context(), "orders").Val(); n != 3 {
				t.Fatalf("XLEN = %d", n)
			}
			got := e.run("subscriber"+lang.ext, "--stream", "orders", "--group", lang.group)
			if !slices.Equal(field(got, "id"), ids) || !slices.Equal(field(got, "order_id"), []string{lang.name + "-0", lang.name + "-1", lang.name + "-2"}) {
				t.Fatalf("consumed %v", got)
			}
			if n := e.pending("orders", lang.group); n != 0 {
				t.Fatalf("pending after the subscriber: %d", n)
			}
			replay := e.run("replay"+lang.ext, "--stream", "orders")
			if !slices.Equal(field(replay, "id"), ids) || !strings.Contains(field(replay, "json")[1], `"orderId":"`+lang.name+`-1"`) {
				t.Fatalf("replayed %v", replay)
			}

			for _, d := range []string{"good-1", "poison-1", "good-2"} {
				if _, err := e.s.Pub.Publish(t.Context(), &sluicev1.PublishRequest{Stream: "jobs", Events: []*sluicev1.Event{
					{Type: "demo.v1.Job", ContentType: "text/plain", Data: &sluicev1.Event_Payload{Payload: []byte(d)}}}}); err != nil {
					t.Fatal(err)
				}
			}
			out := e.run("poison"+lang.ext, "--stream", "jobs", "--group", "workers")
			dead := field(out, "dead_letter")
			if len(dead) != 1 || !strings.Contains(field(out, "reason")[0], "max deliveries (2) exceeded") ||
				!strings.Contains(field(out, "reason")[0], "cannot process poison-1") {
				t.Fatalf("poison worker printed %v", out)
			}
			if n := e.pending("jobs", "workers"); n != 0 {
				t.Fatalf("pending after the poison worker: %d", n)
			}
		})
	}
}

// An event is the same, field for field, whichever language published it
// and whichever consumes it.
func TestInterop(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Python publishes; Node and Go consume.
	e.run("publisher.py", "--stream", "py-orders", "--prefix", "py", "--count", "2")
	node := e.run("subscriber.ts", "--stream", "py-orders", "--group", "node", "--count", "2")
	if !slices.Equal(field(node, "order_id"), []string{"py-0", "py-1"}) || toString(node[1]["headers"]) != `{"source":"python"}` ||
		field(node, "version")[0] != "v1" || field(node, "key")[0] != "c-1" || field(node, "total_cents")[1] != "100" {
		t.Fatalf("node got %v", node)
	}
	goGot := consumeGo(t, e, "py-orders", 2)
	for i, m := range goGot {
		var o ordersv1.OrderCreated
		if err := proto.Unmarshal(m.GetEvent().GetPayload(), &o); err != nil {
			t.Fatal(err)
		}
		want := &ordersv1.OrderCreated{OrderId: []string{"py-0", "py-1"}[i], CustomerId: "c-1", TotalCents: int64(100 * i)}
		ev := m.GetEvent()
		if !proto.Equal(&o, want) || ev.GetType() != "examples.orders.v1.OrderCreated" || ev.GetVersion() != "v1" ||
			ev.GetKey() != "c-1" || ev.GetHeaders()["source"] != "python" || len(ev.GetHeaders()) != 1 ||
			ev.GetContentType() != "application/protobuf" || len(m.GetExtraFields()) != 0 {
			t.Fatalf("Go got %v (order %v)", m, &o)
		}
	}
	// Node publishes v2; Python (v1 code) and Go consume.
	e.run("publisher.ts", "--stream", "node-orders", "--prefix", "node", "--count", "2")
	py := e.run("subscriber.py", "--stream", "node-orders", "--group", "py", "--count", "2")
	if !slices.Equal(field(py, "order_id"), []string{"node-0", "node-1"}) || field(py, "version")[0] != "v2" ||
		toString(py[0]["headers"]) != `{"source":"node"}` || field(py, "total_cents")[1] != "100" {
		t.Fatalf("python got %v", py)
	}
	if got := consumeGo(t, e, "node-orders", 2); got[1].GetEvent().GetType() != "examples.orders.v2.OrderCreated" {
		t.Fatalf("Go got %v", got[1])
	}
	// Java (v1 code) reads Node's v2 events too.
	java := e.run("subscriber.java", "--stream", "node-orders", "--group", "java", "--count", "2")
	if !slices.Equal(field(java, "order_id"), []string{"node-0", "node-1"}) || field(java, "version")[1] != "v2" ||
		field(java, "type")[1] != "examples.orders.v2.OrderCreated" || field(java, "total_cents")[1] != "100" {
		t.Fatalf("java got %v", java)
	}

	// Java publishes; Python and Go consume.
	e.run("publisher.java", "--stream", "java-orders", "--prefix", "java", "--count", "2")
	py = e.run("subscriber.py", "--stream", "java-orders", "--group", "py", "--count", "2")
	if !slices.Equal(field(py, "order_id"), []string{"java-0", "java-1"}) || field(py, "version")[0] != "v1" ||
		toString(py[0]["headers"]) != `{"source":"java"}` || field(py, "key")[1] != "c-1" || field(py, "total_cents")[1] != "100" {
		t.Fatalf("python got %v", py)
	}
	for i, m := range consumeGo(t, e, "java-orders", 2) {
		var o ordersv1.OrderCreated
		if err := proto.Unmarshal(m.GetEvent().GetPayload(), &o); err != nil {
			t.Fatal(err)
		}
		want := &ordersv1.OrderCreated{OrderId: []string{"java-0", "java-1"}[i], CustomerId: "c-1", TotalCents: int64(100 * i)}
		ev := m.GetEvent()
		if !proto.Equal(&o, want) || ev.GetType() != "examples.orders.v1.OrderCreated" || ev.GetVersion() != "v1" ||
			ev.GetKey() != "c-1" || ev.GetHeaders()["source"] != "java" || len(ev.GetHeaders()) != 1 ||
			ev.GetIdempotencyKey() != "" || ev.GetContentType() != "application/protobuf" || len(m.GetExtraFields()) != 0 {
			t.Fatalf("Go got %v (order %v)", m, &o)
		}
	}

	// Go publishes; Java consumes.
	var events []*sluicev1.Event
	for i := range 2 {
		ev, err := client.NewEvent(&ordersv1.OrderCreated{OrderId: fmt.Sprintf("go-%d", i), CustomerId: "c-9", TotalCents: int64(7 + i)},
			client.WithKey("c-9"), client.WithHeader("source", "go"))
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}
	ids, err := client.NewPublisher(e.s.Conn).Publish(t.Context(), "go-orders", events...)
	if err != nil {
		t.Fatal(err)
	}
	java = e.run("subscriber.java", "--stream", "go-orders", "--group", "java", "--count", "2")
	if !slices.Equal(field(java, "id"), ids) || !slices.Equal(field(java, "order_id"), []string{"go-0", "go-1"}) ||
		!slices.Equal(field(java, "total_cents"), []string{"7", "8"}) || field(java, "key")[0] != "c-9" ||
		toString(java[1]["headers"]) != `{"source":"go"}` || field(java, "version")[0] != "v1" || field(java, "attempt")[0] != "1" {
		t.Fatalf("java got %v", java)
	}
	if n := e.pending("go-orders", "java"); n != 0 {
		t.Fatalf("pending after the Java subscriber: %d", n)
	}
}

// The Java helper over TLS with a bearer token: the channel trusts the
// test CA, the token names the principal, and a wrong token is refused with
// UNAUTHENTICATED before anything is written.
func TestJavaTLSAndToken(t *testing.T) {
	t.Parallel()
	r := testredis.Start(t)
	dir := t.TempDir()
	ca := testcerts.NewCA(t, dir)
	cert, key := ca.Issue(t, dir, "server", "localhost", 10)
	sum := sha256.Sum256([]byte("java-token"))
	policy := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(policy, []byte(fmt.Sprintf(`
tokens:
  - {sha256: %x, principal: billing}
principals:
  billing:
    publish: ["orders"]
    subscribe: ["orders"]
    groups: ["billing-*"]
`, sum)), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	s := testserver.Start(t, r.URL, daemon.Config{DescriptorSet: "../gen/sluice.binpb", AuthPolicy: policy, TLSCert: cert, TLSKey: key},
		grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: "localhost"})))
	e := &env{t: t, r: r, s: s}
	secure := []string{"--tls-ca", ca.CertPEM, "--token", "java-token"}

	pub := e.run("publisher.java", append(secure, "--stream", "orders", "--count", "2")...)
	got := e.run("subscriber.java", append(secure, "--stream", "orders", "--group", "billing-java", "--count", "2")...)
	if len(pub) != 2 || !slices.Equal(field(got, "id"), field(pub, "id")) {
		t.Fatalf("published %v, consumed %v", pub, got)
	}
	out, err := e.exec("publisher.java", "--server", s.Addr, "--tls-ca", ca.CertPEM, "--token", "wrong", "--stream", "orders", "--prefix", "wrong")
	if err == nil || !strings.Contains(err.Error(), "UNAUTHENTICATED") {
		t.Fatalf("a wrong token: %v, printed %s", err, out)
	}
	if n := r.Client.XLen(t.Context(), "orders").Val(); n != 2 {
		t.Fatalf("XLEN = %d after the refused publish, want 2", n)
	}
}

// Plain redis-py users read what Sluice writes, and Sluice delivers what
// they write.
func TestRedisPyInterop(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	order := &ordersv1.OrderCreated{OrderId: "o-1", TotalCents: 5}
	ev, _ := client.NewEvent(order, client.WithKey("k-1"), client.WithHeader("traceparent", "00-1"))
	ids, err := client.NewPublisher(e.s.Conn).Publish(t.Context(), "plain", ev)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "python/redis_interop.py", "--redis", e.r.URL, "--stream", "plain", "read")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("redis_interop read: %v %s", err, out)
	}
	var read map[string]any
	if err := json.Unmarshal(out, &read); err != nil {
		t.Fatal(err)
	}
	payload, _ := proto.Marshal(order)
	if read["id"] != ids[0] || read["type"] != "examples.orders.v1.OrderCreated" || read["version"] != "v1" ||
		read["content_type"] != "application/protobuf" || read["key"] != "k-1" ||
		toString(read["headers"]) != `{"traceparent":"00-1"}` || read["payload_hex"] != hex.EncodeToString(payload) {
		t.Fatalf("redis-py read %v", read)
	}
	out, err = exec.Command(python, "python/redis_interop.py", "--redis", e.r.URL, "--stream", "plain", "write").Output()
	if err != nil {
		t.Fatalf("redis_interop write: %v", err)
	}
	got := consumeGo(t, e, "plain", 2)[1]
	if !strings.Contains(string(out), got.GetId()) || string(got.GetExtraFields()["order_id"]) != "legacy-1" ||
		string(got.GetExtraFields()["amount"]) != "42" || got.GetEvent().GetType() != "" {
		t.Fatalf("Sluice delivered the redis-py entry as %v", got)
	}
}

// consumeGo reads n messages of stream with the Go client in a fresh group.
func consumeGo(t *testing.T, e *env, stream string, n int) []*sluicev1.Message {
	t.Helper()
	sub, err := client.NewSubscriber(e.s.Conn, client.SubscriberConfig{Stream: stream, Group: "go",
		Start: &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var got []*sluicev1.Message
	err = sub.Consume(ctx, func(_ context.Context, m *client.Message) error {
		got = append(got, m.Message)
		if len(got) == n {
			cancel()
		}
		return nil
	})
	if err != nil || len(got) != n {
		t.Fatalf("Go consumer: %d messages, %v", len(got), err)
	}
	return got
}

// A partitioned topic from Python and from Node: each customer's orders land
// in one partition (the one Go's routing gives) and arrive in order.
func TestTopicExamples(t *testing.T) {
	for _, prog := range []string{"topic.py", "topic.ts", "topic.java"} {
		t.Run(prog, func(t *testing.T) {
			t.Parallel()
			checkTopicExample(t, prog, newEnv(t).run(prog, "--topic", "orders-by-customer", "--customers", "4", "--per-customer", "5"))
		})
	}
}

func checkTopicExample(t *testing.T, prog string, out []map[string]any) {
	t.Helper()
	if len(out) != 1+20 || toString(out[0]["published"]) != "20" {
		t.Fatalf("%s printed %v", prog, out)
	}
	published := out[0]["partitions"].([]any)
	partOf := map[string]string{}
	next := map[string]int{}
	for i, m := range out[1:] {
		key := toString(m["key"])
		part := toString(m["partition"])
		if want := fmt.Sprint(streams.PartitionOf(key, 3)); part != want {
			t.Fatalf("line %d: %s in partition %s, want %s", i, key, part, want)
		}
		if p, ok := partOf[key]; ok && p != part {
			t.Fatalf("%s in partitions %s and %s", key, p, part)
		}
		partOf[key] = part
		if toString(m["stream"]) != "orders-by-customer.p"+part {
			t.Fatalf("line %d: stream %v", i, m["stream"])
		}
		if want := fmt.Sprintf("%s/%d", key, next[key]); toString(m["order_id"]) != want {
			t.Fatalf("line %d: %v, want %s next", i, m["order_id"], want)
		}
		next[key]++
	}
	for i, p := range published {
		key := fmt.Sprintf("c-%d", i%4)
		if toString(p) != partOf[key] {
			t.Fatalf("event %d (%s) published to partition %v, delivered from %s", i, key, p, partOf[key])
		}
	}
}

// Scheduled delivery from Python, Node and Java: two reminders scheduled, both
// listed by due time, the second cancelled, the first delivered once, not
// before its time, with the time it was scheduled for and its expiry an hour
// after it fell due (ttl); nothing is left
// scheduled and the cancelled one never reaches the stream.
func TestReminderExamples(t *testing.T) {
	for prog, group := range map[string]string{"reminder.py": "dunning-py", "reminder.ts": "dunning-node", "reminder.java": "dunning-java"} {
		t.Run(prog, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			start := time.Now()
			out := e.run(prog, "--stream", "reminders", "--after", "1.5")
			if len(out) != 4 {
				t.Fatalf("%s printed %v", prog, out)
			}
			ids := out[0]["scheduled"].([]any)
			listed, dueAt := out[1]["listed"].([]any), out[1]["deliver_at"].([]any)
			if len(ids) != 2 || !slices.Equal(listed, ids) || len(dueAt) != 2 || dueAt[0].(float64) >= dueAt[1].(float64) {
				t.Fatalf("scheduled %v, listed %v due at %v", ids, listed, dueAt)
			}
			if toString(out[2]["cancelled"]) != toString(ids[1]) {
				t.Fatalf("cancelled %v, want %v", out[2], ids[1])
			}
			got := out[3]
			due := int64(dueAt[0].(float64))
			if toString(got["order_id"]) != "o-1" || int64(got["deliver_at"].(float64)) != due ||
				int64(got["publish_time"].(float64)) < due || due < start.Add(time.Second).UnixMilli() ||
				int64(got["expire_at"].(float64)) != int64(got["publish_time"].(float64))+time.Hour.Milliseconds() {
				t.Fatalf("delivered %v, due at %d (started %d)", got, due, start.UnixMilli())
			}
			ctx := t.Context()
			if n := e.r.Client.XLen(ctx, "reminders").Val(); n != 1 {
				t.Fatalf("stream holds %d entries, want the one reminder", n)
			}
			if n := e.r.Client.ZCard(ctx, "{reminders}:sluice:schedule").Val(); n != 0 {
				t.Fatalf("%d events still scheduled after the cancel", n)
			}
			if n := e.pending("reminders", group); n != 0 {
				t.Fatalf("%d pending: the reminder was not acked", n)
			}
		})
	}
}

// A filtered group from Python, Node and Java: only the EU orders reach the
// handler, in order; the rest are acked by the group, nothing is left
// pending, and the group keeps its filter.
func TestFilteredExamples(t *testing.T) {
	for prog, group := range map[string]string{"filtered.py": "eu-billing-py", "filtered.ts": "eu-billing-node", "filtered.java": "eu-billing-java"} {
		t.Run(prog, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			out := e.run(prog, "--stream", "orders-by-region")
			if len(out) != 4 || toString(out[0]["published"]) != "6" {
				t.Fatalf("%s printed %v", prog, out)
			}
			if got := strings.Join(field(out[1:], "order_id"), ","); got != "o-0,o-2,o-5" || slices.ContainsFunc(field(out[1:], "region"), func(r string) bool { return r != "eu" }) {
				t.Fatalf("handled %s (%v); want the EU orders o-0,o-2,o-5", got, out[1:])
			}
			ctx := t.Context()
			testkit.Eventually(t, func() error {
				if n := e.pending("orders-by-region", group); n != 0 {
					return fmt.Errorf("%d pending", n)
				}
				return nil
			})
			if f := e.r.Client.HGet(ctx, "{orders-by-region}:sluice:filters", group).Val(); f != toString(out[0]["filter"]) {
				t.Fatalf("the group's filter in Redis: %q", f)
			}
		})
	}
}
