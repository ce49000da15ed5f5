-- schedule_cancel: deletes a scheduled event.
-- KEYS: schedule, scheduled (see publish.lua). ARGV: the schedule ID.
-- Reply: 1 if it was scheduled, else 0.
local schedule, scheduled = KEYS[1], KEYS[2]
local id = ARGV[1]
local n = redis.call('ZREM', schedule, id)
redis.call('HDEL', scheduled, id)
return n
