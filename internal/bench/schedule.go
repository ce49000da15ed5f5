package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/sluice-io/sluice/client"
	sluicev1 "github.com/sluice-io/sluice/gen/go/sluice/v1"
)

// The schedule scenario: events published with deliver_at fall due at
// cfg.ScheduleRate a second for cfg.Duration, first on a stream with nothing
// else scheduled, then with cfg.ScheduleBacklog events scheduled far ahead
// on the same stream. For each event it measures how long after its due time
// it was in the stream (its entry ID's time, Redis's clock, minus deliver_at,
// to the millisecond) and Redis's CPU per event moved; and Redis's memory per scheduled event
// against a plain stream entry of the same event, and its CPU per scheduled
// publish against a plain XADD.

// dueRun is one due phase's outcome.
type dueRun struct {
	inStream []time.Duration // entry ID's time minus deliver_at
	redisCPU float64         // µs of Redis CPU per due event
}

func scheduleScenario(ctx context.Context, cfg Config, conn grpc.ClientConnInterface, rdb *redis.Client, payload []byte, add func(Result)) error {
	stream := fmt.Sprintf("bench-schedule-%d", time.Now().UnixNano())
	defer rdb.Del(context.WithoutCancel(ctx), stream, "{"+stream+"}:sluice:schedule", "{"+stream+"}:sluice:scheduled", "{"+stream+"}:sluice:schedule:seq")
	pub := client.NewPublisher(conn)
	n := int(float64(cfg.ScheduleRate) * cfg.Duration.Seconds())
	if n < 1 {
		return fmt.Errorf("schedule: %d due/s for %v is no event", cfg.ScheduleRate, cfg.Duration)
	}

	fresh, err := duePhase(ctx, cfg, rdb, pub, stream, n, payload)
	if err != nil {
		return err
	}

	// Memory: the backlog, scheduled far ahead, against the same events
	// appended as plain entries.
	before := usedMemory(ctx, rdb)
	cpu0 := snapshot(ctx, rdb)
	far := time.Now().Add(300 * 24 * time.Hour)
	for done := 0; done < cfg.ScheduleBacklog; {
		k := min(1000, cfg.ScheduleBacklog-done)
		evs := make([]*sluicev1.Event, k)
		for i := range evs {
			evs[i] = benchEvent(payload)
			evs[i].DeliverAt = timestamppb.New(far.Add(time.Duration(done+i) * time.Millisecond))
		}
		if _, err := pub.Publish(ctx, stream, evs...); err != nil {
			return fmt.Errorf("schedule backlog: %w", err)
		}
		done += k
	}
	perScheduled := float64(usedMemory(ctx, rdb)-before) / float64(max(cfg.ScheduleBacklog, 1))
	publishCPU := snapshot(ctx, rdb).since(cpu0, max(cfg.ScheduleBacklog, 1)).redis
	raw := stream + "-raw"
	defer rdb.Del(context.WithoutCancel(ctx), raw)
	before = usedMemory(ctx, rdb)
	cpu0 = snapshot(ctx, rdb)
	if err := prefill(ctx, rdb, raw, cfg.ScheduleBacklog, payload); err != nil {
		return err
	}
	perEntry := float64(usedMemory(ctx, rdb)-before) / float64(max(cfg.ScheduleBacklog, 1))
	xaddCPU := snapshot(ctx, rdb).since(cpu0, max(cfg.ScheduleBacklog, 1)).redis

	loaded, err := duePhase(ctx, cfg, rdb, pub, stream, n, payload)
	if err != nil {
		return err
	}

	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	for _, p := range []struct {
		name string
		run  dueRun
		note string
	}{{"none", fresh, ""}, {strconv.Itoa(cfg.ScheduleBacklog), loaded, ""}} {
		at := fmt.Sprintf("%d due/s, %s scheduled ahead", cfg.ScheduleRate, p.name)
		add(Result{Scenario: "schedule: in stream after due, p50, " + at, Unit: "ms", Sluice: ms(percentile(p.run.inStream, 0.5))})
		p99 := ms(percentile(p.run.inStream, 0.99))
		add(Result{Scenario: "schedule: in stream after due, p99, " + at, Unit: "ms", Sluice: p99, Target: "<= 100 ms", Pass: ptr(p99 <= 100)})
		add(Result{Scenario: "schedule: Redis CPU per due event moved, " + at, Unit: "µs", Sluice: p.run.redisCPU})
	}
	add(Result{Scenario: "schedule: Redis CPU per publish, scheduled vs plain XADD", Unit: "µs", Sluice: publishCPU, Redis: xaddCPU,
		Note: fmt.Sprintf("batches of 1000 against pipelined XADDs of 1000, %d events", cfg.ScheduleBacklog)})
	add(Result{Scenario: "schedule: Redis memory per event, scheduled vs stream entry", Unit: "bytes", Sluice: perScheduled, Redis: perEntry,
		Note: fmt.Sprintf("%d-byte payloads, %d events", cfg.Payload, cfg.ScheduleBacklog)})
	return nil
}

// duePhase schedules n events to fall due evenly over cfg.Duration, starting
// two seconds from now (after they are all scheduled), waits until they are
// all in the stream, and reads them back. Nothing consumes the stream, so the
// Redis CPU measured is the movers' (and Redis's own idle work).
func duePhase(ctx context.Context, cfg Config, rdb *redis.Client, pub *client.Publisher, stream string, n int, payload []byte) (dueRun, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration+2*time.Minute)
	defer cancel()
	last := "0-0"
	if tail, err := rdb.XRevRangeN(ctx, stream, "+", "-", 1).Result(); err == nil && len(tail) == 1 {
		last = tail[0].ID
	}
	first := time.Now().Add(2 * time.Second)
	gap := cfg.Duration / time.Duration(n)
	for done := 0; done < n; {
		k := min(cfg.Batch, n-done)
		evs := make([]*sluicev1.Event, k)
		for i := range evs {
			evs[i] = benchEvent(payload)
			evs[i].DeliverAt = timestamppb.New(first.Add(time.Duration(done+i) * gap))
		}
		if _, err := pub.Publish(ctx, stream, evs...); err != nil {
			return dueRun{}, fmt.Errorf("scheduling: %w", err)
		}
		done += k
	}
	cpu0 := snapshot(ctx, rdb)
	var run dueRun
	for len(run.inStream) < n {
		page, err := rdb.XRangeN(ctx, stream, "("+last, "+", 1000).Result()
		if err != nil {
			return dueRun{}, fmt.Errorf("schedule: %d of %d due events in the stream: %w", len(run.inStream), n, err)
		}
		if len(page) == 0 {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		for _, m := range page {
			at, _ := strconv.ParseInt(fmt.Sprint(m.Values["deliver_at"]), 10, 64)
			ms, _, _ := strings.Cut(m.ID, "-")
			added, _ := strconv.ParseInt(ms, 10, 64)
			run.inStream = append(run.inStream, time.Duration(added-at)*time.Millisecond)
			last = m.ID
		}
	}
	run.redisCPU = snapshot(ctx, rdb).since(cpu0, n).redis
	return run, nil
}

func benchEvent(payload []byte) *sluicev1.Event {
	return &sluicev1.Event{Type: "bench.v1.E", ContentType: "application/octet-stream", Data: &sluicev1.Event_Payload{Payload: payload}}
}

// usedMemory is Redis's used_memory in bytes.
func usedMemory(ctx context.Context, rdb *redis.Client) int64 {
	info, _ := rdb.Info(ctx, "memory").Result()
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}
