// Package metrics holds Sluice's Prometheus metrics. A Metrics is made for
// one sluiced and registered with the registry it serves, so servers in one
// process (tests, the bench) do not share counts. Per-stream and per-group
// labels are bounded: only the first MaxStreams streams seen get their own
// label value; the rest are counted under "_other".
package metrics

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Other is the label value of streams and groups beyond the bound.
const Other = "_other"

// DefaultMaxStreams is the label bound when New is given none.
const DefaultMaxStreams = 200

// Metrics are one sluiced's metrics. Its methods are safe for concurrent
// use.
type Metrics struct {
	// Counters of what clients did and what Sluice did for them.
	Published         *prometheus.CounterVec
	Delivered         *prometheus.CounterVec
	Redelivered       *prometheus.CounterVec
	Acked             *prometheus.CounterVec
	Nacked            *prometheus.CounterVec
	Stale             *prometheus.CounterVec
	DeadLettered      *prometheus.CounterVec
	TrimmedUnreceived *prometheus.CounterVec
	GonePending       *prometheus.CounterVec
	LimitRejections   *prometheus.CounterVec
	ScheduledMoved    *prometheus.CounterVec
	Expired           *prometheus.CounterVec
	Filtered          *prometheus.CounterVec
	EndToEnd          prometheus.Histogram
	ScheduleLateness  prometheus.Histogram
	PublishTime       prometheus.Histogram
	RedisTime         *prometheus.HistogramVec
	RedisErrors       prometheus.Counter
	// Gauges set by Sample.
	StreamLength  *prometheus.GaugeVec
	DeadLetters   *prometheus.GaugeVec
	GroupLag      *prometheus.GaugeVec
	GroupPending  *prometheus.GaugeVec
	OldestPending *prometheus.GaugeVec
	// Scheduled is set by the scheduled-delivery mover on each look.
	Scheduled *prometheus.GaugeVec

	mu         sync.Mutex
	maxStreams int
	streams    map[string]bool
}

// New makes the metrics and registers them with reg (none if reg is nil).
// maxStreams bounds the streams with label values of their own; 0 means
// DefaultMaxStreams.
func New(reg prometheus.Registerer, maxStreams int) *Metrics {
	if maxStreams <= 0 {
		maxStreams = DefaultMaxStreams
	}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	}
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	}
	m := &Metrics{
		Published:         counter("sluice_published_total", "Events stored by Publish.", "stream"),
		Delivered:         counter("sluice_delivered_total", "Messages sent to group subscribers, redeliveries included.", "stream", "group"),
		Redelivered:       counter("sluice_redelivered_total", "Messages sent again (delivery attempt above 1).", "stream", "group"),
		Acked:             counter("sluice_acked_total", "Deliveries acked.", "stream", "group"),
		Nacked:            counter("sluice_nacked_total", "Deliveries nacked.", "stream", "group"),
		Stale:             counter("sluice_stale_settlements_total", "Acks, nacks, extensions and rejections of deliveries that had been superseded.", "stream", "group"),
		DeadLettered:      counter("sluice_dead_lettered_total", "Messages moved to a dead-letter stream, by reason (rejected, max_deliveries, expired).", "stream", "group", "reason"),
		TrimmedUnreceived: counter("sluice_trimmed_unreceived_total", "Entries trimmed before a consumer group received them (seen by the retention pass).", "stream", "group"),
		GonePending:       counter("sluice_gone_pending_total", "Pending entries acked because their stream entry was trimmed or deleted.", "stream", "group"),
		LimitRejections:   counter("sluice_limit_rejections_total", "Requests refused because they exceeded a limit, by limit.", "limit"),
		ScheduledMoved:    counter("sluice_scheduled_moved_total", "Scheduled events appended to their stream when due, by this replica.", "stream"),
		Filtered:          counter("sluice_filtered_total", "Messages a group's filter did not match, acked on the group's behalf instead of delivered.", "stream", "group"),
		Expired:           counter("sluice_expired_total", "Expired messages settled on a group's behalf instead of delivered (acked, or dead-lettered with the reason expired).", "stream", "group"),
		ScheduleLateness: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "sluice_schedule_lateness_seconds",
			Help: "How late scheduled events were appended to their stream, by Redis's clock (ms resolution).", Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}),
		EndToEnd: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "sluice_end_to_end_seconds",
			Help: "Time from publish (entry ID) to first delivery.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}),
		PublishTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "sluice_publish_seconds",
			Help: "Time to store a Publish batch in Redis.", Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16)}),
		RedisTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "sluice_redis_seconds",
			Help: "Round trips to Redis, by kind (command, pipeline).", Buckets: prometheus.ExponentialBuckets(0.00005, 2, 16)}, []string{"kind"}),
		RedisErrors:   prometheus.NewCounter(prometheus.CounterOpts{Name: "sluice_redis_errors_total", Help: "Redis round trips that failed (not counting empty replies)."}),
		StreamLength:  gauge("sluice_stream_length", "Entries in the stream (sampled).", "stream"),
		DeadLetters:   gauge("sluice_dead_letters", "Records in the stream's dead-letter stream (sampled).", "stream"),
		GroupLag:      gauge("sluice_group_lag", "Entries not yet delivered to the group (sampled; absent when Redis cannot tell).", "stream", "group"),
		GroupPending:  gauge("sluice_group_pending", "Entries delivered to the group and not acked (sampled).", "stream", "group"),
		OldestPending: gauge("sluice_group_oldest_pending_seconds", "Age of the group's oldest pending entry, from its publish time (sampled).", "stream", "group"),
		Scheduled:     gauge("sluice_scheduled", "Events scheduled for later delivery to the stream, not yet due (set on each look at the schedule).", "stream"),
		maxStreams:    maxStreams,
		streams:       make(map[string]bool),
	}
	if reg != nil {
		reg.MustRegister(m.Published, m.Delivered, m.Redelivered, m.Acked, m.Nacked, m.Stale, m.DeadLettered,
			m.TrimmedUnreceived, m.GonePending, m.LimitRejections, m.EndToEnd, m.PublishTime, m.RedisTime,
			m.RedisErrors, m.StreamLength, m.DeadLetters, m.GroupLag, m.GroupPending, m.OldestPending,
			m.ScheduledMoved, m.ScheduleLateness, m.Scheduled, m.Expired, m.Filtered)
	}
	return m
}

