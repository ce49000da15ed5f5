// Package bench measures Sluice against raw go-redis on the same Redis, in
// the same run, and reports both and their ratio. cmd/sluice's "bench"
// subcommand runs it.
package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sluice-io/sluice/client"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
)

// Config sizes a run.
type Config struct {
	Duration    time.Duration // per throughput scenario
	Payload     int           // bytes per event
	Publishers  int
	Subscribers int
	Batch       int   // events per batched publish
	Messages    int   // pre-filled for the consume scenario
	Rates       []int // msgs/s for the latency scenario
	// Tick is the latency scenario's pacing: on every tick it sends the
	// messages that have come due. 0 spaces them evenly (a tick of 1 s /
	// rate); 1 ms sends bursts of rate/1000 at once.
	Tick time.Duration
	// ScheduleRate is how many scheduled events a second fall due in the
	// schedule scenario, and ScheduleBacklog how many are scheduled far
	// ahead for its second phase and its memory measure.
	ScheduleRate    int
	ScheduleBacklog int
	// Skip names scenarios not to run: "publish", "consume", "latency",
	// "filter", "schedule".
	Skip map[string]bool `json:",omitempty"`
	// Auth is set when sluiced ran with an auth policy and signed ack IDs,
	// as a deployment with auth does (the caller sets it up).
	Auth bool `json:",omitempty"`
	// HeapFloorMiB is the in-process sluiced's GC heap floor
	// (daemon.SetHeapFloor), which holds for the whole process, go-redis's
	// side included; 0 when off or when GOGC is set.
	HeapFloorMiB int
}

// SetOnly keeps only the comma-separated scenarios in list ("" keeps all).
func (c *Config) SetOnly(list string) error {
	if list == "" {
		return nil
	}
	c.Skip = map[string]bool{"publish": true, "consume": true, "latency": true, "filter": true, "schedule": true}
	for _, s := range strings.Split(list, ",") {
		if !c.Skip[s] {
			return fmt.Errorf("unknown scenario %q: use publish, consume, latency, filter or schedule", s)
		}
		delete(c.Skip, s)
	}
	return nil
}

// Result is one scenario's outcome.
type Result struct {
	Scenario string  `json:"scenario"`
	Unit     string  `json:"unit"`
	Sluice   float64 `json:"sluice"`
	Redis    float64 `json:"redis"`
	Ratio    float64 `json:"ratio"`
	Target   string  `json:"target,omitempty"`
	Pass     *bool   `json:"pass,omitempty"`
	Note     string  `json:"note,omitempty"`
}

// Report is a whole run.
type Report struct {
	Cores   int      `json:"cores"`
	Config  Config   `json:"config"`
	Results []Result `json:"results"`
}

