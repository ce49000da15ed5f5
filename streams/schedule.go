package streams

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Scheduled delivery. An event published with DeliverAt or DeliverAfter in
// the future is not appended to its stream: publishScript gives it a
// schedule ID ("s" and a zero-padded sequence number), adds the ID to the
// stream's schedule (a sorted set by due time in ms) and its encoded fields
// to the stream's scheduled hash, both in the stream's hash slot, so a
// scheduled event is as durable as an entry and works on every deployment.
// Every sluiced runs MoveScheduled: when an event falls due by Redis's clock,
// scheduleMoveScript appends it as an ordinary entry with the field
// deliver_at and removes it from the schedule, in one script, so however
// many replicas move at once each event is appended exactly once.
//
// A replica knows when the events it scheduled fall due and moves them on
// time (at most scheduleMinGap apart, so that a steady flow of due events
// is moved in batches). It reads the registry (the set "sluice:scheduled",
// which a stream joins on its first scheduled publish) every
// scheduleRefreshEvery and looks at each stream in it at least every
// scheduleLookEvery, so events scheduled through a replica that is gone are
// moved by the others within the sum of the two.

// scheduledStreamsKey is the set of streams that have had scheduled events.
const scheduledStreamsKey = "sluice:scheduled"

// scheduleKey is stream's schedule: schedule ID -> due time in ms.
func scheduleKey(stream string) string { return "{" + stream + "}:sluice:schedule" }

// scheduledKey holds stream's scheduled events: schedule ID -> fields.
func scheduledKey(stream string) string { return "{" + stream + "}:sluice:scheduled" }

// scheduleSeqKey numbers stream's scheduled events.
func scheduleSeqKey(stream string) string { return "{" + stream + "}:sluice:schedule:seq" }

const (
	// scheduleLookEvery is the longest a replica goes without looking at a
	// stream's schedule.
	scheduleLookEvery = time.Second
	// scheduleRefreshEvery is how often the registry is read again.
	scheduleRefreshEvery = 5 * time.Second
	// scheduleMinGap is the shortest time between two looks at a stream
	// whose last look moved less than a full batch.
	scheduleMinGap = 2 * time.Millisecond
	// moveBatch bounds the events one script run moves.
	moveBatch = 500
)

// IsScheduleID reports whether id, from Publish, is a schedule ID rather than
// an entry ID.
func IsScheduleID(id string) bool { return strings.HasPrefix(id, "s") }

// scheduled reports whether ev asks for later delivery.
func (ev *Event) scheduled() bool { return !ev.DeliverAt.IsZero() || ev.DeliverAfter > 0 }

// due is when ev falls due by this process's clock.
func (ev *Event) due() time.Time {
	if !ev.DeliverAt.IsZero() {
		return ev.DeliverAt
	}
	return time.Now().Add(ev.DeliverAfter)
}

// schedState is what MoveScheduled keeps between its rounds.
type schedState struct {
	registered sync.Map      // streams known to be in the registry
	wake       chan struct{} // a publish scheduled something; cap 1

	mu   sync.Mutex
	next map[string]time.Time // stream -> when to look next, by this clock
}

// registerScheduled adds stream to the registry, once per process: before
// the script, so that no scheduled event is left where no replica looks.
func (s *Store) registerScheduled(ctx context.Context, stream string) error {
	if _, ok := s.sched.registered.Load(stream); ok {
		return nil
	}
	if err := s.rdb.SAdd(ctx, scheduledStreamsKey, stream).Err(); err != nil {
		return classify(err)
	}
	s.sched.registered.Store(stream, true)
	return nil
}

// scheduledSoon tells MoveScheduled that stream has an event due at due.
func (s *Store) scheduledSoon(stream string, due time.Time) {
	s.sched.mu.Lock()
	if next, ok := s.sched.next[stream]; !ok || due.Before(next) {
		s.sched.next[stream] = due
	}
	s.sched.mu.Unlock()
	select {
	case s.sched.wake <- struct{}{}:
	default:
	}
}

// MoveScheduled moves scheduled events into their streams when they fall
// due, until ctx ends or the Store closes. Run it once per Store; every
// replica should.
func (s *Store) MoveScheduled(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var refreshed time.Time
	for {
		now := time.Now()
		if now.Sub(refreshed) >= scheduleRefreshEvery {
			refreshed = now
			s.refreshScheduled(ctx, now)
		}
		var due []string
		wait := scheduleRefreshEvery - now.Sub(refreshed)
		s.sched.mu.Lock()
		for stream, next := range s.sched.next {
			if d := next.Sub(now); d <= 0 {
				due = append(due, stream)
			} else {
				wait = min(wait, d)
			}
		}
		s.sched.mu.Unlock()
		if len(due) > 0 {
			s.moveDue(ctx, due)
			wait = 0 // look again at once: the moves set the next times
		}
		if wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-s.sched.wake:
			case <-timer.C:
			}
		} else if ctx.Err() != nil {
			return
		}
	}
}

// refreshScheduled adds the registry's streams that this replica does not
// look at yet.
func (s *Store) refreshScheduled(ctx context.Context, now time.Time) {
	names, err := s.rdb.SMembers(ctx, scheduledStreamsKey).Result()
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("reading the scheduled streams", "err", err)
		}
		return
	}
	s.sched.mu.Lock()
	defer s.sched.mu.Unlock()
	for _, name := range names {
		if _, ok := s.sched.next[name]; !ok {
			s.sched.next[name] = now
		}
		s.sched.registered.Store(name, true)
	}
}

