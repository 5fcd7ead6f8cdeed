#include "codec.h"

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
    return frame;
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
    return QJsonObject{{"id"_L1, user.id}, {"nick"_L1, user.nick}};
}

QJsonObject toJson(const ChatMessage &message)
{
    QJsonObject o{{"type"_L1, "message"_L1},
                  {"id"_L1, message.id},
                  {"from"_L1, toJson(message.from)},
                  {"text"_L1, message.text},
                  {"ts"_L1, double(message.ts)}};
    if (message.isDirect()) {
        o.insert("to"_L1, message.to);
    } else {
        o.insert("room"_L1, message.room);
        o.insert("seq"_L1, double(message.seq));
    }
    return o;
}

QJsonArray toJson(const QList<ChatMessage> &messages)
{
    QJsonArray array;
    for (const ChatMessage &m : messages)
        array.append(toJson(m));
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
    return UserInfo{o.value("id"_L1).toString(), o.value("nick"_L1).toString()};
}

std::optional<ChatMessage> messageFromJson(const QJsonObject &o)
{
    if (o.value("type"_L1).toString() != "message"_L1)
        return std::nullopt;
    const auto from = userFromJson(o.value("from"_L1));
    const auto ts = integerValue(o.value("ts"_L1), 0, std::numeric_limits<qint64>::max() / 2);
    if (!from || !ts || !o.value("id"_L1).isString() || !o.value("text"_L1).isString())
        return std::nullopt;
    ChatMessage m;
    m.id = o.value("id"_L1).toString();
    m.from = *from;
    m.text = o.value("text"_L1).toString();
    m.ts = *ts;
    if (o.contains("to"_L1)) {
        m.to = o.value("to"_L1).toString();
        return m;
    }
    const auto seq = integerValue(o.value("seq"_L1), 1, std::numeric_limits<qint64>::max() / 2);
    if (!o.value("room"_L1).isString() || !seq)
        return std::nullopt;
    m.room = o.value("room"_L1).toString();
    m.seq = *seq;
    return m;
}

QJsonObject errorFrame(Error error, const QString &message, const std::optional<QString> &re)
{
    QJsonObject o{{"type"_L1, "error"_L1}, {"code"_L1, errorName(error)}, {"message"_L1, message}};
    if (re)
        o.insert("re"_L1, *re);
    return o;
}

QJsonObject withRe(QJsonObject frame, const Frame &request)
{
    if (request.hasId)
        frame.insert("re"_L1, request.id);
    return frame;
}

} // namespace confab::protocol
