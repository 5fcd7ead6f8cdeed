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
    auto *room = new Room;
    room->name = name;
    m_rooms.insert(name, room);
    if (const auto kept = m_dormantRooms.constFind(name); kept != m_dormantRooms.cend()) {
        std::tie(room->epoch, room->topic) = *kept; // still stored as it was
        m_dormantRooms.erase(kept);
        return *room;
    }
    room->epoch = QUuid::createUuid().toString(QUuid::WithoutBraces);
    m_store.saveRoom(room->name, room->epoch, room->topic);
    qCDebug(lcHub) << "room created:" << name;
    return *room;
}

void Hub::handleJoin(Connection *c, const Frame &f)
{
    const auto request = decode<protocol::JoinRequest>(c, f, Access::Anyone);
    if (!request)
        return;
    const std::optional<qint64> &since = request->since;

    Room &room = roomFor(request->room);
    User *user = c->user;
    if (!c->rooms.contains(room.name)) {
        c->rooms.insert(room.name);
        room.connections.append(c);
        if (room.connectionsOf[user]++ == 0) {
            room.members.append(user);
            broadcast(room, wire(presence(room.name, protocol::Presence::Event::Join, *user)),
                      user);
        }
    }

    QList<protocol::UserInfo> members;
    members.reserve(room.members.size());
    for (const User *u : std::as_const(room.members))
        members.append(u->info());
    const qint64 top = std::numeric_limits<qint64>::max();
    const auto history = since ? m_store.latest(room.name, *since, top, protocol::MaxSinceHistory)
                               : m_store.latest(room.name, 0, top, protocol::DefaultJoinHistory);
    reply(c, f,
          protocol::Joined{room.name, room.topic, members, room.lastSeq, room.epoch,
                           user->reads.value(room.name, 0), history}
              .toJson());
}

void Hub::handleLeave(Connection *c, const Frame &f)
{
    const auto request = decode<protocol::LeaveRequest>(c, f, Access::MembersOnly);
    Room *room = request ? memberRoom(c, f, request->room) : nullptr;
    if (!room)
        return;
    const QString name = room->name;
    removeFromRoom(c, *room); // may delete the room
    reply(c, f, protocol::Left{name}.toJson());
}

void Hub::removeFromRoom(Connection *c, Room &room)
{
    User *user = c->user;
    c->rooms.remove(room.name);
    room.connections.removeOne(c);
    if (--room.connectionsOf[user] == 0) {
        room.connectionsOf.remove(user);
        room.lastTypingNs.remove(user);
        room.members.removeOne(user);
        broadcast(room, wire(presence(room.name, protocol::Presence::Event::Leave, *user)));
    }
    // A room exists while it has members or stored messages.
    if (room.connections.isEmpty() && room.lastSeq == 0) {
        if (!room.topic.isEmpty()) // its topic outlives it (the store keeps the row)
            m_dormantRooms.insert(room.name, {room.epoch, room.topic});
        m_store.deleteRoom(room.name);
        m_rooms.remove(room.name);
        delete &room;
    }
}

void Hub::handleRooms(Connection *c, const Frame &f)
{
    QList<const Room *> rooms(m_rooms.cbegin(), m_rooms.cend());
    std::sort(rooms.begin(), rooms.end(),
              [](const Room *a, const Room *b) { return a->name < b->name; });
    protocol::RoomsAnswer answer;
    for (const Room *room : rooms)
        answer.rooms.append({room->name, room->members.size(), room->topic});
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
    for (Connection *member : std::as_const(room->connections)) {
        if (member == c)
            reply(c, f, frame);
        else
            sendTo(member, plain);
    }
}

} // namespace confab
