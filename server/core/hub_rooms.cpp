// Rooms: join (with history and since), leave, the rooms list, topics, and presence.
#include "connection.h"
#include "hub.h"
#include "logging.h"
#include "store.h"

#include <QDateTime>
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
        return room;
    }
    Room &room = m_rooms.insert(
        name, std::make_unique<Room>(name, QUuid::createUuid().toString(QUuid::WithoutBraces)));
    m_store.saveRoom(room.name, room.epoch, room.topic);
    qCDebug(lcHub) << "room created:" << name;
    return room;
}

void Hub::handleJoin(Connection *c, const Frame &f)
{
    const auto request = decode<protocol::JoinRequest>(c, f, Access::Anyone);
    if (!request)
        return;
    const std::optional<qint64> &since = request->since;

    Room &room = roomFor(request->room);
    User *user = c->user;
    if (!room.contains(c) && room.join(c))
        broadcast(room, wire(presence(room.name, protocol::Presence::Event::Join, *user)), user);

    // A room without messages, or a since at its last seq (a reconnect that missed nothing),
    // has no history to look up: in a reconnect storm that is most joins.
    const qint64 top = std::numeric_limits<qint64>::max();
    QList<protocol::ChatMessage> history;
    if (since.value_or(0) < room.lastSeq)
        history = since ? m_store.latest(room.name, *since, top, protocol::MaxSinceHistory)
                        : m_store.latest(room.name, 0, top, protocol::DefaultJoinHistory);
    // The member list is the room's, kept encoded (room.h): not encoded again per joiner.
    const protocol::Joined joined{room.name,    room.topic, {},
                                  room.lastSeq, room.epoch, user->reads.value(room.name, 0),
                                  history};
    GrowingBlock::Prefix members = room.membersJsonOpen();
    auto [start, tail] =
        protocol::joinedTextFrameAround(joined, members.size + 1, f.replyRe()); // and "]"
    sendTo(c, OutFrame(std::move(start), std::move(members), "]" + tail));
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

void Hub::removeFromRoom(Connection *c, Room &room)
{
    if (room.leave(c))
        broadcast(room, wire(presence(room.name, protocol::Presence::Event::Leave, *c->user)));
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
        }
    }
    m_maybeUnused.clear();
}

void Hub::handleRooms(Connection *c, const Frame &f)
{
    QList<const Room *> rooms;
    rooms.reserve(m_rooms.size());
    for (const auto &[name, room] : m_rooms)
        rooms.append(room.get());
    std::sort(rooms.begin(), rooms.end(),
              [](const Room *a, const Room *b) { return a->name < b->name; });
    protocol::RoomsAnswer answer;
    for (const Room *room : rooms)
        answer.rooms.append({room->name, room->members().size(), room->topic});
    reply(c, f, answer.toJson());
}

void Hub::handleTopic(Connection *c, const Frame &f)
{
    const auto request = decode<protocol::TopicRequest>(c, f, Access::MembersOnly);
    Room *room = request ? memberRoom(c, f, request->room) : nullptr;
    if (!room)
        return;
    const QString &topic = request->topic;
    room->topic = topic;
    m_store.saveRoom(room->name, room->epoch, room->topic);
    const QJsonObject frame = protocol::TopicEvent{room->name, topic, c->user->info(),
                                                   QDateTime::currentMSecsSinceEpoch()}
                                  .toJson();
    const QByteArray plain = wire(frame);
    for (Connection *member : room->connections()) {
        if (member == c)
            reply(c, f, frame);
        else
            sendTo(member, plain);
    }
}

} // namespace confab
