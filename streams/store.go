package streams

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Store is Sluice's access to Redis Streams. It is safe for concurrent use.
// Create it with New and release it with Close.
type Store struct {
	rdb    redis.UniversalClient // request/response commands
	reader redis.UniversalClient // watchers' blocking reads; owned by the Store
	log    *slog.Logger

	ctx    context.Context // ends when the Store closes; parent of every loop
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the Store started

	mu          sync.Mutex
	closed      bool
	watchers    map[string]*watcher
	dispatchers map[groupKey]*dispatcher
}

// Options configure a Store.
type Options struct {
	// Client runs Sluice's commands. The caller owns it: Close does not close
	// it. Required.
	Client redis.UniversalClient
	// ReadClient runs the blocking XREADs that watch streams for new
	// entries, one connection per watched stream, and the XREADGROUPs that
	// deliver to groups. The Store owns it and closes it on Close, which also
	// ends reads blocked in it. Required. Give it a pool as large as the
	// number of streams you expect to watch, and MaxRetries -1: a retried
	// XREADGROUP would leave its first batch pending with nobody told.
	ReadClient redis.UniversalClient
	// Logger for background problems. Default slog.Default().
	Logger *slog.Logger
}

// New returns a Store over the given clients.
func New(o Options) (*Store, error) {
	if o.Client == nil || o.ReadClient == nil {
		return nil, errors.New("streams: Options.Client and Options.ReadClient are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Store{
		rdb:         o.Client,
		reader:      o.ReadClient,
		log:         o.Logger,
		ctx:         ctx,
		cancel:      cancel,
		watchers:    make(map[string]*watcher),
		dispatchers: make(map[groupKey]*dispatcher),
	}, nil
}

// Close ends every subscription (their Next and Read calls return ErrClosed),
// closes the blocking client and waits for the Store's goroutines. Entries
// that subscriptions held stay pending in Redis. Close is idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	// Closing the pool fails reads still blocked in Redis at once, instead of
	// waiting out their BLOCK.
	err := s.reader.Close()
	s.wg.Wait()
	return err
}

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	return classify(s.rdb.Ping(ctx).Err())
}

// Publish appends events to stream in one MULTI/EXEC transaction, so a batch
// is stored contiguously and in order, and returns their entry IDs.
func (s *Store) Publish(ctx context.Context, stream string, events []Event) ([]string, error) {
	cmds := make([]*redis.StringCmd, len(events))
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i := range events {
			cmds[i] = p.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: events[i].fields()})
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

// EnsureGroup creates group on stream at start (Newest, Earliest, or an ID
// after which delivery begins), creating the stream too if it is missing.
// An existing group is left as it is.
func (s *Store) EnsureGroup(ctx context.Context, stream, group, start string) error {
	err := s.rdb.XGroupCreateMkStream(ctx, stream, group, start).Err()
	if err != nil && redis.HasErrorPrefix(err, "BUSYGROUP") {
		return nil
	}
	return classify(err)
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

// AckRef names one delivered message.
type AckRef struct {
	Stream, Group string
	ID            ID
}

type groupKey struct{ stream, group string }

// ackScript acknowledges each ID on its own so the caller learns, per ID,
// whether it was still pending; one script call per stream and group keeps
// that to one command. A missing group means nothing is pending.
var ackScript = redis.NewScript(`
local res = {}
for i = 2, #ARGV do
  local ok, n = pcall(redis.call, 'XACK', KEYS[1], ARGV[1], ARGV[i])
  if ok then res[i-1] = n else res[i-1] = 0 end
end
return res
`)

// Ack acknowledges refs (XACK) and reports for each whether it was pending.
// Refs may name any streams and groups; each stream/group pair costs one
// script call, all pipelined in one round trip.
func (s *Store) Ack(ctx context.Context, refs []AckRef) ([]bool, error) {
	type batch struct {
		key  groupKey
		idx  []int
		args []any
		cmd  *redis.Cmd
	}
	var batches []*batch
	byKey := make(map[groupKey]*batch)
	for i, r := range refs {
		k := groupKey{r.Stream, r.Group}
		b := byKey[k]
		if b == nil {
			b = &batch{key: k, args: []any{r.Group}}
			byKey[k] = b
			batches = append(batches, b)
		}
		b.idx = append(b.idx, i)
		b.args = append(b.args, r.ID.String())
	}
	run := func(bs []*batch) error {
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, b := range bs {
				b.cmd = ackScript.EvalSha(ctx, p, []string{b.key.stream}, b.args...)
			}
			return nil
		})
		return err
	}
	err := run(batches)
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		// A Redis that restarted, or a node that never saw the script: load
		// it and run again the batches that did not run at all.
		var again []*batch
		for _, b := range batches {
			if redis.HasErrorPrefix(b.cmd.Err(), "NOSCRIPT") {
				again = append(again, b)
			}
		}
		if err = ackScript.Load(ctx, s.rdb).Err(); err == nil {
			err = run(again)
		}
	}
	if err != nil {
		return nil, classify(err)
	}
	out := make([]bool, len(refs))
	for _, b := range batches {
		vals, err := b.cmd.Int64Slice()
		if err != nil || len(vals) != len(b.idx) {
			return nil, fmt.Errorf("streams: unexpected XACK reply for %s/%s: %v", b.key.stream, b.key.group, err)
		}
		ids := make([]ID, len(b.idx))
		for j, i := range b.idx {
			out[i] = vals[j] == 1
			ids[j] = refs[i].ID
		}
		// Every acked ID, pending or not, no longer counts against the
		// credit of a local subscription that holds it.
		s.released(b.key, ids)
	}
	return out, nil
}

// sleepCtx waits d or until ctx ends; it reports whether the full d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
