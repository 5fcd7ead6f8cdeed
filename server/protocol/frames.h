// One C++ type per frame of the protocol (docs/protocol.md), with its JSON encoding and
// decoding: the only place that knows a frame's member names. The server, the desktop client
// and the bots build and read frames through these types, so adding a member is one edit here
// that the compiler then checks everywhere.
//
// Every type T has:
//   static constexpr QLatin1StringView Type;   its "type" (not the HTTP bodies at the end)
//   QJsonObject toJson() const;                 the frame, without "re" (withRe adds it once)
//   static Decoded<T> fromJson(const QJsonObject &);   the frame, or why it is refused
//                                               (SendRequest's also takes the text limit)
// The envelope (`type`, `id`, `re`) is read by decodeFrame and written by withRe/withId
// (codec.h). The message frame is ChatMessage (codec.h). Members are read with JsonReader.
//
// Requests are checked in the order the server answers their faults, with its error codes and
// texts. Frames a server sends are checked for what the contract says they hold; their lists
// skip entries a client cannot use (codec.h, messagesFromJson), as later versions add kinds.
#pragma once

#include "codec.h"

#include <QStringList>

namespace confab::protocol {

// ---- Session ----

// Client → server, the first frame. Decoding checks `protocol` (bad_request, and the
// connection closes with 1002), then `token` (bad_request), then `nick` (bad_nick).
struct Hello {
    static constexpr QLatin1StringView Type{"hello"};
    std::optional<QString> nick;     // NFC when decoded
    std::optional<QString> password; // not a string: none (a wrong password)
    std::optional<QString> token;
    // 1.1 "op_password": the server's operator password (the user becomes an operator). Not a
    // string: none; a wrong one is refused like a wrong password.
    std::optional<QString> opPassword = std::nullopt;
    QJsonObject toJson() const;
    static Decoded<Hello> fromJson(const QJsonObject &object);
    friend bool operator==(const Hello &, const Hello &) = default;
};

// What a hello's password check needs, read on its own and never refused: the server checks
// the password after the protocol version and before the token and the nick
// (docs/protocol.md, session start), so it cannot wait for Hello's verdict on those.
struct HelloCredentials {
    std::optional<QString> password;                  // when a string
    std::optional<QString> token;                     // when a valid token
    std::optional<QString> opPassword = std::nullopt; // 1.1 "op_password", when a string
    static HelloCredentials fromJson(const QJsonObject &hello);
};

struct Welcome {
    static constexpr QLatin1StringView Type{"welcome"};
    int protocol = Version;
    UserInfo user;
    QString serverName;
    QString serverVersion;
    Limits limits;
    // 1.1: what the server speaks beyond 1.0 ("features"; absent from a 1.0 server's welcome).
    QStringList features = {};
    QJsonObject toJson() const;
    static Decoded<Welcome> fromJson(const QJsonObject &object);
    friend bool operator==(const Welcome &, const Welcome &) = default;
};

// Client → server: a nick change (bad_nick unless a valid nick).
struct NickRequest {
    static constexpr QLatin1StringView Type{"nick"};
    QString nick; // NFC when decoded
    QJsonObject toJson() const;
    static Decoded<NickRequest> fromJson(const QJsonObject &object);
    friend bool operator==(const NickRequest &, const NickRequest &) = default;
};

// Server → the user's connections: its nick changed.
struct NickAnswer {
    static constexpr QLatin1StringView Type{"nick"};
    UserInfo user;
    QString old;
    QJsonObject toJson() const;
    static Decoded<NickAnswer> fromJson(const QJsonObject &object);
    friend bool operator==(const NickAnswer &, const NickAnswer &) = default;
};

// ---- Rooms ----

// Client → server. `since` must be an integer of 0 or more (null counts as absent).
struct JoinRequest {
    static constexpr QLatin1StringView Type{"join"};
    QString room; // NFC when decoded
    std::optional<qint64> since;
    QJsonObject toJson() const;
    static Decoded<JoinRequest> fromJson(const QJsonObject &object);
    friend bool operator==(const JoinRequest &, const JoinRequest &) = default;
};

struct Joined {
    static constexpr QLatin1StringView Type{"joined"};
    QString room;
    QString topic;
    QList<UserInfo> members; // in join order, the joiner included
    qint64 seq = 0;          // the room's last seq
    QString epoch;
    qint64 read = 0;            // the user's read position
    QList<ChatMessage> history; // room events of every kind, in seq order
    // 1.1: messages (not other events, not deleted ones) above `read`; 0 from a 1.0 server.
    qint64 unread = 0;
    QJsonObject toJson() const;
    static Decoded<Joined> fromJson(const QJsonObject &object);
    friend bool operator==(const Joined &, const Joined &) = default;
};

// The joined frame as compact JSON (the payload of a text frame), around a member list given
// already encoded as a JSON array of user objects; leave `frame.members` empty (it is ignored). A
// server keeps a big room's member list encoded: encoding 5,000 members again for each joiner cost
// more than the rest of the join. The bytes are those encode(withRe(frame.toJson(), re)) gives with
// the members in the struct.
QByteArray encodeJoined(const Joined &frame, QByteArrayView membersJson,
                        const std::optional<QString> &re);
// The same as a WebSocket text frame, in two pieces that go around a member list of
// `membersBytes` bytes (the frame header first): a server sends the room's list as it keeps it,
// without copying it into each joiner's frame.
std::pair<QByteArray, QByteArray> joinedTextFrameAround(const Joined &frame, qsizetype membersBytes,
                                                        const std::optional<QString> &re);

struct LeaveRequest {
    static constexpr QLatin1StringView Type{"leave"};
    QString room;
    QJsonObject toJson() const;
    static Decoded<LeaveRequest> fromJson(const QJsonObject &object);
    friend bool operator==(const LeaveRequest &, const LeaveRequest &) = default;
};

struct Left {
    static constexpr QLatin1StringView Type{"left"};
    QString room;
    QJsonObject toJson() const;
    static Decoded<Left> fromJson(const QJsonObject &object);
    friend bool operator==(const Left &, const Left &) = default;
};

// "after" (Confab): the directory from the room after this name on, for a client paging on from
// an answer that said "more" (MaxAnswerBytes). Not a string: bad_request.
struct RoomsRequest {
    static constexpr QLatin1StringView Type{"rooms"};
    std::optional<QString> after = std::nullopt;
    QJsonObject toJson() const;
    static Decoded<RoomsRequest> fromJson(const QJsonObject &object);
    friend bool operator==(const RoomsRequest &, const RoomsRequest &) = default;
};

struct RoomsAnswer {
    static constexpr QLatin1StringView Type{"rooms"};
    struct Entry {
        QString room;
        qint64 members = 0; // users, not connections
        QString topic;
        friend bool operator==(const Entry &, const Entry &) = default;
    };
    QList<Entry> rooms; // decoding skips entries that are not such objects
    // Confab: the list was cut at MaxAnswerBytes; ask again with "after" the last room listed.
    bool more = false;
    QJsonObject toJson() const;
    static Decoded<RoomsAnswer> fromJson(const QJsonObject &object);
    friend bool operator==(const RoomsAnswer &, const RoomsAnswer &) = default;
};

// Client → server: sets (or, empty, clears) a room's topic. Decoding checks the room, then the
// topic: a string (bad_request), Unicode (bad_request), at most MaxTopicChars (too_long).
struct TopicRequest {
    static constexpr QLatin1StringView Type{"topic"};
    QString room;
    QString topic;
    QJsonObject toJson() const;
    static Decoded<TopicRequest> fromJson(const QJsonObject &object);
    friend bool operator==(const TopicRequest &, const TopicRequest &) = default;
};

// Server → every member: the topic changed.
struct TopicEvent {
    static constexpr QLatin1StringView Type{"topic"};
    QString room;
    QString topic;
    UserInfo by;
    qint64 ts = 0;
    QJsonObject toJson() const;
    static Decoded<TopicEvent> fromJson(const QJsonObject &object);
    friend bool operator==(const TopicEvent &, const TopicEvent &) = default;
};

// Server → the other members of a room: someone joined or left it, or changed nick, or (1.1) was
// kicked out of it by an operator.
struct Presence {
    static constexpr QLatin1StringView Type{"presence"};
    enum class Event { Join, Leave, Nick, Kick };
    QString room;
    Event event = Event::Join;
    UserInfo user;
    QString old; // the previous nick: for Nick only
    qint64 ts = 0;
    UserInfo by = {};    // 1.1: the operator who kicked `user`: for Kick only
    QString reason = {}; // Confab's choice: the kick's reason, for Kick only (absent when empty)
    // Confab's choice: the user was banned (its connections close, 4004) rather than kicked
    // from this room alone; "ban":true, for Kick only (absent when false).
    bool ban = false;
    QJsonObject toJson() const;
    static Decoded<Presence> fromJson(const QJsonObject &object);
    friend bool operator==(const Presence &, const Presence &) = default;
};

// ---- Messages ----

// The send rules for a message text: a non-empty string (bad_request), Unicode (bad_request), at
// most maxTextBytes of UTF-8 (too_long). Shared by sends and the HTTP publish.
std::optional<DecodeError> textError(const QString &text, int maxTextBytes);

// Client → server: a message to a room or, with `to`, to a user. Decoding checks that exactly
// one of `room` and `to` is there, then the text (textError: the server's limit is a decoding
// argument), then the room (or that `to` is a string).
struct SendRequest {
    static constexpr QLatin1StringView Type{"send"};
    QString room;              // unless direct; NFC when decoded
    std::optional<QString> to; // a direct message's recipient
    QString text;
    std::optional<qint64> replyTo = std::nullopt; // 1.1 "reply_to": a seq in the same room
    bool isDirect() const { return to.has_value(); }
    QJsonObject toJson() const;
    static Decoded<SendRequest> fromJson(const QJsonObject &object, int maxTextBytes);
    friend bool operator==(const SendRequest &, const SendRequest &) = default;
};

// Client → server. `before` must be an integer of 0 or more, `limit` of 1 or more (null counts
// as absent); the server applies the defaults and the cap.
struct HistoryRequest {
    static constexpr QLatin1StringView Type{"history"};
    QString room;
    std::optional<qint64> before;
    std::optional<qint64> limit;
    QJsonObject toJson() const;
    static Decoded<HistoryRequest> fromJson(const QJsonObject &object);
    friend bool operator==(const HistoryRequest &, const HistoryRequest &) = default;
};

struct HistoryAnswer {
    static constexpr QLatin1StringView Type{"history"};
    QString room;
    QList<ChatMessage> messages; // ascending by seq
    QJsonObject toJson() const;
    static Decoded<HistoryAnswer> fromJson(const QJsonObject &object);
    friend bool operator==(const HistoryAnswer &, const HistoryAnswer &) = default;
};

// Both ways: the user has read a room up to seq (an integer of 0 or more).
struct ReadPosition {
    static constexpr QLatin1StringView Type{"read"};
    QString room;
    qint64 seq = 0;
    QJsonObject toJson() const;
    static Decoded<ReadPosition> fromJson(const QJsonObject &object);
    friend bool operator==(const ReadPosition &, const ReadPosition &) = default;
};

// Client → server. Decoding checks `q` (a string not blank, at most MaxSearchBytes of UTF-8 and
// MaxSearchWords words: bad_request), then `limit` (1 or more), then `room` when present.
struct SearchRequest {
    static constexpr QLatin1StringView Type{"search"};
    QString q;
    std::optional<QString> room; // without it: every room the user is in
    std::optional<qint64> limit;
    QJsonObject toJson() const;
    static Decoded<SearchRequest> fromJson(const QJsonObject &object);
    friend bool operator==(const SearchRequest &, const SearchRequest &) = default;
};

struct SearchAnswer {
    static constexpr QLatin1StringView Type{"search"};
    QString q;
    QList<ChatMessage> messages; // newest first
    QJsonObject toJson() const;
    static Decoded<SearchAnswer> fromJson(const QJsonObject &object);
    friend bool operator==(const SearchAnswer &, const SearchAnswer &) = default;
};

struct TypingRequest {
    static constexpr QLatin1StringView Type{"typing"};
    QString room;
    QJsonObject toJson() const;
    static Decoded<TypingRequest> fromJson(const QJsonObject &object);
    friend bool operator==(const TypingRequest &, const TypingRequest &) = default;
};

struct TypingEvent {
    static constexpr QLatin1StringView Type{"typing"};
    QString room;
    UserInfo user;
    QJsonObject toJson() const;
    static Decoded<TypingEvent> fromJson(const QJsonObject &object);
    friend bool operator==(const TypingEvent &, const TypingEvent &) = default;
};

// ---- Errors ----

struct ErrorFrame {
    static constexpr QLatin1StringView Type{"error"};
    // The wire name (errorName): a client also meets codes this version does not name, such as
    // a cluster's "unavailable".
    QString code;
    QString message;
    std::optional<qint64> retryMs; // rate_limited, auth_failed when throttled, unavailable
    ErrorFrame() = default;
    ErrorFrame(Error error, const QString &message, std::optional<qint64> retryMs = std::nullopt);
    bool is(Error error) const { return code == errorName(error); }
    QJsonObject toJson() const;
    static Decoded<ErrorFrame> fromJson(const QJsonObject &object);
    friend bool operator==(const ErrorFrame &, const ErrorFrame &) = default;
};

// ---- HTTP: POST /api/publish ----

// The request body. Decoding checks that `room` and `text` are strings (bad_request) and `from`,
// when present, a valid nick (bad_nick); the room name and the text rules are the hub's, after.
struct PublishRequest {
    QString room;
    QString text;
    std::optional<QString> from; // NFC when decoded
    QJsonObject toJson() const;
    static Decoded<PublishRequest> fromJson(const QJsonObject &object);
    friend bool operator==(const PublishRequest &, const PublishRequest &) = default;
};

// The 202 answer.
struct PublishAnswer {
    QString room;
    qint64 seq = 0;
    QJsonObject toJson() const;
    static Decoded<PublishAnswer> fromJson(const QJsonObject &object);
    friend bool operator==(const PublishAnswer &, const PublishAnswer &) = default;
};

} // namespace confab::protocol
