#include "redisscripts.h"

#include <QCryptographicHash>

namespace confab::redis {

namespace {

Script make(const char *name, const char *body)
{
    const QByteArray text(body);
    return {name, text, QCryptographicHash::hash(text, QCryptographicHash::Sha1).toHex()};
}

// A room's meta hash: created with the given epoch when missing. A room whose history Redis lost
// (restarted without its data) is created again this way, with a new epoch, seq starting over.
#define ENSURE_ROOM                                                                                \
    "local epoch = redis.call('HGET', KEYS[1], 'epoch')\n"                                         \
    "if not epoch then\n"                                                                          \
    "  epoch = ARGV[1]\n"                                                                          \
    "  redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', 0, 'topic', '')\n"                       \
    "end\n"

} // namespace

// KEYS: meta, log, dedup key. ARGV: new epoch, message JSON after its seq ("\"id\":…}"), 1 when
// de-duplicated, dedup window ms, channel, origin server, origin ticket, room.
// Returns {1, original JSON, epoch} for a resend, {0, JSON, epoch} for a new message. Writes only
// after every check: an error leaves nothing behind (Lua scripts are not rolled back).
const Script &appendScript()
{
    static const Script s =
        make("append",
             "if ARGV[3] == '1' then\n"
             "  local old = redis.call('GET', KEYS[3])\n"
             "  if old then\n"
             "    return {1, old, redis.call('HGET', KEYS[1], 'epoch') or ''}\n"
             "  end\n"
             "end\n" ENSURE_ROOM "local seq = tonumber(redis.call('HGET', KEYS[1], 'seq')) + 1\n"
             "local json = '{\"seq\":' .. seq .. ',' .. ARGV[2]\n"
             "redis.call('XADD', KEYS[2], seq .. '-1', 'm', json, 'o', ARGV[6], 'k', ARGV[7])\n"
             "redis.call('HSET', KEYS[1], 'seq', seq)\n"
             "if ARGV[3] == '1' then\n"
             "  redis.call('SET', KEYS[3], json, 'PX', tonumber(ARGV[4]))\n"
             "end\n"
             "redis.call('PUBLISH', ARGV[5], 'm\\n' .. ARGV[6] .. '\\n' .. ARGV[8] .. '\\n' .. "
             "epoch .. '\\n' .. ARGV[7] .. '\\n' .. json)\n"
             "return {0, json, epoch}\n");
    return s;
}

// KEYS: meta, log, members, the user's servers in this room. ARGV: new epoch, 1 to register this
// server's presence, server id, user id, member JSON, since (-1: none), default count, since
// count, channel, room, ts.
// Returns {epoch, topic, seq, 1 when the user became a member, member JSONs, history entries}
// (history newest first without since).
const Script &joinScript()
{
    static const Script s =
        make("join", ENSURE_ROOM
             "local became = 0\n"
             "if ARGV[2] == '1' then\n"
             "  redis.call('SADD', KEYS[4], ARGV[3])\n"
             "  if redis.call('HSETNX', KEYS[3], ARGV[4], ARGV[5]) == 1 then\n"
             "    became = 1\n"
             "    redis.call('PUBLISH', ARGV[9], 'p\\n' .. ARGV[3] .. '\\njoin\\n' .. ARGV[10] .. "
             "'\\n' .. ARGV[11] .. '\\n' .. ARGV[5])\n"
             "  else\n"
             "    redis.call('HSET', KEYS[3], ARGV[4], ARGV[5])\n"
             "  end\n"
             "end\n"
             "local meta = redis.call('HMGET', KEYS[1], 'seq', 'topic')\n"
             "local seq = tonumber(meta[1])\n"
             "local since = tonumber(ARGV[6])\n"
             "local history = {}\n"
             "if since < 0 then\n"
             "  history = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', tonumber(ARGV[7]))\n"
             "elseif since < seq then\n"
             "  local from = math.max(since + 1, seq - tonumber(ARGV[8]) + 1)\n"
             "  history = redis.call('XRANGE', KEYS[2], from, '+', 'COUNT', tonumber(ARGV[8]))\n"
             "end\n"
             "return {epoch, meta[2], seq, became, redis.call('HVALS', KEYS[3]), history}\n");
    return s;
}

// KEYS: members, the user's servers in this room. ARGV: server id, user id, channel, room, ts,
// origin (the server that says so: itself, or a peer cleaning up after a dead one).
// Returns 1 when the user is no longer a member (and the leave went out).
const Script &leaveScript()
{
    static const Script s =
        make("leave", "redis.call('SREM', KEYS[2], ARGV[1])\n"
                      "if redis.call('SCARD', KEYS[2]) == 0 then\n"
                      "  local member = redis.call('HGET', KEYS[1], ARGV[2])\n"
                      "  if member then\n"
                      "    redis.call('HDEL', KEYS[1], ARGV[2])\n"
                      "    redis.call('PUBLISH', ARGV[3], 'p\\n' .. ARGV[6] .. '\\nleave\\n' .. "
                      "ARGV[4] .. '\\n' .. ARGV[5] .. '\\n' .. member)\n"
                      "    return 1\n"
                      "  end\n"
                      "end\n"
                      "return 0\n");
    return s;
}

// KEYS: meta. ARGV: new epoch, topic, channel, event payload.
const Script &topicScript()
{
    static const Script s =
        make("topic", ENSURE_ROOM "redis.call('HSET', KEYS[1], 'topic', ARGV[2])\n"
                                  "redis.call('PUBLISH', ARGV[3], ARGV[4])\n"
                                  "return 1\n");
    return s;
}

// KEYS: the throttle key of this user and room. ARGV: interval ms, channel, event payload.
const Script &typingScript()
{
    static const Script s =
        make("typing", "if redis.call('SET', KEYS[1], '1', 'NX', 'PX', tonumber(ARGV[1])) then\n"
                       "  redis.call('PUBLISH', ARGV[2], ARGV[3])\n"
                       "  return 1\n"
                       "end\n"
                       "return 0\n");
    return s;
}

// KEYS: the user's reads hash. ARGV: room, seq, channel, event payload.
const Script &readScript()
{
    static const Script s =
        make("read", "local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')\n"
                     "if tonumber(ARGV[2]) > current then\n"
                     "  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
                     "  redis.call('PUBLISH', ARGV[3], ARGV[4])\n"
                     "  return 1\n"
                     "end\n"
                     "return 0\n");
    return s;
}

// KEYS: the token's user hash, its reads hash. ARGV: id and nick for a new user.
// Returns {id, nick, flat room/seq list}.
const Script &userScript()
{
    static const Script s =
        make("user", "local u = redis.call('HMGET', KEYS[1], 'id', 'nick')\n"
                     "if not u[1] then\n"
                     "  redis.call('HSET', KEYS[1], 'id', ARGV[1], 'nick', ARGV[2])\n"
                     "  u = {ARGV[1], ARGV[2]}\n"
                     "end\n"
                     "return {u[1], u[2], redis.call('HGETALL', KEYS[2])}\n");
    return s;
}

// KEYS: a room's members. ARGV: user id, member JSON.
const Script &nickScript()
{
    static const Script s = make("nick", "if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then\n"
                                         "  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
                                         "end\n"
                                         "return 1\n");
    return s;
}

// KEYS: meta, members. Returns {topic, seq, member count}.
const Script &roomInfoScript()
{
    static const Script s =
        make("roominfo",
             "local meta = redis.call('HMGET', KEYS[1], 'topic', 'seq')\n"
             "return {meta[1] or '', tonumber(meta[2] or '0'), redis.call('HLEN', KEYS[2])}\n");
    return s;
}

// KEYS: the sender's claim on a client id. ARGV: message JSON, window ms.
// Returns {1, original JSON} for a resend, {0} for a new one.
const Script &directScript()
{
    static const Script s =
        make("direct", "local old = redis.call('GET', KEYS[1])\n"
                       "if old then return {1, old} end\n"
                       "redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))\n"
                       "return {0}\n");
    return s;
}

const Script *const *allScripts()
{
    static const Script *const all[] = {&appendScript(), &joinScript(),   &leaveScript(),
                                        &topicScript(),  &typingScript(), &readScript(),
                                        &userScript(),   &nickScript(),   &roomInfoScript(),
                                        &directScript(), nullptr};
    return all;
}

} // namespace confab::redis
