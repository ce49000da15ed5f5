-- schedule_move: appends the stream's scheduled events that are due by
-- Redis's clock, in due order, each as an ordinary entry with the field
-- deliver_at, and removes them from the schedule: in one script, so an
-- event is appended once however many replicas move at the same time.
-- KEYS: stream, schedule, scheduled (see publish.lua).
-- ARGV: most events to move, the stream's MAXLEN (0: none).
-- Reply: Redis's time in ms, the next due time in ms (-1: none), the
-- events left in the schedule, then each moved event's due time in ms.
local stream, schedule, scheduled = KEYS[1], KEYS[2], KEYS[3]
local limit, maxlen = tonumber(ARGV[1]), tonumber(ARGV[2])

local now = nowMs()
local due = redis.call('ZRANGEBYSCORE', schedule, '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit)
local reply = {now, -1, 0}
if #due > 0 then
  local ids, ats = {}, {}
  for j = 1, #due, 2 do
    ids[#ids + 1], ats[#ats + 1] = due[j], due[j + 1]
  end
  local encs = redis.call('HMGET', scheduled, unpack(ids))
  for j = 1, #ids do
    if encs[j] then
      local args = {stream}
      if maxlen > 0 then
        for _, a in ipairs({'MAXLEN', '~', maxlen}) do args[#args + 1] = a end
      end
      args[#args + 1] = '*'
      decodeFields(encs[j], args)
      args[#args + 1] = 'deliver_at'
      args[#args + 1] = tostring(tonumber(ats[j]))
      local ok, r = pcall(redis.call, 'XADD', unpack(args))
      if not ok then
        -- Those appended so far leave the schedule; this one and the rest stay.
        if j > 1 then
          redis.call('ZREM', schedule, unpack(ids, 1, j - 1))
          redis.call('HDEL', scheduled, unpack(ids, 1, j - 1))
        end
        return fail(r)
      end
      reply[#reply + 1] = tonumber(ats[j])
    end
  end
  redis.call('ZREM', schedule, unpack(ids))
  redis.call('HDEL', scheduled, unpack(ids))
end
local next = redis.call('ZRANGE', schedule, 0, 0, 'WITHSCORES')
if #next > 0 then reply[2] = tonumber(next[2]) end
reply[3] = redis.call('ZCARD', schedule)
return reply
