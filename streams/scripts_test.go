package streams

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/sluice-io/sluice/internal/testredis"
)

// The scripts' replies, case by case, on every backend: what each returns
// and what it leaves in Redis, so that a script can be changed safely. Each
// case starts from a stream "s" with entries 1-1, 1-2, 1-3 and a group "g"
// that read all three as consumer "c" (delivery count 1, registered
// threshold 5000 ms), unless its setup says otherwise.

const scriptM = 600000 // MaxWait in ms, as the scripts get it

type scriptCase struct {
	name   string
	setup  func(t *testing.T, c redis.UniversalClient)
	script *redis.Script
	keys   []string
	args   []any
	// reply is fmt.Sprint of the reply, or "error " and the start of the
	// error; or, for replies with IDs Redis made, match checks the reply.
	reply string
	match func(t *testing.T, reply []any)
	// check looks at what the script left.
	check func(t *testing.T, c redis.UniversalClient)
}

var sKeys = struct{ dlq, reasons, waits, epochs string }{DeadLetterKey("s"), reasonsKey("s"), waitsKey("s"), epochsKey("s")}

func TestScripts(t *testing.T) {
	idle := func(t *testing.T, c redis.UniversalClient, owner string, ms int, attempt int, ids ...string) {
		t.Helper()
		for _, id := range ids {
			if err := c.Do(t.Context(), "XCLAIM", "s", "g", owner, 0, id, "IDLE", ms, "JUSTID", "RETRYCOUNT", attempt).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	claimArgs := func(count, maxd int) []any {
		// group, consumer, M, cursor, count, max deliveries, deadline,
		// backoff min, backoff max, now, the consumer's threshold
		return []any{"g", "b", scriptM, "0-0", count, maxd, 5000, 0, 0, 1700000000000, 5000}
	}
	claimKeys := []string{"s", sKeys.dlq, sKeys.reasons, sKeys.waits, sKeys.epochs}
	settleKeys := []string{"s", sKeys.dlq, sKeys.reasons, sKeys.waits}
	ackKeys := []string{"s", sKeys.reasons, sKeys.epochs}
	cases := []scriptCase{
		{name: "claim: nothing due, registers the consumer", script: claimScript, keys: claimKeys, args: claimArgs(10, 5),
			reply: "[0-0 [] 0 0 0]",
			check: func(t *testing.T, c redis.UniversalClient) {
				wantHash(t, c, sKeys.waits, "g b", "5000")
			}},
		{name: "claim: a due entry, for its next attempt", script: claimScript, keys: claimKeys, args: claimArgs(10, 5),
			setup: func(t *testing.T, c redis.UniversalClient) { idle(t, c, "c", 6000, 1, "1-2") },
			reply: "[0-0 [[1-2 [type T payload 2] 2]] 0 0 1]",
			check: func(t *testing.T, c redis.UniversalClient) {
				// b's threshold 5000 - the wait of attempt 2 (5000): due
				// after 5 s, owned by b.
				wantPending(t, c, "1-2", "b", 2)
				wantHash(t, c, sKeys.epochs, "g", "1")
			}},
		{name: "claim: count bounds the claimed, the cursor resumes", script: claimScript, keys: claimKeys, args: claimArgs(1, 5),
			setup: func(t *testing.T, c redis.UniversalClient) { idle(t, c, "c", 6000, 1, "1-1", "1-3") },
			reply: "[1-2 [[1-1 [type T payload 1] 2]] 0 0 1]"}, // 1-2 is next to look at
		{name: "claim: a wait beyond the consumer's threshold goes to its lane", script: claimScript, keys: claimKeys,
			args:  []any{"g", "b", scriptM, "0-0", 10, 5, 5000, 60000, 60000, 1700000000000, 5000},
			setup: func(t *testing.T, c redis.UniversalClient) { idle(t, c, "c", 6000, 1, "1-1") },
			reply: "[0-0 [[1-1 [type T payload 1] 2]] 0 0 1]",
			check: func(t *testing.T, c redis.UniversalClient) { wantPending(t, c, "1-1", "b~", 2) }},
		{name: "claim: past max deliveries, dead-lettered with the last nack", script: claimScript, keys: claimKeys, args: claimArgs(10, 2),
			setup: func(t *testing.T, c redis.UniversalClient) {
				idle(t, c, "c", 6000, 2, "1-1")
				c.HSet(t.Context(), sKeys.reasons, "g 1-1", "boom")
			},
			reply: "[0-0 [] 1 0 0]",
			check: func(t *testing.T, c redis.UniversalClient) {
				wantPending(t, c, "1-1", "", 0)
				dl := c.XRange(t.Context(), sKeys.dlq, "-", "+").Val()
				if len(dl) != 1 || dl[0].Values["dlq_source_id"] != "1-1" || dl[0].Values["dlq_attempts"] != "2" ||
					dl[0].Values["dlq_reason"] != "max deliveries (2) exceeded; last nack: boom" || dl[0].Values["payload"] != "1" {
					t.Fatalf("dead letters %v", dl)
				}
				wantHash(t, c, sKeys.reasons, "g 1-1", "")
			}},
		{name: "claim: a pending entry whose stream entry is gone is acked", script: claimScript, keys: claimKeys, args: claimArgs(10, 5),
			setup: func(t *testing.T, c redis.UniversalClient) {
				idle(t, c, "c", 6000, 1, "1-3")
				c.XDel(t.Context(), "s", "1-3")
			},
			reply: "[0-0 [] 0 1 0]",
			check: func(t *testing.T, c redis.UniversalClient) { wantPending(t, c, "1-3", "", 0) }},
		{name: "claim: no group", script: claimScript, keys: claimKeys, args: append([]any{"nogroup"}, claimArgs(10, 5)[1:]...),
			reply: "error NOGROUP"},

		{name: "settle: nack with a reason, due after its wait", script: settleScript, keys: settleKeys,
			args:  []any{"g", "nack", scriptM, "try later", 1, "1-1", 1, 2000},
			reply: "[1]",
			check: func(t *testing.T, c redis.UniversalClient) {
				wantPending(t, c, "1-1", "c", 1) // the count stays
				wantIdleAbout(t, c, "1-1", 3000) // threshold 5000 - 2000
				wantHash(t, c, sKeys.reasons, "g 1-1", "try later")
			}},
		{name: "settle: extend past the threshold moves to the lane", script: settleScript, keys: settleKeys,
			args:  []any{"g", "extend", scriptM, "", 1, "1-2", 1, 60000},
			reply: "[1]",
			check: func(t *testing.T, c redis.UniversalClient) {
				wantPending(t, c, "1-2", "c~", 1)
				wantIdleAbout(t, c, "1-2", scriptM-60000)
			}},
		{name: "settle: reject dead-letters and acks; stale and not pending are left", script: settleScript, keys: settleKeys,
			setup: func(t *testing.T, c redis.UniversalClient) { c.XAck(t.Context(), "s", "g", "1-3") },
			args:  []any{"g", "reject", scriptM, "bad", 7, "1-1", 1, 0, "1-2", 2, 0, "1-3", 1, 0},
			reply: "[1 2 0]",
			check: func(t *testing.T, c redis.UniversalClient) {
				wantPending(t, c, "1-1", "", 0)
				wantPending(t, c, "1-2", "c", 1)
				dl := c.XRange(t.Context(), sKeys.dlq, "-", "+").Val()
				if len(dl) != 1 || dl[0].Values["dlq_reason"] != "bad" || dl[0].Values["dlq_time"] != "7" {
					t.Fatalf("dead letters %v", dl)
				}
			}},
		{name: "settle: an unknown op is an error", script: settleScript, keys: settleKeys,
			args: []any{"g", "ack", scriptM, "", 1, "1-1", 1, 0}, reply: "error ERR unknown settle op ack"},

		{name: "ack_current: the current fence acks them all", script: ackCurrentScript, keys: ackKeys,
			setup: func(t *testing.T, c redis.UniversalClient) { c.HSet(t.Context(), sKeys.reasons, "g 1-2", "x") },
			args:  []any{"g", 1, "1-1", "1-2", "1-2"}, reply: "2",
			check: func(t *testing.T, c redis.UniversalClient) {
				wantPending(t, c, "1-3", "c", 1)
				wantHash(t, c, sKeys.reasons, "g 1-2", "")
			}},
		{name: "ack_current: an old fence acks nothing", script: ackCurrentScript, keys: ackKeys,
			setup: func(t *testing.T, c redis.UniversalClient) { c.HSet(t.Context(), sKeys.epochs, "g", 1) },
			args:  []any{"g", 1, "1-1"}, reply: "-1",
			check: func(t *testing.T, c redis.UniversalClient) { wantPending(t, c, "1-1", "c", 1) }},

		{name: "ack: a shared current fence, one XACK each", script: ackScript, keys: ackKeys,
			args: []any{"g", "1-1", "1-2", 1, "1-1", 1, "1-2", 1, "1-1", 1}, reply: "[1 1 0]"},
		{name: "ack: a shared old fence is checked", script: ackScript, keys: ackKeys,
			setup: func(t *testing.T, c redis.UniversalClient) {
				c.HSet(t.Context(), sKeys.epochs, "g", 1)
				idle(t, c, "c", 0, 2, "1-2")
			},
			args: []any{"g", "1-1", "1-3", 1, "1-1", 1, "1-2", 1, "1-3", 1, "1-1", 1}, reply: "[1 2 1 0]",
			check: func(t *testing.T, c redis.UniversalClient) { wantPending(t, c, "1-2", "c", 2) }},
		{name: "ack: fences of their own, current and unknown", script: ackScript, keys: ackKeys,
			setup: func(t *testing.T, c redis.UniversalClient) { idle(t, c, "c", 0, 2, "1-3") },
			args:  []any{"g", "1-1", "1-3", "", "1-1", 1, 1, "1-3", 1, 0, "1-2", 1, 0}, reply: "[1 2 1]"},
		{name: "ack: no group", script: ackScript, keys: ackKeys,
			args: []any{"g2", "1-1", "1-1", "", "1-1", 1, 0}, reply: "[0]"},

		{name: "publish: a key seen is not stored again", script: publishScript,
			keys: append(pKeys("p"), idempotencyKey("p", "k1")),
			setup: func(t *testing.T, c redis.UniversalClient) {
				c.Set(t.Context(), idempotencyKey("p", "k1"), "9-9", 0)
			},
			args: []any{60000, 0, 5, 0, 0, 2, "type", "A", 0, 0, 0, 2, "type", "B"},
			match: func(t *testing.T, reply []any) {
				if len(reply) != 2 || reply[0] != "9-9" || reply[1] == "9-9" {
					t.Fatalf("reply %v, want the remembered 9-9 and a new ID", reply)
				}
			},
			check: func(t *testing.T, c redis.UniversalClient) {
				if n := c.XLen(t.Context(), "p").Val(); n != 1 {
					t.Fatalf("XLEN %d, want 1", n)
				}
			}},
		{name: "publish: a new key is remembered for the window", script: publishScript,
			keys: append(pKeys("p"), idempotencyKey("p", "k2")), args: []any{60000, 0, 5, 0, 0, 2, "type", "A", 5, 0, 0, 2, "type", "A again"},
			match: func(t *testing.T, reply []any) {
				if len(reply) != 2 || reply[0] != reply[1] {
					t.Fatalf("reply %v, want one ID twice", reply)
				}
			},
			check: func(t *testing.T, c redis.UniversalClient) {
				if n := c.XLen(t.Context(), "p").Val(); n != 1 {
					t.Fatalf("XLEN %d, want 1", n)
				}
				if ttl := c.PTTL(t.Context(), idempotencyKey("p", "k2")).Val(); ttl <= 0 || ttl.Milliseconds() > 60000 {
					t.Fatalf("key TTL %v", ttl)
				}
			}},
		{name: "publish: not a stream", script: publishScript, keys: pKeys("str"),
			setup: func(t *testing.T, c redis.UniversalClient) { c.Set(t.Context(), "str", "x", 0) },
			args:  []any{60000, 0, 0, 0, 0, 2, "type", "A"}, reply: "error WRONGTYPE"},
		{name: "publish: later events are scheduled, past ones appended with their time", script: publishScript,
			keys: append(pKeys("p"), idempotencyKey("p", "k3")),
			// due in an hour (with a key), due 1 ms after 1970, due in a minute by Redis's clock
			args: []any{60000, 0,
				5, 4102444800000, 0, -1, encodeFields([]any{"type", "A", "payload", []byte("bin\x00:7:")}),
				0, 1, 0, -1, encodeFields([]any{"type", "B"}),
				0, 0, 60000, -1, encodeFields([]any{"type", "C"})},
			match: func(t *testing.T, reply []any) {
				if len(reply) != 3 || reply[0] != "s000000000001" || !IsScheduleID(reply[0].(string)) ||
					IsScheduleID(reply[1].(string)) || reply[2] != "s000000000002" {
					t.Fatalf("reply %v, want s000000000001, an entry ID, s000000000002", reply)
				}
			},
			check: func(t *testing.T, c redis.UniversalClient) {
				ctx := t.Context()
				e := c.XRange(ctx, "p", "-", "+").Val()
				if len(e) != 1 || e[0].Values["type"] != "B" || e[0].Values["deliver_at"] != "1" {
					t.Fatalf("stream %v, want B with deliver_at 1", e)
				}
				if z := c.ZRangeWithScores(ctx, scheduleKey("p"), 0, -1).Val(); len(z) != 2 || z[0].Member != "s000000000002" ||
					z[1].Member != "s000000000001" || z[1].Score != 4102444800000 {
					t.Fatalf("schedule %v", z)
				}
				enc := c.HGet(ctx, scheduledKey("p"), "s000000000001").Val()
				if f, err := decodeFields(enc); err != nil || len(f) != 2 || f["type"] != "A" || f["payload"] != "bin\x00:7:" {
					t.Fatalf("scheduled fields %q: %v, %v", enc, f, err)
				}
				wantString(t, c, idempotencyKey("p", "k3"), "s000000000001")
			}},
		{name: "schedule_move: due events in due order, with their time; the rest stay", script: scheduleMoveScript,
			keys: []string{"p", scheduleKey("p"), scheduledKey("p")}, args: []any{10, 0},
			setup: func(t *testing.T, c redis.UniversalClient) {
				ctx := t.Context()
				c.ZAdd(ctx, scheduleKey("p"), redis.Z{Score: 20, Member: "s000000000001"}, redis.Z{Score: 10, Member: "s000000000002"},
					redis.Z{Score: 10, Member: "s000000000003"}, redis.Z{Score: 4102444800000, Member: "s000000000004"})
				c.HSet(ctx, scheduledKey("p"), "s000000000001", "4:type1:A", "s000000000002", "4:type1:B", "s000000000004", "4:type1:D")
				// s000000000003 has no fields (cancelled halfway by hand): dropped.
			},
			match: func(t *testing.T, reply []any) {
				if len(reply) != 5 || reply[1] != int64(4102444800000) || reply[2] != int64(1) || reply[3] != int64(10) || reply[4] != int64(20) {
					t.Fatalf("reply %v, want [now 4102444800000 1 10 20]", reply)
				}
			},
			check: func(t *testing.T, c redis.UniversalClient) {
				ctx := t.Context()
				e := c.XRange(ctx, "p", "-", "+").Val()
				if len(e) != 2 || e[0].Values["type"] != "B" || e[0].Values["deliver_at"] != "10" || e[1].Values["type"] != "A" {
					t.Fatalf("stream %v, want B then A", e)
				}
				if n := c.HLen(ctx, scheduledKey("p")).Val(); n != 1 {
					t.Fatalf("%d scheduled events' fields left, want 1", n)
				}
			}},
		{name: "schedule_move: nothing scheduled", script: scheduleMoveScript,
			keys: []string{"p", scheduleKey("p"), scheduledKey("p")}, args: []any{10, 0},
			match: func(t *testing.T, reply []any) {
				if len(reply) != 3 || reply[1] != int64(-1) || reply[2] != int64(0) {
					t.Fatalf("reply %v, want [now -1 0]", reply)
				}
			}},
		{name: "schedule_move: an XADD that fails leaves its events scheduled", script: scheduleMoveScript,
			keys: []string{"str", scheduleKey("str"), scheduledKey("str")}, args: []any{10, 0},
			setup: func(t *testing.T, c redis.UniversalClient) {
				ctx := t.Context()
				c.Set(ctx, "str", "x", 0)
				c.ZAdd(ctx, scheduleKey("str"), redis.Z{Score: 10, Member: "s000000000001"}, redis.Z{Score: 20, Member: "s000000000002"})
				c.HSet(ctx, scheduledKey("str"), "s000000000001", "4:type1:A", "s000000000002", "4:type1:B")
			},
			reply: "error WRONGTYPE",
			check: func(t *testing.T, c redis.UniversalClient) {
				if n := c.ZCard(t.Context(), scheduleKey("str")).Val(); n != 2 {
					t.Fatalf("%d events left in the schedule, want 2", n)
				}
				if n := c.HLen(t.Context(), scheduledKey("str")).Val(); n != 2 {
					t.Fatalf("%d events' fields left, want 2", n)
				}
			}},
		{name: "schedule_cancel: a scheduled event, then one that is not", script: scheduleCancelScript,
			keys: []string{scheduleKey("p"), scheduledKey("p")}, args: []any{"s000000000001"}, reply: "1",
			setup: func(t *testing.T, c redis.UniversalClient) {
				c.ZAdd(t.Context(), scheduleKey("p"), redis.Z{Score: 20, Member: "s000000000001"})
				c.HSet(t.Context(), scheduledKey("p"), "s000000000001", "4:type1:A")
			},
			check: func(t *testing.T, c redis.UniversalClient) {
				if n := c.Exists(t.Context(), scheduleKey("p"), scheduledKey("p")).Val(); n != 0 {
					t.Fatal("cancelled event left behind")
				}
				if n := run(t, c, scheduleCancelScript, []string{scheduleKey("p"), scheduledKey("p")}, "s000000000001"); n != int64(0) {
					t.Fatalf("second cancel: %v", n)
				}
			}},

		{name: "del_idle_consumer: one that holds entries stays", script: delIdleConsumerScript,
			keys: []string{"s", sKeys.waits}, args: []any{"g", "c"}, reply: "-1",
			check: func(t *testing.T, c redis.UniversalClient) { wantHash(t, c, sKeys.waits, "g c", "5000") }},
		{name: "del_idle_consumer: one that holds nothing goes, with its threshold", script: delIdleConsumerScript,
			setup: func(t *testing.T, c redis.UniversalClient) { c.XAck(t.Context(), "s", "g", "1-1", "1-2", "1-3") },
			keys:  []string{"s", sKeys.waits}, args: []any{"g", "c"}, reply: "0",
			check: func(t *testing.T, c redis.UniversalClient) {
				wantHash(t, c, sKeys.waits, "g c", "")
				for _, ci := range c.XInfoConsumers(t.Context(), "s", "g").Val() {
					if ci.Name == "c" {
						t.Fatal("consumer c still in the group")
					}
				}
			}},

		{name: "rebalance: the first member takes every partition", script: rebalanceScript,
			keys: []string{membersKey("t", "g"), ownersKey("t", "g")}, args: []any{"m1", 6000, 3, 0}, reply: "[[0 1 2] []]"},
		{name: "rebalance: a member above its share is told what to give up", script: rebalanceScript,
			keys: []string{membersKey("t", "g"), ownersKey("t", "g")}, args: []any{"m1", 6000, 3, 0},
			setup: func(t *testing.T, c redis.UniversalClient) {
				run(t, c, rebalanceScript, []string{membersKey("t", "g"), ownersKey("t", "g")}, "m1", 6000, 3, 0)
				run(t, c, rebalanceScript, []string{membersKey("t", "g"), ownersKey("t", "g")}, "m2", 6000, 3, 0)
			},
			reply: "[[0 1 2] [2]]"},
		{name: "rebalance: given up, taken by the other", script: rebalanceScript,
			keys: []string{membersKey("t", "g"), ownersKey("t", "g")}, args: []any{"m2", 6000, 3, 0},
			setup: func(t *testing.T, c redis.UniversalClient) {
				run(t, c, rebalanceScript, []string{membersKey("t", "g"), ownersKey("t", "g")}, "m1", 6000, 3, 0)
				run(t, c, rebalanceScript, []string{membersKey("t", "g"), ownersKey("t", "g")}, "m2", 6000, 3, 0)
				run(t, c, rebalanceScript, []string{membersKey("t", "g"), ownersKey("t", "g")}, "m1", 6000, 3, 0, 2)
			},
			reply: "[[2] []]",
			check: func(t *testing.T, c redis.UniversalClient) {
				got := fmt.Sprint(run(t, c, assignmentScript, []string{membersKey("t", "g"), ownersKey("t", "g")}))
				if !strings.HasPrefix(got, "[[m1 m2] [") || !strings.Contains(got, "2 m2") || !strings.Contains(got, "0 m1") {
					t.Fatalf("assignment %s", got)
				}
			}},
		{name: "rebalance: a member that leaves gives everything up", script: rebalanceScript,
			keys: []string{membersKey("t", "g"), ownersKey("t", "g")}, args: []any{"m1", 6000, 3, 1},
			setup: func(t *testing.T, c redis.UniversalClient) {
				run(t, c, rebalanceScript, []string{membersKey("t", "g"), ownersKey("t", "g")}, "m1", 6000, 3, 0)
			},
			reply: "[[] []]",
			check: func(t *testing.T, c redis.UniversalClient) {
				if got := fmt.Sprint(run(t, c, assignmentScript, []string{membersKey("t", "g"), ownersKey("t", "g")})); got != "[[] []]" {
					t.Fatalf("assignment after leaving %s", got)
				}
			}},
	}
	testredis.ForEach(t, func(t *testing.T, b testredis.Backend) {
		r := b.Start(t)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := r.Client
				ctx := t.Context()
				flush(t, r)
				for i := 1; i <= 3; i++ {
					c.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: fmt.Sprintf("1-%d", i), Values: []any{"type", "T", "payload", fmt.Sprint(i)}})
				}
				c.XGroupCreate(ctx, "s", "g", "0")
				c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{"s", ">"}, Count: 3, Block: -1})
				c.HSet(ctx, sKeys.waits, "g c", 5000)
				if tc.setup != nil {
					tc.setup(t, c)
				}
				calls := []scriptCall{{script: tc.script, keys: tc.keys, args: tc.args}}
				err := runScripts(ctx, c, calls)
				got := fmt.Sprint(calls[0].cmd.Val())
				if err != nil {
					got = "error " + err.Error()
				}
				switch {
				case tc.match != nil:
					reply, ok := calls[0].cmd.Val().([]any)
					if err != nil || !ok {
						t.Fatalf("reply %s, want a list", got)
					}
					tc.match(t, reply)
				case strings.HasPrefix(tc.reply, "error "):
					if !strings.HasPrefix(got, tc.reply) {
						t.Fatalf("reply %q, want an error starting %q", got, tc.reply)
					}
				case got != tc.reply:
					t.Fatalf("reply %s, want %s", got, tc.reply)
				}
				if tc.check != nil {
					tc.check(t, c)
				}
			})
		}
	})
}

