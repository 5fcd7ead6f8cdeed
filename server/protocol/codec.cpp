#include "codec.h"

#include "jsonreader.h"
#include "validation.h"
#include "websocket.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace confab::protocol {

using namespace Qt::StringLiterals;

std::variant<Frame, DecodeFailure> decodeFrame(QByteArrayView utf8)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(utf8.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        // QJsonDocument only parses arrays and objects at the top level; a lone scalar such
        // as "hi" or 42 is valid JSON (RFC 8259), merely not an object.
        const QJsonDocument wrapped = QJsonDocument::fromJson("[" + utf8.toByteArray() + "]");
        if (wrapped.isArray() && wrapped.array().size() == 1)
            return DecodeFailure{Error::BadRequest, u"a frame must be a JSON object"_s, {}};
        return DecodeFailure{Error::BadJson, u"invalid JSON: "_s + parseError.errorString(), {}};
    }
    if (!doc.isObject())
        return DecodeFailure{Error::BadRequest, u"a frame must be a JSON object"_s, {}};

    Frame frame;
    frame.object = doc.object();
    const QJsonValue id = frame.object.value("id"_L1);
    if (!id.isUndefined()) {
        if (!isValidFrameId(id))
            return DecodeFailure{
                Error::BadRequest,
                u"\"id\" must be a string of at most %1 characters"_s.arg(MaxFrameIdChars),
                {}};
        frame.id = id.toString();
        frame.hasId = true;
    }
    const QJsonValue type = frame.object.value("type"_L1);
    if (!type.isString())
        return DecodeFailure{Error::BadRequest, u"a frame needs a string \"type\""_s, frame.id,
                             frame.hasId};
    frame.type = type.toString();
    if (const QJsonValue re = frame.object.value("re"_L1); re.isString())
        frame.re = re.toString();
    return frame;
}

namespace {

// At most this many bytes of compact JSON for the event: every UTF-16 unit of a string escapes
// to at most 6 bytes ("\u0001"), numbers and keys fit in the constant.
qsizetype jsonBytesAtMost(const ChatMessage &m)
{
    qsizetype units = m.room.size() + m.id.size() + m.from.id.size() + m.from.nick.size()
                      + m.text.size() + m.to.size() + m.emoji.size();
    qsizetype reactions = 0;
    for (auto it = m.reactions.cbegin(); it != m.reactions.cend(); ++it) {
        units += it.key().size();
        for (const QString &user : it.value())
            reactions += 3 + 6 * user.size();
        reactions += 8;
    }
    for (auto it = m.reactionCounts.cbegin(); it != m.reactionCounts.cend(); ++it)
        reactions += 6 * it.key().size() + 24;
    return 256 + 6 * units + reactions;
}

} // namespace

bool trimToBytes(QList<ChatMessage> &events, qsizetype budget, KeepEnd keep)
{
    qsizetype bound = 0;
    for (const ChatMessage &m : std::as_const(events))
        bound += jsonBytesAtMost(m) + 1;
    if (bound <= budget)
        return false;
    // Near or over the budget: measure each, from the end that is kept.
    qsizetype used = 0;
    qsizetype kept = 0;
    const qsizetype n = events.size();
    for (; kept < n; ++kept) {
        const ChatMessage &m = events.at(keep == KeepEnd::Last ? n - 1 - kept : kept);
        const qsizetype bytes = encode(m.toJson()).size() + 1;
        if (kept > 0 && used + bytes > budget)
            break;
        used += bytes;
    }
    if (kept == n)
        return false;
    if (keep == KeepEnd::Last)
        events.remove(0, n - kept);
    else
        events.resize(kept);
    return true;
}

void listReactionsFor(ChatMessage &message, const QString &viewer)
{
    for (auto it = message.reactions.begin(); it != message.reactions.end(); ++it) {
        QStringList &users = it.value();
        if (users.size() <= MaxReactorsListed)
            continue;
        message.reactionCounts.insert(it.key(), users.size());
        const bool viewerLater = users.indexOf(viewer, MaxReactorsListed) >= 0;
        users.resize(MaxReactorsListed);
        if (viewerLater)
            users.last() = viewer;
    }
}