// moveDue runs scheduleMoveScript on each stream, in one pipeline, and sets
// when to look at each next.
func (s *Store) moveDue(ctx context.Context, names []string) {
	calls := make([]scriptCall, len(names))
	for i, stream := range names {
		calls[i] = scriptCall{script: scheduleMoveScript,
			keys: []string{stream, scheduleKey(stream), scheduledKey(stream)},
			args: []any{moveBatch, s.maxLength(stream)}}
	}
	err := runScripts(ctx, s.rdb, calls)
	now := time.Now()
	s.sched.mu.Lock()
	defer s.sched.mu.Unlock()
	for i, stream := range names {
		next := now.Add(scheduleLookEvery)
		r, rerr := calls[i].cmd.Int64Slice()
		switch {
		case rerr == nil && len(r) >= 3:
			redisNow, nextDue, left, moved := r[0], r[1], r[2], r[3:]
			late := make([]time.Duration, len(moved))
			for j, at := range moved {
				late[j] = time.Duration(redisNow-at) * time.Millisecond
			}
			s.observer.Scheduled(stream, late, left)
			switch {
			case len(moved) == moveBatch:
				next = now
			case nextDue >= 0:
				wait := max(time.Duration(nextDue-redisNow)*time.Millisecond, scheduleMinGap)
				if at := now.Add(wait); at.Before(next) {
					next = at
				}
			}
		case ctx.Err() == nil:
			s.log.Warn("moving due scheduled events", "stream", stream, "err", errors.Join(err, rerr))
		}
		s.sched.next[stream] = next
	}
}

// ScheduledEvent is an event waiting in a stream's schedule.
type ScheduledEvent struct {
	ID    string
	Due   time.Time
	Event Event
}

// ErrNoSchedule is returned for a schedule ID that is not scheduled.
var ErrNoSchedule = errors.New("streams: no such scheduled event")

// ListScheduled returns up to n of stream's scheduled events, soonest first,
// starting after the event (due, id); a zero due starts at the soonest.
func (s *Store) ListScheduled(ctx context.Context, stream string, due time.Time, id string, n int) ([]ScheduledEvent, error) {
	min := "-inf"
	if !due.IsZero() {
		min = strconv.FormatInt(due.UnixMilli(), 10)
	}
	var out []ScheduledEvent
	for offset := int64(0); len(out) < n; {
		page, err := s.rdb.ZRangeByScoreWithScores(ctx, scheduleKey(stream), &redis.ZRangeBy{
			Min: min, Max: "+inf", Offset: offset, Count: int64(n)}).Result()
		if err != nil {
			return nil, classify(err)
		}
		if len(page) == 0 {
			break
		}
		offset += int64(len(page))
		for _, z := range page {
			member, _ := z.Member.(string)
			at := time.UnixMilli(int64(z.Score))
			if !due.IsZero() && at.Equal(due) && member <= id {
				continue // at or before the cursor
			}
			if len(out) < n {
				out = append(out, ScheduledEvent{ID: member, Due: at})
			}
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	ids := make([]string, len(out))
	for i := range out {
		ids[i] = out[i].ID
	}
	encoded, err := s.rdb.HMGet(ctx, scheduledKey(stream), ids...).Result()
	if err != nil {
		return nil, classify(err)
	}
	kept := out[:0]
	for i, v := range encoded {
		enc, ok := v.(string)
		if !ok {
			continue // moved or cancelled since the range
		}
		fields, err := decodeFields(enc)
		if err != nil {
			return nil, fmt.Errorf("streams: scheduled event %s of %s: %w", out[i].ID, stream, err)
		}
		out[i].Event = decodeEntry(ID{}, fields).Event
		kept = append(kept, out[i])
	}
	return kept, nil
}

// CancelScheduled deletes a scheduled event; ErrNoSchedule if it is not
// scheduled (never was, was cancelled, or was moved into the stream).
func (s *Store) CancelScheduled(ctx context.Context, stream, id string) error {
	calls := []scriptCall{{script: scheduleCancelScript, keys: []string{scheduleKey(stream), scheduledKey(stream)}, args: []any{id}}}
	if err := runScripts(ctx, s.rdb, calls); err != nil {
		return classify(err)
	}
	if n, _ := calls[0].cmd.Int64(); n == 0 {
		return ErrNoSchedule
	}
	return nil
}

// encodeFields encodes a field/value list (strings and byte slices) as one
// string: each value as its length, ':', the value. lib.lua's decodeFields
// and decodeFields below read it.
func encodeFields(fields []any) string {
	n := 0
	for _, f := range fields {
		switch v := f.(type) {
		case string:
			n += len(v) + 8
		case []byte:
			n += len(v) + 8
		}
	}
	b := make([]byte, 0, n)
	for _, f := range fields {
		switch v := f.(type) {
		case string:
			b = append(strconv.AppendInt(b, int64(len(v)), 10), ':')
			b = append(b, v...)
		case []byte:
			b = append(strconv.AppendInt(b, int64(len(v)), 10), ':')
			b = append(b, v...)
		default:
			panic(fmt.Sprintf("streams: field of type %T", f))
		}
	}
	return string(b)
}

// decodeFields reads what encodeFields encoded.
func decodeFields(enc string) (map[string]any, error) {
	var vals []string
	for len(enc) > 0 {
		colon := strings.IndexByte(enc, ':')
		if colon < 0 {
			return nil, errors.New("bad encoding: no length")
		}
		n, err := strconv.Atoi(enc[:colon])
		if err != nil || n < 0 || n > len(enc)-colon-1 {
			return nil, errors.New("bad encoding: bad length")
		}
		vals = append(vals, enc[colon+1:colon+1+n])
		enc = enc[colon+1+n:]
	}
	if len(vals)%2 != 0 {
		return nil, errors.New("bad encoding: odd field count")
	}
	m := make(map[string]any, len(vals)/2)
	for i := 0; i < len(vals); i += 2 {
		m[vals[i]] = vals[i+1]
	}
	return m, nil
}
