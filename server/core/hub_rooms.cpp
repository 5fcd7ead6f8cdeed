// Rooms: join (with history and since), leave, the rooms list, topics, and presence.
#include "connection.h"
#include "hub.h"
#include "logging.h"
#include "monotonicclock.h"
#include "storage.h"

#include <QDateTime>
#include <QPointer>
#include <QScopeGuard>
#include <QTimer>
#include <QUuid>
#include <algorithm>

namespace confab {

using namespace Qt::StringLiterals;

namespace {

QJsonObject presence(const QString &room, protocol::Presence::Event event, const User &user)
{
    return protocol::Presence{room, event, user.info(), {}, QDateTime::currentMSecsSinceEpoch()}
        .toJson();
}

} // namespace

Room &Hub::roomFor(const QString &name)
{
    if (Room *room = m_rooms.value(name))
        return *room;
    if (const auto kept = m_dormantRooms.constFind(name); kept != m_dormantRooms.cend()) {
        // Still stored as it was: its epoch and topic come back.
        Room &room = m_rooms.insert(name, std::make_unique<Room>(name, kept->first, kept->second));
        m_dormantRooms.erase(kept);
        invalidateDirectory();
        return room;
    }
    Room &room = m_rooms.insert(
        name, std::make_unique<Room>(name, QUuid::createUuid().toString(QUuid::WithoutBraces)));
    m_store.saveRoom(room.name, room.epoch, room.topic);
    invalidateDirectory();
    qCDebug(lcHub) << "room created:" << name;
    return room;
}

void Hub::handleJoin(Connection *c, const Frame &f)
{
    const auto request = decode<protocol::JoinRequest>(c, f, Access::Anyone);
    if (!request)
        return;
    Room &room = roomFor(request->room);
    User *user = c->user;
    const bool firstHere = !room.hasMember(user);
    // In a cluster the join is answered when Redis has: the connection's next frames wait for
    // it (onText), so a send or topic pipelined behind it finds the connection in the room, as
    // on one server.
    m_store.join(room, *user, firstHere, request->since,
                 [this, p = QPointer<Connection>(c), f, name = room.name,
                  held = holdFrames(c)](std::optional<RoomEntry> entry) {
                     const auto resume = qScopeGuard(held);
                     if (p)
                         finishJoin(p, f, name, std::move(entry));
                 });
}

void Hub::finishJoin(Connection *p, const Frame &f, const QString &name,
                     std::optional<RoomEntry> entry)
{
    if (!p->user)
        return;
    if (!entry)
        return sendUnavailable(p, f);
    Room &room = roomFor(name); // the same room, unless it went while Redis answered
    room.epoch = entry->epoch;
    room.topic = entry->topic;
    // In a cluster the room may have grown through other servers: what the joiner was
    // given is the least this server's last seq is from now on (history's default
    // `before`, the clamp of a read position).
    room.lastSeq = std::max(room.lastSeq, entry->lastSeq);
    User *user = p->user;
    if (!room.contains(p))
        invalidateDirectory(); // its member count may change
    if (!room.contains(p) && room.join(p) && entry->becameMember)
        broadcast(room, wire(presence(room.name, protocol::Presence::Event::Join, *user)), user);
    // Bounded in bytes: the newest events that fit; a first seq above since + 1 tells the
    // client to page back with history, as when more than MaxSinceHistory were missed.
    protocol::listReactionsFor(entry->history, user->id);
    protocol::trimToBytes(entry->history, protocol::MaxAnswerBytes, protocol::KeepEnd::Last);
    // The member list is the room's, kept encoded (room.h): not encoded again per joiner.
    // A cluster's comes from the shared store, with every server's members.
    const protocol::Joined joined{room.name,      room.topic,   {},
                                  entry->lastSeq, room.epoch,   user->reads.value(room.name, 0),
                                  entry->history, entry->unread};
    if (entry->members.isEmpty()) { // the room's own list, sent as it is kept
        GrowingBlock::Prefix members = room.membersJsonOpen();
        auto [start, tail] = protocol::joinedTextFrameAround(joined, members.size + 1,
                                                             f.replyRe()); // and "]"
        sendTo(p, OutFrame(std::move(start), std::move(members), "]" + tail));
    } else {
        auto [start, tail] =
            protocol::joinedTextFrameAround(joined, entry->members.size(), f.replyRe());
        sendTo(p, OutFrame(std::move(start) + entry->members + tail));
    }
}

void Hub::handleLeave(Connection *c, const Frame &f)
{
    const auto request = decode<protocol::LeaveRequest>(c, f, Access::MembersOnly);
    Room *room = request ? memberRoom(c, f, request->room) : nullptr;
    if (!room)
        return;
    removeFromRoom(c, *room);
    reply(c, f, protocol::Left{room->name}.toJson());
}

void Hub::removeFromRoom(Connection *c, Room &room, const std::optional<Kick> &kick)
{
    if (room.leave(c)) {
        invalidateDirectory();
        // Its last connection here. In a cluster the user may still be a member through another
        // server: the shared store says whether the others are owed a leave.
        m_store.leave(
            room, *c->user, kick,
            [this, name = room.name, who = c->user->info(), kick](std::optional<bool> left) {
                Room *room = m_rooms.value(name);
                if (!left || !*left || !room)
                    return;
                const protocol::Presence leave{name,
                                               kick ? protocol::Presence::Event::Kick
                                                    : protocol::Presence::Event::Leave,
                                               who,
                                               {},
                                               QDateTime::currentMSecsSinceEpoch(),
                                               kick ? kick->by : protocol::UserInfo{},
                                               kick ? kick->reason : QString(),
                                               kick && kick->ban};
                broadcast(*room, wire(leave.toJson()));
            });
    }
    if (room.isUnused())
        m_maybeUnused.insert(room.name);
}

void Hub::dropUnusedRooms()
{
    for (const QString &name : std::as_const(m_maybeUnused)) {
        // Joined again since (by a later handler) or given a message: it stays.
        const Room *room = m_rooms.value(name);
        if (room && room->isUnused()) {
            if (!room->topic.isEmpty()) // its topic outlives it (the store keeps the row)
                m_dormantRooms.insert(name, {room->epoch, room->topic});
            m_store.deleteRoom(name);
            m_rooms.remove(name);
            invalidateDirectory();
        }
    }
    m_maybeUnused.clear();
}

void Hub::handleRooms(Connection *c, const Frame &f)
{
    const auto request = decode<protocol::RoomsRequest>(c, f, Access::Anyone);
    if (!request)
        return;
    withDirectory([this, p = QPointer<Connection>(c), f,
                   after = request->after.value_or(QString())](const Directory::Rooms *all) {
        if (!p || !p->user)
            return;
        if (!all)
            return sendUnavailable(p, f);
        reply(p, f, directoryPage(*all, after).toJson());
    });
}

void Hub::withDirectory(std::function<void(const Directory::Rooms *)> then)
{
    // Served from a copy at most DirectoryMaxAgeMs old that this server's own changes discard
    // (so a client sees its own join, leave or topic at once): 2,000 rooms cost a sort here and,
    // in a cluster, a script per room in Redis, and 100 requests a second must not cost that
    // 100 times. Requests that come while it is being read wait for that read.
    const qint64 now = monotonicNs();
    if (m_directory.valid && now - m_directory.readNs < DirectoryMaxAgeMs * NsPerMs)
        return then(&m_directory.rooms);
    m_directory.waiting.append(std::move(then));
    if (m_directory.reading || m_directory.scheduled)
        return;
    // Changes discarded the copy soon after it was read: the next read waits for the gap (those
    // who ask meanwhile wait for it too, and still see every change made before they asked).
    const qint64 sinceLast = (now - m_directory.readNs) / NsPerMs;
    if (m_directory.readNs != 0 && sinceLast < DirectoryMinGapMs) {
        m_directory.scheduled = true;
        QTimer::singleShot(int(DirectoryMinGapMs - sinceLast), this, [this] {
            m_directory.scheduled = false;
            readDirectory();
        });
        return;
    }
    readDirectory();
}

void Hub::readDirectory()
{
    if (m_directory.reading || m_directory.waiting.isEmpty())
        return;
    const qint64 now = monotonicNs();
    m_directory.reading = true;
    m_directory.valid = true; // unless a change comes while it is read
    ++m_metrics.directoryReads;
    QList<protocol::RoomsAnswer::Entry> local;
    local.reserve(m_rooms.size());
    for (const auto &[name, room] : m_rooms)
        local.append({room->name, room->members().size(), room->topic});
    m_store.rooms(std::move(local),
                  [this, now](std::optional<QList<protocol::RoomsAnswer::Entry>> all) {
                      m_directory.reading = false;
                      const auto waiting = std::exchange(m_directory.waiting, {});
                      if (!all) {
                          m_directory.valid = false;
                          for (const auto &w : waiting)
                              w(nullptr);
                          return;
                      }
                      std::sort(all->begin(), all->end(),
                                [](const auto &a, const auto &b) { return a.room < b.room; });
                      m_directory.rooms = std::move(*all);
                      m_directory.readNs = now;
                      for (const auto &w : waiting)
                          w(&m_directory.rooms);
                  });
}

protocol::RoomsAnswer Hub::directoryPage(const QList<protocol::RoomsAnswer::Entry> &all,
                                         const QString &after)
{
    // By name (`all` is sorted), from the one after `after`, as many as fit MaxAnswerBytes (at
    // least one).
    protocol::RoomsAnswer page;
    qsizetype used = 0;
    const auto from =
        after.isEmpty()
            ? all.cbegin()
            : std::upper_bound(all.cbegin(), all.cend(), after,
                               [](const QString &name, const auto &e) { return name < e.room; });
    for (auto it = from; it != all.cend(); ++it) {
        const auto &entry = *it;
        // An upper bound of its JSON: every UTF-16 unit escapes to at most 6 bytes.
        const qsizetype bytes = 64 + 6 * (entry.room.size() + entry.topic.size());
        if (!page.rooms.isEmpty() && used + bytes > protocol::MaxAnswerBytes) {
            page.more = true;
            break;
        }
        used += bytes;
        page.rooms.append(entry);
    }
    return page;
}

void Hub::handleTopic(Connection *c, const Frame &f)
{
    // 1.1: an operator may set the topic of any room that exists, a member of it or not.
    const bool op = c->user->op;
    const auto request =
        decode<protocol::TopicRequest>(c, f, op ? Access::Anyone : Access::MembersOnly);
    if (!request)
        return;
    const protocol::TopicEvent event{request->room, request->topic, c->user->info(),
                                     QDateTime::currentMSecsSinceEpoch()};
    if (op && !c->rooms.contains(request->room) && !m_rooms.value(request->room)) {
        if (!m_store.clustered())
            return sendError(c, &f, protocol::Error::BadRoom, u"no such room"_s);
        // A cluster: the room may exist through the other servers only.
        m_store.roomExists(request->room, [this, p = QPointer<Connection>(c), f,
                                           event](std::optional<bool> exists) {
            if (!p || !p->user)
                return;
            if (!exists)
                return sendUnavailable(p, f);
            if (!*exists)
                return sendError(p, &f, protocol::Error::BadRoom, u"no such room"_s);
            Room elsewhere(event.room, QString()); // known to the store by its name only
            setTopic(p, f, elsewhere, event);
        });
        return;
    }
    Room *room = op && !c->rooms.contains(request->room) ? m_rooms.value(request->room)
                                                         : memberRoom(c, f, request->room);
    if (room)
        setTopic(c, f, *room, event);
}

void Hub::setTopic(Connection *c, const Frame &f, Room &room, const protocol::TopicEvent &event)
{
    m_store.setTopic(room, event,
                     [this, p = QPointer<Connection>(c), f, event](std::optional<bool> ok) {
                         if (!ok) {
                             if (p && p->user)
                                 sendUnavailable(p, f);
                             return;
                         }
                         invalidateDirectory();
                         Room *room = m_rooms.value(event.room);
                         const QJsonObject frame = event.toJson();
                         if (room) {
                             room->topic = event.topic;
                             const QByteArray plain = wire(frame);
                             for (Connection *member : room->connections()) {
                                 if (member == p)
                                     reply(member, f, frame);
                                 else
                                     sendTo(member, plain);
                             }
                         }
                         // An operator from outside the room has its answer too.
                         if (p && p->user && (!room || !room->contains(p)))
                             reply(p, f, frame);
                     });
}

} // namespace confab
