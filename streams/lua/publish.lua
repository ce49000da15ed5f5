-- publish: appends events, skipping those whose idempotency key was seen
-- within the window, and returns every event's entry ID (the original one
-- for duplicates). KEYS[2] on are the idempotency keys.
-- Events, from ARGV[3] on: the index in KEYS of the event's key (2 or more; 0: none),
-- its field count, its fields.
-- Reply: the entry IDs, in event order.
local stream = KEYS[1]
local window, maxlen = ARGV[1], tonumber(ARGV[2])
local first = 3

local ids = {}
local i = first
while i <= #ARGV do
  local k, nfields = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local id = false
  if k > 0 then id = redis.call('GET', KEYS[k]) end
  if not id then
    local args = {stream}
    if maxlen > 0 then
      for _, a in ipairs({'MAXLEN', '~', maxlen}) do args[#args + 1] = a end
    end
    args[#args + 1] = '*'
    for j = i + 2, i + 1 + nfields do args[#args + 1] = ARGV[j] end
    local ok, r = pcall(redis.call, 'XADD', unpack(args))
    if not ok then return fail(r) end
    id = r
    if k > 0 then redis.call('SET', KEYS[k], id, 'PX', window) end
  end
  ids[#ids + 1] = id
  i = i + 2 + nfields
end
return ids
