// Session handling: hello/welcome, users and tokens, nick changes, and what a closed
// connection leaves behind.
#include "connection.h"
#include "hub.h"
#include "logging.h"
#include "monotonicclock.h"
#include "store.h"
#include "validation.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QUuid>

namespace confab {

using namespace Qt::StringLiterals;
using protocol::Error;

namespace {

QString newUserId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces); // v4, lower-case
}

QString guestNick()
{
    return u"guest-%1"_s.arg(QRandomGenerator::global()->bounded(0x10000), 4, 16, QLatin1Char('0'));
}

QString badNick()
{
    return u"a nick has 1 to %1 characters, no control characters and no surrounding spaces"_s.arg(
        protocol::MaxNickChars);
}

QByteArray sha256(const QString &secret)
{
    return QCryptographicHash::hash(secret.toUtf8(), QCryptographicHash::Sha256);
}

} // namespace

void Hub::handleHello(Connection *c, const Frame &f)
{
    if (c->user)
        return sendError(c, &f, Error::BadRequest, u"hello was already accepted"_s);

    const QJsonValue protocolValue = f.value("protocol"_L1);
    if (!protocolValue.isUndefined()
        && protocol::integerValue(protocolValue, 1, 1) != std::optional<qint64>(1)) {
        sendError(c, &f, Error::BadRequest,
                  u"unsupported protocol version; this server speaks %1"_s.arg(protocol::Version));
        c->closeWith(protocol::CloseProtocolError, u"unsupported protocol"_s, u"protocol"_s);
        return;
    }
    if (!m_config.password.isEmpty() && !passwordAccepted(c, f))
        return;
    const QJsonValue token = f.value("token"_L1);
    if (!token.isUndefined() && !(token.isString() && protocol::isValidToken(token.toString())))
        return sendError(
            c, &f, Error::BadRequest,
            u"token must be %1 to %2 characters from '!' to '~'"_s.arg(protocol::MinTokenChars)
                .arg(protocol::MaxTokenChars));
    std::optional<QString> nick;
    const QJsonValue nickValue = f.value("nick"_L1);
    if (!nickValue.isUndefined()) {
        nick = nickValue.isString() ? protocol::normalizeNick(nickValue.toString()) : std::nullopt;
        if (!nick)
            return sendError(c, &f, Error::BadNick, badNick());
    }

    User *user = nullptr;
    if (token.isString()) {
        const QString tokenHash = QString::fromLatin1(sha256(token.toString()).toHex());
        user = userForToken(tokenHash);
        if (nick && *nick != user->nick) {
            if (user->connections.isEmpty()) {
                user->nick = *nick;
                m_store.saveUser(user->tokenHash, user->id, user->nick);
            } else {
                changeNick(user, *nick, nullptr, nullptr);
            }
        }
    } else {
        auto guest = std::make_unique<User>();
        guest->id = newUserId();
        guest->nick = nick.value_or(guestNick());
        user = addUser(std::move(guest));
    }
    user->connections.append(c);
    c->user = user;
    --m_silent;
    qCDebug(lcHub) << "connection" << c->serial() << "is user" << user->id;

    const auto &limits = m_config.limits;
    reply(c, f,
          QJsonObject{
              {"type"_L1, "welcome"_L1},
              {"protocol"_L1, protocol::Version},
              {"user"_L1, protocol::toJson(user->info())},
              {"server"_L1, QJsonObject{{"name"_L1, m_config.name},
                                        {"version"_L1, QStringLiteral(CONFAB_VERSION)}}},
              {"limits"_L1, QJsonObject{{"max_text_bytes"_L1, limits.maxTextBytes},
                                        {"max_frame_bytes"_L1, limits.maxFrameBytes},
                                        {"rate_per_sec"_L1, limits.ratePerSec},
                                        {"burst"_L1, limits.burst},
                                        {"max_queue_bytes"_L1, double(limits.maxQueueBytes)}}}});
}

