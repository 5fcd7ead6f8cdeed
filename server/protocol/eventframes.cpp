#include "eventframes.h"

#include "jsonreader.h"
#include "validation.h"

namespace confab::protocol {

using namespace Qt::StringLiterals;

namespace {

QString mustBeTarget(QLatin1StringView key)
{
    return u"\"%1\" must be a seq (an integer, 0 or more)"_s.arg(key);
}

} // namespace

QStringList featuresV11()
{
    return {u"edit"_s, u"delete"_s, u"reply"_s, u"react"_s, u"ops"_s};
}

QJsonObject EditRequest::toJson() const
{
    return {{"type"_L1, Type}, {"room"_L1, room}, {"target"_L1, target}, {"text"_L1, text}};
}

Decoded<EditRequest> EditRequest::fromJson(const QJsonObject &object, int maxTextBytes)
{
    JsonReader r(object);
    EditRequest request;
    request.room = r.room("room"_L1);
    request.target = r.integer("target"_L1, 0, mustBeTarget);
    request.text = object.value("text"_L1).toString(); // not a string counts as empty, as in send
    if (r.ok()) {
        if (const auto error = textError(request.text, maxTextBytes))
            r.fail(error->error, error->message);
    }
    return r.result(std::move(request));
}

QJsonObject DeleteRequest::toJson() const
{
    return {{"type"_L1, Type}, {"room"_L1, room}, {"target"_L1, target}};
}

Decoded<DeleteRequest> DeleteRequest::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    DeleteRequest request;
    request.room = r.room("room"_L1);
    request.target = r.integer("target"_L1, 0, mustBeTarget);
    return r.result(std::move(request));
}

QJsonObject ReactRequest::toJson() const
{
    return {{"type"_L1, Type},
            {"room"_L1, room},
            {"target"_L1, target},
            {"emoji"_L1, emoji},
            {"on"_L1, on}};
}

Decoded<ReactRequest> ReactRequest::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    ReactRequest request;
    request.room = r.room("room"_L1);
    request.target = r.integer("target"_L1, 0, mustBeTarget);
    request.emoji = r.string("emoji"_L1);
    if (r.ok() && !isValidEmoji(request.emoji))
        r.fail(
            Error::BadRequest,
            u"\"emoji\" must be 1 to %1 bytes of UTF-8 that show something, without spaces, control or direction characters"_s
                .arg(MaxEmojiBytes));
    request.on = r.boolean("on"_L1);
    return r.result(std::move(request));
}

QJsonObject EditEvent::toJson() const
{
    return {{"type"_L1, Type},
            {"room"_L1, room},
            {"seq"_L1, seq},
            {"id"_L1, id},
            {"from"_L1, protocol::toJson(from)},
            {"target"_L1, target},
            {"text"_L1, text},
            {"ts"_L1, ts}};
}

Decoded<EditEvent> EditEvent::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    EditEvent event;
    event.room = r.string("room"_L1);
    event.seq = r.integer("seq"_L1, 1);
    event.id = r.string("id"_L1);
    event.from = r.user("from"_L1);
    event.target = r.integer("target"_L1, 1);
    event.text = r.string("text"_L1);
    event.ts = r.integer("ts"_L1, 0);
    return r.result(std::move(event));
}

QJsonObject DeleteEvent::toJson() const
{
    return {{"type"_L1, Type},
            {"room"_L1, room},
            {"seq"_L1, seq},
            {"id"_L1, id},
            {"from"_L1, protocol::toJson(from)},
            {"target"_L1, target},
            {"ts"_L1, ts}};
}

Decoded<DeleteEvent> DeleteEvent::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    DeleteEvent event;
    event.room = r.string("room"_L1);
    event.seq = r.integer("seq"_L1, 1);
    event.id = r.string("id"_L1);
    event.from = r.user("from"_L1);
    event.target = r.integer("target"_L1, 1);
    event.ts = r.integer("ts"_L1, 0);
    return r.result(std::move(event));
}

QJsonObject ReactionEvent::toJson() const
{
    return {{"type"_L1, Type},
            {"room"_L1, room},
            {"seq"_L1, seq},
            {"id"_L1, id},
            {"from"_L1, protocol::toJson(from)},
            {"target"_L1, target},
            {"emoji"_L1, emoji},
            {"on"_L1, on},
            {"ts"_L1, ts}};
}

Decoded<ReactionEvent> ReactionEvent::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    ReactionEvent event;
    event.room = r.string("room"_L1);
    event.seq = r.integer("seq"_L1, 1);
    event.id = r.string("id"_L1);
    event.from = r.user("from"_L1);
    event.target = r.integer("target"_L1, 1);
    event.emoji = r.string("emoji"_L1);
    event.on = r.boolean("on"_L1);
    event.ts = r.integer("ts"_L1, 0);
    return r.result(std::move(event));
}

} // namespace confab::protocol
