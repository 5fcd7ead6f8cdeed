#include "frames.h"

#include "jsonreader.h"
#include "validation.h"
#include "websocket.h"

#include <QJsonDocument>

namespace confab::protocol {

using namespace Qt::StringLiterals;

namespace {

QString badNick()
{
    return u"a nick has 1 to %1 characters, no control characters and no surrounding spaces"_s.arg(
        MaxNickChars);
}

// A nick member: a string that is a valid nick (normalizeNick), NFC; else bad_nick.
QString readNick(JsonReader &r, QLatin1StringView key)
{
    const QString raw = r.string(key, Error::BadNick, [](QLatin1StringView) { return badNick(); });
    if (!r.ok())
        return {};
    const auto nick = normalizeNick(raw);
    if (!nick)
        r.fail(Error::BadNick, badNick());
    return nick.value_or(QString());
}

QString badToken(QLatin1StringView = {})
{
    return u"token must be %1 to %2 characters from '!' to '~'"_s.arg(MinTokenChars)
        .arg(MaxTokenChars);
}

QString blankQuery(QLatin1StringView = {})
{
    return u"\"q\" must be a non-empty string"_s;
}

QString notUnicode(QLatin1StringView key)
{
    return u"\"%1\" must be Unicode text (no lone surrogates such as \\ud800)"_s.arg(key);
}

QString mustBeSeq(QLatin1StringView key)
{
    return u"\"%1\" must be a seq (0 or more)"_s.arg(key);
}

QString mustBePositive(QLatin1StringView key)
{
    return u"\"%1\" must be a positive integer"_s.arg(key);
}

// Inserts a member only when it has a value.
template <typename T>
void insertIf(QJsonObject &o, QLatin1StringView key, const std::optional<T> &value)
{
    if (value)
        o.insert(key, *value);
}

QLatin1StringView eventName(Presence::Event event)
{
    switch (event) {
    case Presence::Event::Join:
        return "join"_L1;
    case Presence::Event::Leave:
        return "leave"_L1;
    case Presence::Event::Nick:
        return "nick"_L1;
    case Presence::Event::Kick:
        return "kick"_L1;
    }
    return "join"_L1;
}

// The members of a JSON object as compact text, without the braces.
QByteArray innerJson(const QJsonObject &o)
{
    const QByteArray all = encode(o);
    return all.sliced(1, all.size() - 2);
}

} // namespace

// ---- Session ----

QJsonObject Hello::toJson() const
{
    QJsonObject o{{"type"_L1, Type}, {"protocol"_L1, Version}};
    insertIf(o, "nick"_L1, nick);
    insertIf(o, "password"_L1, password);
    insertIf(o, "token"_L1, token);
    insertIf(o, "op_password"_L1, opPassword);
    return o;
}

Decoded<Hello> Hello::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    // Missing means 1; anything else, a string "1" included, is another version.
    if (r.has("protocol"_L1) && integerValue(object.value("protocol"_L1), 1, 1) != 1)
        r.fail(Error::BadRequest,
               u"unsupported protocol version; this server speaks %1"_s.arg(Version),
               CloseProtocolError);
    Hello hello;
    if (r.has("token"_L1)) {
        hello.token = r.string("token"_L1, Error::BadRequest, badToken);
        if (r.ok() && !isValidToken(*hello.token))
            r.fail(Error::BadRequest, badToken());
    }
    if (r.has("nick"_L1))
        hello.nick = readNick(r, "nick"_L1);
    if (const QJsonValue password = object.value("password"_L1); password.isString())
        hello.password = password.toString(); // else none: a wrong password
    if (const QJsonValue op = object.value("op_password"_L1); op.isString())
        hello.opPassword = op.toString();
    return r.result(std::move(hello));
}

HelloCredentials HelloCredentials::fromJson(const QJsonObject &hello)
{
    HelloCredentials credentials;
    if (const QJsonValue password = hello.value("password"_L1); password.isString())
        credentials.password = password.toString();
    if (const QJsonValue token = hello.value("token"_L1);
        token.isString() && isValidToken(token.toString()))
        credentials.token = token.toString();
    if (const QJsonValue op = hello.value("op_password"_L1); op.isString())
        credentials.opPassword = op.toString();
    return credentials;
}