void listReactionsFor(QList<ChatMessage> &events, const QString &viewer)
{
    for (ChatMessage &m : events) {
        if (!m.reactions.isEmpty())
            listReactionsFor(m, viewer);
    }
}

QByteArray encode(const QJsonObject &frame)
{
    return QJsonDocument(frame).toJson(QJsonDocument::Compact);
}

QByteArray textFrame(QByteArrayView payload)
{
    return ws::serverFrame(ws::Opcode::Text, payload);
}

QByteArray textFrame(std::initializer_list<QByteArrayView> payload)
{
    qsizetype n = 0;
    for (const QByteArrayView part : payload)
        n += part.size();
    // The header first, then every piece copied once (a joined frame's member list is large).
    QByteArray frame = ws::serverFrameHeader(ws::Opcode::Text, n);
    frame.reserve(frame.size() + n);
    for (const QByteArrayView part : payload)
        frame.append(part.data(), part.size());
    return frame;
}

QJsonObject toJson(const UserInfo &user)
{
    QJsonObject o{{"id"_L1, user.id}, {"nick"_L1, user.nick}};
    if (user.op)
        o.insert("op"_L1, true);
    return o;
}

QLatin1StringView ChatMessage::typeName() const
{
    switch (kind) {
    case Kind::Edit:
        return "edit"_L1;
    case Kind::Delete:
        return "delete"_L1;
    case Kind::Reaction:
        return "reaction"_L1;
    case Kind::Message:
        break;
    }
    return Type;
}

QJsonObject ChatMessage::toJson() const
{
    QJsonObject o{
        {"type"_L1, typeName()}, {"id"_L1, id}, {"from"_L1, protocol::toJson(from)}, {"ts"_L1, ts}};
    if (isDirect()) {
        o.insert("to"_L1, to);
    } else {
        o.insert("room"_L1, room);
        o.insert("seq"_L1, seq);
    }
    switch (kind) {
    case Kind::Message:
        o.insert("text"_L1, text);
        break;
    case Kind::Edit:
        o.insert("target"_L1, target);
        o.insert("text"_L1, text);
        return o;
    case Kind::Delete:
        o.insert("target"_L1, target);
        return o;
    case Kind::Reaction:
        o.insert("target"_L1, target);
        o.insert("emoji"_L1, emoji);
        o.insert("on"_L1, on);
        return o;
    }
    if (editedTs)
        o.insert("edited_ts"_L1, *editedTs);
    if (deleted)
        o.insert("deleted"_L1, true);
    if (!reactions.isEmpty()) {
        QJsonObject byEmoji;
        for (auto it = reactions.cbegin(); it != reactions.cend(); ++it)
            byEmoji.insert(it.key(), QJsonArray::fromStringList(it.value()));
        o.insert("reactions"_L1, byEmoji);
    }
    if (!reactionCounts.isEmpty()) {
        QJsonObject counts;
        for (auto it = reactionCounts.cbegin(); it != reactionCounts.cend(); ++it)
            counts.insert(it.key(), it.value());
        o.insert("reaction_counts"_L1, counts);
    }
    if (replyTo)
        o.insert("reply_to"_L1, *replyTo);
    return o;
}

