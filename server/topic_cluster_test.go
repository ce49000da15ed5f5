package server_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/sluice-io/sluice/client"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
	"github.com/sluice-io/sluice/internal/daemon"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/internal/testserver"
	"github.com/sluice-io/sluice/streams"
)

// TestTopicThroughputOnCluster runs the same pipeline (4 publishers sending
// batches of 100 keyed events, 3 group subscribers acking through the Go
// client) on a single stream and on a 3-partition topic whose partitions sit
// on the 3 masters of a real Cluster, in the same run, and reports both. It
// asserts delivery, and per-key order on the topic (a single stream read by
// three subscribers has none, which the test reports), not a speed-up: on a machine with
// fewer cores than masters, the masters share the CPUs and the topic cannot
// scale (see BENCHMARKS.md). SLUICE_TOPIC_EVENTS sets the size (default
// 30000).
func TestTopicThroughputOnCluster(t *testing.T) {
	t.Parallel()
	total := 30000
	if v := os.Getenv("SLUICE_TOPIC_EVENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 400 {
			t.Fatalf("SLUICE_TOPIC_EVENTS=%q: want a number >= 400", v)
		}
		total = n
	}
	c := testredis.StartCluster(t, 3)
	s := testserver.Start(t, c.URL, daemon.Config{})
	ctx := t.Context()

	// A topic whose partitions land on three different masters.
	var topic string
	for i := 0; topic == "" && i < 200; i++ {
		cand := name(t, "topic")
		owners := map[string]bool{}
		for p := range 3 {
			o, err := c.SlotOwner(ctx, streams.PartitionStream(cand, p))
			if err != nil {
				t.Fatal(err)
			}
			owners[o] = true
		}
		if len(owners) == 3 {
			topic = cand
		}
	}
	if topic == "" {
		t.Fatal("no topic name spreads over the 3 masters")
	}
	if _, err := s.Admin.CreateTopic(ctx, &sluicev1.CreateTopicRequest{Topic: topic, Partitions: 3}); err != nil {
		t.Fatal(err)
	}
	stream := name(t, "stream")

	before := clusterCPU(t, c)
	single := runPipeline(t, s, stream, "", total)
	middle := clusterCPU(t, c)
	partitioned := runPipeline(t, s, "", topic, total)
	after := clusterCPU(t, c)
	busiest := func(a, b []float64) (float64, []string) {
		top, all := 0.0, make([]string, len(a))
		for i := range a {
			d := b[i] - a[i]
			top = max(top, d)
			all[i] = fmt.Sprintf("%.2fs", d)
		}
		return top, all
	}
	singleTop, singleAll := busiest(before, middle)
	topicTop, topicAll := busiest(middle, after)
	t.Logf("3-master cluster, %d events of 256 B, 4 publishers x 100/batch, 3 subscribers, %d CPUs:", total, runtime.NumCPU())
	t.Logf("  single stream:       publish %6.0f/s, end to end %6.0f/s; Redis CPU per master %v",
		single.publish, single.endToEnd, singleAll)
	t.Logf("  topic, 3 partitions: publish %6.0f/s, end to end %6.0f/s; Redis CPU per master %v",
		partitioned.publish, partitioned.endToEnd, topicAll)
	t.Logf("  topic / stream: publish %.2fx, end to end %.2fx; busiest master's CPU %.2fx (with a core per master, "+
		"the Redis-bound ceiling rises by about its inverse, %.1fx)", partitioned.publish/single.publish,
		partitioned.endToEnd/single.endToEnd, topicTop/singleTop, singleTop/topicTop)
}

// clusterCPU is each master's used CPU (user + sys) so far, in seconds.
func clusterCPU(t *testing.T, c *testredis.Cluster) []float64 {
	t.Helper()
	out := make([]float64, len(c.Nodes))
	for i, n := range c.Nodes {
		info, err := n.Client.Info(t.Context(), "cpu").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(info, "\r\n") {
			k, v, _ := strings.Cut(line, ":")
			if k == "used_cpu_user" || k == "used_cpu_sys" {
				f, _ := strconv.ParseFloat(v, 64)
				out[i] += f
			}
		}
	}
	return out
}

