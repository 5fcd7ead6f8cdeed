#include "protocol.h"

namespace confab::protocol {

QString errorName(Error error)
{
    switch (error) {
    case Error::BadJson:
        return QStringLiteral("bad_json");
    case Error::BadRequest:
        return QStringLiteral("bad_request");
    case Error::UnknownType:
        return QStringLiteral("unknown_type");
    case Error::NotReady:
        return QStringLiteral("not_ready");
    case Error::AuthFailed:
        return QStringLiteral("auth_failed");
    case Error::BadRoom:
        return QStringLiteral("bad_room");
    case Error::BadNick:
        return QStringLiteral("bad_nick");
    case Error::NotInRoom:
        return QStringLiteral("not_in_room");
    case Error::TooLong:
        return QStringLiteral("too_long");
    case Error::RateLimited:
        return QStringLiteral("rate_limited");
    case Error::NoSuchUser:
        return QStringLiteral("no_such_user");
    case Error::ServerFull:
        return QStringLiteral("server_full");
    case Error::NotFound:
        return QStringLiteral("not_found");
    case Error::Forbidden:
        return QStringLiteral("forbidden");
    case Error::Banned:
        return QStringLiteral("banned");
    case Error::Unavailable:
        return QStringLiteral("unavailable");
    }
    return QStringLiteral("bad_request");
}

} // namespace confab::protocol
