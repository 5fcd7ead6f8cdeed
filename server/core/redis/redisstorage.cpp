// RedisStorage: the Storage calls, each a script or a few commands (the order of delivery, the
// doorbell and the heartbeats are in redisstorage_sync.cpp).
#include "redisstorage.h"

#include "logging.h"
#include "room.h"
#include "store.h"
#include "user.h"

#include <QDateTime>
#include <QDir>
#include <QJsonDocument>
#include <QUuid>

namespace confab {

using protocol::ChatMessage;

namespace {

QByteArray number(qint64 n)
{
    return QByteArray::number(n);
}

QByteArray memberJson(const User &user)
{
    return protocol::encode(protocol::toJson(user.info()));
}

// Who is an operator (Storage::saveOperator).
constexpr char OperatorsKey[] = "confab:ops";

QByteArray newEpoch()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces).toLatin1();
}

QByteArray userKey(const QString &tokenHash, const char *part = "")
{
    return "confab:user:{" + tokenHash.toLatin1() + "}" + part;
}

QByteArray onlineKey(const QString &userId)
{
    return "confab:online:{" + userId.toLatin1() + "}";
}

} // namespace

std::vector<LoggedEvent> eventsFromRange(const RedisReply &entries, const RedisReply &states,
                                         qint64 lo, const QString &room);

RedisStorage::RedisStorage(const ServerConfig &config, QObject *parent)
    : Storage(parent)
    , m_config(config)
    , m_serverId(QUuid::createUuid().toString(QUuid::WithoutBraces))
    , m_channel("confab:events")
{
    RedisClient::Options options;
    options.commandTimeoutMs = config.redisCommandTimeoutMs;
    options.connectTimeoutMs = config.redisCommandTimeoutMs;
    m_client = std::make_unique<RedisClient>(*config.redis, options, QStringLiteral("commands:"));
    m_subscriber =
        std::make_unique<RedisClient>(*config.redis, options, QStringLiteral("doorbell:"));
    m_subscriber->subscribe({m_channel},
                            [this](const QByteArray &channel, const QByteArray &payload) {
                                onEvent(channel, payload);
                            });
    connect(m_client.get(), &RedisClient::ready, this, &RedisStorage::onReady);
    connect(m_client.get(), &RedisClient::lost, this, &RedisStorage::onLost);
    // A doorbell connection made again may have missed rings: every room catches up.
    connect(m_subscriber.get(), &RedisClient::ready, this, [this] {
        const auto rooms = m_tracks.keys();
        for (const QString &room : rooms)
            catchUp(room);
    });
    m_heartbeat.setInterval(config.heartbeatMs);
    connect(&m_heartbeat, &QTimer::timeout, this, &RedisStorage::heartbeat);
    m_downTimer.setSingleShot(true);
    connect(&m_downTimer, &QTimer::timeout, this, [this] {
        if (available())
            return;
        qCWarning(lcRedis) << "Redis unreachable for" << m_config.redisGraceMs
                           << "ms: closing every client with 1013 (try again later)";
        m_downTooLong = true;
        Q_EMIT unavailableTooLong();
    });
    m_search = std::make_unique<Store>();
    connect(m_search.get(), &Storage::searchFinished, this, &Storage::searchFinished);
}

RedisStorage::~RedisStorage()
{
    // Waiting continuations are dropped: the hub is going too.
    m_client.reset();
    m_subscriber.reset();
    if (m_search)
        m_search->close();
}

