// Package metrics holds Sluice's Prometheus metrics. Per-stream and
// per-group labels are bounded: only the first MaxStreams streams seen get
// their own label value; the rest are counted under "_other".
package metrics

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/redis/go-redis/v9"
)

// Other is the label value of streams and groups beyond the bound.
const Other = "_other"

var (
	labels = struct {
		sync.Mutex
		max     int
		streams map[string]bool
	}{max: 200, streams: map[string]bool{}}

	// Counters of what clients did and what Sluice did for them.
	Published         = promauto.NewCounterVec(prometheus.CounterOpts{Name: "sluice_published_total", Help: "Events stored by Publish."}, []string{"stream"})
	Delivered         = promauto.NewCounterVec(prometheus.CounterOpts{Name: "sluice_delivered_total", Help: "Messages sent to group subscribers, redeliveries included."}, []string{"stream", "group"})
	Redelivered       = promauto.NewCounterVec(prometheus.CounterOpts{Name: "sluice_redelivered_total", Help: "Messages sent again (delivery attempt above 1)."}, []string{"stream", "group"})
	Acked             = promauto.NewCounterVec(prometheus.CounterOpts{Name: "sluice_acked_total", Help: "Deliveries acked."}, []string{"stream", "group"})
	Nacked            = promauto.NewCounterVec(prometheus.CounterOpts{Name: "sluice_nacked_total", Help: "Deliveries nacked."}, []string{"stream", "group"})
	Stale             = promauto.NewCounterVec(prometheus.CounterOpts{Name: "sluice_stale_settlements_total", Help: "Acks, nacks, extensions and rejections of deliveries that had been superseded."}, []string{"stream", "group"})
	DeadLettered      = promauto.NewCounterVec(prometheus.CounterOpts{Name: "sluice_dead_lettered_total", Help: "Messages moved to a dead-letter stream, by reason (rejected, max_deliveries)."}, []string{"stream", "group", "reason"})
	TrimmedUnreceived = promauto.NewCounterVec(prometheus.CounterOpts{Name: "sluice_trimmed_unreceived_total", Help: "Entries trimmed before a consumer group received them (seen by the retention pass)."}, []string{"stream", "group"})
	GonePending       = promauto.NewCounterVec(prometheus.CounterOpts{Name: "sluice_gone_pending_total", Help: "Pending entries acked because their stream entry was trimmed or deleted."}, []string{"stream", "group"})
	EndToEnd          = promauto.NewHistogram(prometheus.HistogramOpts{Name: "sluice_end_to_end_seconds", Help: "Time from publish (entry ID) to first delivery.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)})
	PublishTime       = promauto.NewHistogram(prometheus.HistogramOpts{Name: "sluice_publish_seconds", Help: "Time to store a Publish batch in Redis.", Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16)})
	RedisTime         = promauto.NewHistogramVec(prometheus.HistogramOpts{Name: "sluice_redis_seconds", Help: "Round trips to Redis, by kind (command, pipeline).", Buckets: prometheus.ExponentialBuckets(0.00005, 2, 16)}, []string{"kind"})
	RedisErrors       = promauto.NewCounter(prometheus.CounterOpts{Name: "sluice_redis_errors_total", Help: "Redis round trips that failed (not counting empty replies)."})
	StreamLength      = promauto.NewGaugeVec(prometheus.GaugeOpts{Name: "sluice_stream_length", Help: "Entries in the stream (sampled)."}, []string{"stream"})
	DeadLetters       = promauto.NewGaugeVec(prometheus.GaugeOpts{Name: "sluice_dead_letters", Help: "Records in the stream's dead-letter stream (sampled)."}, []string{"stream"})
	GroupLag          = promauto.NewGaugeVec(prometheus.GaugeOpts{Name: "sluice_group_lag", Help: "Entries not yet delivered to the group (sampled; absent when Redis cannot tell)."}, []string{"stream", "group"})
	GroupPending      = promauto.NewGaugeVec(prometheus.GaugeOpts{Name: "sluice_group_pending", Help: "Entries delivered to the group and not acked (sampled)."}, []string{"stream", "group"})
	OldestPending     = promauto.NewGaugeVec(prometheus.GaugeOpts{Name: "sluice_group_oldest_pending_seconds", Help: "Age of the group's oldest pending entry, from its publish time (sampled)."}, []string{"stream", "group"})
)

// SetMaxStreams bounds the streams that get their own label values.
func SetMaxStreams(n int) {
	labels.Lock()
	labels.max = n
	labels.Unlock()
}

// Stream is the label value for stream.
func Stream(stream string) string {
	labels.Lock()
	defer labels.Unlock()
	if labels.streams[stream] {
		return stream
	}
	if len(labels.streams) < labels.max {
		labels.streams[stream] = true
		return stream
	}
	return Other
}

// Group is the label values for a stream and group; a group of a stream
// beyond the bound is Other too.
func Group(stream, group string) (string, string) {
	s := Stream(stream)
	if s == Other {
		return Other, Other
	}
	return s, group
}

// RedisHook times every Redis round trip.
type RedisHook struct{}

func (RedisHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (RedisHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		// Blocking reads wait by design: their time is not a round trip.
		if name := cmd.Name(); name != "xread" && name != "xreadgroup" {
			RedisTime.WithLabelValues("command").Observe(time.Since(start).Seconds())
		}
		if err != nil && err != redis.Nil {
			RedisErrors.Inc()
		}
		return err
	}
}

func (RedisHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		RedisTime.WithLabelValues("pipeline").Observe(time.Since(start).Seconds())
		if err != nil && err != redis.Nil {
			RedisErrors.Inc()
		}
		return err
	}
}

