package streams

import (
	"context"
	"errors"
	"fmt"
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
}

type noObserver struct{}

func (noObserver) DeadLettered(string, string, int) {}
func (noObserver) GonePending(string, string, int)  {}

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

// Publish appends events to stream, contiguously and in order, and returns
// their entry IDs. Events with an idempotency key seen on this stream within
// the idempotency window are not stored again: their ID is the original
// one. Without keys it is one MULTI/EXEC; with keys, one Lua script.
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
		if events[i].IdempotencyKey != "" {
			return s.publishIdempotent(ctx, c, stream, events)
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

func (s *Store) publishIdempotent(ctx context.Context, c commander, stream string, events []Event) ([]string, error) {
	keys := []string{stream}
	keyIndex := make(map[string]int)
	args := []any{s.idempotencyWindow.Milliseconds(), s.maxLength(stream)}
	for i := range events {
		k := 0
		if ik := events[i].IdempotencyKey; ik != "" {
			if k = keyIndex[ik]; k == 0 {
				keys = append(keys, idempotencyKey(stream, ik))
				k = len(keys)
				keyIndex[ik] = k
			}
		}
		fields := events[i].fields()
		args = append(args, k, len(fields))
		args = append(args, fields...)
	}
	calls := []scriptCall{{script: publishScript, keys: keys, args: args}}
	if err := runScripts(ctx, c, calls); err != nil {
		return nil, classify(err)
	}
	ids, err := calls[0].cmd.StringSlice()
	if err != nil || len(ids) != len(events) {
		return nil, fmt.Errorf("streams: unexpected publish reply: %v", err)
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

type groupKey struct{ stream, group string }

// Ref names one delivery of a message to a group.
type Ref struct {
	Stream, Group string
	ID            ID
	// Attempt is the delivery count the message was delivered with; a
	// settlement for an older attempt is stale.
	Attempt int
	// Wait is, for Nack, the delay before redelivery, and for Extend, the
	// new deadline from now. At most MaxWait.
	Wait time.Duration
	// Fence is Delivery.Fence (0: unknown).
	Fence uint64
}

// Result is what settling one delivery did.
type Result int

// Results of Ack, Nack, Extend and Reject.
const (
	// NotPending: already acked, dead-lettered, or gone; nothing done.
	NotPending Result = 0
	// Done: it took effect.
	Done Result = 1
	// Stale: the message was delivered again since this delivery.
	Stale Result = 2
)

type settleOp string

const (
	opAck    settleOp = "ack"
	opNack   settleOp = "nack"
	opExtend settleOp = "extend"
	opReject settleOp = "reject"
)

type settleItem struct {
	ID      ID
	Attempt int
	Wait    time.Duration
	Fence   uint64
}

// Ack acknowledges deliveries (XACK), each only if it is still the current
// delivery of its message.
func (s *Store) Ack(ctx context.Context, refs []Ref) ([]Result, error) {
	return s.settleRefs(ctx, opAck, "", refs)
}

// Nack makes deliveries claimable again after each ref's Wait, keeping
// reason for the dead-letter record should the message end there.
func (s *Store) Nack(ctx context.Context, refs []Ref, reason string) ([]Result, error) {
	return s.settleRefs(ctx, opNack, reason, refs)
}

// Extend sets each delivery's deadline to now + Wait.
func (s *Store) Extend(ctx context.Context, refs []Ref) ([]Result, error) {
	return s.settleRefs(ctx, opExtend, "", refs)
}

// Reject dead-letters deliveries with reason and acks them, atomically per
// message.
func (s *Store) Reject(ctx context.Context, refs []Ref, reason string) ([]Result, error) {
	return s.settleRefs(ctx, opReject, reason, refs)
}

// settleRefs runs settleScript once per stream and group, all pipelined in
// one round trip, then frees the local credit of what was settled.
func (s *Store) settleRefs(ctx context.Context, op settleOp, reason string, refs []Ref) ([]Result, error) {
	batches, err := s.settleBatches(ctx, op, reason, refs, false)
	if err != nil {
		return nil, err
	}
	out := make([]Result, len(refs))
	for _, b := range batches {
		for j, r := range b.res {
			out[b.idx[j]] = r
		}
	}
	return out, nil
}

// Tally is what settling did to the deliveries of one stream and group.
type Tally struct {
	Stream, Group           string
	Done, Stale, NotPending int
}

// AckCount is Ack for callers that need no result per delivery, only how
// many of each stream and group it acked: a batch of one read's deliveries
// then costs Redis one multi-ID XACK instead of one XACK per ID, and the
// call carries only the IDs (see ackCurrentScript).
func (s *Store) AckCount(ctx context.Context, refs []Ref) ([]Tally, error) {
	batches, err := s.settleBatches(ctx, opAck, "", refs, true)
	if err != nil {
		return nil, err
	}
	out := make([]Tally, len(batches))
	for i, b := range batches {
		t := Tally{Stream: b.key.stream, Group: b.key.group}
		if b.res == nil {
			t.Done, t.NotPending = b.done, len(b.items)-b.done
		}
		for _, r := range b.res {
			switch r {
			case Done:
				t.Done++
			case Stale:
				t.Stale++
			default:
				t.NotPending++
			}
		}
		out[i] = t
	}
	return out, nil
}

// settleBatch is the deliveries of one stream and group in a settlement,
// and its results: one per item, or (ackCurrentScript's, with counts) only
// how many it acked.
type settleBatch struct {
	key   groupKey
	idx   []int // the items' places in the caller's refs
	items []settleItem
	res   []Result
	done  int
}

// settleBatches settles refs, one script call per stream and group, all in
// one pipeline. With counts, acks of one shared fence go to ackCurrentScript
// first, and to ackScript only if their fence was not current.
func (s *Store) settleBatches(ctx context.Context, op settleOp, reason string, refs []Ref, counts bool) ([]*settleBatch, error) {
	var batches []*settleBatch
	byKey := make(map[groupKey]*settleBatch)
	for i, r := range refs {
		k := groupKey{r.Stream, r.Group}
		b := byKey[k]
		if b == nil {
			b = &settleBatch{key: k}
			if len(batches) == 0 { // mostly the only one: one stream and group per call
				b.idx, b.items = make([]int, 0, len(refs)), make([]settleItem, 0, len(refs))
			}
			byKey[k] = b
			batches = append(batches, b)
		}
		b.idx = append(b.idx, i)
		b.items = append(b.items, settleItem{ID: r.ID, Attempt: r.Attempt, Wait: r.Wait, Fence: r.Fence})
	}
	calls := make([]scriptCall, len(batches))
	for i, b := range batches {
		if fence, ok := sharedFence(b.items); ok && fence != 0 && counts && op == opAck {
			calls[i] = ackCurrentCall(b.key, fence, b.items)
		} else {
			calls[i] = settleCall(b.key, op, reason, b.items)
		}
	}
	if err := s.runScripts(ctx, calls); err != nil {
		return nil, classify(err)
	}
	// Batches whose fence was not current any more are checked one by one.
	var again []scriptCall
	var againFor []int
	for i, b := range batches {
		if calls[i].script != ackCurrentScript {
			continue
		}
		n, err := calls[i].cmd.Int64()
		if err != nil || n < -1 || n > int64(len(b.items)) {
			return nil, fmt.Errorf("streams: unexpected ack reply %d: %v", n, err)
		}
		if n == -1 {
			again = append(again, settleCall(b.key, op, reason, b.items))
			againFor = append(againFor, i)
			continue
		}
		b.done = int(n)
	}
	if len(again) > 0 {
		if err := s.runScripts(ctx, again); err != nil {
			return nil, classify(err)
		}
		for j, i := range againFor {
			calls[i] = again[j]
		}
	}
	for i, b := range batches {
		if calls[i].script != ackCurrentScript {
			res, err := settleResults(calls[i].cmd, len(b.items))
			if err != nil {
				return nil, err
			}
			b.res = res
		}
		s.afterSettle(b.key, op, b.items)
	}
	return batches, nil
}

// settle is settleRefs for one stream and group.
func (s *Store) settle(ctx context.Context, key groupKey, op settleOp, reason string, items []settleItem) ([]Result, error) {
	calls := []scriptCall{settleCall(key, op, reason, items)}
	if err := s.runScripts(ctx, calls); err != nil {
		return nil, classify(err)
	}
	res, err := settleResults(calls[0].cmd, len(items))
	if err != nil {
		return nil, err
	}
	s.afterSettle(key, op, items)
	return res, nil
}

// settleCall settles items with op: acks, the common case, have a script
// of their own.
func settleCall(key groupKey, op settleOp, reason string, items []settleItem) scriptCall {
	if op == opAck {
		return ackCall(key, items)
	}
	args := make([]any, 0, 5+3*len(items))
	args = append(args, key.group, string(op), MaxWait.Milliseconds(), reason, time.Now().UnixMilli())
	for _, it := range items {
		args = append(args, it.ID.String(), it.Attempt, min(it.Wait, MaxWait).Milliseconds())
	}
	return scriptCall{script: settleScript, keys: []string{key.stream, DeadLetterKey(key.stream), reasonsKey(key.stream), waitsKey(key.stream)}, args: args}
}

// sharedFence is the fence of items if they all have the same one.
func sharedFence(items []settleItem) (uint64, bool) {
	f := items[0].Fence
	for _, it := range items[1:] {
		if it.Fence != f {
			return 0, false
		}
	}
	return f, true
}

// ackCurrentCall is ackCurrentScript's call: the fence, then the IDs.
func ackCurrentCall(key groupKey, fence uint64, items []settleItem) scriptCall {
	args := make([]any, 0, 2+len(items))
	args = append(args, key.group, fence)
	for _, it := range items {
		args = append(args, it.ID.String())
	}
	return scriptCall{script: ackCurrentScript, keys: []string{key.stream, reasonsKey(key.stream), epochsKey(key.stream)}, args: args}
}

// ackCall is ackScript's call: the IDs' range, the fence they share (if
// they do), then each ID and attempt, and each fence if not shared.
func ackCall(key groupKey, items []settleItem) scriptCall {
	lo, hi := items[0].ID, items[0].ID
	for _, it := range items[1:] {
		if it.ID.Less(lo) {
			lo = it.ID
		}
		if hi.Less(it.ID) {
			hi = it.ID
		}
	}
	fence, shared := sharedFence(items)
	args := make([]any, 0, 4+3*len(items))
	args = append(args, key.group, lo.String(), hi.String())
	if shared {
		args = append(args, fence)
	} else {
		args = append(args, "")
	}
	for _, it := range items {
		args = append(args, it.ID.String(), it.Attempt)
		if !shared {
			args = append(args, it.Fence)
		}
	}
	return scriptCall{script: ackScript, keys: []string{key.stream, reasonsKey(key.stream), epochsKey(key.stream)}, args: args}
}

// settleResults reads a settle script's reply for n items: one result per
// item.
func settleResults(cmd *redis.Cmd, n int) ([]Result, error) {
	vals, err := cmd.Int64Slice()
	if err != nil || len(vals) != n {
		return nil, fmt.Errorf("streams: unexpected settle reply: %v", err)
	}
	out := make([]Result, n)
	for i, v := range vals {
		out[i] = Result(v)
	}
	return out, nil
}

// afterSettle frees local credit: every settled delivery but an extended one
// no longer counts against the subscription that holds it, whatever the
// result (stale or not pending means it is not held any more either).
func (s *Store) afterSettle(key groupKey, op settleOp, items []settleItem) {
	if op == opExtend {
		return
	}
	s.mu.Lock()
	d := s.dispatchers[key]
	s.mu.Unlock()
	if d == nil {
		return
	}
	ids := make([]ID, len(items))
	soon := false
	for i, it := range items {
		ids[i] = it.ID
		soon = soon || (op == opNack && it.Wait < claimEvery)
	}
	d.release(ids)
	if soon {
		d.claimSoon()
	}
}

// scriptCall is one run of a script in a pipeline.
type scriptCall struct {
	script *redis.Script
	keys   []string
	args   []any
	cmd    *redis.Cmd
}

// runScripts runs calls in one pipeline with EVALSHA, loading the scripts
// and running again the calls that found theirs missing (a restarted
// Redis, or a Cluster node that never saw it).
func (s *Store) runScripts(ctx context.Context, calls []scriptCall) error {
	return runScripts(ctx, s.rdb, calls)
}

func runScripts(ctx context.Context, c redis.Cmdable, calls []scriptCall) error {
	run := func(cs []*scriptCall) error {
		_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, c := range cs {
				c.cmd = c.script.EvalSha(ctx, p, c.keys, c.args...)
			}
			return nil
		})
		return err
	}
	all := make([]*scriptCall, len(calls))
	for i := range calls {
		all[i] = &calls[i]
	}
	err := run(all)
	if err == nil || !redis.HasErrorPrefix(err, "NOSCRIPT") {
		return err
	}
	var again []*scriptCall
	loaded := make(map[*redis.Script]bool)
	for _, call := range all {
		if !redis.HasErrorPrefix(call.cmd.Err(), "NOSCRIPT") {
			continue
		}
		again = append(again, call)
		if !loaded[call.script] {
			if err := call.script.Load(ctx, c).Err(); err != nil {
				return err
			}
			loaded[call.script] = true
		}
	}
	return run(again)
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
