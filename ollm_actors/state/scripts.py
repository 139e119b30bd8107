"""The Lua scripts of the Valkey state: each check-and-change runs atomically on the server."""

from __future__ import annotations

__all__ = ("ACQUIRE", "BOUNDED_GET", "CANCEL", "PUBLISH", "RELEASE", "RENEW", "ms")

# Per key: nil when absent, -2 when not a string, -1 when longer than ARGV[1], else the value.
BOUNDED_GET = """
local out = {}
for i, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key).ok
  if kind == 'none' then out[i] = false
  elseif kind ~= 'string' then out[i] = -2
  elseif redis.call('STRLEN', key) > tonumber(ARGV[1]) then out[i] = -1
  else out[i] = redis.call('GET', key) end
end
return out
"""
# KEYS: the lease, its cancel request, its ended record (see RELEASE).
ACQUIRE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('DEL', KEYS[2], KEYS[3]) return 1
end
return 0
"""
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
  return 1
end
return 0
"""
# ARGV[2], when not empty, is the outcome kept under KEYS[3] for ARGV[3] ms.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  if ARGV[2] ~= '' then redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3]) end
  return 1
end
return 0
"""
CANCEL = """
local left = redis.call('PTTL', KEYS[1])
if left > 0 then redis.call('SET', KEYS[2], '1', 'PX', left) end
return 0
"""

# Events in one round trip: ARGV is the stream's approximate bound, the origin, then topic
# and data of each event in turn.
PUBLISH = """
for i = 3, #ARGV, 2 do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*',
             'topic', ARGV[i], 'origin', ARGV[2], 'data', ARGV[i + 1])
end
return 0
"""


def ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))