std::optional<QString> RedisStorage::open()
{
    // The search copy is derived data, but kept: rebuilding it at every start read the chat's
    // whole history (issue 20: 10 s at 80 % CPU, sends at 31 ms, with 200,000 messages). What
    // an earlier run copied is taken room by room as rooms are followed again (adoptCopy).
    const QString dir = QDir(m_config.dataDir).filePath(QStringLiteral("cluster-search"));
    const auto startOver = [this, &dir] {
        m_search->close();
        QDir(dir).removeRecursively();
        return m_search->open(dir);
    };
    if (auto error = m_search->open(dir)) {
        qCWarning(lcRedis).noquote()
            << "the search copy cannot be opened (" << *error << "): starting a new one";
        if (auto again = startOver())
            return again;
    }
    const QList<StoredRoom> copied = m_search->loadRooms();
    // Nothing to adopt: a copy without rooms is new, or one a server before issue 20 left (its
    // rows have no epoch to be trusted by). Started over, so no room has rows that adoptCopy
    // does not know of.
    if (copied.isEmpty()) {
        if (auto error = startOver())
            return error;
    }
    for (const StoredRoom &room : copied)
        m_copied.insert(room.name, {room.epoch, room.lastSeq});
    qCInfo(lcRedis).noquote() << "cluster mode: server" << m_serverId << "using Redis at"
                              << m_config.redis->display();
    m_client->start();
    m_subscriber->start();
    m_heartbeat.start();
    m_downTimer.start(m_config.redisGraceMs); // not reachable at start: the same rules
    return std::nullopt;
}

bool RedisStorage::call(const QList<QByteArray> &args, RedisClient::Callback callback)
{
    return m_client->command(
        args, callback ? std::move(callback) : [](const RedisReply &) {});
}

bool RedisStorage::eval(const redis::Script &script, const QList<QByteArray> &keys,
                        const QList<QByteArray> &args, RedisClient::Callback callback)
{
    if (!callback)
        callback = [](const RedisReply &) {
        };
    QList<QByteArray> command{"EVALSHA", script.sha, number(keys.size())};
    command += keys;
    command += args;
    return call(command, [this, &script, keys, args, callback](const RedisReply &reply) {
        // Scripts are loaded on connect; a Redis restarted since has an empty script cache.
        if (reply.kind == RedisReply::Kind::Error && reply.text.startsWith("NOSCRIPT")) {
            QList<QByteArray> again{"EVAL", script.body, number(keys.size())};
            again += keys;
            again += args;
            if (!call(again, callback))
                callback(RedisReply{});
            return;
        }
        if (reply.kind == RedisReply::Kind::Error)
            qCWarning(lcRedis).noquote() << "script" << script.name << "failed:" << reply.text;
        callback(reply);
    });
}

QByteArray RedisStorage::roomKey(const QString &room, const char *part) const
{
    return "confab:{" + room.toUtf8() + "}:" + part;
}

QByteArray RedisStorage::event(char kind, std::initializer_list<QByteArray> fields) const
{
    QByteArray out(1, kind);
    out += '\n';
    out += m_serverId.toLatin1();
    for (const QByteArray &f : fields) {
        out += '\n';
        out += f;
    }
    return out;
}

void RedisStorage::resolveToken(const QString &tokenHash, const StoredUser &fresh,
                                Then<StoredUser> then)
{
    const bool sent = eval(
        redis::userScript(), {userKey(tokenHash), userKey(tokenHash, ":reads")},
        {fresh.id.toUtf8(), fresh.nick.toUtf8()}, [this, tokenHash, then](const RedisReply &r) {
            if (!r.ok())
                return then(std::nullopt);
            // A bound on what an endless stream of fresh tokens costs: past it, forget them all
            // (they only lose their own password budget until they come again).
            constexpr qsizetype MaxKnownTokens = 100'000;
            if (m_knownTokens.size() >= MaxKnownTokens)
                m_knownTokens.clear();
            m_knownTokens.insert(tokenHash);
            StoredUser user{QString::fromUtf8(r.at(0).str()), QString::fromUtf8(r.at(1).str()), {}};
            const auto &reads = r.at(2).elements;
            for (qsizetype i = 0; i + 1 < reads.size(); i += 2)
                user.reads.insert(QString::fromUtf8(reads[i].str()), reads[i + 1].toInt());
            then(std::move(user));
        });
    if (!sent)
        then(std::nullopt);
}

void RedisStorage::tokenKnown(const QString &tokenHash, Then<bool> then)
{
    if (!call({"EXISTS", userKey(tokenHash)}, [then](const RedisReply &r) {
            if (!r.ok())
                return then(std::nullopt);
            then(r.toInt() > 0);
        }))
        then(std::nullopt);
}