QJsonObject Welcome::toJson() const
{
    QJsonObject out{
        {"type"_L1, Type},
        {"protocol"_L1, protocol},
        {"user"_L1, protocol::toJson(user)},
        {"server"_L1, QJsonObject{{"name"_L1, serverName}, {"version"_L1, serverVersion}}},
        {"limits"_L1, QJsonObject{{"max_text_bytes"_L1, limits.maxTextBytes},
                                  {"max_frame_bytes"_L1, limits.maxFrameBytes},
                                  {"rate_per_sec"_L1, limits.ratePerSec},
                                  {"burst"_L1, limits.burst},
                                  {"max_queue_bytes"_L1, limits.maxQueueBytes}}}};
    if (!features.isEmpty())
        out.insert("features"_L1, QJsonArray::fromStringList(features));
    return out;
}

Decoded<Welcome> Welcome::fromJson(const QJsonObject &object)
{
    constexpr qint64 MaxInt = std::numeric_limits<int>::max();
    JsonReader r(object);
    Welcome w;
    w.protocol = int(r.integer("protocol"_L1, 1, nullptr, MaxInt));
    w.user = r.user("user"_L1);
    JsonReader server(r.object("server"_L1));
    w.serverName = server.string("name"_L1);
    w.serverVersion = server.string("version"_L1);
    r.adopt(server);
    JsonReader limits(r.object("limits"_L1));
    w.limits.maxTextBytes = int(limits.integer("max_text_bytes"_L1, 1, nullptr, MaxInt));
    w.limits.maxFrameBytes = int(limits.integer("max_frame_bytes"_L1, 1, nullptr, MaxInt));
    w.limits.ratePerSec = limits.number("rate_per_sec"_L1);
    w.limits.burst = int(limits.integer("burst"_L1, 1, nullptr, MaxInt));
    w.limits.maxQueueBytes = limits.integer("max_queue_bytes"_L1, 1);
    r.adopt(limits);
    for (const QJsonValue &feature : object.value("features"_L1).toArray()) { // optional (1.0)
        if (feature.isString())
            w.features.append(feature.toString());
    }
    return r.result(std::move(w));
}

QJsonObject NickRequest::toJson() const
{
    return {{"type"_L1, Type}, {"nick"_L1, nick}};
}

Decoded<NickRequest> NickRequest::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    NickRequest request;
    request.nick = readNick(r, "nick"_L1);
    return r.result(std::move(request));
}

QJsonObject NickAnswer::toJson() const
{
    return {{"type"_L1, Type}, {"user"_L1, protocol::toJson(user)}, {"old"_L1, old}};
}

Decoded<NickAnswer> NickAnswer::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    NickAnswer answer;
    answer.user = r.user("user"_L1);
    answer.old = r.string("old"_L1);
    return r.result(std::move(answer));
}

// ---- Rooms ----

QJsonObject JoinRequest::toJson() const
{
    QJsonObject o{{"type"_L1, Type}, {"room"_L1, room}};
    insertIf(o, "since"_L1, since);
    return o;
}

Decoded<JoinRequest> JoinRequest::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    JoinRequest request;
    request.room = r.room("room"_L1);
    request.since = r.optionalInteger("since"_L1, 0, mustBeSeq);
    return r.result(std::move(request));
}

QJsonObject Joined::toJson() const
{
    return {{"type"_L1, Type},
            {"room"_L1, room},
            {"topic"_L1, topic},
            {"members"_L1, protocol::toJson(members)},
            {"seq"_L1, seq},
            {"epoch"_L1, epoch},
            {"read"_L1, read},
            {"unread"_L1, unread},
            {"history"_L1, protocol::toJson(history)}};
}

Decoded<Joined> Joined::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    Joined joined;
    joined.room = r.string("room"_L1);
    joined.topic = r.string("topic"_L1);
    joined.members = r.users("members"_L1);
    joined.seq = r.integer("seq"_L1, 0);
    joined.epoch = r.string("epoch"_L1);
    joined.read = r.integer("read"_L1, 0);
    joined.unread = r.optionalInteger("unread"_L1, 0).value_or(0);
    joined.history = r.messages("history"_L1);
    return r.result(std::move(joined));
}

namespace {

// The joined frame's JSON before and after its member list. QJsonObject keeps its members sorted
// by key and writes them in that order: the members before "members" and those after it, each
// written by Qt, around the given list are the bytes of the whole object (tst_frames compares
// them).
std::pair<QByteArray, QByteArray> joinedAround(const Joined &frame,
                                               const std::optional<QString> &re)
{
    Joined withoutMembers = frame;
    withoutMembers.members.clear();
    const QJsonObject all = withRe(withoutMembers.toJson(), re);
    QJsonObject before;
    QJsonObject after;
    for (auto it = all.constBegin(); it != all.constEnd(); ++it) {
        if (it.key() < "members"_L1)
            before.insert(it.key(), it.value());
        else if (it.key() > "members"_L1)
            after.insert(it.key(), it.value());
    }
    QByteArray head = "{";
    if (!before.isEmpty())
        head += innerJson(before) + ',';
    head += "\"members\":";
    QByteArray tail;
    if (!after.isEmpty())
        tail += ',' + innerJson(after);
    tail += '}';
    return {head, tail};
}

} // namespace

