-- Functions every script shares: loadScript puts this file in front of each.

-- fail turns the error of a redis.call run under pcall into an error reply
-- that starts with its code (NOGROUP, WRONGTYPE), where Redis put the
-- script's name first, so that callers can match the code.
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
-- its wait lane "c~") due after wait ms: c with idle threshold - wait if
-- that fits below c's threshold, else the lane with idle M - wait. waits is
-- the waits key, M the longest wait (MaxWait) in ms.
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

-- deadletter appends the dead-letter record of entry id (its fields, after
-- the dlq_ fields saying where it came from and why) to the dead-letter
-- stream dlq.
local function deadletter(dlq, stream, id, group, attempts, reason, now, fields)
  local rec = {'dlq_source_stream', stream, 'dlq_source_id', id, 'dlq_group', group,
    'dlq_attempts', attempts, 'dlq_reason', reason, 'dlq_time', now}
  for _, f in ipairs(fields) do rec[#rec + 1] = f end
  redis.call('XADD', dlq, '*', unpack(rec))
end


-- nowMs is Redis's clock in ms: the clock of the entry IDs XADD makes, so
-- an event moved when due by it never gets an ID before its time.
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- scheduleID is the schedule ID of the n-th scheduled event of a stream:
-- zero-padded, so that events due at the same ms sort in the order they
-- were scheduled (a sorted set orders equal scores by member).
local function scheduleID(n)
  local s = tostring(n)
  return 's' .. string.rep('0', 12 - #s) .. s
end

-- decodeFields appends the values encoded in s to out: each value as its
-- length, ':', the value (binary safe; streams.encodeFields writes it).
local function decodeFields(s, out)
  local pos = 1
  while pos <= #s do
    local colon = string.find(s, ':', pos, true)
    local n = tonumber(string.sub(s, pos, colon - 1))
    out[#out + 1] = string.sub(s, colon + 1, colon + n)
    pos = colon + n + 1
  end
  return out
end