void RedisStorage::saveOperator(const User &user)
{
    call({"SADD", OperatorsKey, user.id.toUtf8()}, {});
}

void RedisStorage::isOperator(const QString &userId, Then<bool> then)
{
    if (!call({"SISMEMBER", OperatorsKey, userId.toUtf8()}, [then](const RedisReply &r) {
            if (!r.ok())
                return then(std::nullopt);
            then(r.toInt() > 0);
        }))
        then(std::nullopt);
}

void RedisStorage::saveNick(const User &user)
{
    if (!user.tokenHash.isEmpty())
        call({"HSET", userKey(user.tokenHash), "nick", user.nick.toUtf8()}, {});
}

void RedisStorage::userArrived(const User &user)
{
    if (m_online[user.id]++ > 0)
        return;
    call({"SADD", "confab:server:{" + m_serverId.toLatin1() + "}:users", user.id.toLatin1()}, {});
    call({"SADD", onlineKey(user.id), m_serverId.toLatin1()}, {});
}

void RedisStorage::userDeparted(const User &user)
{
    const auto it = m_online.find(user.id);
    if (it == m_online.end() || --*it > 0)
        return;
    m_online.erase(it);
    if (user.op && user.tokenHash.isEmpty()) // a guest's id never comes back
        call({"SREM", OperatorsKey, user.id.toUtf8()}, {});
    call({"SREM", onlineKey(user.id), m_serverId.toLatin1()}, {});
    call({"SREM", "confab:server:{" + m_serverId.toLatin1() + "}:users", user.id.toLatin1()}, {});
}

void RedisStorage::join(Room &room, const User &user, bool firstHere, std::optional<qint64> since,
                        Then<RoomEntry> then)
{
    const QString name = room.name;
    const QByteArray uid = user.id.toLatin1();
    const QByteArray member = memberJson(user);
    if (!m_client->isReady())
        return then(std::nullopt);
    // Recorded first, so that a peer cleaning up after this server, should it die right after
    // the script, finds the membership.
    if (firstHere)
        call({"SADD", "confab:server:{" + m_serverId.toLatin1() + "}:presence",
              name.toUtf8() + '\n' + uid},
             {});
    call({"SADD", "confab:rooms", name.toUtf8()}, {});
    const bool sent =
        eval(redis::joinScript(),
             {roomKey(name, "meta"), roomKey(name, "log"), roomKey(name, "members"),
              roomKey(name, "on:") + uid, roomKey(name, "state"), roomKey(name, "gone")},
             {newEpoch(), firstHere ? "1" : "0", m_serverId.toLatin1(), uid, member,
              number(since.value_or(-1)), number(protocol::DefaultJoinHistory),
              number(protocol::MaxSinceHistory), m_channel, name.toUtf8(),
              number(QDateTime::currentMSecsSinceEpoch()), number(user.reads.value(name, 0))},
             [this, name, uid, member, firstHere, since, then](const RedisReply &r) {
                 if (!r.ok() || r.elements.size() < 9)
                     return then(std::nullopt);
                 RoomEntry entry;
                 entry.epoch = QString::fromLatin1(r.at(0).str());
                 entry.topic = QString::fromUtf8(r.at(1).str());
                 entry.lastSeq = r.at(2).toInt();
                 entry.becameMember = r.at(3).toInt() == 1;
                 QByteArray members = "[";
                 for (const RedisReply &m : r.at(4).elements) {
                     if (members.size() > 1)
                         members += ',';
                     members += m.text;
                 }
                 entry.members = members + ']';
                 for (LoggedEvent &e : eventsFromRange(r.at(5), r.at(6), r.at(7).toInt(), name))
                     entry.history.append(std::move(e.message));
                 entry.unread = r.at(8).toInt();
                 Track &t = track(name, entry.epoch, entry.lastSeq);
                 if (firstHere)
                     t.users.insert(QString::fromLatin1(uid), member);
                 completeJoin(name, std::move(entry), since, then);
             });
    if (!sent)
        then(std::nullopt);
}