// Sampled is what the sampler reads of one stream.
type Sampled struct {
	Stream      string
	Length      int64
	DeadLetters int64
	Groups      []SampledGroup
}

// SampledGroup is one group of a Sampled stream.
type SampledGroup struct {
	Name          string
	Lag           int64 // -1 unknown
	Pending       int64
	OldestPending time.Duration
}

// Sample runs read every interval until ctx ends and sets the stream gauges
// from it. Streams that disappeared lose their series.
func Sample(ctx context.Context, interval time.Duration, read func(context.Context) ([]Sampled, error), log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if ss, err := read(ctx); err != nil {
			if ctx.Err() == nil {
				log.Debug("metrics sampling failed", "err", err)
			}
		} else {
			for _, g := range []*prometheus.GaugeVec{StreamLength, DeadLetters, GroupLag, GroupPending, OldestPending} {
				g.Reset()
			}
			for _, s := range ss {
				sl := Stream(s.Stream)
				StreamLength.WithLabelValues(sl).Add(float64(s.Length))
				DeadLetters.WithLabelValues(sl).Add(float64(s.DeadLetters))
				for _, g := range s.Groups {
					st, gl := Group(s.Stream, g.Name)
					if g.Lag >= 0 {
						GroupLag.WithLabelValues(st, gl).Add(float64(g.Lag))
					}
					GroupPending.WithLabelValues(st, gl).Add(float64(g.Pending))
					if o := OldestPending.WithLabelValues(st, gl); g.OldestPending.Seconds() > 0 {
						o.Set(max(g.OldestPending.Seconds(), 0))
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Observer counts what the stream store does in the background.
type Observer struct{}

// DeadLettered implements streams.Observer.
func (Observer) DeadLettered(stream, group string, n int) {
	s, g := Group(stream, group)
	DeadLettered.WithLabelValues(s, g, "max_deliveries").Add(float64(n))
}

// GonePending implements streams.Observer.
func (Observer) GonePending(stream, group string, n int) {
	s, g := Group(stream, group)
	GonePending.WithLabelValues(s, g).Add(float64(n))
}