type pipelineResult struct{ publish, endToEnd float64 }

// runPipeline publishes total events to stream or topic while three group
// subscribers consume them, and checks that each arrives, in per-key order.
func runPipeline(t *testing.T, s *testserver.Server, stream, topic string, total int) pipelineResult {
	t.Helper()
	const keys, publishers, batch = 64, 4, 100
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	group := name(t, "group")
	total = total / publishers * publishers

	var mu sync.Mutex
	type rec struct {
		key string
		seq int
	}
	seen := make(map[rec]bool)
	next := make(map[string]int) // per key: one past the highest sequence number seen
	received, redelivered, outOfOrder := 0, 0, 0
	var lastAt time.Time
	handler := func(_ context.Context, m *client.Message) error {
		var seq int
		fmt.Sscanf(string(m.GetEvent().GetPayload()[:16]), "%d", &seq)
		mu.Lock()
		defer mu.Unlock()
		k := m.GetEvent().GetKey()
		if seen[rec{k, seq}] {
			redelivered++
			return nil
		}
		seen[rec{k, seq}] = true
		if seq != next[k] {
			outOfOrder++
		}
		next[k] = max(next[k], seq+1)
		received++
		if received == total {
			lastAt = time.Now()
		}
		return nil
	}
	var subs []*client.Subscriber
	var consumers errgroup.Group
	for range 3 {
		sub, err := client.NewSubscriber(s.Conn, client.SubscriberConfig{Stream: stream, Topic: topic, Group: group,
			Start: earliest()})
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
		consumers.Go(func() error { return sub.Consume(ctx, handler) })
	}
	defer func() {
		cancel()
		if err := consumers.Wait(); err != nil {
			t.Error(err)
		}
	}()
	if topic != "" {
		testkit.Eventually(t, func() error {
			for i, sub := range subs {
				if a := sub.Assignment(); len(a) != 1 {
					return fmt.Errorf("subscriber %d holds partitions %v, want one", i, a)
				}
			}
			return nil
		})
	} else {
		testkit.Eventually(t, func() error {
			if subs[2].Consumer() == "" {
				return errors.New("the last subscription has not started")
			}
			return nil
		})
	}

	// Each publisher owns keys%publishers == its number, so per-key order is
	// publish order.
	pub := client.NewPublisher(s.Conn)
	pad := make([]byte, 256-16)
	for i := range pad {
		pad[i] = 'x'
	}
	start := time.Now()
	var publishing errgroup.Group
	for w := range publishers {
		publishing.Go(func() error {
			seq := make(map[int]int)
			for sent := 0; sent < total/publishers; sent += batch {
				events := make([]*sluicev1.Event, 0, batch)
				for range min(batch, total/publishers-sent) {
					k := w + publishers*rand.IntN(keys/publishers)
					payload := append([]byte(fmt.Sprintf("%-16d", seq[k])), pad...)
					seq[k]++
					events = append(events, &sluicev1.Event{Type: "bench.V1", Key: "key-" + strconv.Itoa(k),
						ContentType: "application/octet-stream", Data: &sluicev1.Event_Payload{Payload: payload}})
				}
				var err error
				if topic != "" {
					_, err = pub.PublishTopic(ctx, topic, events...)
				} else {
					_, err = pub.Publish(ctx, stream, events...)
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := publishing.Wait(); err != nil {
		t.Fatal(err)
	}
	published := time.Since(start)
	testkit.Progress(t, total, func() int {
		mu.Lock()
		defer mu.Unlock()
		return received
	})
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%s%s: %d redeliveries, %d deliveries out of per-key order", stream, topic, redelivered, outOfOrder)
	if topic != "" && outOfOrder > 0 {
		t.Errorf("topic %s: %d deliveries out of per-key order", topic, outOfOrder)
	}
	n := float64(total)
	return pipelineResult{publish: n / published.Seconds(), endToEnd: n / lastAt.Sub(start).Seconds()}
}
