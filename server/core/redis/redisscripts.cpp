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

// Reading a room's events by seq. The log's entries are immutable; a message whose state changed
// (edited, reacted to, deleted) and the events erased with a deleted message have their current
// JSON in the room's state hash (seq -> JSON), read in preference to the entry. A room that never
// had such an event has an empty state hash: one HLEN and the log alone, as fast as before.
// A deleted message's entry and its edits' and reactions' entries are gone from the log (XDEL):
// the state hash's blanked versions keep seq gapless in every answer.
#define READ_EVENTS                                                                                \
    "local function entryJson(log, seq)\n"                                                         \
    "  local e = redis.call('XRANGE', log, seq .. '-1', seq .. '-1')\n"                            \
    "  if #e == 0 then return nil end\n"                                                           \
    "  local f = e[1][2]\n"                                                                        \
    "  for i = 1, #f, 2 do\n"                                                                      \
    "    if f[i] == 'm' then return f[i + 1] end\n"                                                \
    "  end\n"                                                                                      \
    "  return nil\n"                                                                               \
    "end\n"                                                                                        \
    "local function current(log, state, seq)\n"                                                    \
    "  return redis.call('HGET', state, seq) or entryJson(log, seq)\n"                             \
    "end\n"                                                                                        \
    "local function readRange(log, state, lo, hi)\n"                                               \
    "  if hi < lo then return {{}, {}} end\n"                                                      \
    "  local entries = redis.call('XRANGE', log, lo .. '-1', hi .. '-1')\n"                        \
    "  local states = {}\n"                                                                        \
    "  if redis.call('HLEN', state) > 0 then\n"                                                    \
    "    local fields = {}\n"                                                                      \
    "    for s = lo, hi do fields[#fields + 1] = s end\n"                                          \
    "    states = redis.call('HMGET', state, unpack(fields))\n"                                    \
    "  end\n"                                                                                      \
    "  return {entries, states}\n"                                                                 \
    "end\n"

// KEYS: meta, log, dedup key, state. ARGV: new epoch, message JSON after its seq ("\"id\":…}"),
// 1 when de-duplicated, dedup window ms, channel, origin server, origin ticket, room, the seq the
// message replies to (-1: none; 0 is a seq that names no message).
// Returns {1, original's current JSON, epoch} for a resend, {0, JSON, epoch} for a new message,
// {2, '', epoch} when reply_to names no message of the room. The de-duplication key holds the
// message's seq (servers before 1.1 stored its JSON), so a resend of a message since edited or
// deleted answers its current state, and a deletion has no copy of the text to find there.
// Writes only after every check: an error leaves nothing behind (scripts are not rolled back).
const Script &appendScript()
{
    static const Script s = make(
        "append", READ_EVENTS
        "if ARGV[3] == '1' then\n"
        "  local old = redis.call('GET', KEYS[3])\n"
        "  if old then\n"
        "    if string.sub(old, 1, 1) ~= '{' then old = current(KEYS[2], KEYS[4], old) or '' end\n"
        "    return {1, old, redis.call('HGET', KEYS[1], 'epoch') or ''}\n"
        "  end\n"
        "end\n"
        "if ARGV[9] ~= '-1' then\n"
        "  local r = tonumber(ARGV[9])\n"
        "  local last = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')\n"
        "  local t = nil\n"
        "  if r >= 1 and r <= last then t = current(KEYS[2], KEYS[4], r) end\n"
        "  if not t or cjson.decode(t)['type'] ~= 'message' then\n"
        "    return {2, '', redis.call('HGET', KEYS[1], 'epoch') or ''}\n"
        "  end\n"
        "end\n" ENSURE_ROOM "local seq = tonumber(redis.call('HGET', KEYS[1], 'seq')) + 1\n"
        "local json = '{\"seq\":' .. seq .. ',' .. ARGV[2]\n"
        "redis.call('XADD', KEYS[2], seq .. '-1', 'm', json, 'o', ARGV[6], 'k', ARGV[7])\n"
        "redis.call('HSET', KEYS[1], 'seq', seq)\n"
        "if ARGV[3] == '1' then\n"
        "  redis.call('SET', KEYS[3], seq, 'PX', tonumber(ARGV[4]))\n"
        "end\n"
        "redis.call('PUBLISH', ARGV[5], 'm\\n' .. ARGV[6] .. '\\n' .. ARGV[8] .. '\\n' .. "
        "epoch .. '\\n' .. ARGV[7] .. '\\n' .. json)\n"
        "return {0, json, epoch}\n");
    return s;
}

