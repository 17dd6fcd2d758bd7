"""What the workers of a cluster say to each other about WebSocket connections, through Redis:
the keys, the Lua scripts, and the two messages (a command, its reply).

Keys, under a prefix (``fg:ws:``):

- ``c:{connectionId}`` → the owner's target id: one entry per open connection, written on
  connect, deleted on disconnect, expiring after the longest a connection may live;
- ``n:{target}`` → the set of the target's connection ids (to delete them on a clean stop);
- ``hb:{target}`` → the target's heartbeat, refreshed well within its TTL: a worker that dies
  stops refreshing it, and its connections read as gone once it expires;
- channel ``to:{target}``: commands for the target's connections and replies to its commands.

A target is one worker process (a random id drawn when it starts)."""

from __future__ import annotations

# KEYS: the connection's entry. ARGV: prefix, the command.
# The lookup, the owner's liveness and the PUBLISH in one atomic step: an owner that stopped
# cleanly or whose heartbeat lapsed is never sent anything (and its stale entry is dropped).
SEND = """
local owner = redis.call('GET', KEYS[1])
if not owner then return 0 end
if redis.call('EXISTS', ARGV[1] .. 'hb:' .. owner) == 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
if redis.call('PUBLISH', ARGV[1] .. 'to:' .. owner, ARGV[2]) == 0 then return -1 end
return 1
"""
GONE = 0  # no entry, or its owner is dead or stopped
SENT = 1  # the owner's subscription received the command
UNREACHABLE = -1  # the owner's heartbeat is alive but nobody listens on its channel

# KEYS: the target's set, its heartbeat. ARGV: prefix, target.
# A clean stop: the target's connections are gone at once (not after the heartbeat's TTL).
FORGET = """
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[1] .. 'c:' .. id
  if redis.call('GET', key) == ARGV[2] then redis.call('DEL', key) end
end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
"""

_OPS = {"POST": b"P", "DELETE": b"D", "GET": b"G"}
_METHODS = {v: k for k, v in _OPS.items()}


def command(
    request_id: bytes,
    reply_to: bytes,
    method: str,
    api_id: str,
    stage_name: str,
    connection_id: str,
    body: bytes,
) -> bytes | None:
    """``C`` + newline-separated fields, the message body last (it may hold anything); None
    when a field could not be one (a newline in a name: no such connection)."""
    names = (api_id, stage_name, connection_id)
    if any("\n" in n for n in names) or method not in _OPS:
        return None
    head = (request_id, reply_to, _OPS[method], *(n.encode() for n in names))
    return b"C" + b"\n".join(head) + b"\n" + body


def read_command(data: bytes) -> tuple[bytes, bytes, str, str, str, str, bytes]:
    """``(request id, reply-to target, method, api id, stage, connection id, body)``;
    ValueError or KeyError when malformed."""
    rid, reply_to, op, api_id, stage, cid, body = data[1:].split(b"\n", 6)
    return rid, reply_to, _METHODS[op], api_id.decode(), stage.decode(), cid.decode(), body


def reply(request_id: bytes, status: int, body: bytes) -> bytes:
    return b"R" + request_id + b"\n" + b"%d" % status + b"\n" + body


def read_reply(data: bytes) -> tuple[bytes, int, bytes]:
    """``(request id, status, body)``; ValueError when malformed."""
    rid, status, body = data[1:].split(b"\n", 2)
    return rid, int(status), body