// Run runs every scenario. conn reaches a sluiced on the Redis that rdb
// reaches.
func Run(ctx context.Context, cfg Config, conn grpc.ClientConnInterface, rdb *redis.Client, progress io.Writer) (*Report, error) {
	rep := &Report{Cores: runtime.NumCPU(), Config: cfg}
	add := func(r Result) {
		if r.Redis > 0 {
			r.Ratio = r.Sluice / r.Redis
		}
		rep.Results = append(rep.Results, r)
		fmt.Fprintf(progress, "%-40s sluice %12.1f  redis %12.1f  %s\n", r.Scenario, r.Sluice, r.Redis, r.Unit)
	}
	pub := client.NewPublisher(conn)
	payload := make([]byte, cfg.Payload)

	// Publish throughput.
	for _, batch := range []int{1, cfg.Batch} {
		if cfg.Skip["publish"] {
			break
		}
		stream := fmt.Sprintf("bench-pub-%d-%d", batch, time.Now().UnixNano())
		// One-event calls are timed one by one too: what a service that
		// publishes one event per request waits.
		var calls, rawCalls *latencies
		if batch == 1 {
			calls, rawCalls = new(latencies), new(latencies)
		}
		s, err := rate(ctx, cfg.Duration, cfg.Publishers, calls, func(ctx context.Context) (int, error) {
			events := make([]*sluicev1.Event, batch)
			for i := range events {
				events[i] = &sluicev1.Event{Type: "bench.v1.E", ContentType: "application/octet-stream", Data: &sluicev1.Event_Payload{Payload: payload}}
			}
			_, err := pub.Publish(ctx, stream, events...)
			return batch, err
		})
		if err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
		raw, err := rate(ctx, cfg.Duration, cfg.Publishers, rawCalls, func(ctx context.Context) (int, error) {
			_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i := 0; i < batch; i++ {
					p.XAdd(ctx, &redis.XAddArgs{Stream: stream + "-raw", Values: []any{"type", "bench.v1.E", "content_type", "application/octet-stream", "payload", payload}})
				}
				return nil
			})
			return batch, err
		})
		if err != nil {
			return nil, fmt.Errorf("raw publish: %w", err)
		}
		r := Result{Scenario: fmt.Sprintf("publish, %d per call, %d publishers", batch, cfg.Publishers), Unit: "msgs/s", Sluice: s, Redis: raw}
		if batch > 1 {
			r.Target = ">= 70% of pipelined XADD"
			pass := s >= 0.7*raw
			r.Pass = &pass
		}
		add(r)
		if calls != nil {
			for _, q := range []struct {
				name string
				p    float64
			}{{"p50", 0.5}, {"p99", 0.99}} {
				add(Result{Scenario: fmt.Sprintf("publish call %s, 1 per call, %d publishers", q.name, cfg.Publishers), Unit: "µs",
					Sluice: us(percentile(calls.ls, q.p)), Redis: us(percentile(rawCalls.ls, q.p)),
					Note: "one Publish call against one XADD round trip, timed by the caller"})
			}
		}
		rdb.Del(ctx, stream, stream+"-raw")
	}

	// Consume with acks.
	if !cfg.Skip["consume"] {
		// Both sides first drain a small stream unmeasured: the first drain
		// in a fresh process (buffer pools, goroutine stacks, HTTP/2 flow
		// control windows, the heap's size) ran about a tenth slower, and
		// go-redis's side, which runs second, never paid for it.
		warm := cfg
		warm.Messages = max(cfg.Messages/10, 1)
		if _, err := consumeSluice(ctx, warm, conn, rdb, payload); err != nil {
			return nil, fmt.Errorf("consume warm-up: %w", err)
		}
		if _, err := consumeRaw(ctx, warm, rdb, payload); err != nil {
			return nil, fmt.Errorf("raw consume warm-up: %w", err)
		}
		s, err := consumeSluice(ctx, cfg, conn, rdb, payload)
		if err != nil {
			return nil, fmt.Errorf("consume: %w", err)
		}
		raw, err := consumeRaw(ctx, cfg, rdb, payload)
		if err != nil {
			return nil, fmt.Errorf("raw consume: %w", err)
		}
		pass := s.rate >= 0.6*raw.rate
		add(Result{Scenario: fmt.Sprintf("consume+ack, %d subscribers", cfg.Subscribers), Unit: "msgs/s", Sluice: s.rate, Redis: raw.rate,
			Target: ">= 60% of XREADGROUP+XACK", Pass: &pass})
		add(Result{Scenario: "consume+ack, CPU of this process per msg", Unit: "µs", Sluice: s.cpu.proc, Redis: raw.cpu.proc,
			Note: "client and in-process sluiced together (without --server)"})
		add(Result{Scenario: "consume+ack, Redis CPU per msg", Unit: "µs", Sluice: s.cpu.redis, Redis: raw.cpu.redis})
	}

	// Publish-to-delivery latency at fixed rates.
	for _, r := range cfg.Rates {
		if cfg.Skip["latency"] {
			break
		}
		ls, err := latencySluice(ctx, cfg, conn, r)
		if err != nil {
			return nil, fmt.Errorf("latency: %w", err)
		}
		lr, err := latencyRaw(ctx, cfg, rdb, r)
		if err != nil {
			return nil, fmt.Errorf("raw latency: %w", err)
		}
		for _, q := range []struct {
			name string
			p    float64
		}{{"p50", 0.5}, {"p99", 0.99}, {"p99.9", 0.999}} {
			res := Result{Scenario: fmt.Sprintf("latency %s at %d msgs/s", q.name, r), Unit: "µs",
				Sluice: us(percentile(ls, q.p)), Redis: us(percentile(lr, q.p))}
			if r == 5000 && q.name == "p50" {
				res.Target, res.Pass = "< 500 µs", ptr(res.Sluice < 500)
			}
			if r == 5000 && q.name == "p99" {
				res.Target, res.Pass = "< 2000 µs", ptr(res.Sluice < 2000)
			}
			add(res)
		}
	}

	if !cfg.Skip["filter"] {
		if err := filterScenario(ctx, cfg, conn, rdb, payload, add); err != nil {
			return nil, fmt.Errorf("filter: %w", err)
		}
	}

	if !cfg.Skip["schedule"] {
		if err := scheduleScenario(ctx, cfg, conn, rdb, payload, add); err != nil {
			return nil, fmt.Errorf("schedule: %w", err)
		}
	}
	return rep, nil
}

