package streams

import (
	"fmt"
	"strings"

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

// luaLib is prepended to every script.
const luaLib = `
local function fail(e)
  local m = type(e) == 'table' and e.err or tostring(e)
  for _, code in ipairs({'NOGROUP', 'WRONGTYPE'}) do
    if string.find(m, code, 1, true) and string.sub(m, 1, #code) ~= code then
      m = code .. ' ' .. m
    end
  end
  return redis.error_reply(m)
end

-- lane is the owner and idle time that make an entry of consumer c (or of
-- its lane) due after wait ms. KEYS-independent: waits is the waits key.
local function lane(waits, group, c, wait, M)
  local base = c
  if string.sub(c, -1) == '~' then base = string.sub(c, 1, -2) end
  local t = tonumber(redis.call('HGET', waits, group .. ' ' .. base)) or M
  if wait <= t then return base, t - wait end
  return base .. '~', M - wait
end

-- threshold is the idle time at which entries owned by c are due; cache
-- holds the lookups of one script run.
local function threshold(waits, group, c, M, cache)
  if string.sub(c, -1) == '~' then return M end
  local t = cache[c]
  if t == nil then
    t = tonumber(redis.call('HGET', waits, group .. ' ' .. c)) or M
    cache[c] = t
  end
  return t
end

local function deadletter(dlq, stream, id, group, attempts, reason, now, fields)
  local rec = {'dlq_source_stream', stream, 'dlq_source_id', id, 'dlq_group', group,
    'dlq_attempts', attempts, 'dlq_reason', reason, 'dlq_time', now}
  for _, f in ipairs(fields) do rec[#rec + 1] = f end
  redis.call('XADD', dlq, '*', unpack(rec))
end
`

func newScript(body string) *redis.Script { return redis.NewScript(luaLib + body) }

// claimScript is one step of the reclaim scan: it looks at a page of the
// group's pending entries from cursor on, and for each that is due by
// its owner's threshold: acks it if its stream entry is gone, dead-letters it
// (XADD to the dead-letter stream, then XACK: an error in between leaves the
// entry pending, never lost) if it was delivered max deliveries times, or
// else claims it for consumer with its new deadline (ack deadline plus the
// backoff of its attempt), up to count of them.
// Claiming moves the group's redelivery epoch on. It first registers the
// consumer's threshold (its first-delivery wait), as a read does: an entry
// claimed for a consumer not yet registered would get an idle time counted
// against MaxWait, and be overdue once the threshold is written.
// KEYS: stream, dlq, reasons, waits, epochs. ARGV: group, consumer, max wait
// ms, cursor, count, max deliveries, deadline ms, backoff min ms, backoff
// max ms, now ms, the consumer's threshold ms. Returns {next cursor ("0-0"
// at the end), {{id, fields, attempt}...}, dead-lettered, gone, epoch of the
// claimed}.
var claimScript = newScript(`
local group, me, M = ARGV[1], ARGV[2], tonumber(ARGV[3])
local count, maxd, D = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local bmin, bmax = tonumber(ARGV[8]), tonumber(ARGV[9])
redis.call('HSET', KEYS[4], group .. ' ' .. me, ARGV[11])
-- A page of the pending list per step, as XAUTOCLAIM scans ten times its
-- COUNT: a subscription with little credit must not crawl through a long
-- pending list an entry per round trip.
local page = math.min(math.max(count * 10, 100), 1000)
local ok, p = pcall(redis.call, 'XPENDING', KEYS[1], group, ARGV[4], '+', page + 1)
if not ok then return fail(p) end
local next = '0-0'
if #p > page then
  next = p[#p][1]
  p[#p] = nil
end
local cache, out, dead, gone = {}, {}, 0, 0
for _, e in ipairs(p) do
  local id, c = e[1], tonumber(e[4])
  if #out >= count then
    next = id -- the next step starts here
    break
  end
  if tonumber(e[3]) >= threshold(KEYS[4], group, e[2], M, cache) then
    local f = redis.call('XRANGE', KEYS[1], id, id)
    local rkey = group .. ' ' .. id
    if #f == 0 then
      redis.call('XACK', KEYS[1], group, id)
      redis.call('HDEL', KEYS[3], rkey)
      gone = gone + 1
    elseif c + 1 > maxd then
      local reason = 'max deliveries (' .. maxd .. ') exceeded'
      local last = redis.call('HGET', KEYS[3], rkey)
      if last then
        reason = reason .. '; last nack: ' .. last
        redis.call('HDEL', KEYS[3], rkey)
      end
      deadletter(KEYS[2], KEYS[1], id, group, c, reason, ARGV[10], f[1][2])
      redis.call('XACK', KEYS[1], group, id)
      dead = dead + 1
    else
      local n = c + 1
      local wait = math.floor(math.min(D + math.min(bmax, bmin * 2 ^ (n - 1)), M))
      local owner, idle = lane(KEYS[4], group, me, wait, M)
      redis.call('XCLAIM', KEYS[1], group, owner, 0, id, 'IDLE', idle, 'JUSTID', 'RETRYCOUNT', n)
      out[#out + 1] = {id, f[1][2], n}
    end
  end
end
local epoch = 0
if #out > 0 then epoch = redis.call('HINCRBY', KEYS[5], group, 1) end
return {next, out, dead, gone, epoch}
`)

// settleScript acks, nacks, extends or rejects deliveries. Each is fenced by
// its delivery count: if the entry was delivered again since, nothing is
// done and the result is stale. Results per entry: 0 not pending, 1 done,
// 2 stale.
// KEYS: stream, dlq, reasons, waits. ARGV: group, op
// (ack|nack|extend|reject), max wait ms, reason, now ms, then per entry: id,
// attempt, wait ms.
var settleScript = newScript(`
local group, op, M = ARGV[1], ARGV[2], tonumber(ARGV[3])
local reasons = redis.call('EXISTS', KEYS[3]) == 1
local res = {}
for i = 6, #ARGV, 3 do
  local id, attempt, wait = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local ok, p = pcall(redis.call, 'XPENDING', KEYS[1], group, id, id, 1)
  local st = 1
  if not ok or type(p) ~= 'table' or #p == 0 then
    st = 0
  elseif tonumber(p[1][4]) ~= attempt then
    st = 2
  else
    local rkey = group .. ' ' .. id
    if op == 'ack' then
      redis.call('XACK', KEYS[1], group, id)
      if reasons then redis.call('HDEL', KEYS[3], rkey) end
    elseif op == 'nack' or op == 'extend' then
      local owner, idle = lane(KEYS[4], group, p[1][2], math.min(wait, M), M)
      redis.call('XCLAIM', KEYS[1], group, owner, 0, id, 'IDLE', idle, 'JUSTID', 'RETRYCOUNT', attempt)
      if op == 'nack' and ARGV[4] ~= '' then
        redis.call('HSET', KEYS[3], rkey, ARGV[4])
        reasons = true
      end
    elseif op == 'reject' then
      local e = redis.call('XRANGE', KEYS[1], id, id)
      if #e > 0 then
        deadletter(KEYS[2], KEYS[1], id, group, attempt, ARGV[4], ARGV[5], e[1][2])
      else
        st = 0
      end
      redis.call('XACK', KEYS[1], group, id)
      if reasons then redis.call('HDEL', KEYS[3], rkey) end
    end
  end
  res[#res + 1] = st
end
return res
`)

// ackCurrentScript acks deliveries that share one fence, if that fence is
// the group's current epoch (see the top of this file): then none of them
// was redelivered since, and one multi-ID XACK is their whole check. It
// costs Redis about half as much as one XACK per ID, and the call carries
// only the IDs, but it says only how many it acked, not which. If the fence
// is not current it does nothing and returns -1: the caller then settles
// them with ackScript, which checks each.
// KEYS: stream, reasons, epochs. ARGV: group, fence, then the IDs.
var ackCurrentScript = newScript(`
local group = ARGV[1]
local epoch = (tonumber(redis.call('HGET', KEYS[3], group)) or 0) + 1
if tonumber(ARGV[2]) ~= epoch then return -1 end
local n = 0
for j = 3, #ARGV, 1000 do
  n = n + redis.call('XACK', KEYS[1], group, unpack(ARGV, j, math.min(j + 999, #ARGV)))
end
if n > 0 and redis.call('EXISTS', KEYS[2]) == 1 then
  for j = 3, #ARGV do redis.call('HDEL', KEYS[2], group .. ' ' .. ARGV[j]) end
end
return n
`)

// ackScript is settleScript's ack, cheaper for batches. A delivery whose
// fence is the group's current epoch (see the top of this file) still has
// the delivery count it was delivered with: one XACK is its whole check.
// The others take one XPENDING over the batch's ID range and one XACK for
// all the IDs whose delivery count matches; IDs past what the range
// returned (other entries pending in the range filled it) are looked up one
// by one.
// KEYS: stream, reasons, epochs. ARGV: group, lowest ID, highest ID, the
// fence of every entry if they share one (the common case: one read's
// deliveries) or "", then per entry: id, attempt, and without a shared
// fence the entry's fence (0: unknown). Results as settleScript's.
var ackScript = newScript(`
local group = ARGV[1]
local epoch = (tonumber(redis.call('HGET', KEYS[3], group)) or 0) + 1
local shared = tonumber(ARGV[4])
local res, acks = {}, {}
if shared == epoch then
  local reasons = redis.call('EXISTS', KEYS[2]) == 1
  for i = 5, #ARGV, 2 do
    local r = redis.call('XACK', KEYS[1], group, ARGV[i])
    res[(i - 3) / 2] = r
    if reasons and r == 1 then redis.call('HDEL', KEYS[2], group .. ' ' .. ARGV[i]) end
  end
  return res
end
local step = shared and 2 or 3
local fast, slow = {}, {}
for i = 5, #ARGV, step do
  if (shared or tonumber(ARGV[i + 2])) == epoch then fast[#fast + 1] = i else slow[#slow + 1] = i end
end
-- The checked ones first: a stale ack in the batch must see the entry that
-- a current ack of the same batch is about to ack.
if #slow > 0 then
  local limit = 2 * #slow + 16
  local count, done, checked = {}, {}, {}
  local ok, p = pcall(redis.call, 'XPENDING', KEYS[1], group, ARGV[2], ARGV[3], limit)
  if not ok or type(p) ~= 'table' then p = {} end
  for _, e in ipairs(p) do count[e[1]] = tonumber(e[4]) end
  local full = ok and #p == limit
  for _, i in ipairs(slow) do
    local id, attempt, k = ARGV[i], tonumber(ARGV[i + 1]), (i - 5) / step + 1
    local c = count[id]
    if c == nil and full and not done[id] then
      local q = redis.call('XPENDING', KEYS[1], group, id, id, 1)
      if #q > 0 then c = tonumber(q[1][4]) end
    end
    if c == nil or done[id] then
      res[k] = 0
    elseif c ~= attempt then
      res[k] = 2
    else
      res[k] = 1
      done[id] = true
      acks[#acks + 1] = id
    end
  end
  for i = 1, #acks, 1000 do
    redis.call('XACK', KEYS[1], group, unpack(acks, i, math.min(i + 999, #acks)))
  end
end
for _, i in ipairs(fast) do
  local k = (i - 5) / step + 1
  res[k] = redis.call('XACK', KEYS[1], group, ARGV[i])
  if res[k] == 1 then acks[#acks + 1] = ARGV[i] end
end
if #acks > 0 and redis.call('EXISTS', KEYS[2]) == 1 then
  for _, id in ipairs(acks) do redis.call('HDEL', KEYS[2], group .. ' ' .. id) end
end
return res
`)

// publishScript appends events, skipping those whose idempotency key was
// seen within the window, and returns every event's entry ID (the original
// one for duplicates). KEYS: stream, then the idempotency keys. ARGV: window
// ms, max length (0: none), then per event: key index into KEYS (0: none),
// field count, fields.
var publishScript = newScript(`
local ids = {}
local i = 3
while i <= #ARGV do
  local k, n = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local id = false
  if k > 0 then id = redis.call('GET', KEYS[k]) end
  if not id then
    local args = {KEYS[1]}
    if tonumber(ARGV[2]) > 0 then
      for _, a in ipairs({'MAXLEN', '~', ARGV[2]}) do args[#args + 1] = a end
    end
    args[#args + 1] = '*'
    for j = i + 2, i + 1 + n do args[#args + 1] = ARGV[j] end
    local ok, r = pcall(redis.call, 'XADD', unpack(args))
    if not ok then return fail(r) end
    id = r
    if k > 0 then redis.call('SET', KEYS[k], id, 'PX', ARGV[1]) end
  end
  ids[#ids + 1] = id
  i = i + 2 + n
end
return ids
`)

// delIdleConsumer deletes a consumer only if it owns no pending entries:
// XGROUP DELCONSUMER would silently drop them. One script, so no entry can
// be delivered to it between the check and the delete. Its registered
// threshold goes with it. KEYS: stream, waits. ARGV: group, consumer.
var delIdleConsumer = redis.NewScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #p == 0 then
  if string.sub(ARGV[2], -1) ~= '~' then redis.call('HDEL', KEYS[2], ARGV[1] .. ' ' .. ARGV[2]) end
  return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
end
return -1
`)

// Internal keys of a stream, all in the stream's Cluster hash slot. Client
// stream names cannot contain braces, so none of these can be addressed as
// a stream.

// DeadLetterKey is the dead-letter stream of stream.
func DeadLetterKey(stream string) string { return "{" + stream + "}:sluice:dlq" }

func reasonsKey(stream string) string { return "{" + stream + "}:sluice:reasons" }

// waitsKey is the hash of consumers' thresholds (see the top of this file).
func waitsKey(stream string) string { return "{" + stream + "}:sluice:waits" }

// epochsKey is the hash of groups' redelivery epochs (see the top of this
// file).
func epochsKey(stream string) string { return "{" + stream + "}:sluice:epochs" }

// waitLane is the consumer that holds c's entries that wait longer than c's
// threshold. Consumer names from clients cannot contain '~'.
func waitLane(c string) string { return c + "~" }

// laneOwner is the consumer whose entries the consumer c holds: c itself, or
// the consumer of the wait lane c.
func laneOwner(c string) string { return strings.TrimSuffix(c, "~") }

func idempotencyKey(stream, key string) string { return "{" + stream + "}:sluice:idem:" + key }

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
