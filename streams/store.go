package streams

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"
)

// Store is Sluice's access to Redis Streams. It is safe for concurrent use.
// Create it with New and release it with Close.
type Store struct {
	rdb    redis.UniversalClient // request/response commands
	reader redis.UniversalClient // blocking reads; owned by the Store
	log    *slog.Logger
	// readBlock is the longest a dispatcher's XREADGROUP waits in Redis.
	readBlock time.Duration

	observer          Observer
	maxLength         func(string) int64
	idempotencyWindow time.Duration
	idleConsumerTTL   time.Duration

	infoMu sync.Mutex
	info   *serverInfo

	reads singleflight.Group // shared XREADs of independent readers (read.go)

	sched schedState // scheduled delivery (schedule.go)

	topics     sync.Map // topic name -> partition count (never changes)
	roundRobin atomic.Uint64

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
	// ReadClient runs the blocking reads: the XREADGROUPs that deliver to
	// groups, one connection per stream and group with subscriptions, and
	// the XREADs that watch streams for independent readers, one connection
	// per stream. The Store owns it and closes it on Close, which also ends
	// reads blocked in it. Required. Give it a pool as large as the number
	// of streams and groups you expect to serve, and MaxRetries -1: a
	// retried XREADGROUP would leave its first batch pending with nobody
	// told.
	ReadClient redis.UniversalClient
	// Logger for background problems. Default slog.Default().
	Logger *slog.Logger
	// IdempotencyWindow is how long an idempotency key is remembered.
	// Default 15 minutes.
	IdempotencyWindow time.Duration
	// IdleConsumerTTL is how long a consumer that holds nothing may stay
	// idle before it is deleted from its group. Default 1 hour.
	IdleConsumerTTL time.Duration
	// MaxLength, when set, caps a stream's length on every publish
	// (XADD MAXLEN ~ n); 0 means no cap.
	MaxLength func(stream string) int64
	// Observer hears of what the Store does on its own (dead-lettering past
	// max deliveries, cleaning up pending entries that lost their stream
	// entry). Default: nobody.
	Observer Observer
}

// Observer hears of work the Store does in the background. Its methods must
// be quick and safe for concurrent use.
type Observer interface {
	DeadLettered(stream, group string, n int)
	GonePending(stream, group string, n int)
	// Scheduled hears of a look at stream's schedule: how late each event it
	// moved into the stream was, and how many events are still scheduled.
	Scheduled(stream string, late []time.Duration, left int64)
	// Expired hears of n expired messages that a group's dispatcher settled
	// on the group's behalf: dead-lettered, or acked.
	Expired(stream, group string, n int, deadLettered bool)
	// Filtered hears of n messages that a group's filter did not match,
	// acked on the group's behalf.
	Filtered(stream, group string, n int)
}

type noObserver struct{}

func (noObserver) DeadLettered(string, string, int) {}

func (noObserver) GonePending(string, string, int) {}

func (noObserver) Scheduled(string, []time.Duration, int64) {}

func (noObserver) Expired(string, string, int, bool) {}

func (noObserver) Filtered(string, string, int) {}

// New returns a Store over the given clients.
func New(o Options) (*Store, error) {
	if o.Client == nil || o.ReadClient == nil {
		return nil, errors.New("streams: Options.Client and Options.ReadClient are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxLength == nil {
		o.MaxLength = func(string) int64 { return 0 }
	}
	if o.Observer == nil {
		o.Observer = noObserver{}
	}
	if o.IdempotencyWindow == 0 {
		o.IdempotencyWindow = 15 * time.Minute
	}
	if o.IdleConsumerTTL == 0 {
		o.IdleConsumerTTL = time.Hour
	}
	if o.IdempotencyWindow < time.Millisecond || o.IdleConsumerTTL < time.Millisecond {
		return nil, errors.New("streams: IdempotencyWindow and IdleConsumerTTL must be positive")
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Store{
		rdb:               o.Client,
		reader:            o.ReadClient,
		readBlock:         readBlockOf(o.ReadClient),
		log:               o.Logger,
		observer:          o.Observer,
		maxLength:         o.MaxLength,
		idempotencyWindow: o.IdempotencyWindow,
		idleConsumerTTL:   o.IdleConsumerTTL,
		ctx:               ctx,
		cancel:            cancel,
		sched:             schedState{wake: make(chan struct{}, 1), next: make(map[string]time.Time)},
		watchers:          make(map[string]*watcher),
		dispatchers:       make(map[groupKey]*dispatcher),
	}, nil
}

// maxReadBlock is the longest a dispatcher waits in Redis for new entries,
// and so the longest a wake-up (a nack to redeliver, a subscription that
// came or went) waits while its stream is quiet.
const maxReadBlock = 250 * time.Millisecond

// readBlockOf is maxReadBlock, or less if c's read timeout is short: go-redis
// gives a pipelined blocking command only the client's read timeout.
func readBlockOf(c redis.UniversalClient) time.Duration {
	var timeout time.Duration
	switch c := c.(type) {
	case *redis.Client:
		timeout = c.Options().ReadTimeout
	case *redis.ClusterClient:
		timeout = c.Options().ReadTimeout
	}
	if timeout > 0 {
		return max(min(maxReadBlock, timeout/2), time.Millisecond)
	}
	return maxReadBlock
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

type groupKey struct{ stream, group string }

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
