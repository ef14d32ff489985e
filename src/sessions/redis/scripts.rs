//! The Lua scripts the Redis store runs: each touches one session's keys (one cluster slot)
//! or the fleet's registry, atomically.

use redis::Script;

const CREATE: &str = r"
redis.call('HSET', KEYS[1], 'tok', redis.sha1hex(ARGV[1]), 'st', ARGV[2], 'client', ARGV[3], 'bytes', 0, 'fence', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1";

const READ: &str = r"
local v = redis.call('HMGET', KEYS[1], 'tok', 'st')
if not v[1] or v[1] ~= redis.sha1hex(ARGV[1]) then return false end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return v[2]";

const LEASE: &str = r"
local v = redis.call('HMGET', KEYS[1], 'tok', 'st', 'bytes')
if not v[1] or v[1] ~= redis.sha1hex(ARGV[1]) then return {'gone'} end
if ARGV[4] == '1' then
  local r = redis.call('GET', KEYS[3])
  if r then return {'reply', r} end
end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'busy'} end
local fence = redis.call('HINCRBY', KEYS[1], 'fence', 1)
redis.call('SET', KEYS[2], fence, 'PX', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {'leased', v[2], fence, tonumber(v[3] or '0')}";

const COMMIT: &str = r"
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('HSET', KEYS[1], 'st', ARGV[2], 'bytes', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if ARGV[5] == '1' then redis.call('SET', KEYS[3], ARGV[6], 'PX', ARGV[4]) end
return 1";

const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1";

const RENEW: &str = r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1";

const DELETE: &str = r"
local tok = redis.call('HGET', KEYS[1], 'tok')
if not tok or tok ~= redis.sha1hex(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1";

/// The fleet registry: prunes expired entries, then `admit`s, `grow`s, `touch`es or `forget`s
/// one session. Answers `{status, number, live sessions}`. Every operation gives the same answer
/// run twice (an admitted id is admitted again), so a call whose connection dropped can retry it.
const REGISTRY: &str = r"
local live, bytes, owner, total = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function forget(id)
  local b = tonumber(redis.call('HGET', bytes, id) or '0')
  if b ~= 0 then redis.call('DECRBY', total, b) end
  redis.call('HDEL', bytes, id)
  redis.call('HDEL', owner, id)
  redis.call('ZREM', live, id)
end
local dead = redis.call('ZRANGEBYSCORE', live, '-inf', now, 'LIMIT', 0, 200)
for _, id in ipairs(dead) do forget(id) end
local op, id = ARGV[1], ARGV[2]
local expiry = now + tonumber(ARGV[3])
local sum = tonumber(redis.call('GET', total) or '0')
if op == 'forget' then
  forget(id)
elseif op == 'touch' then
  redis.call('ZADD', live, 'XX', 'GT', expiry, id)
elseif op == 'admit' then
  local n = redis.call('ZCARD', live)
  if redis.call('HEXISTS', owner, id) == 1 then return {'ok', #dead, n} end
  if n >= tonumber(ARGV[5]) then return {'sessions', n, n} end
  local mine = 0
  for _, c in ipairs(redis.call('HVALS', owner)) do
    if c == ARGV[4] then mine = mine + 1 end
  end
  if mine >= tonumber(ARGV[6]) then return {'client', mine, n} end
  if sum >= tonumber(ARGV[7]) then return {'bytes', sum, n} end
  redis.call('ZADD', live, expiry, id)
  redis.call('HSET', owner, id, ARGV[4])
  redis.call('HSET', bytes, id, 0)
elseif op == 'grow' then
  local new = tonumber(ARGV[4])
  local old = tonumber(redis.call('HGET', bytes, id) or '0')
  if new > old and sum - old + new > tonumber(ARGV[5]) then
    return {'bytes', sum - old + new, redis.call('ZCARD', live)}
  end
  redis.call('HSET', bytes, id, new)
  redis.call('INCRBY', total, new - old)
  redis.call('ZADD', live, 'GT', expiry, id)
end
return {'ok', #dead, redis.call('ZCARD', live)}";

pub(super) struct Scripts {
    pub create: Script,
    pub read: Script,
    pub lease: Script,
    pub commit: Script,
    pub release: Script,
    pub renew: Script,
    pub delete: Script,
    pub registry: Script,
}

impl Scripts {
    pub fn new() -> Scripts {
        Scripts {
            create: Script::new(CREATE),
            read: Script::new(READ),
            lease: Script::new(LEASE),
            commit: Script::new(COMMIT),
            release: Script::new(RELEASE),
            renew: Script::new(RENEW),
            delete: Script::new(DELETE),
            registry: Script::new(REGISTRY),
        }
    }
}
