// Rooms: join (with history and since), leave, the rooms list, topics, and presence.
#include "connection.h"
#include "hub.h"
#include "logging.h"
#include "store.h"
#include "validation.h"

#include <QDateTime>
#include <QJsonDocument>
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

// One JSON value as compact text, exactly as QJsonDocument writes it inside an object.
QByteArray jsonText(const QJsonValue &value)
{
    const QByteArray array = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return array.sliced(1, array.size() - 2);
}

// The `joined` frame, built around the room's encoded member list rather than through a
// QJsonObject holding every member: with 5,000 members that was 300 KB of JSON encoded again for
// every joiner. The keys come in QJsonObject's (sorted) order, so the bytes are the ones encoding
// the whole object would give.
QByteArray joinedFrame(Room &room, const User &user, const QJsonArray &history,
                       const protocol::Frame &request)
{
    const QByteArray head = "{\"epoch\":" + jsonText(room.epoch) + ",\"history\":";
    const QByteArray historyJson = QJsonDocument(history).toJson(QJsonDocument::Compact);
    QByteArray tail;
    if (request.hasId)
        tail += ",\"re\":" + jsonText(request.id);
    tail += ",\"read\":" + jsonText(double(user.reads.value(room.name, 0)))
            + ",\"room\":" + jsonText(room.name) + ",\"seq\":" + jsonText(double(room.lastSeq))
            + ",\"topic\":" + jsonText(room.topic) + ",\"type\":\"joined\"}";
    return protocol::textFrame({head, historyJson, ",\"members\":", room.membersJson(), tail});
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

    // A room without messages, or a since at its last seq (a reconnect that missed nothing),
    // has no history to look up: in a reconnect storm that is most joins.
    const qint64 top = std::numeric_limits<qint64>::max();
    QList<protocol::ChatMessage> history;
    if (since.value_or(0) < room.lastSeq)
        history = since ? m_store.latest(room.name, *since, top, protocol::MaxSinceHistory)
                        : m_store.latest(room.name, 0, top, protocol::DefaultJoinHistory);
    sendTo(c, joinedFrame(room, *user, protocol::toJson(history), f));
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
