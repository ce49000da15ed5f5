package streams

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Fields a dead-letter record adds to the source entry's own fields.
const (
	dlqSourceStream = "dlq_source_stream"
	dlqSourceID     = "dlq_source_id"
	dlqGroup        = "dlq_group"
	dlqAttempts     = "dlq_attempts"
	dlqReason       = "dlq_reason"
	dlqTime         = "dlq_time"

	// Headers that a redriven event carries.
	HeaderDeadLetterID     = "sluice-dead-letter-id"
	HeaderDeadLetterReason = "sluice-dead-letter-reason"
)

// DeadLetter is one record of a dead-letter stream.
type DeadLetter struct {
	ID           ID
	SourceStream string
	SourceID     string
	Group        string
	Attempts     int
	Reason       string
	Time         time.Time
	// Entry is the source entry as it was (its ID is the record's).
	Entry Entry
	raw   map[string]any
}

func decodeDeadLetter(m redis.XMessage) (DeadLetter, error) {
	id, err := ParseID(m.ID)
	if err != nil {
		return DeadLetter{}, err
	}
	dl := DeadLetter{ID: id, raw: make(map[string]any, len(m.Values))}
	for k, v := range m.Values {
		s := valueString(v)
		switch k {
		case dlqSourceStream:
			dl.SourceStream = s
		case dlqSourceID:
			dl.SourceID = s
		case dlqGroup:
			dl.Group = s
		case dlqAttempts:
			dl.Attempts, _ = strconv.Atoi(s)
		case dlqReason:
			dl.Reason = s
		case dlqTime:
			ms, _ := strconv.ParseInt(s, 10, 64)
			dl.Time = time.UnixMilli(ms)
		default:
			dl.raw[k] = v
		}
	}
	dl.Entry = decodeEntry(id, dl.raw)
	return dl, nil
}

// DeadLetters returns up to count records of stream's dead-letter stream
// after position after (Earliest for the first page), oldest first.
func (s *Store) DeadLetters(ctx context.Context, stream string, after ID, count int) ([]DeadLetter, error) {
	msgs, err := s.rdb.XRangeN(ctx, DeadLetterKey(stream), after.next().String(), "+", int64(count)).Result()
	if err != nil {
		return nil, classify(err)
	}
	out := make([]DeadLetter, 0, len(msgs))
	for _, m := range msgs {
		dl, err := decodeDeadLetter(m)
		if err != nil {
			return nil, err
		}
		out = append(out, dl)
	}
	return out, nil
}

// Redrive publishes dead letters again and deletes their records: the ones
// named by ids, or with ids empty, the oldest limit ones. Each goes to target,
// or to its source stream when target is empty, with its original fields
// plus the headers HeaderDeadLetterID and HeaderDeadLetterReason. It
// publishes before it deletes, so a failure in between can repeat a
// message, never lose it.
func (s *Store) Redrive(ctx context.Context, stream string, ids []ID, target string, limit int) (newIDs []string, missing []ID, err error) {
	records, missing, err := s.deadLetterRecords(ctx, stream, ids, limit)
	if err != nil || len(records) == 0 {
		return nil, missing, err
	}
	cmds := make([]*redis.StringCmd, len(records))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, dl := range records {
			fields := make([]any, 0, 2*len(dl.raw)+4)
			for k, v := range dl.raw {
				fields = append(fields, k, v)
			}
			fields = append(fields, HeaderPrefix+HeaderDeadLetterID, dl.ID.String(),
				HeaderPrefix+HeaderDeadLetterReason, dl.Reason)
			to := target
			if to == "" {
				to = dl.SourceStream
			}
			cmds[i] = p.XAdd(ctx, &redis.XAddArgs{Stream: to, Values: fields})
		}
		return nil
	})
	if err != nil {
		return nil, missing, classify(err)
	}
	done := make([]string, len(records))
	newIDs = make([]string, len(records))
	for i, c := range cmds {
		newIDs[i] = c.Val()
		done[i] = records[i].ID.String()
	}
	if err := s.rdb.XDel(ctx, DeadLetterKey(stream), done...).Err(); err != nil {
		return newIDs, missing, classify(err)
	}
	return newIDs, missing, nil
}

// PurgeDeadLetters deletes the records named by ids, or all of them.
func (s *Store) PurgeDeadLetters(ctx context.Context, stream string, ids []ID) (int64, error) {
	key := DeadLetterKey(stream)
	if len(ids) == 0 {
		n, err := s.rdb.XLen(ctx, key).Result()
		if err != nil {
			return 0, classify(err)
		}
		return n, classify(s.rdb.Unlink(ctx, key).Err())
	}
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = id.String()
	}
	n, err := s.rdb.XDel(ctx, key, strs...).Result()
	return n, classify(err)
}

func (s *Store) deadLetterRecords(ctx context.Context, stream string, ids []ID, limit int) ([]DeadLetter, []ID, error) {
	key := DeadLetterKey(stream)
	var msgs []redis.XMessage
	var missing []ID
	if len(ids) == 0 {
		var err error
		if msgs, err = s.rdb.XRangeN(ctx, key, "-", "+", int64(limit)).Result(); err != nil {
			return nil, nil, classify(err)
		}
	} else {
		cmds := make([]*redis.XMessageSliceCmd, len(ids))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range ids {
				cmds[i] = p.XRange(ctx, key, id.String(), id.String())
			}
			return nil
		})
		if err != nil {
			return nil, nil, classify(err)
		}
		for i, c := range cmds {
			if len(c.Val()) == 0 {
				missing = append(missing, ids[i])
				continue
			}
			msgs = append(msgs, c.Val()[0])
		}
	}
	out := make([]DeadLetter, 0, len(msgs))
	for _, m := range msgs {
		dl, err := decodeDeadLetter(m)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, dl)
	}
	return out, missing, nil
}