Decoded<ChatMessage> ChatMessage::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    ChatMessage m;
    const QString type = r.string("type"_L1);
    if (type == "edit"_L1)
        m.kind = Kind::Edit;
    else if (type == "delete"_L1)
        m.kind = Kind::Delete;
    else if (type == "reaction"_L1)
        m.kind = Kind::Reaction;
    else if (type != Type)
        r.fail(Error::BadRequest, u"not a room event"_s);
    m.id = r.string("id"_L1);
    m.from = r.user("from"_L1);
    m.ts = r.integer("ts"_L1, 0);
    if (m.kind != Kind::Message) { // events are room events only
        m.room = r.string("room"_L1);
        m.seq = r.integer("seq"_L1, 1);
        m.target = r.integer("target"_L1, 1);
        if (m.kind == Kind::Edit)
            m.text = r.string("text"_L1);
        if (m.kind == Kind::Reaction) {
            m.emoji = r.string("emoji"_L1);
            m.on = r.boolean("on"_L1);
        }
        return r.result(std::move(m));
    }
    m.text = r.string("text"_L1);
    if (r.has("to"_L1)) {
        m.to = r.string("to"_L1);
        if (m.to.isEmpty()) // an empty "to" would make it a room message
            r.fail(Error::BadRequest, u"\"to\" must be a user id"_s);
    } else {
        m.room = r.string("room"_L1);
        m.seq = r.integer("seq"_L1, 1);
    }
    m.editedTs = r.optionalInteger("edited_ts"_L1, 0);
    m.deleted = r.has("deleted"_L1) && r.boolean("deleted"_L1);
    m.replyTo = r.optionalInteger("reply_to"_L1, 1);
    if (r.has("reactions"_L1)) {
        const QJsonObject byEmoji = r.object("reactions"_L1);
        for (auto it = byEmoji.constBegin(); it != byEmoji.constEnd(); ++it) {
            QStringList users;
            for (const QJsonValue &user : it.value().toArray()) {
                if (user.isString())
                    users.append(user.toString());
            }
            if (!users.isEmpty()) // what a client cannot read it skips, as in lists
                m.reactions.insert(it.key(), users);
        }
    }
    if (r.has("reaction_counts"_L1)) {
        const QJsonObject counts = r.object("reaction_counts"_L1);
        for (auto it = counts.constBegin(); it != counts.constEnd(); ++it) {
            // A count for an emoji it lists, and no smaller than the list; else skipped.
            const qint64 n = it.value().toInteger(-1);
            if (m.reactions.contains(it.key()) && n >= m.reactions.value(it.key()).size())
                m.reactionCounts.insert(it.key(), n);
        }
    }
    return r.result(std::move(m));
}

QJsonArray toJson(const QList<ChatMessage> &messages)
{
    QJsonArray array;
    for (const ChatMessage &m : messages)
        array.append(m.toJson());
    return array;
}

QJsonArray toJson(const QList<UserInfo> &users)
{
    QJsonArray array;
    for (const UserInfo &u : users)
        array.append(toJson(u));
    return array;
}

std::optional<UserInfo> userFromJson(const QJsonValue &value)
{
    const QJsonObject o = value.toObject();
    if (!o.value("id"_L1).isString() || !o.value("nick"_L1).isString())
        return std::nullopt;
    return UserInfo{o.value("id"_L1).toString(), o.value("nick"_L1).toString(),
                    o.value("op"_L1).toBool()};
}

QList<ChatMessage> messagesFromJson(const QJsonValue &value)
{
    QList<ChatMessage> messages;
    for (const QJsonValue &entry : value.toArray()) {
        auto m = ChatMessage::fromJson(entry.toObject());
        if (auto *message = std::get_if<ChatMessage>(&m))
            messages.append(std::move(*message));
    }
    return messages;
}

QList<UserInfo> usersFromJson(const QJsonValue &value)
{
    QList<UserInfo> users;
    for (const QJsonValue &entry : value.toArray()) {
        if (auto user = userFromJson(entry))
            users.append(*user);
    }
    return users;
}

QJsonObject withRe(QJsonObject frame, const std::optional<QString> &re)
{
    if (re)
        frame.insert("re"_L1, *re);
    return frame;
}

QJsonObject withRe(QJsonObject frame, const Frame &request)
{
    return withRe(std::move(frame), request.replyRe());
}

QJsonObject withId(QJsonObject frame, const QString &id)
{
    frame.insert("id"_L1, id);
    return frame;
}

} // namespace confab::protocol
