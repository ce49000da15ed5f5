-- group_create: creates a consumer group (and its stream) with its filter,
-- or reports the filter of the group that exists.
-- KEYS: stream, filters (hash: group -> filter expression).
-- ARGV: group, start ID or '$', filter ('' for none).
-- Reply: {1, filter} if it created the group, {0, the group's filter ('' for
-- none)} if the group existed.
local stream, filters = KEYS[1], KEYS[2]
local group, start, filter = ARGV[1], ARGV[2], ARGV[3]
local ok = redis.pcall('XGROUP', 'CREATE', stream, group, start, 'MKSTREAM')
if type(ok) == 'table' and ok.err then
  if string.sub(ok.err, 1, 9) == 'BUSYGROUP' then
    return {0, redis.call('HGET', filters, group) or ''}
  end
  return redis.error_reply(ok.err)
end
-- A filter left from an earlier group of that name (deleted with redis-cli)
-- does not apply to this one.
if filter == '' then
  redis.call('HDEL', filters, group)
else
  redis.call('HSET', filters, group, filter)
end
return {1, filter}
