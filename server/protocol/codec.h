// Encoding and decoding of protocol frames: the only place that turns bytes into frames and
// frames into bytes, for the server and for clients alike.
#pragma once

#include "protocol.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <initializer_list>
#include <optional>
#include <variant>

namespace confab::protocol {

struct UserInfo {
    QString id;
    QString nick;
    bool op = false; // 1.1: an operator ("op":true on the wire; absent otherwise)
    friend bool operator==(const UserInfo &, const UserInfo &) = default;
};

// Why a frame's members were refused (frames.h decodes every frame type into a struct): the
// error to answer, and what the server needs to answer it in the right order.
struct DecodeError {
    Error error = Error::BadRequest;
    QString message;
    // The frame's room, when it was valid and a member read after it was not: for a frame only a
    // room's members may send, the server answers not_in_room before that fault.
    std::optional<QString> room;
    // Non-zero when the protocol closes the connection after this error (a hello that asks for
    // another protocol version: 1002).
    quint16 close = 0;
    friend bool operator==(const DecodeError &, const DecodeError &) = default;
};

// A decoded frame of type T, or why it was refused.
template <typename T> using Decoded = std::variant<T, DecodeError>;

// A chat message: a room message (room and seq set) or a direct message (to set). It is the
// `message` frame, and the objects of `joined`, `history` and `search`.
//
// Protocol 1.1: a room's seq counts its *events*, and this struct is one room event of any kind
// (`kind`): a message, or an edit, deletion or reaction of the message at `target`. A room's log,
// `joined`'s and `history`'s lists and a cluster's traffic are lists of these, in seq order; the
// typed frames of eventframes.h are the same events one kind at a time.
struct ChatMessage {
    static constexpr QLatin1StringView Type{"message"};
    enum class Kind { Message, Edit, Delete, Reaction };
    QString room;
    qint64 seq = 0;
    QString id;
    UserInfo from;
    QString text; // a message's or an edit's text
    qint64 ts = 0;
    QString to;
    // Protocol 1.1: the message's current state. Absent on the wire unless set, so a 1.0
    // message's bytes are what they were.
    std::optional<qint64> editedTs = std::nullopt; // "edited_ts": when its text was last edited
    bool deleted = false;                          // "deleted": true, with an empty text
    // "reactions": emoji → the ids of the users who reacted so, in the order they did.
    QMap<QString, QStringList> reactions = {};
    std::optional<qint64> replyTo = std::nullopt; // "reply_to": the seq of the message it answers
    Kind kind = Kind::Message; // last, so that 1.0's aggregate initializers still read right
    // Edit, Delete, Reaction: the seq of the message the event is about.
    qint64 target = 0;
    QString emoji = {}; // Reaction
    bool on = true;     // Reaction: false takes it back
    // "reaction_counts": emoji → how many reacted so, for the emoji whose "reactions" list was
    // cut to MaxReactorsListed (listReactionsFor); absent otherwise.
    QMap<QString, qint64> reactionCounts = {};
    bool isMessage() const { return kind == Kind::Message; }
    // The frame type of this kind: "message", "edit", "delete" or "reaction".
    QLatin1StringView typeName() const;
    bool isDirect() const { return !to.isEmpty(); }
    QJsonObject toJson() const;
    static Decoded<ChatMessage> fromJson(const QJsonObject &object);
    friend bool operator==(const ChatMessage &, const ChatMessage &) = default;
};

// A decoded inbound frame: a JSON object with a string `type`, and its valid `id` if any. The
// envelope members (`type`, `id`, `re`) are read here once; frames.h reads the rest.
struct Frame {
    QJsonObject object;
    QString type;
    QString id; // empty when the frame carried none
    bool hasId = false;
    // The `re` of a server's answer (a client reads it), when it is a string.
    std::optional<QString> re;

    // What an answer to this frame carries as `re`: its id, if it had one.
    std::optional<QString> replyRe() const { return hasId ? std::optional(id) : std::nullopt; }
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
QJsonArray toJson(const QList<ChatMessage> &messages);
QJsonArray toJson(const QList<UserInfo> &users);

std::optional<UserInfo> userFromJson(const QJsonValue &value);
// The messages of a list (joined, history, search). Entries that are not message objects are
// skipped: a version 1.1 server lists edits, deletions and reactions among them, which a 1.0
// client does not know and ignores.
QList<ChatMessage> messagesFromJson(const QJsonValue &value);
// The users of a list (joined's members); entries that are not user objects are skipped.
QList<UserInfo> usersFromJson(const QJsonValue &value);

// The events of an answer within `budget` bytes of JSON (protocol.h, MaxAnswerBytes): `events`
// in the order they are listed, and which end to keep (the newest, for an ascending list: the
// last ones; for search, newest first: the first ones). At least one is kept. True when some
// were left out. Cheap while the list is far below the budget (an upper bound is summed first).
enum class KeepEnd { Last, First };
bool trimToBytes(QList<ChatMessage> &events, qsizetype budget, KeepEnd keep);

// Cuts each message's reactions to MaxReactorsListed ids per emoji for an answer to `viewer`
// (who stays listed when it reacted, so its client knows what it may take back), putting the
// whole number in reactionCounts. Answers only: a stored message keeps every id.
void listReactionsFor(QList<ChatMessage> &events, const QString &viewer);
void listReactionsFor(ChatMessage &message, const QString &viewer);

// Adds "re" to a direct answer when the request carried an id: the one place it is written.
QJsonObject withRe(QJsonObject frame, const std::optional<QString> &re);
QJsonObject withRe(QJsonObject frame, const Frame &request);
// Adds a request's "id" (a client's frame id, which the answer carries back as "re").
QJsonObject withId(QJsonObject frame, const QString &id);

} // namespace confab::protocol
