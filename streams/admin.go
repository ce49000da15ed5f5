package streams

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// StreamInfo describes a stream; see sluice.v1.StreamInfo.
type StreamInfo struct {
	Name                 string
	Length, EntriesAdded int64
	FirstID, LastID      string
	MemoryBytes          int64 // 0 when unknown
	DeadLetters          int64
	Scheduled            int64 // events scheduled for later, not yet due
	Groups               []GroupInfo
}

// GroupInfo describes a consumer group.
type GroupInfo struct {
	Name            string
	Pending         int64
	LastDeliveredID string
	Lag             int64 // -1 when unknown
	EntriesRead     int64 // 0 also when unknown (go-redis reads null as 0)
	OldestPending   time.Duration
	OldestPendingID ID
	Consumers       []ConsumerInfo
	Filter          string // the group's filter expression, "" for none
}

// ConsumerInfo describes a consumer.
type ConsumerInfo struct {
	Name    string
	Pending int64
	Idle    time.Duration // -1 when unknown
}

// internalKey reports whether key is one of Sluice's own ("{S}:sluice:...").
func internalKey(key string) bool {
	return strings.HasPrefix(key, "{") && strings.Contains(key, "}:sluice:")
}

// ListStreams runs one SCAN step over stream keys matching pattern, leaving
// out Sluice's own keys. Cursor 0 starts; a returned 0 means done.
func (s *Store) ListStreams(ctx context.Context, pattern string, cursor uint64) ([]string, uint64, error) {
	if pattern == "" {
		pattern = "*"
	}
	if cc, ok := s.rdb.(*redis.ClusterClient); ok {
		return s.listClusterStreams(ctx, cc, pattern)
	}
	keys, next, err := s.rdb.ScanType(ctx, cursor, pattern, 1000, "stream").Result()
	if err != nil {
		return nil, 0, classify(err)
	}
	out := keys[:0]
	for _, k := range keys {
		if !internalKey(k) {
			out = append(out, k)
		}
	}
	return out, next, nil
}

// listClusterStreams scans every master of a Cluster in one call (a SCAN
// cursor is per node, so there is no single cursor to page with).
func (s *Store) listClusterStreams(ctx context.Context, cc *redis.ClusterClient, pattern string) ([]string, uint64, error) {
	var mu sync.Mutex
	var out []string
	err := cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		iter := node.ScanType(ctx, 0, pattern, 1000, "stream").Iterator()
		for iter.Next(ctx) {
			if k := iter.Val(); !internalKey(k) {
				mu.Lock()
				out = append(out, k)
				mu.Unlock()
			}
		}
		return iter.Err()
	})
	return out, 0, classify(err)
}

// ErrNoStream is returned for a stream that does not exist.
var ErrNoStream = errors.New("streams: no such stream")

// Describe reports a stream, its groups and their consumers.
func (s *Store) Describe(ctx context.Context, stream string) (*StreamInfo, error) {
	var exists, scheduled *redis.IntCmd
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		exists = p.Exists(ctx, stream)
		scheduled = p.ZCard(ctx, scheduleKey(stream))
		return nil
	}); err != nil {
		return nil, classify(err)
	}
	info := &StreamInfo{Name: stream, Scheduled: scheduled.Val()}
	switch {
	case exists.Val() == 0 && info.Scheduled == 0:
		return nil, ErrNoStream
	case exists.Val() == 0:
		return info, nil // nothing has fallen due yet
	}
	var (
		xlen    *redis.IntCmd
		first   *redis.XMessageSliceCmd
		last    *redis.XMessageSliceCmd
		mem     *redis.IntCmd
		dlq     *redis.IntCmd
		xinfo   *redis.XInfoStreamCmd
		groups  *redis.XInfoGroupsCmd
		filters *redis.MapStringStringCmd
	)
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		xlen = p.XLen(ctx, stream)
		first = p.XRangeN(ctx, stream, "-", "+", 1)
		last = p.XRevRangeN(ctx, stream, "+", "-", 1)
		mem = p.MemoryUsage(ctx, stream)
		dlq = p.XLen(ctx, DeadLetterKey(stream))
		xinfo = p.XInfoStream(ctx, stream)
		groups = p.XInfoGroups(ctx, stream)
		filters = p.HGetAll(ctx, filtersKey(stream))
		return nil
	})
	if err := xlen.Err(); err != nil {
		return nil, classify(err)
	}
	info.Length = xlen.Val()
	if v := first.Val(); len(v) > 0 {
		info.FirstID = v[0].ID
	}
	if v := last.Val(); len(v) > 0 {
		info.LastID = v[0].ID
	}
	info.MemoryBytes = mem.Val() // miniredis has no MEMORY USAGE: 0, unknown
	info.DeadLetters = dlq.Val()
	info.EntriesAdded = xinfo.Val().EntriesAdded
	if err := groups.Err(); err != nil {
		return nil, classify(err)
	}
	real := s.server(ctx).isRedis
	for _, g := range groups.Val() {
		gi := GroupInfo{Name: g.Name, Pending: g.Pending, LastDeliveredID: g.LastDeliveredID, Lag: g.Lag, EntriesRead: g.EntriesRead,
			Filter: filters.Val()[g.Name]}
		if !real {
			// miniredis reports the stream length as lag: count instead.
			gi.Lag = s.countAfter(ctx, stream, g.LastDeliveredID)
		}
		if g.Pending > 0 {
			if p, err := s.rdb.XPending(ctx, stream, g.Name).Result(); err == nil && p.Lower != "" {
				if id, err := ParseID(p.Lower); err == nil {
					gi.OldestPending = max(0, time.Since(id.Time()))
					gi.OldestPendingID = id
				}
			}
		}
		if cs, err := s.rdb.XInfoConsumers(ctx, stream, g.Name).Result(); err == nil {
			gi.Consumers = mergeLanes(cs)
		}
		info.Groups = append(info.Groups, gi)
	}
	return info, nil
}

