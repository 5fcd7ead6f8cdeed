// Reading the members of one JSON frame, for the decoders of codec.h and frames.h: the one place
// that turns JSON members into typed values and says, in the protocol's words, why not.
#pragma once

#include "codec.h"

#include <limits>

namespace confab::protocol {

// The largest integer a frame's number is read as: far beyond any seq, time or count, and with
// room to add one.
inline constexpr qint64 MaxInteger = std::numeric_limits<qint64>::max() / 2;

// Reads one object's members in order and keeps the first fault: once a read failed, later
// reads return empty values without looking, and result() gives that fault. A decoder thus
// states its members in the order the server checks them, which is the order of its answers.
class JsonReader
{
public:
    // The text of a fault about a member, made only when the member is at fault (a frame that
    // reads well costs no text).
    using Message = QString (*)(QLatin1StringView key);

    explicit JsonReader(QJsonObject object)
        : m_object(std::move(object))
    {}

    bool ok() const { return !m_error; }
    // The member is there (null included).
    bool has(QLatin1StringView key) const { return m_object.contains(key); }
    // Records a fault; only the first one counts.
    void fail(Error error, const QString &message, quint16 close = 0);
    // Takes the first fault of a reader of a nested object, unless this one failed first.
    void adopt(const JsonReader &nested);

    // A string; anything else is bad_request "\"key\" must be a string", or the given fault.
    QString string(QLatin1StringView key);
    QString string(QLatin1StringView key, Error error, Message message);
    // A string, or nothing when the member is missing or null.
    std::optional<QString> optionalString(QLatin1StringView key);
    // A room name, NFC-normalized: bad_request when it is not a string, bad_room when it is not
    // a valid name. Faults found after it carry it (DecodeError::room).
    QString room(QLatin1StringView key);
    // An integer in [min, max] (integerValue: never through a double); else bad_request with the
    // message, by default "\"key\" must be an integer (min or more)".
    qint64 integer(QLatin1StringView key, qint64 min, Message message = nullptr,
                   qint64 max = MaxInteger);
    // The same, or nothing when the member is missing or null.
    std::optional<qint64> optionalInteger(QLatin1StringView key, qint64 min,
                                          Message message = nullptr);
    // true or false, nothing else (bad_request "\"key\" must be true or false").
    bool boolean(QLatin1StringView key);
    // Any number (the one member that is not an integer: welcome's rate_per_sec).
    double number(QLatin1StringView key);
    QJsonObject object(QLatin1StringView key);
    // A user object ({"id":…,"nick":…}).
    UserInfo user(QLatin1StringView key);
    // Arrays of messages or users; entries that are not (messagesFromJson, usersFromJson) are
    // skipped, but the member must be an array.
    QList<ChatMessage> messages(QLatin1StringView key);
    QList<UserInfo> users(QLatin1StringView key);
    QJsonArray array(QLatin1StringView key);

    // The decoded frame when every read succeeded, else the first fault.
    template <typename T> Decoded<T> result(T value) const
    {
        if (m_error)
            return *m_error;
        return value;
    }

private:
    QJsonValue value(QLatin1StringView key) const { return m_object.value(key); }

    QJsonObject m_object; // a shallow copy: Qt's JSON containers are shared
    std::optional<DecodeError> m_error;
    std::optional<QString> m_room;
};

} // namespace confab::protocol