func ptr[T any](v T) *T { return &v }

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// latencies collects the durations of the calls of several goroutines.
type latencies struct {
	mu sync.Mutex
	ls []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.ls = append(l.ls, d)
	l.mu.Unlock()
}

// rate runs op on n goroutines for d and returns operations' items per
// second. With lat, it also records how long each successful op took.
func rate(ctx context.Context, d time.Duration, n int, lat *latencies, op func(context.Context) (int, error)) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var total atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				t0 := time.Now()
				k, err := op(ctx)
				if lat != nil && err == nil {
					lat.add(time.Since(t0))
				}
				if err != nil {
					// The server may see the deadline a moment before we do.
					if ctx.Err() == nil && status.Code(err) != codes.DeadlineExceeded {
						firstErr.CompareAndSwap(nil, err)
					}
					return
				}
				total.Add(int64(k))
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return 0, err
	}
	return float64(total.Load()) / time.Since(start).Seconds(), nil
}

func prefill(ctx context.Context, rdb *redis.Client, stream string, n int, payload []byte) error {
	for done := 0; done < n; {
		k := min(1000, n-done)
		if _, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := 0; i < k; i++ {
				p.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []any{"type", "bench.v1.E", "content_type", "application/octet-stream", "payload", payload}})
			}
			return nil
		}); err != nil {
			return err
		}
		done += k
	}
	return nil
}

// consumeResult is a consume run's rate and CPU cost per message.
type consumeResult struct {
	rate float64
	cpu  perMessage
}

// usage is CPU used so far: this process's, and the Redis server's.
type usage struct{ proc, redis time.Duration }

// perMessage is CPU per message, in µs.
type perMessage struct{ proc, redis float64 }