// countAfter counts entries after id, up to 100,000 (-1 beyond: unknown).
func (s *Store) countAfter(ctx context.Context, stream, id string) int64 {
	after, err := ParseID(id)
	if err != nil {
		return -1
	}
	const limit = 100000
	msgs, err := s.rdb.XRangeN(ctx, stream, after.next().String(), "+", limit+1).Result()
	if err != nil || len(msgs) > limit {
		return -1
	}
	return int64(len(msgs))
}

// PendingEntry is one entry of a pending entries list.
type PendingEntry struct {
	ID        ID
	Consumer  string
	Count     int64
	DueIn     time.Duration
	Published time.Time
}

// Pending returns up to count pending entries of group after position
// after, optionally only one consumer's, optionally only those due for
// redelivery. Entries in a consumer's wait lane are listed as its own.
func (s *Store) Pending(ctx context.Context, stream, group, consumer string, dueOnly bool, after ID, count int) ([]PendingEntry, error) {
	thresholds, err := s.thresholds(ctx, stream, group)
	if err != nil {
		return nil, err
	}
	args := redis.XPendingExtArgs{Stream: stream, Group: group, Start: after.next().String(), End: "+",
		Count: int64(count)}
	if dueOnly {
		// No entry is due below the smallest threshold; the rest is
		// filtered below.
		args.Idle = MaxWait
		for _, t := range thresholds {
			args.Idle = min(args.Idle, t)
		}
	}
	var ps []redis.XPendingExt
	owners := []string{""}
	if consumer != "" {
		owners = []string{consumer, waitLane(consumer)}
	}
	for _, c := range owners {
		a := args
		a.Consumer = c
		p, err := s.rdb.XPendingExt(ctx, &a).Result()
		if err != nil {
			return nil, classify(err)
		}
		ps = append(ps, p...)
	}
	out := make([]PendingEntry, 0, len(ps))
	for _, p := range ps {
		id, err := ParseID(p.ID)
		if err != nil {
			return nil, err
		}
		t, ok := thresholds[p.Consumer]
		if !ok || strings.HasSuffix(p.Consumer, "~") {
			t = MaxWait
		}
		e := PendingEntry{ID: id, Consumer: laneOwner(p.Consumer), Count: p.RetryCount,
			DueIn: max(0, t-p.Idle), Published: id.Time()}
		if dueOnly && e.DueIn > 0 {
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b PendingEntry) int {
		switch {
		case a.ID.Less(b.ID):
			return -1
		case b.ID.Less(a.ID):
			return 1
		}
		return 0
	})
	return out[:min(len(out), count)], nil
}

// thresholds are the registered thresholds of group's consumers (see
// scripts.go), by consumer.
func (s *Store) thresholds(ctx context.Context, stream, group string) (map[string]time.Duration, error) {
	all, err := s.rdb.HGetAll(ctx, waitsKey(stream)).Result()
	if err != nil {
		return nil, classify(err)
	}
	out := make(map[string]time.Duration)
	for k, v := range all {
		c, ok := strings.CutPrefix(k, group+" ")
		if !ok {
			continue
		}
		if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
			out[c] = time.Duration(ms) * time.Millisecond
		}
	}
	return out, nil
}

// mergeLanes lists consumers with their wait lanes folded in: a lane's
// pending entries count as its consumer's.
func mergeLanes(cs []redis.XInfoConsumer) []ConsumerInfo {
	var out []ConsumerInfo
	at := make(map[string]int)
	for _, c := range cs {
		idle := c.Idle
		if idle < 0 {
			idle = -1
		}
		name := laneOwner(c.Name)
		i, ok := at[name]
		if !ok {
			at[name] = len(out)
			out = append(out, ConsumerInfo{Name: name, Pending: c.Pending, Idle: idle})
			continue
		}
		out[i].Pending += c.Pending
		if name == c.Name { // the consumer's own idle time, not its lane's
			out[i].Idle = idle
		}
	}
	return out
}

