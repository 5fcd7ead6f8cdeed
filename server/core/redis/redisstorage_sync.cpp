// RedisStorage: keeping this server in step with the cluster. Messages reach the hub in seq
// order, once each (offer/drain); doorbells that were missed are made up for from the log
// (catchUp); heartbeats keep this server alive in Redis, and a dead peer's users leave (reap).
#include "logging.h"
#include "redisstorage.h"
#include "room.h"
#include "store.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QTimer>
#include <QUuid>

namespace confab {

using protocol::ChatMessage;

namespace {

constexpr int CatchUpBatch = 500;
constexpr int BackfillBatch = 250;
constexpr int BackfillGapMs = 5;
constexpr size_t RecentKept = 200;

} // namespace

namespace {

std::optional<ChatMessage> messageFromJson(const QByteArray &json)
{
    auto parsed = ChatMessage::fromJson(QJsonDocument::fromJson(json).object());
    if (auto *m = std::get_if<ChatMessage>(&parsed))
        return std::move(*m);
    return std::nullopt;
}

// A log entry ([id, [field, value, …]]) as an event (room not set), with who stored it.
std::optional<LoggedEvent> eventFromEntry(const RedisReply &entry)
{
    const auto &fields = entry.at(1).elements;
    std::optional<LoggedEvent> event;
    QByteArray origin;
    quint64 ticket = 0;
    for (qsizetype i = 0; i + 1 < fields.size(); i += 2) {
        const QByteArray &name = fields[i].text;
        if (name == "m") {
            if (auto m = messageFromJson(fields[i + 1].text))
                event = LoggedEvent{std::move(*m), {}, 0};
        } else if (name == "o") {
            origin = fields[i + 1].text;
        } else if (name == "k") {
            ticket = quint64(fields[i + 1].text.toULongLong());
        }
    }
    if (event) {
        event->origin = origin;
        event->ticket = ticket;
    }
    return event;
}

} // namespace

// What a script's readRange answered ({log entries, state hash versions from seq lo}) as the
// room's events in seq order, each in its current state: a seq's state hash version when it has
// one (its entry may be gone: a deletion erases it), else its log entry.
std::vector<LoggedEvent> eventsFromRange(const RedisReply &entries, const RedisReply &states,
                                         qint64 lo, const QString &room)
{
    std::vector<LoggedEvent> events;
    events.reserve(size_t(std::max(entries.elements.size(), states.elements.size())));
    qsizetype next = 0; // the next log entry not taken yet
    auto take = [&](LoggedEvent e) {
        e.message.room = room;
        events.push_back(std::move(e));
    };
    if (states.elements.isEmpty()) { // no state hash: the log as it is (the common case)
        for (const RedisReply &e : entries.elements) {
            if (auto event = eventFromEntry(e))
                take(std::move(*event));
        }
        return events;
    }
    for (qsizetype i = 0; i < states.elements.size(); ++i) {
        const QByteArray seqId = QByteArray::number(lo + i) + "-1";
        std::optional<LoggedEvent> fromLog;
        while (next < entries.elements.size()) {
            const QByteArray id = entries.elements[next].at(0).text;
            if (id.left(id.indexOf('-')).toLongLong() > lo + i)
                break;
            if (id == seqId)
                fromLog = eventFromEntry(entries.elements[next]);
            ++next;
        }
        const RedisReply &state = states.elements[i];
        if (state.kind == RedisReply::Kind::String) {
            if (auto m = messageFromJson(state.text))
                take(LoggedEvent{std::move(*m), {}, 0});
        } else if (fromLog) {
            take(std::move(*fromLog));
        }
    }
    return events;
}

void RedisStorage::onReady()
{
    for (const redis::Script *const *s = redis::allScripts(); *s; ++s)
        call({"SCRIPT", "LOAD", (*s)->body}, {});
    m_downTimer.stop();
    if (m_downTooLong)
        qCInfo(lcRedis) << "Redis reachable again: accepting clients";
    m_downTooLong = false;
    heartbeat();
    if (m_everReady) {
        // Back after a loss: what this server holds goes in again (Redis may have lost it), and
        // every room reads what it missed.
        registerAgain();
        const auto rooms = m_tracks.keys();
        for (const QString &room : rooms)
            catchUp(room);
    }
    m_everReady = true;
}

void RedisStorage::onLost()
{
    if (!m_downTimer.isActive() && !m_downTooLong)
        m_downTimer.start(m_config.redisGraceMs);
}

RedisStorage::Track &RedisStorage::track(const QString &room, const QString &epoch, qint64 seq)
{
    auto it = m_tracks.find(room);
    if (it != m_tracks.end()) {
        if (it->epoch != epoch)
            resetRoom(room, epoch, seq);
        return m_tracks[room];
    }
    adoptCopy(room, epoch);
    Track &t = m_tracks[room];
    t.epoch = epoch;
    t.cursor = seq;
    // A doorbell that rang while the join was on its way was not for us yet: read it.
    QMetaObject::invokeMethod(
        this, [this, room] { catchUp(room); }, Qt::QueuedConnection);
    backfill(room, seq);
    return t;
}

void RedisStorage::resetRoom(const QString &room, const QString &epoch, qint64 seq)
{
    auto it = m_tracks.find(room);
    if (it == m_tracks.end())
        return;
    qCWarning(lcRedis).noquote() << "room" << room << "has a new epoch in Redis (its history"
                                 << "was lost): its clients rejoin";
    auto ahead = std::move(it->ahead);
    auto waiters = std::move(it->waiters);
    it->ahead.clear();
    it->waiters.clear();
    it->recent.clear();
    it->epoch = epoch;
    it->cursor = seq;
    adoptCopy(room, epoch); // what the copy has of the old history goes
    for (auto &[s, item] : ahead) {
        if (item.then)
            item.then(Appended{item.message, false});
    }
    for (auto &[s, waiter] : waiters)
        waiter();
    Q_EMIT roomReset(room);
}

void RedisStorage::completeJoin(const QString &room, RoomEntry entry, std::optional<qint64> since,
                                const Then<RoomEntry> &then)
{
    auto it = m_tracks.find(room);
    if (it == m_tracks.end())
        return then(std::move(entry));
    if (it->cursor < entry.lastSeq) {
        // Messages the join saw have not been handed to this server's members yet: the joiner
        // joins when they have, so it gets what comes after them and nothing twice.
        it->waiters.emplace(entry.lastSeq, [this, room, entry, since, then]() mutable {
            completeJoin(room, std::move(entry), since, then);
        });
        catchUp(room);
        return;
    }
    // Messages handed over since the join's snapshot: the joiner gets them in its history.
    const qint64 from = std::max(entry.lastSeq, since.value_or(0));
    for (const ChatMessage &m : it->recent) {
        if (m.seq > from)
            entry.history.append(m);
    }
    entry.lastSeq = it->cursor;
    then(std::move(entry));
}

void RedisStorage::offer(const QString &room, Track::Item item)
{
    auto it = m_tracks.find(room);
    if (it == m_tracks.end()) {
        if (item.then)
            item.then(Appended{std::move(item.message), false});
        return;
    }
    const qint64 seq = item.message.seq;
    if (seq <= it->cursor) {
        if (item.then) // handed over already: the sender gets its own copy once more
            item.then(Appended{std::move(item.message), true});
        return;
    }
    auto [slot, inserted] = it->ahead.try_emplace(seq, std::move(item));
    if (!inserted && item.then)
        slot->second.then = std::move(item.then);
    drain(room);
}

void RedisStorage::drain(const QString &room)
{
    for (;;) {
        auto it = m_tracks.find(room); // continuations may change m_tracks: look again each time
        if (it == m_tracks.end())
            return;
        if (!it->waiters.empty() && it->waiters.begin()->first <= it->cursor) {
            auto waiter = std::move(it->waiters.begin()->second);
            it->waiters.erase(it->waiters.begin());
            waiter();
            continue;
        }
        if (it->ahead.empty())
            return;
        auto first = it->ahead.begin();
        if (first->first != it->cursor + 1) {
            catchUp(room); // a gap: the log has what the doorbell missed
            return;
        }
        Track::Item item = std::move(first->second);
        it->ahead.erase(first);
        it->cursor = item.message.seq;
        if (!item.message.isMessage())
            applyToRecent(it->recent, item.message);
        it->recent.push_back(item.message);
        if (it->recent.size() > RecentKept)
            it->recent.pop_front();
        index(room, item.message);
        if (item.then)
            item.then(Appended{std::move(item.message), false});
        else
            Q_EMIT remoteMessage(item.message);
    }
}

void RedisStorage::catchUp(const QString &room)
{
    auto it = m_tracks.find(room);
    if (it == m_tracks.end() || it->fetching)
        return;
    const qint64 from = it->cursor + 1;
    const bool sent = eval(
        redis::rangeScript(), {roomKey(room, "meta"), roomKey(room, "log"), roomKey(room, "state")},
        {QByteArray::number(from), QByteArray::number(CatchUpBatch)},
        [this, room](const RedisReply &r) {
            auto it = m_tracks.find(room);
            if (it == m_tracks.end())
                return;
            it->fetching = false;
            if (!r.ok() || r.elements.size() < 5)
                return;
            const QByteArray me = m_serverId.toLatin1();
            for (LoggedEvent &e : eventsFromRange(r.at(0), r.at(1), r.at(2).toInt(), room)) {
                it = m_tracks.find(room);
                if (it == m_tracks.end())
                    continue;
                // This server's own send still waiting for its answer: the answer hands it over.
                if (e.origin == me && it->awaiting.contains(e.ticket))
                    continue;
                offer(room, {std::move(e.message), {}});
            }
            if (r.at(3).toInt() < r.at(4).toInt())
                catchUp(room);
        });
    if (sent)
        it->fetching = true;
}

void RedisStorage::onEvent(const QByteArray &, const QByteArray &payload)
{
    const QList<QByteArray> lines = payload.split('\n');
    if (lines.size() < 3 || lines[0].size() != 1)
        return;
    const char kind = lines[0].at(0);
    if (kind == 'm')
        return onMessageEvent(lines);
    if (kind == 'f') { // a search's fence: every doorbell published before it has come in
        if (lines[1] == m_serverId.toLatin1())
            passFence(lines[2].toULongLong());
        return;
    }
    if (lines[1] == m_serverId.toLatin1())
        return; // this server's own, handed out already
    if (kind == 'k' || kind == 'b')
        return onOperatorEvent(kind, lines[2]);
    auto user = [](const QByteArray &json) {
        return protocol::userFromJson(QJsonDocument::fromJson("[" + json + "]").array().at(0));
    };
    switch (kind) {
    case 'p': { // presence: event, room, ts, member JSON
        if (lines.size() < 6)
            return;
        const auto who = user(lines[5]);
        if (!who)
            return;
        // A kick carries the operator (line 6): the members elsewhere hear "kick", not "leave"
        // (a ban's kick: "ban").
        const auto by = lines.size() > 6 ? user(lines[6]) : std::nullopt;
        const bool ban = lines[2] == "ban" && by;
        const auto event = lines[2] == "join"                  ? protocol::Presence::Event::Join
                           : (lines[2] == "kick" || ban) && by ? protocol::Presence::Event::Kick
                                                               : protocol::Presence::Event::Leave;
        // The reason is the rest (it may hold newlines).
        const QString reason =
            lines.size() > 7 ? QString::fromUtf8(lines.mid(7).join('\n')) : QString();
        Q_EMIT remotePresence(QString::fromUtf8(lines[3]), event, *who, {}, lines[4].toLongLong(),
                              by.value_or(protocol::UserInfo{}), reason, ban);
        return;
    }
    case 't': {
        auto decoded = protocol::TopicEvent::fromJson(QJsonDocument::fromJson(lines[2]).object());
        if (auto *e = std::get_if<protocol::TopicEvent>(&decoded))
            Q_EMIT remoteTopic(*e);
        return;
    }
    case 'y':
        if (lines.size() >= 4) {
            if (const auto who = user(lines[3]))
                Q_EMIT remoteTyping(QString::fromUtf8(lines[2]), *who);
        }
        return;
    case 'r':
        if (lines.size() >= 5)
            Q_EMIT remoteRead(QString::fromLatin1(lines[2]), QString::fromUtf8(lines[3]),
                              lines[4].toLongLong());
        return;
    case 'd': {
        auto decoded = ChatMessage::fromJson(QJsonDocument::fromJson(lines[2]).object());
        if (auto *m = std::get_if<ChatMessage>(&decoded))
            Q_EMIT remoteDirect(*m);
        return;
    }
    case 'n': { // member JSON, old nick, rooms
        if (lines.size() < 4)
            return;
        const auto who = user(lines[2]);
        if (!who)
            return;
        QStringList rooms;
        for (qsizetype i = 4; i < lines.size(); ++i)
            rooms.append(QString::fromUtf8(lines[i]));
        Q_EMIT remoteNick(*who, QString::fromUtf8(lines[3]), rooms);
        return;
    }
    default:
        return;
    }
}

void RedisStorage::onMessageEvent(const QList<QByteArray> &lines)
{
    // m, origin, room, epoch, ticket, message JSON
    if (lines.size() < 6)
        return;
    const QString room = QString::fromUtf8(lines[2]);
    auto it = m_tracks.find(room);
    if (it == m_tracks.end())
        return; // no member here
    const QString epoch = QString::fromLatin1(lines[3]);
    if (lines[1] == m_serverId.toLatin1() && it->awaiting.contains(lines[4].toULongLong()))
        return; // this server's own: its answer hands it over, with `re` for its sender
    auto parsed = ChatMessage::fromJson(QJsonDocument::fromJson(lines[5]).object());
    auto *m = std::get_if<ChatMessage>(&parsed);
    if (!m)
        return;
    m->room = room;
    if (epoch != it->epoch)
        resetRoom(room, epoch, 0);
    offer(room, {std::move(*m), {}});
}

void RedisStorage::applyToRecent(std::deque<ChatMessage> &recent, const ChatMessage &e)
{
    // The messages handed over lately go into the history of joins still on their way: in their
    // current state, like everything else a join answers (a deleted text must not come back).
    for (ChatMessage &m : recent) {
        if (m.seq == e.target && m.isMessage()) {
            if (e.kind == ChatMessage::Kind::Edit) {
                m.text = e.text;
                m.editedTs = e.ts;
            } else if (e.kind == ChatMessage::Kind::Delete) {
                m.text.clear();
                m.deleted = true;
                m.editedTs.reset();
                m.reactions.clear();
            } else if (e.on) {
                if (!m.reactions.value(e.emoji).contains(e.from.id))
                    m.reactions[e.emoji].append(e.from.id);
            } else if (auto users = m.reactions.find(e.emoji); users != m.reactions.end()) {
                users->removeAll(e.from.id);
                if (users->isEmpty())
                    m.reactions.erase(users);
            }
        } else if (e.kind == ChatMessage::Kind::Delete && m.target == e.target) {
            if (m.kind == ChatMessage::Kind::Edit)
                m.text.clear();
            else if (m.kind == ChatMessage::Kind::Reaction)
                m.emoji.clear();
        }
    }
}

void RedisStorage::index(const QString &room, const ChatMessage &m)
{
    // Only in order: what is not next is read from the log by backfill.
    qint64 &indexed = m_indexed[room];
    if (m.seq == indexed + 1) {
        indexOne(room, m);
        indexed = m.seq;
    } else if (m.seq > indexed + 1) {
        backfill(room, m.seq);
    }
}

void RedisStorage::indexOne(const QString &room, const ChatMessage &m)
{
    if (m.isMessage())
        return m_search->appendMessage(m, QString());
    // The copy follows every event as the log has it (Redis checked it already): an edit's text
    // replaces the one indexed, a deletion takes the message out. A room of its own for the
    // call, whose next seq is the event's.
    Room scratch(room, QString(), QString(), m.seq - 1);
    m_search->applyEvent(scratch, m, QString(), true, [](std::optional<EventOutcome>) {});
}

void RedisStorage::adoptCopy(const QString &room, const QString &epoch)
{
    const auto following = m_copyEpochs.constFind(room);
    if (following != m_copyEpochs.constEnd()) {
        if (*following == epoch)
            return;                 // the copy is of this history (followed before in this run)
        m_search->forgetRoom(room); // Redis has the room under another history now
    } else if (const auto copied = m_copied.constFind(room); copied != m_copied.constEnd()) {
        if (copied->epoch == epoch) { // an earlier run's copy of this history: kept
            m_indexed.insert(room, copied->lastSeq);
            m_copyEpochs.insert(room, epoch);
            m_copied.erase(copied);
            return;
        }
        m_search->forgetRoom(room); // forgetting costs an index purge: only when there are rows
        m_copied.erase(copied);
    }
    m_search->saveRoom(room, epoch, QString());
    m_copyEpochs.insert(room, epoch);
    m_indexed.insert(room, 0);
}

void RedisStorage::backfill(const QString &room, qint64 upTo)
{
    const qint64 from = m_indexed.value(room) + 1;
    if (from > upTo || m_backfilling.contains(room))
        return;
    m_backfilling.insert(room);
    const bool sent = eval(
        redis::rangeScript(), {roomKey(room, "meta"), roomKey(room, "log"), roomKey(room, "state")},
        {QByteArray::number(from), QByteArray::number(BackfillBatch)},
        [this, room](const RedisReply &r) {
            m_backfilling.remove(room);
            if (!r.ok() || r.elements.size() < 5)
                return;
            qint64 &indexed = m_indexed[room];
            for (const LoggedEvent &e : eventsFromRange(r.at(0), r.at(1), r.at(2).toInt(), room)) {
                if (e.message.seq == indexed + 1) {
                    indexOne(room, e.message);
                    indexed = e.message.seq;
                    ++m_copiedFromLog;
                }
            }
            // The rest after a pause: a server that joins a chat with a long history reads it
            // at a pace that leaves its clients' traffic the event loop (a batch is a few ms).
            if (r.at(3).toInt() < r.at(4).toInt()) {
                QTimer::singleShot(BackfillGapMs, this,
                                   [this, room, next = indexed + 1] { backfill(room, next); });
            }
        });
    if (!sent)
        m_backfilling.remove(room);
}

void RedisStorage::passFence(quint64 fence)
{
    const auto it = m_fences.find(fence);
    if (it == m_fences.end())
        return;
    auto run = std::move(it->second);
    m_fences.erase(it);
    run();
}

void RedisStorage::heartbeat()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    call({"ZADD", "confab:servers", QByteArray::number(now + m_config.serverTtlMs),
          m_serverId.toLatin1()},
         [this](const RedisReply &r) {
             // Added anew after the first beat: peers took this server for dead (or Redis lost
             // its data); what it holds goes in again.
             if (r.ok() && r.toInt() == 1 && m_heartbeats++ > 0)
                 registerAgain();
         });
    call({"ZRANGEBYSCORE", "confab:servers", "-inf", QByteArray::number(now)},
         [this](const RedisReply &r) {
             for (const RedisReply &id : r.elements) {
                 if (id.text != m_serverId.toLatin1())
                     reap(QString::fromLatin1(id.text));
             }
         });
}

