// Rooms: join (with history and since), leave, the rooms list, topics, and presence.
#include "connection.h"
#include "hub.h"
#include "logging.h"
#include "store.h"
#include "validation.h"

#include <QDateTime>
#include <QUuid>
#include <algorithm>

namespace confab {

using namespace Qt::StringLiterals;
using protocol::Error;

namespace {

QJsonObject presence(const QString &room, const char *event, const User &user)
{
    return {{"type"_L1, "presence"_L1},
            {"room"_L1, room},
            {"event"_L1, QLatin1StringView(event)},
            {"user"_L1, protocol::toJson(user.info())},
            {"ts"_L1, double(QDateTime::currentMSecsSinceEpoch())}};
}

// The NFC room name a frame names, or the error to answer.
std::variant<QString, std::pair<Error, QString>> roomName(const protocol::Frame &f)
{
    const QJsonValue value = f.value("room"_L1);
    if (!value.isString())
        return std::pair{Error::BadRequest, u"\"room\" must be a string"_s};
    if (auto name = protocol::normalizeRoomName(value.toString()))
        return *name;
    return std::pair{
        Error::BadRoom,
        u"a room name has 1 to %1 letters, digits, '-', '_' or '.'"_s.arg(protocol::MaxRoomChars)};
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

Room *Hub::memberRoom(Connection *c, const Frame &f)
{
    auto name = roomName(f);
    if (auto *err = std::get_if<std::pair<Error, QString>>(&name)) {
        sendError(c, &f, err->first, err->second);
        return nullptr;
    }
    const QString &room = std::get<QString>(name);
    if (!c->rooms.contains(room)) {
        sendError(c, &f, Error::NotInRoom, u"join '%1' first"_s.arg(room));
        return nullptr;
    }
    return m_rooms.value(room);
}

void Hub::handleJoin(Connection *c, const Frame &f)
{
    auto name = roomName(f);
    if (auto *err = std::get_if<std::pair<Error, QString>>(&name))
        return sendError(c, &f, err->first, err->second);
    std::optional<qint64> since;
    const QJsonValue sinceValue = f.value("since"_L1);
    if (!sinceValue.isUndefined() && !sinceValue.isNull()) {
        since = protocol::integerValue(sinceValue, 0, std::numeric_limits<qint64>::max() / 2);
        if (!since)
            return sendError(c, &f, Error::BadRequest, u"\"since\" must be a seq (0 or more)"_s);
    }

    Room &room = roomFor(std::get<QString>(name));
    User *user = c->user;
    if (!room.contains(c) && room.join(c))
        broadcast(room, wire(presence(room.name, "join", *user)), user);

    QList<protocol::UserInfo> members;
    members.reserve(room.members().size());
    for (const User *u : room.members())
        members.append(u->info());
    const qint64 top = std::numeric_limits<qint64>::max();
    const auto history = since ? m_store.latest(room.name, *since, top, protocol::MaxSinceHistory)
                               : m_store.latest(room.name, 0, top, protocol::DefaultJoinHistory);
    reply(c, f,
          QJsonObject{{"type"_L1, "joined"_L1},
                      {"room"_L1, room.name},
                      {"topic"_L1, room.topic},
                      {"members"_L1, protocol::toJson(members)},
                      {"seq"_L1, double(room.lastSeq)},
                      {"epoch"_L1, room.epoch},
                      {"read"_L1, double(user->reads.value(room.name, 0))},
                      {"history"_L1, protocol::toJson(history)}});
}

void Hub::handleLeave(Connection *c, const Frame &f)
{
    Room *room = memberRoom(c, f);
    if (!room)
        return;
    removeFromRoom(c, *room);
    reply(c, f, {{"type"_L1, "left"_L1}, {"room"_L1, room->name}});
}

void Hub::removeFromRoom(Connection *c, Room &room)
{
    if (room.leave(c))
        broadcast(room, wire(presence(room.name, "leave", *c->user)));
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
    QJsonArray list;
    for (const Room *room : rooms)
        list.append(QJsonObject{{"room"_L1, room->name},
                                {"members"_L1, double(room->members().size())},
                                {"topic"_L1, room->topic}});
    reply(c, f, {{"type"_L1, "rooms"_L1}, {"rooms"_L1, list}});
}

void Hub::handleTopic(Connection *c, const Frame &f)
{
    Room *room = memberRoom(c, f);
    if (!room)
        return;
    const QJsonValue value = f.value("topic"_L1);
    if (!value.isString())
        return sendError(c, &f, Error::BadRequest, u"\"topic\" must be a string"_s);
    const QString topic = value.toString();
    if (!protocol::isValidUnicode(topic))
        return sendError(c, &f, Error::BadRequest,
                         u"\"topic\" must be Unicode text (no lone surrogates such as \\ud800)"_s);
    if (protocol::codePointCount(topic) > protocol::MaxTopicChars)
        return sendError(c, &f, Error::TooLong,
                         u"a topic has at most %1 characters"_s.arg(protocol::MaxTopicChars));
    room->topic = topic;
    m_store.saveRoom(room->name, room->epoch, room->topic);
    const QJsonObject frame{{"type"_L1, "topic"_L1},
                            {"room"_L1, room->name},
                            {"topic"_L1, topic},
                            {"by"_L1, protocol::toJson(c->user->info())},
                            {"ts"_L1, double(QDateTime::currentMSecsSinceEpoch())}};
    const QByteArray plain = wire(frame);
    for (Connection *member : room->connections()) {
        if (member == c)
            reply(c, f, frame);
        else
            sendTo(member, plain);
    }
}

} // namespace confab
