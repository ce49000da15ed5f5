-- claim: one step of the reclaim scan. It looks at a page of the group's
-- pending entries from cursor on, and for each that is due by its owner's
-- threshold: acks it if its stream entry is gone, dead-letters it (XADD to
-- the dead-letter stream, then XACK: an error in between leaves the entry
-- pending, never lost) if it was delivered max deliveries times, or else
-- claims it for the consumer with its new deadline (ack deadline plus the
-- backoff of its attempt), up to count of them. Claiming moves the group's
-- redelivery epoch on.
--
-- It first registers the consumer's threshold (its first-delivery wait), as
-- a read does: an entry claimed for a consumer not yet registered would get
-- an idle time counted against MaxWait, and be overdue once the threshold is
-- written.
--
-- Reply: {next cursor ("0-0" at the end), {{id, fields, attempt}, ...},
-- dead-lettered count, gone count, epoch of the claimed (0: none claimed)}.
local stream, dlq, reasons, waits, epochs = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local group, me, M = ARGV[1], ARGV[2], tonumber(ARGV[3])
local cursor, count, maxd = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local deadline, bmin, bmax = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local now, mine = ARGV[10], ARGV[11]

redis.call('HSET', waits, group .. ' ' .. me, mine)
-- A page of the pending list per step, as XAUTOCLAIM scans ten times its
-- COUNT: a subscription with little credit must not crawl through a long
-- pending list an entry per round trip.
local page = math.min(math.max(count * 10, 100), 1000)
local ok, p = pcall(redis.call, 'XPENDING', stream, group, cursor, '+', page + 1)
if not ok then return fail(p) end
local next = '0-0'
if #p > page then
  next = p[#p][1]
  p[#p] = nil
end
local cache, out, dead, gone = {}, {}, 0, 0
for _, e in ipairs(p) do
  local id, owner, idle, n = e[1], e[2], tonumber(e[3]), tonumber(e[4])
  if #out >= count then
    next = id -- the next step starts here
    break
  end
  if idle >= threshold(waits, group, owner, M, cache) then
    local f = redis.call('XRANGE', stream, id, id)
    local rkey = group .. ' ' .. id
    if #f == 0 then
      redis.call('XACK', stream, group, id)
      redis.call('HDEL', reasons, rkey)
      gone = gone + 1
    elseif n + 1 > maxd then
      local reason = 'max deliveries (' .. maxd .. ') exceeded'
      local last = redis.call('HGET', reasons, rkey)
      if last then
        reason = reason .. '; last nack: ' .. last
        redis.call('HDEL', reasons, rkey)
      end
      deadletter(dlq, stream, id, group, n, reason, now, f[1][2])
      redis.call('XACK', stream, group, id)
      dead = dead + 1
    else
      local attempt = n + 1
      local wait = math.floor(math.min(deadline + math.min(bmax, bmin * 2 ^ (attempt - 1)), M))
      local to, toIdle = lane(waits, group, me, wait, M)
      redis.call('XCLAIM', stream, group, to, 0, id, 'IDLE', toIdle, 'JUSTID', 'RETRYCOUNT', attempt)
      out[#out + 1] = {id, f[1][2], attempt}
    end
  end
end
local epoch = 0
if #out > 0 then epoch = redis.call('HINCRBY', epochs, group, 1) end
return {next, out, dead, gone, epoch}