QByteArray encodeJoined(const Joined &frame, QByteArrayView membersJson,
                        const std::optional<QString> &re)
{
    const auto [head, tail] = joinedAround(frame, re);
    QByteArray json = head;
    json += membersJson;
    json += tail;
    return json;
}

std::pair<QByteArray, QByteArray> joinedTextFrameAround(const Joined &frame, qsizetype membersBytes,
                                                        const std::optional<QString> &re)
{
    auto [head, tail] = joinedAround(frame, re);
    QByteArray start =
        ws::serverFrameHeader(ws::Opcode::Text, head.size() + membersBytes + tail.size());
    start += head;
    return {start, tail};
}

QJsonObject LeaveRequest::toJson() const
{
    return {{"type"_L1, Type}, {"room"_L1, room}};
}

Decoded<LeaveRequest> LeaveRequest::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    LeaveRequest request;
    request.room = r.room("room"_L1);
    return r.result(std::move(request));
}

QJsonObject Left::toJson() const
{
    return {{"type"_L1, Type}, {"room"_L1, room}};
}

Decoded<Left> Left::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    Left left;
    left.room = r.string("room"_L1);
    return r.result(std::move(left));
}

QJsonObject RoomsRequest::toJson() const
{
    QJsonObject o{{"type"_L1, Type}};
    if (after)
        o.insert("after"_L1, *after);
    return o;
}

Decoded<RoomsRequest> RoomsRequest::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    RoomsRequest request;
    request.after = r.optionalString("after"_L1);
    return r.result(std::move(request));
}

QJsonObject RoomsAnswer::toJson() const
{
    QJsonArray list;
    for (const Entry &entry : rooms)
        list.append(QJsonObject{
            {"room"_L1, entry.room}, {"members"_L1, entry.members}, {"topic"_L1, entry.topic}});
    QJsonObject o{{"type"_L1, Type}, {"rooms"_L1, list}};
    if (more)
        o.insert("more"_L1, true);
    return o;
}

Decoded<RoomsAnswer> RoomsAnswer::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    RoomsAnswer answer;
    for (const QJsonValue &value : r.array("rooms"_L1)) {
        JsonReader e(value.toObject());
        Entry entry;
        entry.room = e.string("room"_L1);
        entry.members = e.integer("members"_L1, 0);
        entry.topic = e.string("topic"_L1);
        if (e.ok())
            answer.rooms.append(std::move(entry));
    }
    answer.more = object.value("more"_L1).toBool();
    return r.result(std::move(answer));
}

QJsonObject TopicRequest::toJson() const
{
    return {{"type"_L1, Type}, {"room"_L1, room}, {"topic"_L1, topic}};
}

Decoded<TopicRequest> TopicRequest::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    TopicRequest request;
    request.room = r.room("room"_L1);
    request.topic = r.string("topic"_L1);
    if (r.ok() && !isValidUnicode(request.topic))
        r.fail(Error::BadRequest, notUnicode("topic"_L1));
    if (r.ok() && codePointCount(request.topic) > MaxTopicChars)
        r.fail(Error::TooLong, u"a topic has at most %1 characters"_s.arg(MaxTopicChars));
    return r.result(std::move(request));
}

QJsonObject TopicEvent::toJson() const
{
    return {{"type"_L1, Type},
            {"room"_L1, room},
            {"topic"_L1, topic},
            {"by"_L1, protocol::toJson(by)},
            {"ts"_L1, ts}};
}

Decoded<TopicEvent> TopicEvent::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    TopicEvent event;
    event.room = r.string("room"_L1);
    event.topic = r.string("topic"_L1);
    event.by = r.user("by"_L1);
    event.ts = r.integer("ts"_L1, 0);
    return r.result(std::move(event));
}

