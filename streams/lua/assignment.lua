-- assignment: a group's live members and partition owners on a topic
-- (see rebalance.lua), changing nothing.
-- Reply: {members, {partition, member, ...}}.
local members, owners = KEYS[1], KEYS[2]

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local names = redis.call('ZRANGEBYSCORE', members, '(' .. now, '+inf')
local live = {}
for _, m in ipairs(names) do live[m] = true end
local out = {}
local raw = redis.call('HGETALL', owners)
for i = 1, #raw, 2 do
  local v = raw[i + 1]
  local sp = string.find(v, ' ', 1, true)
  local exp, who = tonumber(string.sub(v, 1, sp - 1)), string.sub(v, sp + 1)
  if exp > now and live[who] then
    out[#out + 1] = raw[i]
    out[#out + 1] = who
  end
end
return {names, out}
