package streams

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

// Read is an independent reader (XREAD, no consumer group): it calls fn with
// each batch of at most count entries after position after, in stream order,
// and then waits for more. It blocks until ctx ends (returning ctx.Err()),
// the Store closes (ErrClosed), fn returns an error (returned as is) or a
// Redis error that retrying will not fix. Transient Redis errors are retried.
// fn runs on the caller's goroutine.
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
		changed := w.changed()
		res, err := s.rdb.XRead(ctx, &redis.XReadArgs{
			Streams: []string{stream, after.String()},
			Count:   int64(count),
			Block:   -1,
		}).Result()
		switch {
		case s.ctx.Err() != nil:
			return ErrClosed
		case ctx.Err() != nil:
			return ctx.Err()
		case err == redis.Nil:
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
		if len(res) > 0 && len(res[0].Messages) > 0 {
			entries := make([]Entry, 0, len(res[0].Messages))
			for _, m := range res[0].Messages {
				id, err := ParseID(m.ID)
				if err != nil {
					return err
				}
				entries = append(entries, decodeEntry(id, m.Values))
				after = id
			}
			if err := fn(entries); err != nil {
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
