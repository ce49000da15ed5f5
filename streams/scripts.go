package streams

import (
	"fmt"

	"github.com/redis/go-redis/v9"
)

// The Lua scripts that make Sluice's multi-step operations atomic. Each
// touches only keys of one stream's hash slot (the stream and "{stream}:..."
// keys), so they run on Redis Cluster too.
//
// Timing trick: Redis only knows one kind of time-out, a pending entry's idle
// time. Every Sluice reclaim (XAUTOCLAIM) uses one min-idle, MaxWait; to make
// an entry claimable after d instead, a script sets its idle time to
// MaxWait - d (XCLAIM ... IDLE, to the same owner, JUSTID, with RETRYCOUNT so
// the delivery count stays what it was). Ack deadlines, nack delays and
// backoff all work this way, durably, on any replica.

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

local function deadletter(dlq, stream, id, group, attempts, reason, now, fields)
  local rec = {'dlq_source_stream', stream, 'dlq_source_id', id, 'dlq_group', group,
    'dlq_attempts', attempts, 'dlq_reason', reason, 'dlq_time', now}
  for _, f in ipairs(fields) do rec[#rec + 1] = f end
  redis.call('XADD', dlq, '*', unpack(rec))
end
`

func newScript(body string) *redis.Script { return redis.NewScript(luaLib + body) }

// readScript reads new entries for a consumer (XREADGROUP >) and sets their
// idle time so they become claimable after the subscription's deadline.
// KEYS: stream. ARGV: group, consumer, count, idle ms (0: leave as read).
var readScript = newScript(`
local ok, r = pcall(redis.call, 'XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[3], 'STREAMS', KEYS[1], '>')
if not ok then return fail(r) end
if not r then return false end
local msgs = r[1][2]
local idle = tonumber(ARGV[4])
if idle > 0 and #msgs > 0 then
  local args = {KEYS[1], ARGV[1], ARGV[2], 0}
  for _, m in ipairs(msgs) do args[#args + 1] = m[1] end
  for _, a in ipairs({'IDLE', idle, 'JUSTID', 'RETRYCOUNT', 1}) do args[#args + 1] = a end
  redis.call('XCLAIM', unpack(args))
end
return msgs
`)

// shapeScript sets the idle time of the entries that a pipelined
// XREADGROUP > just gave a consumer, as readScript does. They are its
// pending entries after the newest one it read before, with one delivery:
// entries claimed to it since may lie in that range too (they were
// delivered before, so they are older than the new ones), but have two or
// more and are left alone. KEYS: stream. ARGV: group, consumer, first ID,
// page size, idle ms. Returns how many it set.
const shapeScript = `
local ids, start, n, prev = {}, ARGV[3], tonumber(ARGV[4]), nil
while true do
  -- Pages restart at the previous page's last entry (inclusive: not every
  -- server takes "(" here) and skip it.
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], start, '+', n, ARGV[2])
  for _, e in ipairs(p) do
    if e[1] ~= prev and tonumber(e[4]) == 1 then ids[#ids + 1] = e[1] end
  end
  if #p < n then break end
  prev = p[#p][1]
  start = prev
end
for i = 1, #ids, 1000 do
  local args = {KEYS[1], ARGV[1], ARGV[2], 0}
  for j = i, math.min(i + 999, #ids) do args[#args + 1] = ids[j] end
  for _, a in ipairs({'IDLE', ARGV[5], 'JUSTID', 'RETRYCOUNT', 1}) do args[#args + 1] = a end
  redis.call('XCLAIM', unpack(args))
end
return #ids
`

// claimScript redelivers timed-out or released entries to a consumer
// (XAUTOCLAIM), dead-letters those past max deliveries (XADD to the
// dead-letter stream, then XACK: an error in between leaves the entry
// pending, never lost), acks pending entries whose stream entry is gone, and
// sets the idle time of the claimed ones for their new deadline.
// KEYS: stream, dlq, reasons. ARGV: group, consumer, max wait ms, cursor,
// count, max deliveries, deadline ms, backoff min ms, backoff max ms, now ms,
// sweep ("1" on servers whose XAUTOCLAIM skips, but keeps pending, entries
// whose stream entry is gone, as miniredis does: ack those explicitly).
// Returns {next cursor, {{id, fields, attempt}...}, dead-lettered, gone}.
var claimScript = newScript(`
local ok, r = pcall(redis.call, 'XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
if not ok then return fail(r) end
local M, maxd, D = tonumber(ARGV[3]), tonumber(ARGV[6]), tonumber(ARGV[7])
local bmin, bmax = tonumber(ARGV[8]), tonumber(ARGV[9])
local out, dead, gone = {}, 0, 0
if type(r[3]) == 'table' then gone = #r[3] end
if ARGV[11] == '1' then
  for _, p in ipairs(redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', M, '-', '+', ARGV[5])) do
    if #redis.call('XRANGE', KEYS[1], p[1], p[1]) == 0 then
      redis.call('XACK', KEYS[1], ARGV[1], p[1])
      gone = gone + 1
    end
  end
end
for _, e in ipairs(r[2]) do
  local id, fields = e[1], e[2]
  if type(fields) ~= 'table' then
    redis.call('XACK', KEYS[1], ARGV[1], id)
    gone = gone + 1
  else
    local p = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)
    local n = 1
    if p[1] then n = tonumber(p[1][4]) end
    local rkey = ARGV[1] .. ' ' .. id
    if n > maxd then
      local reason = 'max deliveries (' .. maxd .. ') exceeded'
      local last = redis.call('HGET', KEYS[3], rkey)
      if last then
        reason = reason .. '; last nack: ' .. last
        redis.call('HDEL', KEYS[3], rkey)
      end
      deadletter(KEYS[2], KEYS[1], id, ARGV[1], n - 1, reason, ARGV[10], fields)
      redis.call('XACK', KEYS[1], ARGV[1], id)
      dead = dead + 1
    else
      local wait = D + math.min(bmax, bmin * 2 ^ (n - 1))
      wait = math.floor(math.min(wait, M))
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id, 'IDLE', M - wait, 'JUSTID', 'RETRYCOUNT', n)
      out[#out + 1] = {id, fields, n}
    end
  end
end
return {r[1], out, dead, gone}
`)

// settleScript acks, nacks, extends or rejects deliveries. Each is fenced by
// its delivery count: if the entry was delivered again since, nothing is
// done and the result is stale. Results per entry: 0 not pending, 1 done,
// 2 stale.
// KEYS: stream, dlq, reasons. ARGV: group, op (ack|nack|extend|reject),
// max wait ms, reason, now ms, then per entry: id, attempt, wait ms.
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
      wait = math.min(wait, M)
      redis.call('XCLAIM', KEYS[1], group, p[1][2], 0, id, 'IDLE', M - wait, 'JUSTID', 'RETRYCOUNT', attempt)
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

// ackScript is settleScript's ack, cheaper for batches: one XPENDING over
// the batch's ID range instead of one per ID, and one XACK for all the IDs
// whose delivery count matches. IDs past what the range returned (other
// entries pending in the range filled it) are looked up one by one.
// KEYS: stream, reasons. ARGV: group, lowest ID, highest ID, then per entry:
// id, attempt. Results as settleScript's.
var ackScript = newScript(`
local group = ARGV[1]
local n = (#ARGV - 3) / 2
local limit = 2 * n + 16
local count = {}
local ok, p = pcall(redis.call, 'XPENDING', KEYS[1], group, ARGV[2], ARGV[3], limit)
if not ok or type(p) ~= 'table' then p = {} end
for _, e in ipairs(p) do count[e[1]] = tonumber(e[4]) end
local full = ok and #p == limit
local res, acks, done = {}, {}, {}
for i = 4, #ARGV, 2 do
  local id, attempt = ARGV[i], tonumber(ARGV[i + 1])
  local c = count[id]
  if c == nil and full and not done[id] then
    local q = redis.call('XPENDING', KEYS[1], group, id, id, 1)
    if #q > 0 then c = tonumber(q[1][4]) end
  end
  if c == nil or done[id] then
    res[#res + 1] = 0
  elseif c ~= attempt then
    res[#res + 1] = 2
  else
    res[#res + 1] = 1
    done[id] = true
    acks[#acks + 1] = id
  end
end
local reasons = #acks > 0 and redis.call('EXISTS', KEYS[2]) == 1
for i = 1, #acks, 1000 do
  local j = math.min(i + 999, #acks)
  redis.call('XACK', KEYS[1], group, unpack(acks, i, j))
  if reasons then
    for k = i, j do redis.call('HDEL', KEYS[2], group .. ' ' .. acks[k]) end
  end
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
// be delivered to it between the check and the delete.
var delIdleConsumer = redis.NewScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #p == 0 then
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
