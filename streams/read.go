package streams

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// readShared reads entries after a position (XREAD, not blocking), once for
// all readers of this Store at the same position, count and watcher
// generation: readers that are caught up wake together on each new entry
// and would otherwise all send the same XREAD. The generation keeps a reader
// from joining a read that began before the change it woke for. The entries
// returned are shared: callers must not modify them. It returns redis.Nil
// when there is nothing new.
func (s *Store) readShared(ctx context.Context, stream string, after ID, count int, gen uint64) ([]Entry, error) {
	key := stream + "\x00" + after.String() + "\x00" + strconv.Itoa(count) + "\x00" + strconv.FormatUint(gen, 10)
	ch := s.reads.DoChan(key, func() (any, error) {
		// Not under any one caller's context: others wait on this read.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readTimeout)
		defer cancel()
		res, err := s.rdb.XRead(rctx, &redis.XReadArgs{
			Streams: []string{stream, after.String()},
			Count:   int64(count),
			Block:   -1,
		}).Result()
		if err != nil {
			return nil, err
		}
		if len(res) == 0 || len(res[0].Messages) == 0 {
			return nil, redis.Nil
		}
		entries := make([]Entry, 0, len(res[0].Messages))
		for _, m := range res[0].Messages {
			id, err := ParseID(m.ID)
			if err != nil {
				return nil, err
			}
			entries = append(entries, decodeEntry(id, m.Values))
		}
		return entries, nil
	})
	select {
	case r := <-ch:
		entries, _ := r.Val.([]Entry)
		return entries, r.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// readTimeout bounds a shared read.
const readTimeout = 10 * time.Second

// Read is an independent reader (XREAD, no consumer group): it calls fn with
// each batch of at most count entries after position after, in stream order,
// and then waits for more. It blocks until ctx ends (returning ctx.Err()),
// the Store closes (ErrClosed), fn returns an error (returned as is) or a
// Redis error that retrying will not fix. Transient Redis errors are retried.
// fn runs on the caller's goroutine and must not modify the entries: readers
// at the same position share them.
func (s *Store) Read(ctx context.Context, stream string, after ID, count int, fn func([]Entry) error) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	w := s.acquireWatcherLocked(stream)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.releaseWatcherLocked(w)
		s.mu.Unlock()
	}()
	select {
	case <-w.ready:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.ctx.Done():
		return ErrClosed
	}
	var b backoff
	for {
		changed, gen := w.changedGen()
		res, err := s.readShared(ctx, stream, after, count, gen)
		switch {
		case s.ctx.Err() != nil:
			return ErrClosed
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, redis.Nil):
			res = nil
		case err != nil:
			err = classify(err)
			if !errors.Is(err, ErrUnavailable) {
				return err
			}
			if !sleepCtx(ctx, b.next()) {
				return ctx.Err()
			}
			continue
		}
		b.reset()
		if len(res) > 0 {
			after = res[len(res)-1].ID
			if res = unexpired(res, time.Now()); len(res) == 0 {
				continue
			}
			if err := fn(res); err != nil {
				return err
			}
			continue
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.ctx.Done():
			return ErrClosed
		}
	}
}

// LastID returns the ID of the stream's newest entry, or 0-0 when the stream
// is empty or missing.
func (s *Store) LastID(ctx context.Context, stream string) (ID, error) {
	return lastID(ctx, s.rdb, stream)
}

func lastID(ctx context.Context, c redis.UniversalClient, stream string) (ID, error) {
	msgs, err := c.XRevRangeN(ctx, stream, "+", "-", 1).Result()
	if err != nil {
		return ID{}, classify(err)
	}
	if len(msgs) == 0 {
		return ID{}, nil
	}
	return ParseID(msgs[0].ID)
}
