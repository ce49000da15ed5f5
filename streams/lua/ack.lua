-- ack: acks deliveries, each only if it is still the current delivery of
-- its entry. A delivery whose fence is the group's current epoch (see
-- scripts.go) still has the delivery count it was delivered with: one XACK
-- is its whole check. The others take one XPENDING over the batch's ID
-- range and one XACK for all the IDs whose delivery count matches; IDs past
-- what the range returned (other entries pending in the range filled it)
-- are looked up one by one.
-- Entries, from ARGV[5] on: id, attempt, and, without a shared fence, the
-- entry's fence (0: unknown).
-- Reply: one result per entry: 0 not pending, 1 acked, 2 stale.
local stream, reasons, epochs = KEYS[1], KEYS[2], KEYS[3]
local group, lo, hi, shared = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local first, step = 5, 3
if shared then step = 2 end
local n = (#ARGV - first + 1) / step
-- where entry k's arguments start
local function arg(k) return first + (k - 1) * step end

local epoch = (tonumber(redis.call('HGET', epochs, group)) or 0) + 1
local res, acks = {}, {}
if shared == epoch then
  local hasReasons = redis.call('EXISTS', reasons) == 1
  for k = 1, n do
    local id = ARGV[arg(k)]
    res[k] = redis.call('XACK', stream, group, id)
    if hasReasons and res[k] == 1 then redis.call('HDEL', reasons, group .. ' ' .. id) end
  end
  return res
end
local fast, slow = {}, {}
for k = 1, n do
  if (shared or tonumber(ARGV[arg(k) + 2])) == epoch then fast[#fast + 1] = k else slow[#slow + 1] = k end
end
-- The checked ones first: a stale ack in the batch must see the entry that
-- a current ack of the same batch is about to ack.
if #slow > 0 then
  local limit = 2 * #slow + 16
  local count, done = {}, {}
  local ok, p = pcall(redis.call, 'XPENDING', stream, group, lo, hi, limit)
  if not ok or type(p) ~= 'table' then p = {} end
  for _, e in ipairs(p) do count[e[1]] = tonumber(e[4]) end
  local full = ok and #p == limit
  for _, k in ipairs(slow) do
    local id, attempt = ARGV[arg(k)], tonumber(ARGV[arg(k) + 1])
    local c = count[id]
    if c == nil and full and not done[id] then
      local q = redis.call('XPENDING', stream, group, id, id, 1)
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
    redis.call('XACK', stream, group, unpack(acks, i, math.min(i + 999, #acks)))
  end
end
for _, k in ipairs(fast) do
  local id = ARGV[arg(k)]
  res[k] = redis.call('XACK', stream, group, id)
  if res[k] == 1 then acks[#acks + 1] = id end
end
if #acks > 0 and redis.call('EXISTS', reasons) == 1 then
  for _, id in ipairs(acks) do redis.call('HDEL', reasons, group .. ' ' .. id) end
end
return res
