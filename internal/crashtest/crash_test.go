// Package crashtest holds the end-to-end fault test of Sluice's delivery
// guarantees: real redis-server (AOF, fsync always), a real sluiced binary,
// real subscriber processes, all killed with SIGKILL and restarted while
// traffic flows. Its length is SLUICE_CRASH_SECONDS (default 20 s of chaos;
// the README gives the longer setting).
package crashtest

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/sluice-io/sluice/client"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
)

const (
	stream     = "orders"
	topic      = "orders-topic"
	partitions = 3
	group      = "crash"
	nWorkers   = 3
	nPublisher = 2
	nReplicas  = 2
	batch      = 5
)

func build(t *testing.T, pkg, out string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-race", "-o", out, pkg)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
}

// proc is a restartable child process whose stdout lines are collected.
type proc struct {
	name  string
	args  []string
	env   []string
	mu    sync.Mutex
	cmd   *exec.Cmd
	lines func(string)
	wg    sync.WaitGroup
}

func (p *proc) start(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	cmd := exec.Command(p.args[0], p.args[1:]...)
	cmd.Env = append(os.Environ(), p.env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &prefixWriter{t: t, prefix: p.name}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.name, err)
	}
	p.cmd = cmd
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if p.lines != nil {
				p.lines(sc.Text())
			}
		}
		_ = cmd.Wait()
	}()
}

func (p *proc) signal(sig syscall.Signal) {
	p.mu.Lock()
	cmd := p.cmd
	p.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Signal(sig)
	}
	p.wg.Wait()
}

type prefixWriter struct {
	t      *testing.T
	prefix string
	done   atomic.Bool
}

func (w *prefixWriter) Write(b []byte) (int, error) {
	if !w.done.Load() && testing.Verbose() {
		w.t.Logf("%s: %s", w.prefix, strings.TrimSpace(string(b)))
	}
	return len(b), nil
}

// TestCrashes runs the chaos three times, one after the other: on a stream
// on a single Redis, on a stream on a single Valkey, and on a 3-partition
// topic on a 3-master Redis Cluster (killing a master instead of the single
// server).
func TestCrashes(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test runs real processes for a while")
	}
	t.Run("stream", func(t *testing.T) { crash(t, testredis.StartWithArgs, false) })
	t.Run("stream-on-valkey", func(t *testing.T) { crash(t, testredis.StartValkeyWithArgs, false) })
	t.Run("topic-on-cluster", func(t *testing.T) { crash(t, nil, true) })
}

