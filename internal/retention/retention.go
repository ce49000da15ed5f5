// Package retention keeps streams within their configured length and age:
// a length cap applied on publish (approximate MAXLEN), and a background
// trimmer that deletes entries older than a maximum age (MINID), by default
// only those that every consumer group has received and acked.
package retention

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sluice-io/sluice/internal/metrics"
	"github.com/sluice-io/sluice/streams"
)

// Policy is one stream's retention.
type Policy struct {
	// MaxLength caps the stream's length on every publish (MAXLEN ~, so a
	// little more may stay). 0: no cap.
	MaxLength int64 `yaml:"max_length"`
	// MaxAge deletes older entries, at every trim interval. 0: keep.
	MaxAge time.Duration `yaml:"max_age"`
	// ConsumerSafe (default true) keeps entries that a group has not yet
	// received or still has pending, whatever their age...
	ConsumerSafe *bool `yaml:"consumer_safe"`
	// ...unless the stream is longer than HardMaxLength (0: no such cap).
	HardMaxLength int64 `yaml:"hard_max_length"`
}

func (p Policy) consumerSafe() bool { return p.ConsumerSafe == nil || *p.ConsumerSafe }

// Config is the "retention" section of sluiced's configuration file.
type Config struct {
	// TrimInterval is how often age limits are applied. Default 1 minute.
	TrimInterval time.Duration `yaml:"trim_interval"`
	// Default applies to streams that no override matches.
	Default Policy `yaml:"default"`
	// Streams are overrides by stream-name pattern (path.Match); the first
	// match wins, and its unset fields come from Default.
	Streams []struct {
		Pattern string `yaml:"pattern"`
		Policy  `yaml:",inline"`
	} `yaml:"streams"`
}

// File is sluiced's configuration file (YAML; unknown keys are refused).
type File struct {
	Retention Config `yaml:"retention"`
}

// Load reads a configuration file.
func Load(file string) (*Config, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var f File
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	c := &f.Retention
	if c.TrimInterval == 0 {
		c.TrimInterval = time.Minute
	}
	for i, s := range c.Streams {
		if _, err := path.Match(s.Pattern, ""); err != nil || s.Pattern == "" {
			return nil, fmt.Errorf("%s: retention.streams[%d].pattern %q is not a valid pattern", file, i, s.Pattern)
		}
	}
	for _, p := range append([]Policy{c.Default}, policies(c)...) {
		if p.MaxLength < 0 || p.MaxAge < 0 || p.HardMaxLength < 0 {
			return nil, fmt.Errorf("%s: retention limits must not be negative", file)
		}
	}
	return c, nil
}

func policies(c *Config) []Policy {
	out := make([]Policy, len(c.Streams))
	for i, s := range c.Streams {
		out[i] = s.Policy
	}
	return out
}

// For returns the policy of stream.
func (c *Config) For(stream string) Policy {
	if c == nil {
		return Policy{}
	}
	for _, s := range c.Streams {
		if ok, _ := path.Match(s.Pattern, stream); ok {
			p := s.Policy
			if p.MaxLength == 0 {
				p.MaxLength = c.Default.MaxLength
			}
			if p.MaxAge == 0 {
				p.MaxAge = c.Default.MaxAge
			}
			if p.ConsumerSafe == nil {
				p.ConsumerSafe = c.Default.ConsumerSafe
			}
			if p.HardMaxLength == 0 {
				p.HardMaxLength = c.Default.HardMaxLength
			}
			return p
		}
	}
	return c.Default
}

// MaxLength is the publish-time cap of stream (a nil Config caps nothing).
func (c *Config) MaxLength(stream string) int64 { return c.For(stream).MaxLength }

// Trimmer applies age limits in the background and watches for entries that
// were trimmed before every group received them.
type Trimmer struct {
	Config *Config
	Store  *streams.Store
	Log    *slog.Logger
	// Metrics counts entries trimmed before a group received them.
	// Default: counted nowhere.
	Metrics *metrics.Metrics

	lost map[[2]string]int64 // last seen count of unreceived trimmed entries, per stream and group
}