QJsonObject Presence::toJson() const
{
    QJsonObject o{{"type"_L1, Type},
                  {"room"_L1, room},
                  {"event"_L1, eventName(event)},
                  {"user"_L1, protocol::toJson(user)},
                  {"ts"_L1, ts}};
    if (event == Event::Nick)
        o.insert("old"_L1, old);
    if (event == Event::Kick)
        o.insert("by"_L1, protocol::toJson(by));
    if (event == Event::Kick && !reason.isEmpty())
        o.insert("reason"_L1, reason);
    if (event == Event::Kick && ban)
        o.insert("ban"_L1, true);
    return o;
}

Decoded<Presence> Presence::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    Presence presence;
    presence.room = r.string("room"_L1);
    const QString event = r.string("event"_L1);
    if (event == eventName(Event::Join))
        presence.event = Event::Join;
    else if (event == eventName(Event::Leave))
        presence.event = Event::Leave;
    else if (event == eventName(Event::Nick))
        presence.event = Event::Nick;
    else if (event == eventName(Event::Kick))
        presence.event = Event::Kick;
    else // a later version's event: a client ignores it
        r.fail(Error::BadRequest, u"\"event\" must be join, leave, nick or kick"_s);
    presence.user = r.user("user"_L1);
    if (presence.event == Event::Nick)
        presence.old = r.string("old"_L1);
    if (presence.event == Event::Kick) {
        presence.by = r.user("by"_L1);
        presence.reason = r.optionalString("reason"_L1).value_or(QString());
        presence.ban = object.value("ban"_L1).toBool(false);
    }
    presence.ts = r.integer("ts"_L1, 0);
    return r.result(std::move(presence));
}

// ---- Messages ----

std::optional<DecodeError> textError(const QString &text, int maxTextBytes)
{
    if (text.isEmpty())
        return DecodeError{Error::BadRequest, u"\"text\" must be a non-empty string"_s, {}, 0};
    if (!isValidUnicode(text)) // else the stored copy would differ from the live one
        return DecodeError{Error::BadRequest, notUnicode("text"_L1), {}, 0};
    if (text.toUtf8().size() > maxTextBytes)
        return DecodeError{
            Error::TooLong, u"a message has at most %1 bytes of UTF-8"_s.arg(maxTextBytes), {}, 0};
    return std::nullopt;
}

QJsonObject SendRequest::toJson() const
{
    QJsonObject o{{"type"_L1, Type}, {"text"_L1, text}};
    if (to)
        o.insert("to"_L1, *to);
    else
        o.insert("room"_L1, room);
    insertIf(o, "reply_to"_L1, replyTo);
    return o;
}

Decoded<SendRequest> SendRequest::fromJson(const QJsonObject &object, int maxTextBytes)
{
    JsonReader r(object);
    const bool direct = r.has("to"_L1);
    if (r.has("room"_L1) == direct)
        r.fail(Error::BadRequest, u"a send names either \"room\" or \"to\""_s);
    SendRequest request;
    // Not a string counts as empty: "text" must be a non-empty string either way.
    request.text = object.value("text"_L1).toString();
    if (r.ok()) {
        if (const auto error = textError(request.text, maxTextBytes))
            r.fail(error->error, error->message);
    }
    if (direct)
        request.to = r.string("to"_L1, Error::BadRequest,
                              [](QLatin1StringView) { return u"\"to\" must be a user id"_s; });
    else
        request.room = r.room("room"_L1);
    // 0 is a well-formed seq that names no message: the hub answers not_found.
    request.replyTo = r.optionalInteger("reply_to"_L1, 0, [](QLatin1StringView) {
        return u"\"reply_to\" must be a seq (an integer, 0 or more)"_s;
    });
    if (r.ok() && direct && request.replyTo) // direct messages have no seq to point at
        r.fail(Error::BadRequest, u"\"reply_to\" is for messages in a room"_s);
    return r.result(std::move(request));
}

QJsonObject HistoryRequest::toJson() const
{
    QJsonObject o{{"type"_L1, Type}, {"room"_L1, room}};
    insertIf(o, "before"_L1, before);
    insertIf(o, "limit"_L1, limit);
    return o;
}

Decoded<HistoryRequest> HistoryRequest::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    HistoryRequest request;
    request.room = r.room("room"_L1);
    request.before = r.optionalInteger("before"_L1, 0, mustBeSeq);
    request.limit = r.optionalInteger("limit"_L1, 1, mustBePositive);
    return r.result(std::move(request));
}

QJsonObject HistoryAnswer::toJson() const
{
    return {{"type"_L1, Type}, {"room"_L1, room}, {"messages"_L1, protocol::toJson(messages)}};
}

Decoded<HistoryAnswer> HistoryAnswer::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    HistoryAnswer answer;
    answer.room = r.string("room"_L1);
    answer.messages = r.messages("messages"_L1);
    return r.result(std::move(answer));
}