func snapshot(ctx context.Context, rdb *redis.Client) usage {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	u := usage{proc: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
	info, _ := rdb.Info(ctx, "cpu").Result()
	for _, line := range strings.Split(info, "\r\n") {
		k, v, _ := strings.Cut(line, ":")
		if k == "used_cpu_user" || k == "used_cpu_sys" {
			f, _ := strconv.ParseFloat(v, 64)
			u.redis += time.Duration(f * float64(time.Second))
		}
	}
	return u
}

func (u usage) since(before usage, n int) perMessage {
	return perMessage{proc: us(u.proc-before.proc) / float64(n), redis: us(u.redis-before.redis) / float64(n)}
}

func consumeSluice(ctx context.Context, cfg Config, conn grpc.ClientConnInterface, rdb *redis.Client, payload []byte) (consumeResult, error) {
	return consumeFiltered(ctx, cfg, conn, rdb, payload, "")
}

// consumeFiltered is consumeSluice with a group filter ("" for none).
func consumeFiltered(ctx context.Context, cfg Config, conn grpc.ClientConnInterface, rdb *redis.Client, payload []byte, filter string) (consumeResult, error) {
	stream := fmt.Sprintf("bench-consume-%d", time.Now().UnixNano())
	defer rdb.Del(context.WithoutCancel(ctx), stream, "{"+stream+"}:sluice:filters")
	if err := prefill(ctx, rdb, stream, cfg.Messages, payload); err != nil {
		return consumeResult{}, err
	}
	if filter == "" {
		if err := rdb.XGroupCreate(ctx, stream, "bench", "0").Err(); err != nil {
			return consumeResult{}, err
		}
	} else if _, err := sluicev1.NewAdminServiceClient(conn).CreateGroup(ctx, &sluicev1.CreateGroupRequest{Stream: stream, Group: "bench",
		Start: &sluicev1.StartPosition{Position: &sluicev1.StartPosition_Edge{Edge: sluicev1.Edge_EDGE_EARLIEST}}, Filter: filter}); err != nil {
		return consumeResult{}, err
	}
	var got atomic.Int64
	done := make(chan struct{})
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	before := snapshot(ctx, rdb)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < cfg.Subscribers; i++ {
		sub, err := client.NewSubscriber(conn, client.SubscriberConfig{Stream: stream, Group: "bench", MaxInFlight: 2000})
		if err != nil {
			return consumeResult{}, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = sub.Consume(ctx, func(context.Context, *client.Message) error {
				if got.Add(1) == int64(cfg.Messages) {
					close(done)
				}
				return nil
			})
		}()
	}
	select {
	case <-done:
	case <-ctx.Done():
		return consumeResult{}, fmt.Errorf("consumed %d of %d", got.Load(), cfg.Messages)
	}
	// Count the acks in: the rate is for delivered and acked.
	for rdb.XPending(ctx, stream, "bench").Val().Count > 0 && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	use := snapshot(ctx, rdb).since(before, cfg.Messages)
	cancel()
	wg.Wait()
	return consumeResult{float64(cfg.Messages) / elapsed.Seconds(), use}, nil
}

func consumeRaw(ctx context.Context, cfg Config, rdb *redis.Client, payload []byte) (consumeResult, error) {
	stream := fmt.Sprintf("bench-consume-raw-%d", time.Now().UnixNano())
	defer rdb.Del(context.WithoutCancel(ctx), stream)
	if err := prefill(ctx, rdb, stream, cfg.Messages, payload); err != nil {
		return consumeResult{}, err
	}
	if err := rdb.XGroupCreate(ctx, stream, "bench", "0").Err(); err != nil {
		return consumeResult{}, err
	}
	var got atomic.Int64
	before := snapshot(ctx, rdb)
	start := time.Now()
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for i := 0; i < cfg.Subscribers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for got.Load() < int64(cfg.Messages) {
				res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "bench", Consumer: fmt.Sprint("c", i),
					Streams: []string{stream, ">"}, Count: 100, Block: -1}).Result()
				if err == redis.Nil {
					continue
				}
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				ids := make([]string, 0, 100)
				for _, m := range res[0].Messages {
					ids = append(ids, m.ID)
				}
				if len(ids) > 0 {
					if err := rdb.XAck(ctx, stream, "bench", ids...).Err(); err != nil {
						firstErr.CompareAndSwap(nil, err)
						return
					}
					got.Add(int64(len(ids)))
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err, _ := firstErr.Load().(error); err != nil {
		return consumeResult{}, err
	}
	return consumeResult{float64(cfg.Messages) / elapsed.Seconds(), snapshot(ctx, rdb).since(before, cfg.Messages)}, nil
}

// pace calls send at r per second for d: on every tick (default 1 s / r,
// evenly spaced), as many times as have come due.
func pace(ctx context.Context, r int, d, every time.Duration, send func() error) error {
	if every <= 0 {
		every = max(time.Second/time.Duration(r), time.Microsecond)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	start := time.Now()
	sent := 0
	for time.Since(start) < d {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
		due := int(time.Since(start).Seconds() * float64(r))
		for ; sent < due; sent++ {
			if err := send(); err != nil {
				return err
			}
		}
	}
	return nil
}

func stamp(payload []byte) []byte {
	b := slices.Clone(payload)
	if len(b) < 8 {
		b = make([]byte, 8)
	}
	binary.BigEndian.PutUint64(b, uint64(time.Now().UnixNano()))
	return b
}

func since(payload []byte) time.Duration {
	if len(payload) < 8 {
		return 0
	}
	return time.Duration(time.Now().UnixNano() - int64(binary.BigEndian.Uint64(payload)))
}

func latencySluice(ctx context.Context, cfg Config, conn grpc.ClientConnInterface, r int) ([]time.Duration, error) {
	stream := fmt.Sprintf("bench-lat-%d-%d", r, time.Now().UnixNano())
	d := min(cfg.Duration, 5*time.Second)
	var mu sync.Mutex
	lat := make([]time.Duration, 0, int(float64(r)*d.Seconds()))
	sub, err := client.NewSubscriber(conn, client.SubscriberConfig{Stream: stream, Group: "bench", MaxInFlight: 5000})
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = sub.Consume(cctx, func(_ context.Context, m *client.Message) error {
			l := since(m.GetEvent().GetPayload())
			mu.Lock()
			lat = append(lat, l)
			mu.Unlock()
			return nil
		})
	}()
	for sub.Consumer() == "" {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	pub := client.NewPublisher(conn)
	sem := make(chan struct{}, 64) // publishes in flight, so pacing is not held up by round trips
	var wg sync.WaitGroup
	err = pace(ctx, r, d, cfg.Tick, func() error {
		sem <- struct{}{}
		wg.Add(1)
		ev := &sluicev1.Event{Type: "bench.v1.E", ContentType: "application/octet-stream", Data: &sluicev1.Event_Payload{Payload: stamp(make([]byte, cfg.Payload))}}
		go func() {
			defer func() { <-sem; wg.Done() }()
			_, _ = pub.Publish(ctx, stream, ev)
		}()
		return nil
	})
	wg.Wait()
	time.Sleep(200 * time.Millisecond)
	cancel()
	<-done
	return lat, err
}

func latencyRaw(ctx context.Context, cfg Config, rdb *redis.Client, r int) ([]time.Duration, error) {
	stream := fmt.Sprintf("bench-lat-raw-%d-%d", r, time.Now().UnixNano())
	defer rdb.Del(context.WithoutCancel(ctx), stream)
	d := min(cfg.Duration, 5*time.Second)
	if err := rdb.XGroupCreateMkStream(ctx, stream, "bench", "$").Err(); err != nil {
		return nil, err
	}
	var lat []time.Duration
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	acks := make(chan []string, 1024)
	ackDone := make(chan struct{})
	go func() { // acks off the read path, as a real consumer would
		defer close(ackDone)
		for ids := range acks {
			rdb.XAck(ctx, stream, "bench", ids...)
		}
	}()
	go func() {
		defer close(done)
		defer close(acks)
		for cctx.Err() == nil {
			res, err := rdb.XReadGroup(cctx, &redis.XReadGroupArgs{Group: "bench", Consumer: "c", Streams: []string{stream, ">"}, Count: 100, Block: 100 * time.Millisecond}).Result()
			if err != nil {
				continue
			}
			ids := make([]string, 0, len(res[0].Messages))
			for _, m := range res[0].Messages {
				p, _ := m.Values["payload"].(string)
				lat = append(lat, since([]byte(p)))
				ids = append(ids, m.ID)
			}
			acks <- ids
		}
	}()
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	err := pace(ctx, r, d, cfg.Tick, func() error {
		sem <- struct{}{}
		wg.Add(1)
		p := stamp(make([]byte, cfg.Payload))
		go func() {
			defer func() { <-sem; wg.Done() }()
			rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []any{"type", "bench.v1.E", "content_type", "application/octet-stream", "payload", p}})
		}()
		return nil
	})
	wg.Wait()
	time.Sleep(300 * time.Millisecond)
	cancel()
	<-done
	<-ackDone // the reader closed acks; no XACK runs after the stream is deleted
	return lat, err
}

