#include "operatorframes.h"

#include "jsonreader.h"
#include "validation.h"

namespace confab::protocol {

using namespace Qt::StringLiterals;

namespace {

QString mustBeUserId(QLatin1StringView key)
{
    return u"\"%1\" must be a user id"_s.arg(key);
}

// An optional free-text reason: Unicode, at most MaxReasonChars characters; absent is empty.
QString readReason(JsonReader &r)
{
    const QString text = r.optionalString("reason"_L1).value_or(QString());
    if (r.ok() && !isValidUnicode(text))
        r.fail(Error::BadRequest, u"\"reason\" must be Unicode text"_s);
    if (r.ok() && codePointCount(text) > MaxReasonChars)
        r.fail(Error::TooLong, u"a reason has at most %1 characters"_s.arg(MaxReasonChars));
    return text;
}

void insertReason(QJsonObject &o, const QString &reason)
{
    if (!reason.isEmpty())
        o.insert("reason"_L1, reason);
}

} // namespace

QJsonObject KickRequest::toJson() const
{
    QJsonObject o{{"type"_L1, Type}, {"room"_L1, room}, {"user"_L1, user}};
    insertReason(o, reason);
    return o;
}

Decoded<KickRequest> KickRequest::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    KickRequest request;
    request.room = r.room("room"_L1);
    request.user = r.string("user"_L1, Error::BadRequest, mustBeUserId);
    request.reason = readReason(r);
    return r.result(std::move(request));
}

QJsonObject BanRequest::toJson() const
{
    QJsonObject o{{"type"_L1, Type}, {"user"_L1, user}, {"minutes"_L1, minutes}};
    insertReason(o, reason);
    if (!address)
        o.insert("address"_L1, false);
    return o;
}

Decoded<BanRequest> BanRequest::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    BanRequest request;
    request.user = r.string("user"_L1, Error::BadRequest, mustBeUserId);
    request.minutes = r.integer(
        "minutes"_L1, MinBanMinutes,
        [](QLatin1StringView) {
            return u"\"minutes\" must be an integer from %1 to %2"_s.arg(MinBanMinutes)
                .arg(MaxBanMinutes);
        },
        MaxBanMinutes);
    request.reason = readReason(r);
    if (r.has("address"_L1))
        request.address = r.boolean("address"_L1);
    return r.result(std::move(request));
}

QJsonObject UnbanRequest::toJson() const
{
    return {{"type"_L1, Type}, {"user"_L1, user}};
}

Decoded<UnbanRequest> UnbanRequest::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    UnbanRequest request;
    request.user = r.string("user"_L1, Error::BadRequest, mustBeUserId);
    return r.result(std::move(request));
}

QJsonObject Kicked::toJson() const
{
    QJsonObject o{{"type"_L1, Type}, {"room"_L1, room}, {"by"_L1, protocol::toJson(by)}};
    insertReason(o, reason);
    return o;
}

Decoded<Kicked> Kicked::fromJson(const QJsonObject &object)
{
    JsonReader r(object);
    Kicked kicked;
    kicked.room = r.string("room"_L1);
    kicked.by = r.user("by"_L1);
    kicked.reason = r.optionalString("reason"_L1).value_or(QString());
    return r.result(std::move(kicked));
}

} // namespace confab::protocol