QJsonObject ReadPosition::toJson() const
{
    return {{"type"_L1, Type}, {"room"_L1, room}, {"seq"_L1, seq}};
}

Decoded<ReadPosition> ReadPosition::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    ReadPosition read;
    read.room = r.room("room"_L1);
    read.seq = r.integer("seq"_L1, 0, mustBeSeq);
    return r.result(std::move(read));
}

QJsonObject SearchRequest::toJson() const
{
    QJsonObject o{{"type"_L1, Type}, {"q"_L1, q}};
    insertIf(o, "room"_L1, room);
    insertIf(o, "limit"_L1, limit);
    return o;
}

Decoded<SearchRequest> SearchRequest::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    SearchRequest request;
    request.q = r.string("q"_L1, Error::BadRequest, blankQuery);
    if (r.ok() && request.q.trimmed().isEmpty())
        r.fail(Error::BadRequest, blankQuery());
    // Bounded before it is split: each word is a prefix term for the index to expand, and one
    // frame can hold thousands of them.
    if (r.ok() && request.q.toUtf8().size() > MaxSearchBytes)
        r.fail(Error::BadRequest,
               u"a search query has at most %1 bytes of UTF-8"_s.arg(MaxSearchBytes));
    if (r.ok() && searchWords(request.q).size() > MaxSearchWords)
        r.fail(Error::BadRequest, u"a search query has at most %1 words"_s.arg(MaxSearchWords));
    request.limit = r.optionalInteger("limit"_L1, 1, mustBePositive);
    if (r.has("room"_L1)) // null included: then "room" must be a string
        request.room = r.room("room"_L1);
    return r.result(std::move(request));
}

QJsonObject SearchAnswer::toJson() const
{
    return {{"type"_L1, Type}, {"q"_L1, q}, {"messages"_L1, protocol::toJson(messages)}};
}

Decoded<SearchAnswer> SearchAnswer::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    SearchAnswer answer;
    answer.q = r.string("q"_L1);
    answer.messages = r.messages("messages"_L1);
    return r.result(std::move(answer));
}

QJsonObject TypingRequest::toJson() const
{
    return {{"type"_L1, Type}, {"room"_L1, room}};
}

Decoded<TypingRequest> TypingRequest::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    TypingRequest request;
    request.room = r.room("room"_L1);
    return r.result(std::move(request));
}

QJsonObject TypingEvent::toJson() const
{
    return {{"type"_L1, Type}, {"room"_L1, room}, {"user"_L1, protocol::toJson(user)}};
}

Decoded<TypingEvent> TypingEvent::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    TypingEvent event;
    event.room = r.string("room"_L1);
    event.user = r.user("user"_L1);
    return r.result(std::move(event));
}

// ---- Errors ----

ErrorFrame::ErrorFrame(Error error, const QString &message, std::optional<qint64> retryMs)
    : code(errorName(error))
    , message(message)
    , retryMs(retryMs)
{}

QJsonObject ErrorFrame::toJson() const
{
    QJsonObject o{{"type"_L1, Type}, {"code"_L1, code}, {"message"_L1, message}};
    insertIf(o, "retry_ms"_L1, retryMs);
    return o;
}

Decoded<ErrorFrame> ErrorFrame::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    ErrorFrame error;
    error.code = r.string("code"_L1);
    // The contract shows errors without a message (a cluster's "unavailable").
    error.message = r.optionalString("message"_L1).value_or(QString());
    error.retryMs = r.optionalInteger("retry_ms"_L1, 0);
    return r.result(std::move(error));
}

// ---- HTTP: POST /api/publish ----

QJsonObject PublishRequest::toJson() const
{
    QJsonObject o{{"room"_L1, room}, {"text"_L1, text}};
    insertIf(o, "from"_L1, from);
    return o;
}

Decoded<PublishRequest> PublishRequest::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    PublishRequest request;
    request.room = r.string("room"_L1);
    request.text = r.string("text"_L1);
    if (r.has("from"_L1))
        request.from = readNick(r, "from"_L1);
    return r.result(std::move(request));
}

QJsonObject PublishAnswer::toJson() const
{
    return {{"room"_L1, room}, {"seq"_L1, seq}};
}

Decoded<PublishAnswer> PublishAnswer::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    PublishAnswer answer;
    answer.room = r.string("room"_L1);
    answer.seq = r.integer("seq"_L1, 1);
    return r.result(std::move(answer));
}

} // namespace confab::protocol
