-- settle: nacks, extends or rejects deliveries (acks have ack.lua). Each is
-- fenced by its delivery count: if the entry was delivered again since,
-- nothing is done and its result is stale.
--   nack:   claimable again after the entry's wait, keeping reason for the
--           dead-letter record should it end there.
--   extend: due again after the entry's wait from now.
--   reject: dead-lettered with reason, and acked.
-- Per entry, from ARGV[6] on: id, attempt, wait ms.
-- Reply: one result per entry: 0 not pending, 1 done, 2 stale.
local stream, dlq, reasons, waits = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local group, op, M, reason, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local first = 6

local hasReasons = redis.call('EXISTS', reasons) == 1
local res = {}
for i = first, #ARGV, 3 do
  local id, attempt, wait = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local ok, p = pcall(redis.call, 'XPENDING', stream, group, id, id, 1)
  local st = 1
  if not ok or type(p) ~= 'table' or #p == 0 then
    st = 0
  elseif tonumber(p[1][4]) ~= attempt then
    st = 2
  elseif op == 'nack' or op == 'extend' then
    local to, toIdle = lane(waits, group, p[1][2], math.min(wait, M), M)
    redis.call('XCLAIM', stream, group, to, 0, id, 'IDLE', toIdle, 'JUSTID', 'RETRYCOUNT', attempt)
    if op == 'nack' and reason ~= '' then
      redis.call('HSET', reasons, group .. ' ' .. id, reason)
      hasReasons = true
    end
  elseif op == 'reject' then
    local e = redis.call('XRANGE', stream, id, id)
    if #e > 0 then
      deadletter(dlq, stream, id, group, attempt, reason, now, e[1][2])
    else
      st = 0
    end
    redis.call('XACK', stream, group, id)
    if hasReasons then redis.call('HDEL', reasons, group .. ' ' .. id) end
  else
    return redis.error_reply('ERR unknown settle op ' .. op)
  end
  res[#res + 1] = st
end
return res