void RedisStorage::leave(Room &room, const User &user, const std::optional<Kick> &kick,
                         Then<bool> then)
{
    const QString name = room.name;
    const QByteArray uid = user.id.toLatin1();
    const auto t = m_tracks.find(name);
    if (t != m_tracks.end()) {
        t->users.remove(user.id);
        if (t->users.isEmpty()) {
            // No member here any more: its own sends still waiting are answered as they come.
            auto ahead = std::move(t->ahead);
            auto waiters = std::move(t->waiters);
            m_tracks.erase(t);
            for (auto &[seq, item] : ahead) {
                if (item.then)
                    item.then(Appended{item.message, false});
            }
            for (auto &[seq, waiter] : waiters)
                waiter();
        }
    }
    const bool sent =
        eval(redis::leaveScript(), {roomKey(name, "members"), roomKey(name, "on:") + uid},
             {m_serverId.toLatin1(), uid, m_channel, name.toUtf8(),
              number(QDateTime::currentMSecsSinceEpoch()), m_serverId.toLatin1(),
              QByteArray(!kick       ? "leave"
                         : kick->ban ? "ban"
                                     : "kick"),
              kick ? protocol::encode(protocol::toJson(kick->by)) : QByteArray(),
              kick ? kick->reason.toUtf8() : QByteArray()},
             [then](const RedisReply &r) {
                 if (!r.ok())
                     return then(std::nullopt);
                 then(r.toInt() == 1);
             });
    call({"SREM", "confab:server:{" + m_serverId.toLatin1() + "}:presence",
          name.toUtf8() + '\n' + uid},
         {});
    if (!sent)
        then(std::nullopt);
}

void RedisStorage::append(Room &room, const ChatMessage &draft, const QString &clientId,
                          Then<Appended> then)
{
    const QString name = room.name;
    const quint64 ticket = ++m_lastTicket;
    QJsonObject object = draft.toJson();
    object.remove(QStringLiteral("seq"));
    const QByteArray body = protocol::encode(object).mid(1); // after '{': the script puts seq first
    const QByteArray dedupKey =
        clientId.isEmpty()
            ? roomKey(name, "nodedup")
            : roomKey(name, "dedup:") + draft.from.id.toLatin1() + ':' + clientId.toUtf8();
    if (!m_client->isReady())
        return then(std::nullopt);
    call({"SADD", "confab:rooms", name.toUtf8()}, {});
    const bool sent =
        eval(redis::appendScript(),
             {roomKey(name, "meta"), roomKey(name, "log"), dedupKey, roomKey(name, "state")},
             {newEpoch(), body, clientId.isEmpty() ? "0" : "1", number(protocol::DedupWindowMs),
              m_channel, m_serverId.toLatin1(), number(qint64(ticket)), name.toUtf8(),
              number(draft.replyTo.value_or(-1))},
             [this, name, ticket, draft, then](const RedisReply &r) {
                 if (r.ok() && r.at(0).toInt() == 2) {
                     forget(name, ticket);
                     return then(Appended{draft, false, true});
                 }
                 stored(name, ticket, r, then);
             });
    if (!sent)
        return then(std::nullopt);
    if (auto it = m_tracks.find(name); it != m_tracks.end())
        it->awaiting.insert(ticket);
}

void RedisStorage::forget(const QString &room, quint64 ticket)
{
    if (auto it = m_tracks.find(room); it != m_tracks.end())
        it->awaiting.remove(ticket);
}

void RedisStorage::stored(const QString &name, quint64 ticket, const RedisReply &r,
                          const Then<Appended> &then)
{
    Track *t = nullptr;
    if (auto it = m_tracks.find(name); it != m_tracks.end()) {
        it->awaiting.remove(ticket);
        t = &*it;
    }
    if (!r.ok() || r.elements.size() < 3) {
        // It may have been stored all the same (a deadline missed): the log says.
        if (t)
            catchUp(name);
        return then(std::nullopt);
    }
    const auto decoded = QJsonDocument::fromJson(r.at(1).text).object();
    auto parsed = ChatMessage::fromJson(decoded);
    if (!std::holds_alternative<ChatMessage>(parsed))
        return then(std::nullopt);
    ChatMessage m = std::get<ChatMessage>(std::move(parsed));
    m.room = name;
    if (r.at(0).toInt() == 1)
        return then(Appended{std::move(m), true});
    if (!t)
        return then(Appended{std::move(m), false});
    const QString epoch = QString::fromLatin1(r.at(2).str());
    if (epoch != t->epoch)
        resetRoom(name, epoch, m.seq - 1);
    offer(name, {std::move(m), then});
}

