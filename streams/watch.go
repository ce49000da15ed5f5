package streams

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// watchBlock bounds each blocking XREAD of a watcher. It is short enough that
// a released watcher's goroutine ends soon after, and far below go-redis's
// socket deadline (BLOCK + 10 s).
const watchBlock = 2 * time.Second

// A watcher tells independent readers (read.go) when their stream gets
// entries beyond the newest one it knew: one blocking connection per watched
// stream, however many readers wait on it. They then read with non-blocking
// commands on the shared pool. Groups do not need it: their dispatcher waits
// in its own XREADGROUP (dispatcher.go).
type watcher struct {
	stream string
	ready  chan struct{} // closed once the watcher has read the stream's tail
	cancel context.CancelFunc
	refs   int // guarded by Store.mu

	mu  sync.Mutex
	ch  chan struct{} // closed and replaced on every change
	gen uint64        // changes so far
}

// changedGen returns a channel that is closed at the next change, and the
// number of changes so far: reads made by callers holding the same number
// all see the same announced entries. Take it before reading the stream, so
// that no entry can slip in between unnoticed.
func (w *watcher) changedGen() (<-chan struct{}, uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ch, w.gen
}

func (w *watcher) broadcast() {
	w.mu.Lock()
	close(w.ch)
	w.ch = make(chan struct{})
	w.gen++
	w.mu.Unlock()
}

// acquireWatcherLocked returns the stream's watcher, starting it if needed.
// s.mu must be held.
func (s *Store) acquireWatcherLocked(stream string) *watcher {
	w := s.watchers[stream]
	if w == nil {
		ctx, cancel := context.WithCancel(s.ctx)
		w = &watcher{stream: stream, ready: make(chan struct{}), cancel: cancel, ch: make(chan struct{})}
		s.watchers[stream] = w
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.watch(ctx, w)
		}()
	}
	w.refs++
	return w
}

// releaseWatcherLocked drops one reference; the last one stops the watcher.
// s.mu must be held.
func (s *Store) releaseWatcherLocked(w *watcher) {
	w.refs--
	if w.refs == 0 {
		if s.watchers[w.stream] == w {
			delete(s.watchers, w.stream)
		}
		w.cancel()
	}
}

func (s *Store) watch(ctx context.Context, w *watcher) {
	var b backoff
	var last ID
	for {
		id, err := lastID(ctx, s.rdb, w.stream)
		if err == nil {
			last = id
			break
		}
		if !sleepCtx(ctx, b.next()) {
			close(w.ready)
			return
		}
		s.log.Warn("cannot read stream tail; retrying", "stream", w.stream, "err", err)
	}
	close(w.ready)
	for ctx.Err() == nil {
		res, err := s.reader.XRead(ctx, &redis.XReadArgs{
			Streams: []string{w.stream, last.String()},
			Count:   1,
			Block:   watchBlock,
		}).Result()
		if ctx.Err() != nil {
			return
		}
		if err != nil && err != redis.Nil {
			s.log.Warn("watching stream failed; retrying", "stream", w.stream, "err", err)
			if !sleepCtx(ctx, b.next()) {
				return
			}
		} else {
			b.reset()
		}
		var woke ID // the entry that ended the XREAD, if one did
		if err == nil && len(res) > 0 && len(res[0].Messages) > 0 {
			if id, perr := ParseID(res[0].Messages[0].ID); perr == nil {
				woke = id
				// Wake waiters first: this is the publish-to-delivery path.
				w.broadcast()
			}
		}
		// Then re-read the tail: after new entries it skips the watcher past
		// all of them at once; after a timeout or an error it notices a
		// stream that was deleted or reset (a Redis restart without
		// persistence), whose IDs may now be lower than last.
		tail, terr := lastID(ctx, s.rdb, w.stream)
		switch {
		case terr != nil:
			if woke != (ID{}) {
				last = woke
			}
		case tail != last && tail != woke:
			// Entries came in after the one that woke us (or the stream
			// changed under us): the waiters may have read before them.
			last = tail
			w.broadcast()
		default:
			last = tail
		}
	}
}

// backoff is a capped exponential delay for retry loops.
type backoff struct{ d time.Duration }

func (b *backoff) next() time.Duration {
	switch {
	case b.d == 0:
		b.d = 50 * time.Millisecond
	case b.d < 2*time.Second:
		b.d *= 2
	}
	return b.d
}

func (b *backoff) reset() { b.d = 0 }
