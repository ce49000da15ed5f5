-- ack_current: acks deliveries that share one fence, if that fence is the
-- group's current epoch (see scripts.go): then none of them was redelivered
-- since, and one multi-ID XACK is their whole check. It costs Redis about
-- half as much as one XACK per ID, and the call carries only the IDs, but
-- it says only how many it acked, not which. If the fence is not current it
-- does nothing and returns -1: the caller then acks them with ack.lua,
-- which checks each.
-- The IDs are ARGV[3] on.
-- Reply: how many it acked, or -1.
local stream, reasons, epochs = KEYS[1], KEYS[2], KEYS[3]
local group, fence = ARGV[1], tonumber(ARGV[2])
local first = 3

local epoch = (tonumber(redis.call('HGET', epochs, group)) or 0) + 1
if fence ~= epoch then return -1 end
local n = 0
for j = first, #ARGV, 1000 do
  n = n + redis.call('XACK', stream, group, unpack(ARGV, j, math.min(j + 999, #ARGV)))
end
if n > 0 and redis.call('EXISTS', reasons) == 1 then
  for j = first, #ARGV do redis.call('HDEL', reasons, group .. ' ' .. ARGV[j]) end
end
return n
