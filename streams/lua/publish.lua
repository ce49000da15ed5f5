-- publish: appends events, skipping those whose idempotency key was seen
-- within the window, schedules those due later, and returns every event's
-- entry ID or schedule ID (the original one for duplicates).
-- KEYS: stream, schedule (zset: schedule ID -> due ms), scheduled (hash:
-- schedule ID -> encoded fields), schedule sequence; from KEYS[5] on the
-- idempotency keys.
-- Events, from ARGV[3] on: the index in KEYS of the event's idempotency key
-- (5 or more; 0: none), its due time in ms (0: none), its delay in ms from
-- Redis's clock (0: none), its field count and its fields; or, for an event
-- with a due time or a delay, -1 and its fields encoded as one string (see
-- decodeFields).
-- Reply: the entry IDs and schedule IDs, in event order.
local stream, schedule, scheduled, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local window, maxlen = ARGV[1], tonumber(ARGV[2])
local first = 3

local now
local ids = {}
local i = first
while i <= #ARGV do
  local k, at, after, nfields = tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  local f0, f1 = i + 4, i + 3 + nfields
  if nfields < 0 then f1 = f0 end
  local id = false
  if k > 0 then id = redis.call('GET', KEYS[k]) end
  if not id then
    local due = 0
    if at > 0 or after > 0 then
      now = now or nowMs()
      due = at
      if at == 0 then due = now + after end
    end
    if due > 0 and due > now then
      id = scheduleID(redis.call('INCR', seq))
      redis.call('ZADD', schedule, due, id)
      redis.call('HSET', scheduled, id, ARGV[f0])
    else
      local args = {stream}
      if maxlen > 0 then
        for _, a in ipairs({'MAXLEN', '~', maxlen}) do args[#args + 1] = a end
      end
      args[#args + 1] = '*'
      if nfields < 0 then
        decodeFields(ARGV[f0], args)
      else
        for j = f0, f1 do args[#args + 1] = ARGV[j] end
      end
      if due > 0 then
        args[#args + 1] = 'deliver_at'
        args[#args + 1] = tostring(due)
      end
      local ok, r = pcall(redis.call, 'XADD', unpack(args))
      if not ok then return fail(r) end
      id = r
    end
    if k > 0 then redis.call('SET', KEYS[k], id, 'PX', window) end
  end
  ids[#ids + 1] = id
  i = f1 + 1
end
return ids
