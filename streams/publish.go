package streams

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Publish appends events to stream, contiguously and in order, and returns
// their entry IDs. Events with an idempotency key seen on this stream within
// the idempotency window are not stored again: their ID is the original
// one. Events with a DeliverAt or DeliverAfter in the future are scheduled
// instead (see schedule.go): their ID is a schedule ID (IsScheduleID).
// Without keys or schedules it is one MULTI/EXEC; with them, one Lua
// script.
func (s *Store) Publish(ctx context.Context, stream string, events []Event) ([]string, error) {
	return s.publish(ctx, s.rdb, stream, events)
}

// commander runs commands built by hand as well as go-redis's own: a client
// or one pooled connection.
type commander interface {
	redis.Cmdable
	Process(ctx context.Context, cmd redis.Cmder) error
}

func (s *Store) publish(ctx context.Context, c commander, stream string, events []Event) ([]string, error) {
	for i := range events {
		if events[i].IdempotencyKey != "" || events[i].scheduled() {
			return s.publishScripted(ctx, c, stream, events)
		}
	}
	// Arguments every XADD of the batch shares, boxed once.
	head := []any{"xadd", stream, "*"}
	if maxLen := s.maxLength(stream); maxLen > 0 {
		head = []any{"xadd", stream, "maxlen", "~", maxLen, "*"}
	}
	var b boxes
	if len(events) == 1 {
		// One event needs no transaction: a plain XADD is one command
		// instead of three.
		cmd := xadd(ctx, head, &events[0], &b)
		if err := c.Process(ctx, cmd); err != nil {
			return nil, classify(err)
		}
		return []string{cmd.Val()}, nil
	}
	cmds := make([]*redis.StringCmd, len(events))
	_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i := range events {
			cmds[i] = xadd(ctx, head, &events[i], &b)
			_ = p.Process(ctx, cmds[i])
		}
		return nil
	})
	if err != nil {
		return nil, classify(err)
	}
	ids := make([]string, len(cmds))
	for i, c := range cmds {
		ids[i] = c.Val()
	}
	return ids, nil
}

// xadd builds the XADD of ev in one argument slice: head, then its fields.
func xadd(ctx context.Context, head []any, ev *Event, b *boxes) *redis.StringCmd {
	args := make([]any, len(head), len(head)+ev.fieldCount())
	copy(args, head)
	return redis.NewStringCmd(ctx, ev.appendFields(args, b)...)
}

// publishScripted publishes with publishScript: events with idempotency
// keys or schedules.
func (s *Store) publishScripted(ctx context.Context, c commander, stream string, events []Event) ([]string, error) {
	keys := []string{stream, scheduleKey(stream), scheduledKey(stream), scheduleSeqKey(stream)}
	keyIndex := make(map[string]int)
	args := []any{s.idempotencyWindow.Milliseconds(), s.maxLength(stream)}
	var soonest time.Time
	for i := range events {
		k := 0
		if ik := events[i].IdempotencyKey; ik != "" {
			if k = keyIndex[ik]; k == 0 {
				keys = append(keys, idempotencyKey(stream, ik))
				k = len(keys)
				keyIndex[ik] = k
			}
		}
		var at, after int64
		if ev := &events[i]; ev.scheduled() {
			if !ev.DeliverAt.IsZero() {
				at = max(ev.DeliverAt.UnixMilli(), 1)
			} else {
				after = max(ev.DeliverAfter.Milliseconds(), 1)
			}
			if due := ev.due(); soonest.IsZero() || due.Before(soonest) {
				soonest = due
			}
		}
		if at != 0 || after != 0 {
			// Encoded here rather than in Lua: the script stores it as is.
			args = append(args, k, at, after, -1, encodeFields(events[i].fields()))
			continue
		}
		fields := events[i].fields()
		args = append(args, k, at, after, len(fields))
		args = append(args, fields...)
	}
	if !soonest.IsZero() {
		if err := s.registerScheduled(ctx, stream); err != nil {
			return nil, err
		}
	}
	calls := []scriptCall{{script: publishScript, keys: keys, args: args}}
	if err := runScripts(ctx, c, calls); err != nil {
		return nil, classify(err)
	}
	ids, err := calls[0].cmd.StringSlice()
	if err != nil || len(ids) != len(events) {
		return nil, fmt.Errorf("streams: unexpected publish reply: %v", err)
	}
	if !soonest.IsZero() {
		s.scheduledSoon(stream, soonest)
	}
	return ids, nil
}

// Durability is what PublishDurable waits for.
type Durability struct {
	// MinReplicas must have received the write (WAIT).
	MinReplicas int
	// AOF also requires an fsync to the AOF of the primary and of MinReplicas
	// replicas (WAITAOF, Redis 7.2+).
	AOF     bool
	Timeout time.Duration
}

// ErrDurability means the write was made but not confirmed as durable as
// asked within the timeout: it may or may not survive a failover.
var ErrDurability = errors.New("streams: durability not confirmed")

// PublishDurable is Publish followed, on the same connection, by WAIT (and
// WAITAOF), and returns how many replicas confirmed the write.
func (s *Store) PublishDurable(ctx context.Context, stream string, events []Event, d Durability) ([]string, int, error) {
	if d.AOF && !s.atLeast(ctx, 7, 2) {
		return nil, 0, fmt.Errorf("%w: WAITAOF needs Redis 7.2 or later", ErrUnsupported)
	}
	node, err := s.nodeFor(ctx, stream)
	if err != nil {
		return nil, 0, classify(err)
	}
	// WAIT counts what this connection wrote: keep one for both.
	conn := node.Conn()
	defer conn.Close()
	ids, err := s.publish(ctx, conn, stream, events)
	if err != nil {
		return nil, 0, err
	}
	var replicas int
	if d.AOF {
		res, err := conn.Do(ctx, "WAITAOF", 1, d.MinReplicas, d.Timeout.Milliseconds()).Int64Slice()
		if err != nil {
			return ids, 0, classify(err)
		}
		if len(res) != 2 || res[0] < 1 {
			return ids, 0, fmt.Errorf("%w: the primary's AOF fsync was not confirmed", ErrDurability)
		}
		replicas = int(res[1])
	} else {
		n, err := conn.Wait(ctx, d.MinReplicas, d.Timeout).Result()
		if err != nil {
			return ids, 0, classify(err)
		}
		replicas = int(n)
	}
	if replicas < d.MinReplicas {
		return ids, replicas, fmt.Errorf("%w: %d of %d replicas confirmed within %v", ErrDurability, replicas, d.MinReplicas, d.Timeout)
	}
	return ids, replicas, nil
}

// nodeFor is the client of the node that serves stream.
func (s *Store) nodeFor(ctx context.Context, stream string) (*redis.Client, error) {
	switch c := s.rdb.(type) {
	case *redis.Client:
		return c, nil
	case *redis.ClusterClient:
		return c.MasterForKey(ctx, stream)
	}
	return nil, fmt.Errorf("%w: durable publish on a %T", ErrUnsupported, s.rdb)
}