void RedisStorage::reap(const QString &dead)
{
    const QByteArray sid = dead.toLatin1();
    // ZREM answers 1 to one peer only: that one cleans up.
    call({"ZREM", "confab:servers", sid}, [this, sid](const RedisReply &r) {
        if (!r.ok() || r.toInt() != 1)
            return;
        qCInfo(lcRedis).noquote() << "server" << sid << "stopped heartbeating: its users leave";
        const QByteArray presence = "confab:server:{" + sid + "}:presence";
        const QByteArray users = "confab:server:{" + sid + "}:users";
        call({"SMEMBERS", presence}, [this, sid, presence](const RedisReply &r) {
            const QByteArray ts = QByteArray::number(QDateTime::currentMSecsSinceEpoch());
            for (const RedisReply &pair : r.elements) {
                const qsizetype cut = pair.text.indexOf('\n');
                if (cut < 0)
                    continue;
                const QString room = QString::fromUtf8(pair.text.left(cut));
                const QByteArray uid = pair.text.mid(cut + 1);
                eval(redis::leaveScript(), {roomKey(room, "members"), roomKey(room, "on:") + uid},
                     {sid, uid, m_channel, room.toUtf8(), ts, sid, "leave", ""}, {});
            }
            call({"DEL", presence}, {});
        });
        call({"SMEMBERS", users}, [this, sid, users](const RedisReply &r) {
            for (const RedisReply &uid : r.elements)
                call({"SREM", "confab:online:{" + uid.text + "}", sid}, {});
            call({"DEL", users}, {});
        });
    });
}

