-- rebalance: one heartbeat of one subscription (a member) of a group on a
-- topic. members is a sorted set (member -> lease expiry ms), owners a hash
-- (partition -> "<expiry ms> <member>"). Time is Redis's, so replicas'
-- clocks do not matter.
--
-- Target: members sorted by name; member i of m gets n/m partitions, one
-- more if i < n%m. A member above its target is told which to give up (it
-- stops reading them, lets its in-flight messages settle, then releases
-- them with a later heartbeat); a member below takes free partitions.
-- Leases of dead members expire. With leave = 1 the member and all it owns
-- are dropped instead.
-- Partitions the member gives up now: ARGV[5] on.
-- Reply: {partitions owned, partitions to give up}.
local members, owners = KEYS[1], KEYS[2]
local me, ttl, n, leave = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local first = 5

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function parse(v)
  local sp = string.find(v, ' ', 1, true)
  return tonumber(string.sub(v, 1, sp - 1)), string.sub(v, sp + 1)
end
redis.call('ZREMRANGEBYSCORE', members, '-inf', now)
if leave == '1' then
  redis.call('ZREM', members, me)
  local raw = redis.call('HGETALL', owners)
  for i = 1, #raw, 2 do
    local _, who = parse(raw[i + 1])
    if who == me then redis.call('HDEL', owners, raw[i]) end
  end
  return {{}, {}}
end
redis.call('ZADD', members, now + ttl, me)
redis.call('PEXPIRE', members, ttl * 10)
local names = redis.call('ZRANGE', members, 0, -1)
table.sort(names)
local live, idx = {}, 0
for i, m in ipairs(names) do
  live[m] = true
  if m == me then idx = i - 1 end
end
local target = math.floor(n / #names)
if idx < n % #names then target = target + 1 end
local giveup = {}
for i = first, #ARGV do giveup[ARGV[i]] = true end
local owner = {}
local raw = redis.call('HGETALL', owners)
for i = 1, #raw, 2 do
  local p = tonumber(raw[i])
  local exp, who = parse(raw[i + 1])
  if p == nil or p >= n or exp <= now or not live[who] or (who == me and giveup[raw[i]]) then
    redis.call('HDEL', owners, raw[i])
  else
    owner[p] = who
  end
end
local mine, count = {}, 0
for p = 0, n - 1 do
  if owner[p] == me then count = count + 1 end
end
for p = 0, n - 1 do
  if owner[p] == nil and count < target then
    owner[p] = me
    count = count + 1
  end
  if owner[p] == me then
    mine[#mine + 1] = p
    redis.call('HSET', owners, p, (now + ttl) .. ' ' .. me)
  end
end
redis.call('PEXPIRE', owners, ttl * 10)
local drop = {}
for i = #mine, target + 1, -1 do drop[#drop + 1] = mine[i] end
return {mine, drop}
