package retention

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/sluice-io/sluice/internal/metrics"
	"github.com/sluice-io/sluice/internal/testkit"
	"github.com/sluice-io/sluice/internal/testredis"
	"github.com/sluice-io/sluice/streams"
)

func write(t *testing.T, yaml string) string {
	f := filepath.Join(t.TempDir(), "sluice.yaml")
	if err := os.WriteFile(f, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLoad(t *testing.T) {
	c, err := Load(write(t, `
retention:
  trim_interval: 10s
  default: {max_length: 1000, max_age: 24h}
  streams:
    - {pattern: "audit.*", max_age: 720h, consumer_safe: false}
    - {pattern: "metrics.*", max_length: 10}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.TrimInterval != 10*time.Second {
		t.Fatalf("interval %v", c.TrimInterval)
	}
	if p := c.For("audit.eu"); p.MaxAge != 720*time.Hour || p.MaxLength != 1000 || p.consumerSafe() {
		t.Fatalf("audit: %+v", p)
	}
	if p := c.For("metrics.cpu"); p.MaxLength != 10 || p.MaxAge != 24*time.Hour || !p.consumerSafe() {
		t.Fatalf("metrics: %+v", p)
	}
	if p := c.For("orders"); p.MaxLength != 1000 {
		t.Fatalf("default: %+v", p)
	}
	var none *Config
	if none.MaxLength("x") != 0 {
		t.Fatal("nil config caps")
	}
	for _, bad := range []string{"retention: {defualt: {}}", "retention: {streams: [{pattern: '['}]}", "retention: {default: {max_length: -1}}"} {
		if _, err := Load(write(t, bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func newStore(t *testing.T, r *testredis.Server, c *Config) *streams.Store {
	var cmd, read redis.UniversalClient = redis.NewClient(&redis.Options{Addr: r.Addr}),
		redis.NewClient(&redis.Options{Addr: r.Addr, MaxRetries: -1, PoolSize: 100})
	if r.Cluster != nil {
		addrs := make([]string, len(r.Cluster.Nodes))
		for i, n := range r.Cluster.Nodes {
			addrs[i] = n.Addr
		}
		cmd = redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
		read = redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, MaxRetries: -1, PoolSize: 100})
	}
	s, err := streams.New(streams.Options{Client: cmd, ReadClient: read, MaxLength: c.MaxLength, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); cmd.Close() })
	return s
}

func publish(t *testing.T, s *streams.Store, stream string, n int) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i += 100 {
		events := make([]streams.Event, min(100, n-i))
		for j := range events {
			events[j] = streams.Event{Type: "T", Payload: []byte("x")}
		}
		got, err := s.Publish(t.Context(), stream, events)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got...)
	}
	return ids
}

func TestMaxLengthOnPublish(t *testing.T) {
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		r := b.Start(t)
		c := &Config{Default: Policy{MaxLength: 100}}
		s := newStore(t, r, c)
		publish(t, s, "capped", 2000)
		// Approximate: whole radix-tree nodes go, so a little more stays.
		if n := r.Client.XLen(t.Context(), "capped").Val(); n < 100 || n > 300 {
			t.Fatalf("XLEN = %d after 2000 publishes capped at ~100", n)
		}
	})
}

// Age-based trimming keeps what a group has not received or still has
// pending, unless the stream exceeds its hard maximum.
func TestConsumerSafeTrimming(t *testing.T) {
	r := testredis.Start(t)
	ctx := t.Context()
	c := &Config{Default: Policy{MaxAge: time.Millisecond}}
	s := newStore(t, r, c)
	ids := publish(t, s, "safe", 5)
	r.Client.XGroupCreate(ctx, "safe", "g", "0")
	r.Client.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{"safe", ">"}, Count: 2, Block: -1})
	r.Client.XAck(ctx, "safe", "g", ids[0]) // entry 2 stays pending; 3..5 not received
	last, err := streams.ParseID(ids[len(ids)-1])
	if err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, "the entries to be older than MaxAge", func() bool { return time.Since(last.Time()) > 2*c.Default.MaxAge })
	m := metrics.New(nil, 0)
	tr := &Trimmer{Config: c, Store: s, Log: slog.New(slog.DiscardHandler), Metrics: m}
	if err := tr.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if got := r.Client.XRange(ctx, "safe", "-", "+").Val(); len(got) != 4 || got[0].ID != ids[1] {
		t.Fatalf("after trim: %v", got)
	}
	// Once everything is received and acked, everything old goes.
	msgs := r.Client.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{"safe", ">"}, Block: -1}).Val()
	acks := []string{ids[1]}
	for _, m := range msgs[0].Messages {
		acks = append(acks, m.ID)
	}
	r.Client.XAck(ctx, "safe", "g", acks...)
	if err := tr.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if n := r.Client.XLen(ctx, "safe").Val(); n != 0 {
		t.Fatalf("XLEN = %d after everything was consumed", n)
	}

	// A hard maximum trims whatever the group's position, and the loss is
	// counted and logged.
	c.Default.HardMaxLength = 2
	publish(t, s, "hard", 5)
	r.Client.XGroupCreate(ctx, "hard", "late", "0")
	var logs strings.Builder
	tr.Log = slog.New(slog.NewTextHandler(&logs, nil))
	if err := tr.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if n := r.Client.XLen(ctx, "hard").Val(); n != 2 {
		t.Fatalf("XLEN = %d, want the hard cap 2", n)
	}
	if got := testutil.ToFloat64(m.TrimmedUnreceived.WithLabelValues("hard", "late")); got != 3 {
		t.Fatalf("trimmed unreceived = %v, want 3", got)
	}
	if !strings.Contains(logs.String(), "trimmed before a consumer group received them") {
		t.Fatalf("no log of the loss: %s", logs.String())
	}
	// Seen once, counted once.
	if err := tr.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(m.TrimmedUnreceived.WithLabelValues("hard", "late")); got != 3 {
		t.Fatalf("counted again: %v", got)
	}
}