void RedisStorage::retire(int withinMs, std::function<void()> done)
{
    m_heartbeat.stop();
    call({"ZREM", "confab:servers", m_serverId.toLatin1()}, {});
    // The leaves of the clients just closed went out before this: wait for their answers, so
    // that they are not lost in a socket buffer when the process exits.
    auto *poll = new QTimer(this);
    const qint64 until = QDateTime::currentMSecsSinceEpoch() + withinMs;
    connect(poll, &QTimer::timeout, this, [this, poll, until, done] {
        if (m_client->inFlight() > 0 && QDateTime::currentMSecsSinceEpoch() < until)
            return;
        poll->deleteLater();
        done();
    });
    poll->start(5);
}

void RedisStorage::registerAgain()
{
    const QByteArray sid = m_serverId.toLatin1();
    const QByteArray ts = QByteArray::number(QDateTime::currentMSecsSinceEpoch());
    for (auto it = m_tracks.cbegin(); it != m_tracks.cend(); ++it) {
        const QString &room = it.key();
        for (auto u = it->users.cbegin(); u != it->users.cend(); ++u) {
            const QByteArray uid = u.key().toLatin1();
            call({"SADD", "confab:server:{" + sid + "}:presence", room.toUtf8() + '\n' + uid}, {});
            call({"SADD", "confab:rooms", room.toUtf8()}, {});
            // A fresh epoch: should Redis have lost the room, it is not the old one again.
            const QByteArray epoch = QUuid::createUuid().toString(QUuid::WithoutBraces).toLatin1();
            eval(redis::joinScript(),
                 {roomKey(room, "meta"), roomKey(room, "log"), roomKey(room, "members"),
                  roomKey(room, "on:") + uid, roomKey(room, "state"), roomKey(room, "gone")},
                 {epoch, "1", sid, uid, u.value(), QByteArray::number(it->cursor), "1", "1",
                  m_channel, room.toUtf8(), ts, QByteArray::number(it->cursor)},
                 [this, room](const RedisReply &r) {
                     const auto t = m_tracks.find(room);
                     if (!r.ok() || t == m_tracks.end())
                         return;
                     const QString epoch = QString::fromLatin1(r.at(0).str());
                     if (epoch != t->epoch)
                         resetRoom(room, epoch, r.at(2).toInt());
                 });
        }
    }
    // Leaves that could not reach Redis while it was away: what Redis still records for this
    // server beyond what it holds now goes.
    call({"SMEMBERS", "confab:server:{" + sid + "}:presence"}, [this, sid](const RedisReply &r) {
        const QByteArray ts = QByteArray::number(QDateTime::currentMSecsSinceEpoch());
        for (const RedisReply &pair : r.elements) {
            const qsizetype cut = pair.text.indexOf('\n');
            if (cut < 0)
                continue;
            const QString room = QString::fromUtf8(pair.text.left(cut));
            const QByteArray uid = pair.text.mid(cut + 1);
            const auto t = m_tracks.constFind(room);
            if (t != m_tracks.cend() && t->users.contains(QString::fromLatin1(uid)))
                continue;
            // Announced from no server ("-"), so that this server's own members hear the leave
            // too (the doorbell skips what this server announced itself).
            eval(redis::leaveScript(), {roomKey(room, "members"), roomKey(room, "on:") + uid},
                 {sid, uid, m_channel, room.toUtf8(), ts, "-", "leave", ""}, {});
            call({"SREM", "confab:server:{" + sid + "}:presence", pair.text}, {});
        }
    });
    for (auto it = m_online.cbegin(); it != m_online.cend(); ++it) {
        call({"SADD", "confab:server:{" + sid + "}:users", it.key().toLatin1()}, {});
        call({"SADD", "confab:online:{" + it.key().toLatin1() + "}", sid}, {});
    }
}

} // namespace confab