void RedisStorage::applyEvent(Room &room, const ChatMessage &draft, const QString &clientId,
                              bool mayModerate, Then<EventOutcome> then)
{
    using Verdict = EventOutcome::Verdict;
    const QString name = room.name;
    const quint64 ticket = ++m_lastTicket;
    QJsonObject object = draft.toJson();
    object.remove(QStringLiteral("seq"));
    const QByteArray body = protocol::encode(object).mid(1);
    const bool dedup = draft.kind == ChatMessage::Kind::Edit && !clientId.isEmpty();
    const QByteArray dedupKey =
        dedup ? roomKey(name, "editdedup:") + draft.from.id.toLatin1() + ':' + clientId.toUtf8()
              : roomKey(name, "nodedup");
    const char *kind = draft.kind == ChatMessage::Kind::Edit     ? "e"
                       : draft.kind == ChatMessage::Kind::Delete ? "d"
                                                                 : "r";
    if (!m_client->isReady() || draft.isMessage())
        return then(std::nullopt);
    const bool sent = eval(
        redis::eventScript(),
        {roomKey(name, "meta"), roomKey(name, "log"), roomKey(name, "state"), roomKey(name, "gone"),
         roomKey(name, "refs:") + number(draft.target), dedupKey},
        {kind, number(draft.target), draft.from.id.toUtf8(), mayModerate ? "1" : "0",
         (draft.kind == ChatMessage::Kind::Reaction ? draft.emoji : draft.text).toUtf8(),
         draft.on ? "1" : "0", body, dedup ? "1" : "0", number(protocol::DedupWindowMs), m_channel,
         m_serverId.toLatin1(), number(qint64(ticket)), name.toUtf8(), number(draft.ts),
         number(protocol::MaxEmojiPerMessage), number(protocol::MaxEmojiPerUser)},
        [this, name, ticket, draft, then](const RedisReply &r) {
            const qint64 code = r.ok() ? r.at(0).toInt() : 0;
            if (code >= 2) {
                forget(name, ticket);
                const Verdict verdict = code == 2   ? Verdict::Unchanged
                                        : code == 3 ? Verdict::NotFound
                                        : code == 4 ? Verdict::Forbidden
                                        : code == 6 ? Verdict::TooManyOfYours
                                                    : Verdict::TooManyEmoji;
                return then(EventOutcome{verdict, draft});
            }
            stored(name, ticket, r, [then](std::optional<Appended> a) {
                if (!a)
                    return then(std::nullopt);
                then(EventOutcome{a->duplicate ? Verdict::Duplicate : Verdict::Stored,
                                  std::move(a->message)});
            });
        });
    if (!sent)
        return then(std::nullopt);
    if (auto it = m_tracks.find(name); it != m_tracks.end())
        it->awaiting.insert(ticket);
}

void RedisStorage::history(Room &room, qint64 afterSeq, qint64 beforeSeq, int limit,
                           Then<QList<ChatMessage>> then)
{
    if (beforeSeq - 1 < afterSeq + 1 || limit <= 0)
        return then(QList<ChatMessage>{});
    const QString name = room.name;
    const bool sent = eval(
        redis::historyScript(),
        {roomKey(name, "meta"), roomKey(name, "log"), roomKey(name, "state")},
        {number(afterSeq), number(beforeSeq), number(limit)}, [name, then](const RedisReply &r) {
            if (!r.ok() || r.elements.size() < 3)
                return then(std::nullopt);
            QList<ChatMessage> messages;
            for (LoggedEvent &e : eventsFromRange(r.at(0), r.at(1), r.at(2).toInt(), name))
                messages.append(std::move(e.message));
            then(std::move(messages));
        });
    if (!sent)
        then(std::nullopt);
}

