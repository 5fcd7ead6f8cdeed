// Encoding and decoding of protocol frames: the only place that turns bytes into frames and
// frames into bytes, for the server and for clients alike.
#pragma once

#include "protocol.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <initializer_list>
#include <optional>
#include <variant>

namespace confab::protocol {

struct UserInfo {
    QString id;
    QString nick;
    friend bool operator==(const UserInfo &, const UserInfo &) = default;
};

// A chat message: a room message (room and seq set) or a direct message (to set).
struct ChatMessage {
    QString room;
    qint64 seq = 0;
    QString id;
    UserInfo from;
    QString text;
    qint64 ts = 0;
    QString to;
    bool isDirect() const { return !to.isEmpty(); }
    friend bool operator==(const ChatMessage &, const ChatMessage &) = default;
};

// A decoded inbound frame: a JSON object with a string `type`, and its valid `id` if any.
struct Frame {
    QJsonObject object;
    QString type;
    QString id; // empty when the frame carried none
    bool hasId = false;

    QJsonValue value(QLatin1StringView key) const { return object.value(key); }
};

// Why an inbound frame was refused before it reached a handler.
struct DecodeFailure {
    Error error;
    QString message;
    QString re; // the frame's id when it could be read
    bool hasRe = false;
};

// Decodes one text frame's payload (UTF-8 JSON).
std::variant<Frame, DecodeFailure> decodeFrame(QByteArrayView utf8);

// Compact JSON for one outbound frame.
QByteArray encode(const QJsonObject &frame);

// A complete, unmasked WebSocket text frame (RFC 6455 section 5.2) around a UTF-8 payload, as a
// server sends it. Built once, the same bytes can be written to every recipient's socket.
QByteArray textFrame(QByteArrayView payload);
// The same around a payload given in pieces, copied once into the frame.
QByteArray textFrame(std::initializer_list<QByteArrayView> payload);

QJsonObject toJson(const UserInfo &user);
QJsonObject toJson(const ChatMessage &message);
QJsonArray toJson(const QList<ChatMessage> &messages);
QJsonArray toJson(const QList<UserInfo> &users);

std::optional<UserInfo> userFromJson(const QJsonValue &value);
std::optional<ChatMessage> messageFromJson(const QJsonObject &object);

// {"type":"error","code":...,"message":...} with "re" when re is given.
QJsonObject errorFrame(Error error, const QString &message, const std::optional<QString> &re);

// Adds "re" to a direct answer when the request carried an id.
QJsonObject withRe(QJsonObject frame, const Frame &request);

} // namespace confab::protocol