// An edit, deletion or reaction: every check and the write in one step, so two servers racing on
// one message cannot both win (a deletion and an edit: whichever runs second finds the message
// deleted, or edits it before it is deleted and is erased with it).
// KEYS: meta, log, state, gone (seqs that are not live messages), the target's refs (the seqs of
// its edits and reactions), the edit's de-duplication key.
// ARGV: kind ('e', 'd', 'r'), target, user id, 1 when the user may delete anyone's message, the
// edit's text or the emoji, 1 for a reaction on (0 off), event JSON after its seq, 1 when
// de-duplicated, dedup window ms, channel, origin server, origin ticket, room, ts, the most
// different emoji a message may have, the most different emoji one user may have on it.
// Returns {verdict, JSON, epoch}: 0 stored (the event), 1 duplicate (the original edit's current
// JSON), 2 unchanged, 3 not found (or deleted), 4 forbidden, 5 too many emoji, 6 too many of the
// user's. Writes only after every check.
const Script &eventScript()
{
    static const Script s =
        make("event", READ_EVENTS
             "local epoch = redis.call('HGET', KEYS[1], 'epoch')\n"
             "if not epoch then return {3, '', ''} end\n"
             "if ARGV[8] == '1' then\n"
             "  local old = redis.call('GET', KEYS[6])\n"
             "  if old then return {1, current(KEYS[2], KEYS[3], old) or '', epoch} end\n"
             "end\n"
             "local seq = tonumber(redis.call('HGET', KEYS[1], 'seq'))\n"
             "local target = tonumber(ARGV[2])\n"
             "local raw = nil\n"
             "if target >= 1 and target <= seq then raw = current(KEYS[2], KEYS[3], target) end\n"
             "if not raw then return {3, '', epoch} end\n"
             "local m = cjson.decode(raw)\n"
             "if m['type'] ~= 'message' or m['deleted'] then return {3, '', epoch} end\n"
             "local kind = ARGV[1]\n"
             "if kind == 'e' then\n"
             "  if m['from']['id'] ~= ARGV[3] then return {4, '', epoch} end\n"
             "  m['text'] = ARGV[5]\n"
             "  m['edited_ts'] = tonumber(ARGV[14])\n"
             "elseif kind == 'd' then\n"
             "  if m['from']['id'] ~= ARGV[3] and ARGV[4] ~= '1' then return {4, '', epoch} end\n"
             "else\n"
             "  local reactions = m['reactions'] or {}\n"
             "  local users = reactions[ARGV[5]]\n"
             "  local at = nil\n"
             "  if users then\n"
             "    for i, u in ipairs(users) do\n"
             "      if u == ARGV[3] then at = i end\n"
             "    end\n"
             "  end\n"
             "  if ARGV[6] == '1' then\n"
             "    if at then return {2, '', epoch} end\n"
             "    local mine = 0\n"
             "    for _, us in pairs(reactions) do\n"
             "      for _, u in ipairs(us) do\n"
             "        if u == ARGV[3] then mine = mine + 1 end\n"
             "      end\n"
             "    end\n"
             "    if mine >= tonumber(ARGV[16]) then return {6, '', epoch} end\n"
             "    if not users then\n"
             "      local n = 0\n"
             "      for _ in pairs(reactions) do n = n + 1 end\n"
             "      if n >= tonumber(ARGV[15]) then return {5, '', epoch} end\n"
             "      users = {}\n"
             "      reactions[ARGV[5]] = users\n"
             "    end\n"
             "    users[#users + 1] = ARGV[3]\n"
             "  else\n"
             "    if not at then return {2, '', epoch} end\n"
             "    table.remove(users, at)\n"
             "    if #users == 0 then reactions[ARGV[5]] = nil end\n"
             "  end\n"
             "  if next(reactions) == nil then m['reactions'] = nil else m['reactions'] = "
             "reactions end\n"
             "end\n"
             "seq = seq + 1\n"
             "local json = '{\"seq\":' .. seq .. ',' .. ARGV[7]\n"
             "redis.call('XADD', KEYS[2], seq .. '-1', 'm', json, 'o', ARGV[11], 'k', ARGV[12])\n"
             "redis.call('HSET', KEYS[1], 'seq', seq)\n"
             "redis.call('ZADD', KEYS[4], seq, seq)\n"
             "if kind == 'd' then\n"
             // Erased for real: the entries of the message, its edits and its reactions go; blanked
             // versions answer for their seqs.
             "  redis.call('XDEL', KEYS[2], target .. '-1')\n"
             "  m['text'] = ''\n"
             "  m['deleted'] = true\n"
             "  m['reactions'] = nil\n"
             "  m['edited_ts'] = nil\n"
             "  redis.call('HSET', KEYS[3], target, cjson.encode(m))\n"
             "  redis.call('ZADD', KEYS[4], target, target)\n"
             "  for _, r in ipairs(redis.call('SMEMBERS', KEYS[5])) do\n"
             "    local e = current(KEYS[2], KEYS[3], r)\n"
             "    if e then\n"
             "      local ev = cjson.decode(e)\n"
             "      if ev['type'] == 'edit' then ev['text'] = '' else ev['emoji'] = '' end\n"
             "      redis.call('HSET', KEYS[3], r, cjson.encode(ev))\n"
             "      redis.call('XDEL', KEYS[2], r .. '-1')\n"
             "    end\n"
             "  end\n"
             "  redis.call('DEL', KEYS[5])\n"
             "else\n"
             "  redis.call('HSET', KEYS[3], target, cjson.encode(m))\n"
             "  redis.call('SADD', KEYS[5], seq)\n"
             "  if kind == 'e' and ARGV[8] == '1' then\n"
             "    redis.call('SET', KEYS[6], seq, 'PX', tonumber(ARGV[9]))\n"
             "  end\n"
             "end\n"
             "redis.call('PUBLISH', ARGV[10], 'm\\n' .. ARGV[11] .. '\\n' .. ARGV[13] .. '\\n' .. "
             "epoch .. '\\n' .. ARGV[12] .. '\\n' .. json)\n"
             "return {0, json, epoch}\n");
    return s;
}