void RedisStorage::setTopic(Room &room, const protocol::TopicEvent &e, Then<bool> then)
{
    const bool sent =
        eval(redis::topicScript(), {roomKey(room.name, "meta")},
             {newEpoch(), e.topic.toUtf8(), m_channel, event('t', {protocol::encode(e.toJson())})},
             [then](const RedisReply &r) {
                 if (!r.ok())
                     return then(std::nullopt);
                 then(true);
             });
    if (!sent)
        then(std::nullopt);
}

void RedisStorage::typing(Room &room, const User &user, Then<bool> then)
{
    const bool sent =
        eval(redis::typingScript(), {roomKey(room.name, "typing:") + user.id.toLatin1()},
             {number(protocol::TypingIntervalMs), m_channel,
              event('y', {room.name.toUtf8(), memberJson(user)})},
             [then](const RedisReply &r) {
                 then(r.ok() ? std::optional(r.toInt() == 1) : std::nullopt);
             });
    if (!sent)
        then(std::nullopt);
}

void RedisStorage::saveRead(const User &user, const QString &room, qint64 seq,
                            std::function<void()> stored)
{
    // A guest has one connection and nothing persisted: nobody else to tell.
    if (user.tokenHash.isEmpty()) {
        if (stored)
            stored();
        return;
    }
    const bool sent = eval(redis::readScript(), {userKey(user.tokenHash, ":reads")},
                           {room.toUtf8(), number(seq), m_channel,
                            event('r', {user.id.toLatin1(), room.toUtf8(), number(seq)})},
                           [stored](const RedisReply &) {
                               if (stored)
                                   stored();
                           });
    if (!sent && stored)
        stored();
}

void RedisStorage::roomExists(const QString &room, Then<bool> then)
{
    const bool sent =
        eval(redis::roomInfoScript(), {roomKey(room, "meta"), roomKey(room, "members")}, {},
             [then](const RedisReply &info) {
                 if (!info.ok())
                     return then(std::nullopt);
                 then(info.at(1).toInt() > 0 || info.at(2).toInt() > 0);
             });
    if (!sent)
        then(std::nullopt);
}

void RedisStorage::isMember(const QString &room, const QString &userId, Then<bool> then)
{
    const bool sent =
        call({"HEXISTS", roomKey(room, "members"), userId.toLatin1()}, [then](const RedisReply &r) {
            if (!r.ok())
                return then(std::nullopt);
            then(r.toInt() == 1);
        });
    if (!sent)
        then(std::nullopt);
}

void RedisStorage::rooms(QList<protocol::RoomsAnswer::Entry>,
                         Then<QList<protocol::RoomsAnswer::Entry>> then)
{
    const bool sent = call({"SMEMBERS", "confab:rooms"}, [this, then](const RedisReply &r) {
        if (!r.ok())
            return then(std::nullopt);
        struct Gather {
            QList<protocol::RoomsAnswer::Entry> rooms;
            int waiting = 0;
            bool failed = false;
        };
        auto gather = std::make_shared<Gather>();
        QStringList names;
        for (const RedisReply &n : r.elements)
            names.append(QString::fromUtf8(n.text));
        std::sort(names.begin(), names.end());
        gather->rooms.resize(names.size());
        gather->waiting = int(names.size());
        if (names.isEmpty())
            return then(QList<protocol::RoomsAnswer::Entry>{});
        auto finish = [this, gather, then] {
            if (--gather->waiting > 0)
                return;
            if (gather->failed)
                return then(std::nullopt);
            QList<protocol::RoomsAnswer::Entry> rooms;
            for (const auto &entry : std::as_const(gather->rooms)) {
                if (!entry.room.isEmpty())
                    rooms.append(entry);
            }
            then(std::move(rooms));
        };
        for (qsizetype i = 0; i < names.size(); ++i) {
            const QString name = names[i];
            const bool sent =
                eval(redis::roomInfoScript(), {roomKey(name, "meta"), roomKey(name, "members")}, {},
                     [this, gather, i, name, finish](const RedisReply &info) {
                         if (!info.ok()) {
                             gather->failed = true;
                         } else if (info.at(1).toInt() > 0 || info.at(2).toInt() > 0) {
                             gather->rooms[i] = {name, info.at(2).toInt(),
                                                 QString::fromUtf8(info.at(0).str())};
                         } else {
                             // No messages, no members: it ceased to exist.
                             call({"SREM", "confab:rooms", name.toUtf8()}, {});
                         }
                         finish();
                     });
            if (!sent) {
                gather->failed = true;
                finish();
            }
        }
    });
    if (!sent)
        then(std::nullopt);
}

