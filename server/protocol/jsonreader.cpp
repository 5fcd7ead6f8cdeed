#include "jsonreader.h"

#include "validation.h"

namespace confab::protocol {

using namespace Qt::StringLiterals;

void JsonReader::fail(Error error, const QString &message, quint16 close)
{
    if (!m_error)
        m_error = DecodeError{error, message, m_room, close};
}

void JsonReader::adopt(const JsonReader &nested)
{
    if (!m_error && nested.m_error)
        m_error = nested.m_error;
}

QString JsonReader::string(QLatin1StringView key)
{
    return string(key, Error::BadRequest,
                  [](QLatin1StringView key) { return u"\"%1\" must be a string"_s.arg(key); });
}

QString JsonReader::string(QLatin1StringView key, Error error, Message message)
{
    if (m_error)
        return {};
    const QJsonValue v = value(key);
    if (!v.isString()) {
        fail(error, message(key));
        return {};
    }
    return v.toString();
}

std::optional<QString> JsonReader::optionalString(QLatin1StringView key)
{
    const QJsonValue v = value(key);
    if (m_error || v.isUndefined() || v.isNull())
        return std::nullopt;
    return string(key);
}

QString JsonReader::room(QLatin1StringView key)
{
    const QString raw = string(key);
    if (m_error)
        return {};
    const auto name = normalizeRoomName(raw);
    if (!name) {
        fail(Error::BadRoom,
             u"a room name has 1 to %1 letters, digits, '-', '_' or '.'"_s.arg(MaxRoomChars));
        return {};
    }
    m_room = *name;
    return *name;
}

qint64 JsonReader::integer(QLatin1StringView key, qint64 min, Message message, qint64 max)
{
    if (m_error)
        return 0;
    if (const auto n = integerValue(value(key), min, max))
        return *n;
    fail(Error::BadRequest,
         message ? message(key) : u"\"%1\" must be an integer (%2 or more)"_s.arg(key).arg(min));
    return 0;
}

bool JsonReader::boolean(QLatin1StringView key)
{
    const QJsonValue v = value(key);
    if (!m_error && !v.isBool())
        fail(Error::BadRequest, u"\"%1\" must be true or false"_s.arg(key));
    return v.toBool();
}

std::optional<qint64> JsonReader::optionalInteger(QLatin1StringView key, qint64 min,
                                                  Message message)
{
    const QJsonValue v = value(key);
    if (m_error || v.isUndefined() || v.isNull())
        return std::nullopt;
    const qint64 n = integer(key, min, message);
    return m_error ? std::nullopt : std::optional(n);
}

double JsonReader::number(QLatin1StringView key)
{
    const QJsonValue v = value(key);
    if (m_error)
        return 0;
    if (!v.isDouble()) {
        fail(Error::BadRequest, u"\"%1\" must be a number"_s.arg(key));
        return 0;
    }
    return v.toDouble();
}

QJsonObject JsonReader::object(QLatin1StringView key)
{
    const QJsonValue v = value(key);
    if (m_error)
        return {};
    if (!v.isObject()) {
        fail(Error::BadRequest, u"\"%1\" must be an object"_s.arg(key));
        return {};
    }
    return v.toObject();
}

UserInfo JsonReader::user(QLatin1StringView key)
{
    if (m_error)
        return {};
    if (auto user = userFromJson(value(key)))
        return *user;
    fail(Error::BadRequest,
         u"\"%1\" must be a user (an object with string id and nick)"_s.arg(key));
    return {};
}

QJsonArray JsonReader::array(QLatin1StringView key)
{
    const QJsonValue v = value(key);
    if (m_error)
        return {};
    if (!v.isArray()) {
        fail(Error::BadRequest, u"\"%1\" must be an array"_s.arg(key));
        return {};
    }
    return v.toArray();
}

QList<ChatMessage> JsonReader::messages(QLatin1StringView key)
{
    return messagesFromJson(array(key));
}

QList<UserInfo> JsonReader::users(QLatin1StringView key)
{
    return usersFromJson(array(key));
}

} // namespace confab::protocol