func run(t *testing.T, c redis.UniversalClient, s *redis.Script, keys []string, args ...any) any {
	t.Helper()
	calls := []scriptCall{{script: s, keys: keys, args: args}}
	if err := runScripts(context.Background(), c, calls); err != nil {
		t.Fatal(err)
	}
	return calls[0].cmd.Val()
}

// flush empties r (every master of a Cluster).
func flush(t *testing.T, r *testredis.Server) {
	t.Helper()
	err := r.Client.FlushAll(t.Context()).Err()
	if r.Cluster != nil {
		err = r.Cluster.Client.ForEachMaster(t.Context(), func(ctx context.Context, n *redis.Client) error {
			return n.FlushAll(ctx).Err()
		})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// wantPending checks entry id's owner and delivery count; owner "" means
// not pending.
func wantPending(t *testing.T, c redis.UniversalClient, id, owner string, count int64) {
	t.Helper()
	p := c.XPendingExt(t.Context(), &redis.XPendingExtArgs{Stream: "s", Group: "g", Start: id, End: id, Count: 1}).Val()
	switch {
	case owner == "" && len(p) != 0:
		t.Fatalf("%s still pending: %+v", id, p)
	case owner == "":
	case len(p) != 1 || p[0].Consumer != owner || p[0].RetryCount != count:
		t.Fatalf("%s pending %+v, want owner %s count %d", id, p, owner, count)
	}
}

// wantIdleAbout checks that entry id's idle time is ms, give or take the
// test's own time.
func wantIdleAbout(t *testing.T, c redis.UniversalClient, id string, ms int64) {
	t.Helper()
	p := c.XPendingExt(t.Context(), &redis.XPendingExtArgs{Stream: "s", Group: "g", Start: id, End: id, Count: 1}).Val()
	if len(p) != 1 || p[0].Idle.Milliseconds() < ms || p[0].Idle.Milliseconds() > ms+10000 {
		t.Fatalf("%s pending %+v, want idle about %d ms", id, p, ms)
	}
}

// wantHash checks a hash field's value ("" for none).
func wantHash(t *testing.T, c redis.UniversalClient, key, field, want string) {
	t.Helper()
	got, err := c.HGet(t.Context(), key, field).Result()
	if err != nil && err != redis.Nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("%s %q = %q, want %q", key, field, got, want)
	}
}

// pKeys are publishScript's first keys for stream.
func pKeys(stream string) []string {
	return []string{stream, scheduleKey(stream), scheduledKey(stream), scheduleSeqKey(stream)}
}

// wantString checks a string key's value.
func wantString(t *testing.T, c redis.UniversalClient, key, want string) {
	t.Helper()
	if got := c.Get(t.Context(), key).Val(); got != want {
		t.Fatalf("%s = %q, want %q", key, got, want)
	}
}