void RedisStorage::startSearch(quint64 ticket, const QString &lane, QSet<QString> rooms,
                               QStringList words, int limit)
{
    // A message is searchable as soon as its sender has its copy, whichever server took it. A
    // sender has it only after its doorbell was published, and Redis delivers a channel's
    // messages to a subscriber in the order they were published: so a fence this server
    // publishes now comes back after every doorbell of a message anyone already has, and those
    // are in the search copy by then. One PUBLISH per search, however many rooms it covers. A
    // fence that cannot go out, or does not come back within the command deadline, lets the
    // search run on the copy as it is.
    const quint64 fence = ++m_lastFence;
    m_fences.emplace(fence, [this, ticket, lane, rooms = std::move(rooms), words = std::move(words),
                             limit]() mutable {
        m_search->startSearch(ticket, lane, std::move(rooms), std::move(words), limit);
    });
    const bool sent = call({"PUBLISH", m_channel, event('f', {QByteArray::number(fence)})},
                           [this, fence](const RedisReply &r) {
                               if (!r.ok())
                                   passFence(fence);
                           });
    if (!sent)
        return passFence(fence);
    QTimer::singleShot(m_config.redisCommandTimeoutMs, this, [this, fence] { passFence(fence); });
}

void RedisStorage::userOnline(const QString &userId, Then<bool> then)
{
    if (!call({"SCARD", onlineKey(userId)}, [then](const RedisReply &r) {
            then(r.ok() ? std::optional(r.toInt() > 0) : std::nullopt);
        }))
        then(std::nullopt);
}

void RedisStorage::claimDirect(const ChatMessage &message, const QString &clientId,
                               Then<Appended> then)
{
    const QByteArray key = "confab:dm:{" + message.from.id.toLatin1() + "}:" + clientId.toUtf8();
    const bool sent = eval(redis::directScript(), {key},
                           {protocol::encode(message.toJson()), number(protocol::DedupWindowMs)},
                           [message, then](const RedisReply &r) {
                               if (!r.ok())
                                   return then(std::nullopt);
                               if (r.at(0).toInt() == 0)
                                   return then(Appended{message, false});
                               auto parsed = ChatMessage::fromJson(
                                   QJsonDocument::fromJson(r.at(1).text).object());
                               if (auto *original = std::get_if<ChatMessage>(&parsed))
                                   return then(Appended{*original, true});
                               then(std::nullopt);
                           });
    if (!sent)
        then(std::nullopt);
}

void RedisStorage::relayDirect(const ChatMessage &message, const QString &)
{
    call({"PUBLISH", m_channel, event('d', {protocol::encode(message.toJson())})}, {});
}

void RedisStorage::relayNick(const User &user, const QString &old, const QSet<QString> &rooms)
{
    const QByteArray member = memberJson(user);
    QByteArrayList names;
    for (const QString &room : rooms) {
        eval(redis::nickScript(), {roomKey(room, "members")}, {user.id.toLatin1(), member}, {});
        if (auto t = m_tracks.find(room); t != m_tracks.end() && t->users.contains(user.id))
            t->users.insert(user.id, member);
        names.append(room.toUtf8());
    }
    QByteArray payload = event('n', {member, old.toUtf8()});
    for (const QByteArray &n : std::as_const(names))
        payload += '\n' + n;
    call({"PUBLISH", m_channel, payload}, {});
}

} // namespace confab
