package streams

import (
	"context"
	"embed"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// The Lua scripts that make Sluice's multi-step operations atomic. Each
// touches only keys of one stream's hash slot (the stream and "{stream}:..."
// keys), so they run on Redis Cluster too.
//
// Timing: Redis only knows one kind of time-out, a pending entry's idle time
// (since its last delivery), and XCLAIM ... IDLE can only make it larger.
// So each consumer has a threshold, the idle time at which its pending
// entries become due for redelivery:
//   - a subscription's consumer C: its first-delivery wait (ack deadline +
//     minimum backoff), registered in the hash {stream}:sluice:waits under
//     "group C" when it reads. Entries it reads with XREADGROUP are due after
//     exactly that, with no further command. Without a registration (a
//     consumer Sluice did not create, or one whose field is gone) the
//     threshold is MaxWait: late, never early.
//   - its wait lane "C~" (a name Sluice's validation never lets a client
//     choose): MaxWait. Entries of C that must wait longer than C's
//     threshold (a long nack delay or extension, a growing backoff) are
//     moved there with idle MaxWait - wait.
// An entry that must become due after w <= threshold stays with (or goes
// back to) C with idle threshold - w. Every move is XCLAIM ... JUSTID
// RETRYCOUNT n, which keeps the delivery count what it was; the reclaim
// (claimScript) scans the pending list with XPENDING and claims what is due
// by its owner's threshold. All of it is durable and works from any replica.
//
// Fencing acks: an ack names the delivery count it was delivered with, and
// must not ack a later delivery of the same entry. Checking the count takes
// an XPENDING per batch (in Lua, the costliest part of an ack). So each
// group has a redelivery epoch, the field "group" of {stream}:sluice:epochs,
// which claimScript increments whenever it redelivers; nothing else in
// Sluice raises a delivery count (nacks and extensions keep it with
// RETRYCOUNT). A delivery carries the epoch of before its read (or of its
// claim) as its fence; while the group's epoch is still that, no entry of
// the group was redelivered since, so the count is unchanged and a plain
// XACK is the whole check. Tools outside Sluice that XCLAIM in a Sluice
// group do not move the epoch: their redeliveries are not fenced against
// late acks.

// Each script is a file in lua/: its KEYS and ARGV are named in locals at
// its top, and its reply is described there. lua/lib.lua holds the
// functions they share and is put in front of each.

//go:embed lua/*.lua
var luaFiles embed.FS

// loadScript is lua/lib.lua followed by lua/<name>.lua.
func loadScript(name string) *redis.Script {
	lib, err := luaFiles.ReadFile("lua/lib.lua")
	if err != nil {
		panic(err)
	}
	body, err := luaFiles.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(err)
	}
	return redis.NewScript(string(lib) + string(body))
}

// The scripts, each with the Go function that builds its call or reads its
// reply named beside it.
var (
	// KEYS: stream, dlq, reasons, waits, epochs. ARGV: group, consumer, max
	// wait ms, cursor, count, max deliveries, deadline ms, backoff min ms,
	// backoff max ms, now ms, the consumer's threshold ms (dispatcher.claim).
	claimScript = loadScript("claim")
	// KEYS: stream, dlq, reasons, waits. ARGV: group, op (nack, extend or
	// reject), max wait ms, reason, now ms, then per entry: id, attempt,
	// wait ms (settleCall).
	settleScript = loadScript("settle")
	// KEYS: stream, reasons, epochs. ARGV: group, fence, the IDs
	// (ackCurrentCall).
	ackCurrentScript = loadScript("ack_current")
	// KEYS: stream, reasons, epochs. ARGV: group, lowest ID, highest ID,
	// the fence the entries share or "", then per entry: id, attempt, and
	// without a shared fence the entry's fence (ackCall).
	ackScript = loadScript("ack")
	// KEYS: stream, schedule, scheduled, schedule sequence, then the
	// idempotency keys. ARGV: window ms, max length (0: none), then per
	// event: key index into KEYS (0: none), due ms (0: none), delay ms (0:
	// none), field count, fields (Store.publishScripted).
	publishScript = loadScript("publish")
	// KEYS: stream, schedule, scheduled. ARGV: most to move, max length
	// (Scheduler.move).
	scheduleMoveScript = loadScript("schedule_move")
	// KEYS: schedule, scheduled. ARGV: schedule ID (Store.CancelScheduled).
	scheduleCancelScript = loadScript("schedule_cancel")
	// KEYS: stream, waits. ARGV: group, consumer (dispatcher.deleteIdleConsumer).
	delIdleConsumerScript = loadScript("del_idle_consumer")
	// KEYS: members, owners. ARGV: member, lease ms, partitions, leave (1:
	// leave the group), then partitions given up (TopicSub.heartbeat).
	rebalanceScript = loadScript("rebalance")
	// KEYS: members, owners (Store.topicGroup).
	assignmentScript = loadScript("assignment")
	// KEYS: stream, filters. ARGV: group, start, filter (Store.CreateGroup).
	groupCreateScript = loadScript("group_create")
)

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

// rawEntry is an entry as a script returns it.
type rawEntry struct {
	id     string
	fields map[string]any // nil when the stream entry is gone
}

// parseEntry reads {id, {f1, v1, ...}} from a script reply.
func parseEntry(v any) (rawEntry, error) {
	e, ok := v.([]any)
	if !ok || len(e) < 2 {
		return rawEntry{}, fmt.Errorf("streams: unexpected entry in script reply: %T", v)
	}
	id, ok := e[0].(string)
	if !ok {
		return rawEntry{}, fmt.Errorf("streams: unexpected entry ID in script reply: %T", e[0])
	}
	flat, ok := e[1].([]any)
	if !ok {
		return rawEntry{id: id}, nil
	}
	fields := make(map[string]any, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		if k, ok := flat[i].(string); ok {
			fields[k] = flat[i+1]
		}
	}
	return rawEntry{id: id, fields: fields}, nil
}
