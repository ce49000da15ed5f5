-- del_idle_consumer: deletes a consumer only if it owns no pending entries
-- (XGROUP DELCONSUMER would silently drop them), in one script so that no
-- entry can be delivered to it between the check and the delete. Its
-- registered threshold goes with it.
-- Reply: XGROUP DELCONSUMER's (0), or -1 if it holds entries.
local stream, waits = KEYS[1], KEYS[2]
local group, consumer = ARGV[1], ARGV[2]

local p = redis.call('XPENDING', stream, group, '-', '+', 1, consumer)
if #p > 0 then return -1 end
if string.sub(consumer, -1) ~= '~' then redis.call('HDEL', waits, group .. ' ' .. consumer) end
return redis.call('XGROUP', 'DELCONSUMER', stream, group, consumer)