bool Hub::passwordAccepted(Connection *c, const Frame &f)
{
    // Failures are counted per client address, except for a device that has passed the
    // password before (its token belongs to a stored user): it has a budget of its own, so a
    // flood of wrong passwords from its address (behind a reverse proxy every client has the
    // proxy's) does not lock it out.
    const QJsonValue token = f.value("token"_L1);
    QString tokenHash;
    if (token.isString() && protocol::isValidToken(token.toString()))
        tokenHash = QString::fromLatin1(sha256(token.toString()).toHex());
    const bool knownDevice =
        !tokenHash.isEmpty()
        && (m_usersByToken.contains(tokenHash) || m_store.userForToken(tokenHash));
    const QByteArray key =
        knownDevice ? "t" + tokenHash.toLatin1() : "a" + AuthThrottle::addressKey(c->peerAddress());
    const QString who =
        c->peerAddress().toString() + (knownDevice ? u" (a known token)"_s : QString());
    const qint64 now = monotonicNs();
    auto refuse = [&](const QString &message, qint64 retryMs) {
        QJsonObject e = protocol::errorFrame(Error::AuthFailed, message,
                                             f.hasId ? std::optional(f.id) : std::nullopt);
        if (retryMs > 0)
            e.insert("retry_ms"_L1, double(retryMs));
        sendTo(c, wire(e));
        c->closeWith(protocol::CloseAuthFailed, u"auth failed"_s, u"auth_failed"_s);
        return false;
    };
    if (const qint64 wait = m_authThrottle.retryMs(key, now); wait > 0) {
        m_authThrottle.refused(who);
        return refuse(u"too many failed attempts; try again later"_s, wait);
    }
    const QJsonValue password = f.value("password"_L1);
    // Compare digests so the time taken does not depend on where the strings differ.
    if (!password.isString() || sha256(password.toString()) != sha256(m_config.password)) {
        m_authThrottle.failed(key, who, now);
        return refuse(u"wrong or missing password"_s, 0);
    }
    return true;
}

User *Hub::userForToken(const QString &tokenHash)
{
    if (User *online = m_usersByToken.value(tokenHash))
        return online;
    auto user = std::make_unique<User>();
    user->tokenHash = tokenHash;
    if (const auto stored = m_store.userForToken(tokenHash)) {
        user->id = stored->id;
        user->nick = stored->nick;
        user->reads = m_store.readPositions(user->id);
    } else {
        user->id = newUserId();
        user->nick = guestNick();
        m_store.saveUser(tokenHash, user->id, user->nick);
    }
    return addUser(std::move(user));
}

void Hub::handleNick(Connection *c, const Frame &f)
{
    const QJsonValue value = f.value("nick"_L1);
    const auto nick = value.isString() ? protocol::normalizeNick(value.toString()) : std::nullopt;
    if (!nick)
        return sendError(c, &f, Error::BadNick, badNick());
    changeNick(c->user, *nick, c, &f);
}

void Hub::changeNick(User *user, const QString &nick, Connection *requester, const Frame *request)
{
    const QString old = user->nick;
    user->nick = nick;
    if (!user->tokenHash.isEmpty())
        m_store.saveUser(user->tokenHash, user->id, nick);

    const QJsonObject answer{
        {"type"_L1, "nick"_L1}, {"user"_L1, protocol::toJson(user->info())}, {"old"_L1, old}};
    const QByteArray plain = wire(answer);
    for (Connection *c : std::as_const(user->connections)) {
        if (c == requester && request)
            reply(c, *request, answer);
        else
            sendTo(c, plain);
    }
    if (old == nick)
        return;
    QSet<QString> rooms;
    for (Connection *c : std::as_const(user->connections))
        rooms.unite(c->rooms);
    const qint64 ts = QDateTime::currentMSecsSinceEpoch();
    for (const QString &name : std::as_const(rooms)) {
        Room *room = m_rooms.value(name);
        room->renamed(user);
        broadcast(*room,
                  wire({{"type"_L1, "presence"_L1},
                        {"room"_L1, name},
                        {"event"_L1, "nick"_L1},
                        {"user"_L1, protocol::toJson(user->info())},
                        {"old"_L1, old},
                        {"ts"_L1, double(ts)}}),
                  user);
    }
}

void Hub::detach(Connection *c)
{
    User *user = c->user;
    if (!user)
        return;
    const QSet<QString> rooms = c->rooms;
    for (const QString &name : rooms) {
        if (Room *room = m_rooms.value(name))
            removeFromRoom(c, *room);
    }
    user->connections.removeOne(c);
    c->user = nullptr;
    if (user->connections.isEmpty())
        removeUser(user);
}

} // namespace confab