// CreateGroup creates group at start (see EnsureGroup) with filter ("" for
// none), kept in the stream's filters hash, in one script: a group is never
// seen without its filter. created is false if the group existed;
// groupFilter is then the filter it has, whatever filter asked for.
func (s *Store) CreateGroup(ctx context.Context, stream, group, start, filter string) (created bool, groupFilter string, err error) {
	res, err := groupCreateScript.Run(ctx, s.rdb, []string{stream, filtersKey(stream)}, group, start, filter).Slice()
	if err != nil {
		return false, "", classify(err)
	}
	if len(res) != 2 {
		return false, "", fmt.Errorf("streams: unexpected group_create reply %v", res)
	}
	n, _ := res[0].(int64)
	groupFilter, _ = res[1].(string)
	return n == 1, groupFilter, nil
}

// DeleteGroup destroys group; deleted is false if there was none.
func (s *Store) DeleteGroup(ctx context.Context, stream, group string) (deleted bool, err error) {
	n, err := s.rdb.XGroupDestroy(ctx, stream, group).Result()
	if err == nil {
		err = s.rdb.HDel(ctx, filtersKey(stream), group).Err()
	}
	if err != nil {
		if redis.HasErrorPrefix(err, "ERR no such key") || strings.Contains(err.Error(), "requires the key to exist") {
			return false, nil
		}
		return false, classify(err)
	}
	return n == 1, nil
}

// ErrUnsupported is returned for what the server cannot do (the embedded
// miniredis lacks a few commands).
var ErrUnsupported = errors.New("streams: not supported by this Redis")

// SeekGroup sets group's last delivered ID to position.
func (s *Store) SeekGroup(ctx context.Context, stream, group, position string) error {
	if !s.server(ctx).isRedis {
		// miniredis has no XGROUP SETID, and recreating the group would
		// drop its pending entries.
		return fmt.Errorf("%w: XGROUP SETID (the embedded Redis cannot move a group)", ErrUnsupported)
	}
	err := s.rdb.XGroupSetID(ctx, stream, group, position).Err()
	if err != nil && (redis.HasErrorPrefix(err, "NOGROUP") || strings.Contains(err.Error(), "requires the key to exist")) {
		return ErrGroupDeleted
	}
	return classify(err)
}

// Range reads up to count entries between start and end (inclusive IDs, "-"
// and "+" for the ends), newest first when reverse.
func (s *Store) Range(ctx context.Context, stream, start, end string, reverse bool, count int) ([]Entry, error) {
	var msgs []redis.XMessage
	var err error
	if reverse {
		msgs, err = s.rdb.XRevRangeN(ctx, stream, end, start, int64(count)).Result()
	} else {
		msgs, err = s.rdb.XRangeN(ctx, stream, start, end, int64(count)).Result()
	}
	if err != nil {
		return nil, classify(err)
	}
	out := make([]Entry, 0, len(msgs))
	for _, m := range msgs {
		id, err := ParseID(m.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, decodeEntry(id, m.Values))
	}
	return out, nil
}

// Trim deletes the oldest entries: beyond maxLen newest ones when maxLen >=
// 0, else those before minID. It returns how many it deleted, and logs it.
func (s *Store) Trim(ctx context.Context, stream string, maxLen int64, minID string) (int64, error) {
	var n int64
	var err error
	if maxLen >= 0 {
		n, err = s.rdb.XTrimMaxLen(ctx, stream, maxLen).Result()
	} else {
		n, err = s.rdb.XTrimMinID(ctx, stream, minID).Result()
	}
	if err != nil {
		return 0, classify(err)
	}
	s.log.Info("trimmed stream on request", "stream", stream, "deleted", n)
	return n, nil
}

// DescribeAll describes up to max streams (in SCAN order), skipping those
// deleted while it runs.
func (s *Store) DescribeAll(ctx context.Context, max int) ([]*StreamInfo, error) {
	var names []string
	var cursor uint64
	for {
		page, next, err := s.ListStreams(ctx, "", cursor)
		if err != nil {
			return nil, err
		}
		names = append(names, page...)
		if cursor = next; cursor == 0 || len(names) >= max {
			break
		}
	}
	// Streams whose events are all still scheduled have no key yet.
	if scheduled, err := s.rdb.SMembers(ctx, scheduledStreamsKey).Result(); err == nil {
		for _, n := range scheduled {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	out := make([]*StreamInfo, 0, len(names))
	for _, n := range names[:min(len(names), max)] {
		if info, err := s.Describe(ctx, n); err == nil {
			out = append(out, info)
		}
	}
	return out, nil
}