// Run trims every TrimInterval until ctx ends.
func (t *Trimmer) Run(ctx context.Context) {
	tick := time.NewTicker(t.Config.TrimInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := t.Once(ctx); err != nil && ctx.Err() == nil {
			t.Log.Warn("retention pass failed", "err", err)
		}
	}
}

// Once runs one pass over every stream.
func (t *Trimmer) Once(ctx context.Context) error {
	if t.lost == nil {
		t.lost = make(map[[2]string]int64)
	}
	if t.Metrics == nil {
		t.Metrics = metrics.New(nil, 0)
	}
	var cursor uint64
	for {
		names, next, err := t.Store.ListStreams(ctx, "", cursor)
		if err != nil {
			return err
		}
		for _, name := range names {
			if err := t.stream(ctx, name); err != nil {
				t.Log.Warn("retention failed for a stream", "stream", name, "err", err)
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

func (t *Trimmer) stream(ctx context.Context, name string) error {
	p := t.Config.For(name)
	info, err := t.Store.Describe(ctx, name)
	if err != nil {
		return err
	}
	if p.HardMaxLength > 0 && info.Length > p.HardMaxLength {
		n, err := t.Store.Trim(ctx, name, p.HardMaxLength, "")
		if err != nil {
			return err
		}
		t.Log.Warn("stream over its hard maximum length: trimmed whatever the consumers' positions",
			"stream", name, "deleted", n, "hard_max_length", p.HardMaxLength)
	} else if p.MaxAge > 0 {
		bound := streams.ID{Ms: uint64(max(0, time.Now().Add(-p.MaxAge).UnixMilli()))}
		if p.consumerSafe() {
			for _, g := range info.Groups {
				// Keep what the group has not received (after its position)
				// and what it still has pending.
				if id, err := streams.ParseID(g.LastDeliveredID); err == nil && id.Next().Less(bound) {
					bound = id.Next()
				}
				if g.Pending > 0 && g.OldestPendingID != (streams.ID{}) && g.OldestPendingID.Less(bound) {
					bound = g.OldestPendingID
				}
			}
		}
		if first, err := streams.ParseID(info.FirstID); err == nil && first.Less(bound) {
			if _, err := t.Store.Trim(ctx, name, -1, bound.String()); err != nil {
				return err
			}
		}
	}
	return t.checkLosses(ctx, name)
}

// checkLosses counts entries that were trimmed (by any means: age, length
// caps, manual trims, other clients) before a group received them. When a
// group's position is before the stream's first entry, every entry still in
// the stream is unread, so the trimmed unread ones are entries-added minus
// entries-read minus the length. (Redis's own lag does not count them.)
func (t *Trimmer) checkLosses(ctx context.Context, name string) error {
	info, err := t.Store.Describe(ctx, name)
	if err != nil || info.FirstID == "" {
		return err
	}
	first, err := streams.ParseID(info.FirstID)
	if err != nil {
		return err
	}
	for _, g := range info.Groups {
		last, err := streams.ParseID(g.LastDeliveredID)
		if err != nil || !last.Less(first) || info.EntriesAdded <= 0 {
			continue
		}
		// go-redis reports an unknown entries-read (a group created mid-stream)
		// as 0; only a group still at 0-0 has surely read nothing.
		read := g.EntriesRead
		if read <= 0 && last != (streams.ID{}) {
			continue
		}
		lost := info.EntriesAdded - read - info.Length
		key := [2]string{name, g.Name}
		if prev := t.lost[key]; lost > prev {
			s, gl := t.Metrics.Group(name, g.Name)
			t.Metrics.TrimmedUnreceived.WithLabelValues(s, gl).Add(float64(lost - prev))
			t.Log.Warn("entries were trimmed before a consumer group received them",
				"stream", name, "group", g.Name, "entries", lost-prev)
		}
		t.lost[key] = lost
	}
	return nil
}