func percentile(ls []time.Duration, p float64) time.Duration {
	if len(ls) == 0 {
		return 0
	}
	s := slices.Clone(ls)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// Table writes rep as a text table.
// num prints small numbers with a decimal.
func num(v float64) string {
	if v < 100 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

func Table(w io.Writer, rep *Report) {
	auth := "off"
	if rep.Config.Auth {
		auth = "on (bearer token, signed ack IDs)"
	}
	floor := "off"
	if rep.Config.HeapFloorMiB > 0 {
		floor = fmt.Sprintf("%d MiB (this process, both sides)", rep.Config.HeapFloorMiB)
	}
	fmt.Fprintf(w, "cores: %d, payload %d bytes, auth %s, GC heap floor %s\n", rep.Cores, rep.Config.Payload, auth, floor)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tsluice\tredis\tratio\ttarget\t")
	for _, r := range rep.Results {
		verdict := ""
		if r.Pass != nil {
			verdict = map[bool]string{true: "PASS", false: "FAIL"}[*r.Pass] + " " + r.Target
		}
		redisCol, ratio := "-", "-" // no go-redis counterpart
		if r.Redis > 0 {
			redisCol, ratio = num(r.Redis)+" "+r.Unit, strconv.FormatFloat(r.Ratio, 'f', 2, 64)
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\t%s\t\n", r.Scenario, num(r.Sluice), r.Unit, redisCol, ratio, strings.TrimSpace(verdict))
	}
	tw.Flush()
}