// crash runs the chaos on a single server that start starts, or with
// onTopic on a Redis Cluster.
func crash(t *testing.T, start func(testing.TB, ...string) *testredis.Server, onTopic bool) {
	chaos := 20 * time.Second
	if v := os.Getenv("SLUICE_CRASH_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3600 {
			t.Fatalf("SLUICE_CRASH_SECONDS=%q: want 1..3600", v)
		}
		chaos = time.Duration(n) * time.Second
	}
	bin := t.TempDir()
	build(t, "github.com/sluice-io/sluice/cmd/sluiced", filepath.Join(bin, "sluiced"))
	build(t, "github.com/sluice-io/sluice/internal/crashtest/worker", filepath.Join(bin, "worker"))

	persist := []string{"--appendonly", "yes", "--appendfsync", "always"}
	// nodes are what the chaos kills: the Redis, or the Cluster's masters.
	var nodes []*testredis.Server
	var url string
	var rc redis.UniversalClient
	if onTopic {
		c := testredis.StartClusterWithArgs(t, 3, persist...)
		nodes, url, rc = c.Nodes, c.URL, c.Client
	} else {
		r := start(t, persist...)
		nodes, url = []*testredis.Server{r}, r.URL
		rc = redis.NewClient(&redis.Options{Addr: r.Addr})
		defer rc.Close()
	}
	// The streams the events land in: the stream, or the topic's partitions.
	var streamNames []string
	if onTopic {
		for p := range partitions {
			streamNames = append(streamNames, fmt.Sprintf("%s.p%d", topic, p))
		}
	} else {
		streamNames = []string{stream}
	}
	// Two sluiced replicas; every client balances its calls over both
	// (round robin), so a subscription, its acks and the publishes land on
	// either, and the chaos kills one replica at a time.
	var addrs []string
	replicas := make([]*proc, nReplicas)
	for i := range replicas {
		addr := fmt.Sprintf("127.0.0.1:%d", testkit.FreePort(t))
		addrs = append(addrs, addr)
		sluiced := &proc{name: fmt.Sprint("sluiced", i), args: []string{filepath.Join(bin, "sluiced"), "--listen", addr,
			"--shutdown-timeout", "2s", "--log-level", "warn", "--no-auth"}, env: []string{"REDIS_URL=" + url}}
		sluiced.start(t)
		t.Cleanup(func() { sluiced.signal(syscall.SIGKILL) })
		replicas[i] = sluiced
	}

	var mu sync.Mutex
	processed := map[string]int{} // key -> deliveries seen by workers
	deliveries := 0
	workers := make([]*proc, nWorkers)
	for i := range workers {
		target := []string{"--stream", stream}
		if onTopic {
			target = []string{"--topic", topic}
		}
		w := &proc{name: fmt.Sprint("worker", i), args: append([]string{filepath.Join(bin, "worker"),
			"--server", strings.Join(addrs, ","), "--group", group}, target...)}
		w.lines = func(line string) {
			f := strings.Fields(line)
			if len(f) == 4 && f[0] == "PROCESS" {
				mu.Lock()
				processed[f[1]]++
				deliveries++
				mu.Unlock()
			}
		}
		w.start(t)
		workers[i] = w
		t.Cleanup(func() { w.signal(syscall.SIGKILL) })
	}

	conn, err := client.DialBalanced(addrs, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pub := client.NewPublisher(conn, client.WithPublishRetryFor(5*time.Second))
	if onTopic {
		admin := sluicev1.NewAdminServiceClient(conn)
		testkit.Eventually(t, func() error { // sluiced is starting
			_, err := admin.CreateTopic(t.Context(), &sluicev1.CreateTopicRequest{Topic: topic, Partitions: partitions})
			return err
		})
	}

	// Publishers: batches of events with idempotency keys; a batch whose
	// Publish failed is retried with the same keys until it is acknowledged,
	// even after publishing stops, so that every batch ever sent is known.
	ctx, stopPublishing := context.WithCancel(t.Context())
	var acked sync.Map // key -> entry ID, for every acknowledged publish
	var dueAt sync.Map // key -> deliver_at in ms, for scheduled events
	var nAcked, poisoned atomic.Int64
	var pubs sync.WaitGroup
	for p := 0; p < nPublisher; p++ {
		pubs.Add(1)
		go func() {
			defer pubs.Done()
			for n := 0; ctx.Err() == nil; n++ {
				events := make([]*sluicev1.Event, batch)
				keys := make([]string, batch)
				for i := range events {
					keys[i] = fmt.Sprintf("p%d-%d-%d", p, n, i)
					var at time.Time
					switch r := rand.IntN(200); {
					case r == 0:
						keys[i] = "poison-" + keys[i]
					case r < 40: // scheduled to fall due 0.5 to 8 s from now
						keys[i] = "sched-" + keys[i]
						at = time.Now().Add(time.Duration(500+rand.IntN(7500)) * time.Millisecond)
						dueAt.Store(keys[i], at.UnixMilli())
					}
					events[i] = &sluicev1.Event{Type: "crash.v1.Order", ContentType: "text/plain", IdempotencyKey: keys[i],
						Data: &sluicev1.Event_Payload{Payload: []byte(keys[i])}}
					if !at.IsZero() {
						events[i].DeliverAt = timestamppb.New(at)
					}
				}
				for t.Context().Err() == nil {
					cctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
					var ids []string
					var err error
					if onTopic {
						var pos []client.Position
						if pos, err = pub.PublishTopic(cctx, topic, events...); err == nil {
							for _, p := range pos {
								ids = append(ids, fmt.Sprintf("%s.p%d/%s", topic, p.Partition, p.ID))
							}
						}
					} else {
						ids, err = pub.Publish(cctx, stream, events...)
					}
					cancel()
					if err == nil {
						for i, k := range keys {
							acked.Store(k, ids[i])
							nAcked.Add(1)
							if strings.HasPrefix(k, "poison") {
								poisoned.Add(1)
							}
						}
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}

	// Chaos: every 1 to 3 s, SIGKILL something and bring it back: a
	// worker, sluiced, a worker, Redis (a Cluster master), and again.
	kills := map[string]int{}
	end := time.Now().Add(chaos)
	for round := 0; time.Now().Before(end); round++ {
		time.Sleep(time.Duration(1000+rand.IntN(2000)) * time.Millisecond)
		switch round % 4 {
		case 0, 2:
			w := workers[rand.IntN(nWorkers)]
			w.signal(syscall.SIGKILL)
			w.start(t)
			kills["worker"]++
		case 1:
			sluiced := replicas[rand.IntN(nReplicas)]
			sluiced.signal(syscall.SIGKILL)
			sluiced.start(t)
			kills["sluiced"]++
		case 3:
			n := nodes[rand.IntN(len(nodes))]
			n.Kill()
			time.Sleep(100 * time.Millisecond)
			n.Restart(t)
			kills["redis"]++
		}
	}
	stopPublishing()
	pubs.Wait()

	// Drain: wait until the group has consumed and settled everything
	// (messages held by killed workers come back after their deadline, and
	// poison ones are retried to the dead-letter stream: minutes, not the
	// usual wait).
	for _, name := range streamNames {
		err := testkit.Poll(max(testkit.Wait, 2*time.Minute), func() error {
			if n, err := rc.ZCard(t.Context(), "{"+name+"}:sluice:schedule").Result(); err != nil || n != 0 {
				return fmt.Errorf("%d events still scheduled on %s (%v)", n, name, err)
			}
			groups, err := rc.XInfoGroups(t.Context(), name).Result()
			if err != nil || len(groups) != 1 || groups[0].Pending != 0 || groups[0].Lag != 0 {
				return fmt.Errorf("group did not drain on %s: %+v %v", name, groups, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range workers {
		w.signal(syscall.SIGTERM)
	}

	dead := map[string]bool{}
	inStream := map[string]int{} // scheduled event's key -> times in the stream
	var stored, scheduled int64
	for _, name := range streamNames {
		dlq, err := rc.XRange(t.Context(), "{"+name+"}:sluice:dlq", "-", "+").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range dlq {
			dead[fmt.Sprint(m.Values["payload"])] = true
		}
		n, err := rc.XLen(t.Context(), name).Result()
		if err != nil {
			t.Fatal(err)
		}
		stored += n
		// Scheduled events: each in the stream once, none before its time.
		entries, err := rc.XRange(t.Context(), name, "-", "+").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			key := fmt.Sprint(e.Values["payload"])
			want, ok := dueAt.Load(key)
			if !ok {
				continue
			}
			scheduled++
			if inStream[key]++; inStream[key] > 1 {
				t.Errorf("scheduled event %s is in %s %d times", key, name, inStream[key])
			}
			ms, _, _ := strings.Cut(e.ID, "-")
			added, _ := strconv.ParseInt(ms, 10, 64)
			if at := fmt.Sprint(e.Values["deliver_at"]); at != strconv.FormatInt(want.(int64), 10) || added < want.(int64) {
				t.Errorf("scheduled event %s: entry %s, deliver_at %s, scheduled for %d", key, e.ID, at, want)
			}
		}
	}
	dueAt.Range(func(k, _ any) bool {
		if _, ok := acked.Load(k); ok && inStream[k.(string)] == 0 {
			t.Errorf("scheduled event %s never reached its stream", k)
		}
		return true
	})
	mu.Lock()
	defer mu.Unlock()
	lost, unexpectedDead, published := 0, 0, 0
	acked.Range(func(k, _ any) bool {
		key := k.(string)
		published++
		switch {
		case strings.HasPrefix(key, "poison") && !dead[key]:
			lost++
			t.Errorf("poison message %s is not in the dead-letter stream", key)
		case !strings.HasPrefix(key, "poison") && processed[key] == 0:
			lost++
			t.Errorf("acknowledged publish %s was never delivered", key)
		}
		return true
	})
	for k := range dead {
		if !strings.HasPrefix(k, "poison") {
			unexpectedDead++
			t.Errorf("%s is in the dead-letter stream", k)
		}
	}
	duplicates := deliveries - len(processed)
	where := "stream on one " + filepath.Base(nodes[0].Binary())
	if onTopic {
		where = fmt.Sprintf("%d-partition topic on a 3-master Cluster", partitions)
	}
	t.Logf("crash test: %v of chaos, kills %v", chaos, kills)
	fmt.Printf("crash-test (%s): published=%d acked=%d dead-lettered=%d lost=%d duplicates=%d stored=%d scheduled=%d unexpected-dead=%d\n",
		where, published, published-len(dead), len(dead), lost, duplicates, stored, scheduled, unexpectedDead)
	if lost != 0 || unexpectedDead != 0 {
		t.Fatalf("lost %d acknowledged publishes, %d unexpected dead letters", lost, unexpectedDead)
	}
	if int64(published) != stored {
		t.Errorf("stream holds %d entries for %d acknowledged publishes: idempotency keys did not prevent duplicates", stored, published)
	}
	if published == 0 || deliveries == 0 {
		t.Fatal("no traffic")
	}
}