// Stream is the label value for stream.
func (m *Metrics) Stream(stream string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.streams[stream] {
		return stream
	}
	if len(m.streams) < m.maxStreams {
		m.streams[stream] = true
		return stream
	}
	return Other
}

// Group is the label values for a stream and group; a group of a stream
// beyond the bound is Other too.
func (m *Metrics) Group(stream, group string) (string, string) {
	s := m.Stream(stream)
	if s == Other {
		return Other, Other
	}
	return s, group
}

// Refused counts one request refused for exceeding limit.
func (m *Metrics) Refused(limit string) { m.LimitRejections.WithLabelValues(limit).Inc() }

// RedisHook is a go-redis hook that times every Redis round trip.
func (m *Metrics) RedisHook() redis.Hook { return redisHook{m} }

type redisHook struct{ m *Metrics }

func (redisHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h redisHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		// Blocking reads wait by design: their time is not a round trip.
		if name := cmd.Name(); name != "xread" && name != "xreadgroup" {
			h.m.RedisTime.WithLabelValues("command").Observe(time.Since(start).Seconds())
		}
		if err != nil && err != redis.Nil {
			h.m.RedisErrors.Inc()
		}
		return err
	}
}

func (h redisHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		h.m.RedisTime.WithLabelValues("pipeline").Observe(time.Since(start).Seconds())
		if err != nil && err != redis.Nil {
			h.m.RedisErrors.Inc()
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
func (m *Metrics) Sample(ctx context.Context, interval time.Duration, read func(context.Context) ([]Sampled, error), log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if ss, err := read(ctx); err != nil {
			if ctx.Err() == nil {
				log.Debug("metrics sampling failed", "err", err)
			}
		} else {
			m.set(ss)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (m *Metrics) set(ss []Sampled) {
	for _, g := range []*prometheus.GaugeVec{m.StreamLength, m.DeadLetters, m.GroupLag, m.GroupPending, m.OldestPending} {
		g.Reset()
	}
	for _, s := range ss {
		sl := m.Stream(s.Stream)
		m.StreamLength.WithLabelValues(sl).Add(float64(s.Length))
		m.DeadLetters.WithLabelValues(sl).Add(float64(s.DeadLetters))
		for _, g := range s.Groups {
			st, gl := m.Group(s.Stream, g.Name)
			if g.Lag >= 0 {
				m.GroupLag.WithLabelValues(st, gl).Add(float64(g.Lag))
			}
			m.GroupPending.WithLabelValues(st, gl).Add(float64(g.Pending))
			if o := m.OldestPending.WithLabelValues(st, gl); g.OldestPending.Seconds() > 0 {
				o.Set(max(g.OldestPending.Seconds(), 0))
			}
		}
	}
}

// StoreObserver counts what the stream store does in the background; it is
// a streams.Observer.
func (m *Metrics) StoreObserver() StoreObserver { return StoreObserver{m} }

// StoreObserver implements streams.Observer with m's counters.
type StoreObserver struct{ m *Metrics }

// DeadLettered implements streams.Observer.
func (o StoreObserver) DeadLettered(stream, group string, n int) {
	s, g := o.m.Group(stream, group)
	o.m.DeadLettered.WithLabelValues(s, g, "max_deliveries").Add(float64(n))
}

// Expired implements streams.Observer.
func (o StoreObserver) Expired(stream, group string, n int, deadLettered bool) {
	s, g := o.m.Group(stream, group)
	o.m.Expired.WithLabelValues(s, g).Add(float64(n))
	if deadLettered {
		o.m.DeadLettered.WithLabelValues(s, g, "expired").Add(float64(n))
	}
}

// Filtered implements streams.Observer.
func (o StoreObserver) Filtered(stream, group string, n int) {
	s, g := o.m.Group(stream, group)
	o.m.Filtered.WithLabelValues(s, g).Add(float64(n))
}

// GonePending implements streams.Observer.
func (o StoreObserver) GonePending(stream, group string, n int) {
	s, g := o.m.Group(stream, group)
	o.m.GonePending.WithLabelValues(s, g).Add(float64(n))
}

// Scheduled implements streams.Observer.
func (o StoreObserver) Scheduled(stream string, late []time.Duration, left int64) {
	s := o.m.Stream(stream)
	if len(late) > 0 {
		o.m.ScheduledMoved.WithLabelValues(s).Add(float64(len(late)))
		for _, l := range late {
			o.m.ScheduleLateness.Observe(max(l, 0).Seconds())
		}
	}
	if s != Other {
		o.m.Scheduled.WithLabelValues(s).Set(float64(left))
	}
}