// KEYS: meta, log, state. ARGV: after seq, before seq, limit.
// Returns {entries, states, lo}: the newest `limit` events with seq in (after, before), from seq
// lo up (states: the state hash's JSON for each seq from lo, or empty).
const Script &historyScript()
{
    static const Script s =
        make("history", READ_EVENTS
             "local last = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')\n"
             "local hi = math.min(tonumber(ARGV[2]) - 1, last)\n"
             "local lo = math.max(tonumber(ARGV[1]) + 1, hi - tonumber(ARGV[3]) + 1, 1)\n"
             "local r = readRange(KEYS[2], KEYS[3], lo, hi)\n"
             "return {r[1], r[2], lo}\n");
    return s;
}

// KEYS: meta, log, state. ARGV: from seq, at most how many.
// Returns {entries, states, lo, hi, last seq}: what catch-up and the search copy read.
const Script &rangeScript()
{
    static const Script s = make(
        "range", READ_EVENTS "local last = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')\n"
                             "local lo = tonumber(ARGV[1])\n"
                             "local hi = math.min(lo + tonumber(ARGV[2]) - 1, last)\n"
                             "local r = readRange(KEYS[2], KEYS[3], lo, hi)\n"
                             "return {r[1], r[2], lo, hi, last}\n");
    return s;
}

// KEYS: meta, log, members, the user's servers in this room, state, gone. ARGV: new epoch, 1 to
// register this server's presence, server id, user id, member JSON, since (-1: none), default
// count, since count, channel, room, ts, the user's read position.
// Returns {epoch, topic, seq, 1 when the user became a member, member JSONs, history entries,
// history states, history's first seq, unread}. Unread is the seqs above the read position less
// those that are not live messages (events, deleted messages: the gone set): O(log n).
const Script &joinScript()
{
    static const Script s =
        make("join", READ_EVENTS ENSURE_ROOM
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
             "local lo = seq + 1\n"
             "if since < 0 then\n"
             "  lo = math.max(1, seq - tonumber(ARGV[7]) + 1)\n"
             "elseif since < seq then\n"
             "  lo = math.max(since + 1, seq - tonumber(ARGV[8]) + 1)\n"
             "end\n"
             "local history = readRange(KEYS[2], KEYS[5], lo, seq)\n"
             "local read = tonumber(ARGV[12])\n"
             "local unread = 0\n"
             "if read < seq then\n"
             "  unread = seq - read - redis.call('ZCOUNT', KEYS[6], '(' .. read, '+inf')\n"
             "end\n"
             "return {epoch, meta[2], seq, became, redis.call('HVALS', KEYS[3]), history[1], "
             "history[2], lo, math.max(unread, 0)}\n");
    return s;
}

// KEYS: members, the user's servers in this room. ARGV: server id, user id, channel, room, ts,
// origin (the server that says so: itself, a peer cleaning up after a dead one, or "-" for every
// server), event ("leave", or "kick" when an operator kicked the user, "ban" when it was a
// ban's), the operator's user JSON
// for a kick (else empty; the doorbell's last line then), the kick's reason (optional; may hold
// newlines: everything after the operator's line).
// Returns 1 when the user is no longer a member (and the leave went out).
const Script &leaveScript()
{
    static const Script s =
        make("leave", "redis.call('SREM', KEYS[2], ARGV[1])\n"
                      "if redis.call('SCARD', KEYS[2]) == 0 then\n"
                      "  local member = redis.call('HGET', KEYS[1], ARGV[2])\n"
                      "  if member then\n"
                      "    redis.call('HDEL', KEYS[1], ARGV[2])\n"
                      "    local by = ''\n"
                      "    if ARGV[8] ~= '' then by = '\\n' .. ARGV[8] end\n"
                      "    if ARGV[8] ~= '' and ARGV[9] and ARGV[9] ~= '' then\n"
                      "      by = by .. '\\n' .. ARGV[9]\n"
                      "    end\n"
                      "    redis.call('PUBLISH', ARGV[3], 'p\\n' .. ARGV[6] .. '\\n' .. ARGV[7] .. "
                      "'\\n' .. ARGV[4] .. '\\n' .. ARGV[5] .. '\\n' .. member .. by)\n"
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
    static const Script *const all[] = {
        &appendScript(), &eventScript(),    &historyScript(), &rangeScript(), &joinScript(),
        &leaveScript(),  &topicScript(),    &typingScript(),  &readScript(),  &userScript(),
        &nickScript(),   &roomInfoScript(), &directScript(),  nullptr};
    return all;
}

} // namespace confab::redis
