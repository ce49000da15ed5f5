package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"

	"github.com/sluice-io/sluice/client"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
)

// FanOut is the outcome of one fan-out run.
type FanOut struct {
	Subscriptions      int     `json:"subscriptions"`
	StreamGroupPairs   int     `json:"stream_group_pairs"`
	PublishedPerSec    float64 `json:"published_per_sec"`
	DeliveredPerSec    float64 `json:"delivered_per_sec"`
	ExpectedPerSec     float64 `json:"expected_delivered_per_sec"`
	RSSBytes           int64   `json:"rss_bytes"`
	RedisClients       int64   `json:"redis_clients"`
	RedisClientsAtIdle int64   `json:"redis_clients_before"`
	GoroutinesStart    int     `json:"goroutines_start"`
	GoroutinesEnd      int     `json:"goroutines_end"`
	HeapStart          uint64  `json:"heap_bytes_start"`
	HeapEnd            uint64  `json:"heap_bytes_end"`
}

// RunFanOut opens n Subscribe streams spread over streams × groups, publishes
// rate msgs/s across the streams for d, and reports delivery, this process's
// RSS (client and in-process sluiced together: an upper bound for sluiced),
// Redis's connected clients, and goroutines and heap at the start and end of
// the steady phase.
func RunFanOut(ctx context.Context, conn grpc.ClientConnInterface, rdb *redis.Client, n, streams, groups, rate int, d time.Duration) (*FanOut, error) {
	out := &FanOut{Subscriptions: n, StreamGroupPairs: streams * groups, RedisClientsAtIdle: connectedClients(ctx, rdb)}
	prefix := fmt.Sprintf("bench-fan-%d", time.Now().UnixNano())
	names := make([]string, streams)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	defer func() {
		for _, s := range names {
			rdb.Del(context.WithoutCancel(ctx), s)
		}
	}()
	var delivered atomic.Int64
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	subs := make([]*client.Subscriber, n)
	heard := make([]atomic.Bool, n) // got anything yet
	for i := 0; i < n; i++ {
		group := ""
		if groups > 0 {
			group = fmt.Sprintf("g%d", (i/streams)%groups)
		}
		sub, err := client.NewSubscriber(conn, client.SubscriberConfig{Stream: names[i%streams], Group: group, MaxInFlight: 100})
		if err != nil {
			return nil, err
		}
		subs[i] = sub
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = sub.Consume(cctx, func(context.Context, *client.Message) error {
				heard[i].Store(true)
				delivered.Add(1)
				return nil
			})
		}()
	}
	// Wait until every subscription is open: a group subscription knows its
	// consumer name; an independent reader has heard a warm-up event.
	for deadline := time.Now().Add(2 * time.Minute); ; {
		open := 0
		for i, s := range subs {
			if (groups > 0 && s.Consumer() != "") || heard[i].Load() {
				open++
			}
		}
		if open == n {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("only %d of %d subscriptions opened", open, n)
		}
		if groups == 0 {
			for _, name := range names {
				if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: name, Values: []any{"type", "bench.v1.Warmup"}}).Err(); err != nil {
					return nil, err
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // warm-up events still in flight
	if groups == 0 {
		out.StreamGroupPairs = streams
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	out.GoroutinesStart, out.HeapStart = runtime.NumGoroutine(), ms.HeapAlloc
	if err := writeHeapProfile("start"); err != nil {
		return nil, err
	}
	pub := client.NewPublisher(conn)
	var published atomic.Int64
	delivered.Store(0)
	start := time.Now()
	i := 0
	err := pace(ctx, rate, d, time.Millisecond, func() error {
		stream := names[i%streams]
		i++
		_, err := pub.Publish(ctx, stream, &sluicev1.Event{Type: "bench.v1.E"})
		if err == nil {
			published.Add(1)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	time.Sleep(500 * time.Millisecond) // let the last ones arrive
	elapsed := time.Since(start).Seconds()
	out.PublishedPerSec = float64(published.Load()) / elapsed
	out.DeliveredPerSec = float64(delivered.Load()) / elapsed
	out.ExpectedPerSec = out.PublishedPerSec * float64(groups)
	if groups == 0 { // every reader of a stream gets each of its messages
		out.ExpectedPerSec = out.PublishedPerSec * float64(n) / float64(streams)
	}
	out.RSSBytes = rss()
	out.RedisClients = connectedClients(ctx, rdb)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	out.GoroutinesEnd, out.HeapEnd = runtime.NumGoroutine(), ms.HeapAlloc
	if err := writeHeapProfile("end"); err != nil {
		return nil, err
	}
	cancel()
	wg.Wait()
	return out, nil
}

// HeapProfile, when set, is where RunFanOut writes heap profiles at the
// start and the end of the steady phase (HeapProfile + ".start", ".end"),
// for `go tool pprof -base`.
var HeapProfile string

func writeHeapProfile(when string) error {
	if HeapProfile == "" {
		return nil
	}
	f, err := os.Create(HeapProfile + "." + when)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.WriteHeapProfile(f)
}

func connectedClients(ctx context.Context, rdb *redis.Client) int64 {
	info, _ := rdb.Info(ctx, "clients").Result()
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "connected_clients:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return -1
}

// rss is this process's resident set size, from /proc (Linux).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return -1
}
