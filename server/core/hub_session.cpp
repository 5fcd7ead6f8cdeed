// Session handling: hello/welcome, users and tokens, nick changes, and what a closed
// connection leaves behind.
#include "clientaddress.h"
#include "connection.h"
#include "eventframes.h"
#include "hub.h"
#include "logging.h"
#include "monotonicclock.h"
#include "storage.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QPointer>
#include <QRandomGenerator>
#include <QScopeGuard>
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

QByteArray sha256(const QString &secret)
{
    return QCryptographicHash::hash(secret.toUtf8(), QCryptographicHash::Sha256);
}

} // namespace

void Hub::handleHello(Connection *c, const Frame &f)
{
    if (c->user)
        return sendError(c, &f, Error::BadRequest, u"hello was already accepted"_s);

    const auto decoded = protocol::Hello::fromJson(f.object);
    const auto *fault = std::get_if<protocol::DecodeError>(&decoded);
    if (fault && fault->close) { // another protocol version
        sendError(c, &f, fault->error, fault->message);
        c->closeWith(fault->close, u"unsupported protocol"_s, u"protocol"_s);
        return;
    }
    // The passwords are checked before the token and the nick are judged (docs/protocol.md):
    // the server's password, then (1.1) the op password when the server has one and the hello
    // gave one, in the same throttle.
    const auto credentials = protocol::HelloCredentials::fromJson(f.object);
    if (!m_config.password.isEmpty()
        && !passwordAccepted(c, f, credentials, credentials.password, m_config.password,
                             u"wrong or missing password"_s))
        return;
    // One that is not a string is a wrong one, as for the password.
    const bool op = !m_config.opPassword.isEmpty() && f.object.contains(u"op_password"_s);
    if (op
        && !passwordAccepted(c, f, credentials, credentials.opPassword, m_config.opPassword,
                             u"wrong operator password"_s, true))
        return;
    if (fault)
        return sendError(c, &f, fault->error, fault->message);
    const protocol::Hello &hello = std::get<protocol::Hello>(decoded);
    const std::optional<QString> &nick = hello.nick;

    if (!hello.token) {
        auto welcomeGuest = [this, f, nick, op](Connection *c) {
            auto guest = std::make_unique<User>();
            guest->id = newUserId();
            guest->nick = nick.value_or(guestNick());
            finishHello(c, f, addUser(std::move(guest)), std::nullopt, op);
        };
        if (op) // an operator is never banned
            return welcomeGuest(c);
        // Its id is new on every connection: a ban holds it by the address it comes from.
        return unlessBanned(c, f, {}, addressText(c->peerAddress()), std::move(welcomeGuest));
    }
    welcomeToken(c, f, QString::fromLatin1(sha256(*hello.token).toHex()), nick, op);
}

void Hub::welcomeToken(Connection *c, const Frame &f, const QString &tokenHash,
                       const std::optional<QString> &nick, bool op)
{
    if (User *online = m_usersByToken.value(tokenHash)) {
        if (op)
            return finishHello(c, f, online, nick, op);
        return unlessBanned(c, f, online->id, {}, [this, f, tokenHash, nick, op](Connection *c) {
            if (User *user = m_usersByToken.value(tokenHash))
                finishHello(c, f, user, nick, op);
            else // its other connections went while the store answered
                welcomeToken(c, f, tokenHash, nick, op);
        });
    }
    if (op)
        return welcomeStoredToken(c, f, tokenHash, nick, op);
    // A ban holds the banned user's addresses against tokens the chat has never seen (a fresh
    // browser profile); users it knows keep working from there. Asked before the token is
    // resolved, which would store a new one.
    m_store.findBan({}, addressText(c->peerAddress()),
                    [this, p = QPointer<Connection>(c), f, tokenHash, nick,
                     held = holdFrames(c)](std::optional<std::optional<Ban>> addressBan) {
                        const auto resume = qScopeGuard(held);
                        if (!isAttached(p) || p->user)
                            return;
                        if (!addressBan)
                            return sendUnavailable(p, f);
                        if (!*addressBan)
                            return welcomeStoredToken(p, f, tokenHash, nick, false);
                        m_store.tokenKnown(tokenHash,
                                           [this, p, f, tokenHash, nick, ban = **addressBan,
                                            held = holdFrames(p)](std::optional<bool> known) {
                                               const auto resume = qScopeGuard(held);
                                               if (!isAttached(p) || p->user)
                                                   return;
                                               if (!known)
                                                   return sendUnavailable(p, f);
                                               if (!*known)
                                                   return refuseBanned(p, &f, ban);
                                               welcomeStoredToken(p, f, tokenHash, nick, false);
                                           });
                    });
}

void Hub::welcomeStoredToken(Connection *c, const Frame &f, const QString &tokenHash,
                             const std::optional<QString> &nick, bool op)
{
    const StoredUser fresh{newUserId(), guestNick(), {}};
    m_store.resolveToken(tokenHash, fresh,
                         [this, p = QPointer<Connection>(c), f, tokenHash, nick, op,
                          held = holdFrames(c)](std::optional<StoredUser> stored) {
                             const auto resume = qScopeGuard(held);
                             if (!isAttached(p) || p->user)
                                 return; // gone, or welcomed by a hello answered meanwhile
                             if (!stored)
                                 return sendUnavailable(p, f);
                             auto welcome = [=, this](Connection *c) {
                                 // Another connection with this token may have been welcomed
                                 // while this one waited.
                                 User *user = m_usersByToken.value(tokenHash);
                                 if (!user) {
                                     auto made = std::make_unique<User>();
                                     made->tokenHash = tokenHash;
                                     made->id = stored->id;
                                     made->nick = stored->nick;
                                     made->reads = stored->reads;
                                     user = addUser(std::move(made));
                                 }
                                 finishHello(c, f, user, nick, op);
                             };
                             if (op)
                                 return welcome(p);
                             unlessBanned(p, f, stored->id, {}, std::move(welcome));
                         });
}

void Hub::finishHello(Connection *c, const Frame &f, User *user, const std::optional<QString> &nick,
                      bool op)
{
    if (op && !user->op) {
        // Op belongs to the user: its other connections' rooms list it as one from now on, on
        // every server (their entries in the store too), and the store keeps it: an operator
        // cannot be banned, online or not.
        user->op = true;
        m_store.saveOperator(*user);
        QSet<QString> rooms;
        for (const Connection *other : std::as_const(user->connections)) {
            for (const QString &name : other->rooms) {
                rooms.insert(name);
                if (Room *room = m_rooms.value(name))
                    room->renamed(user);
            }
        }
        m_store.relayNick(*user, user->nick, rooms); // the same nick: news of op only
    }
    if (nick && *nick != user->nick) {
        if (user->connections.isEmpty()) {
            const QString old = user->nick;
            user->nick = *nick;
            m_store.saveNick(*user);
            // Its connections on other servers of a cluster carry the new nick too.
            m_store.relayNick(*user, old, {});
        } else {
            changeNick(user, *nick, nullptr, nullptr);
        }
    }
    if (user->connections.isEmpty())
        m_store.userArrived(*user);
    user->connections.append(c);
    c->user = user;
    --m_silent;
    qCDebug(lcHub) << "connection" << c->serial() << "is user" << user->id;

    // Protocol 1.1: the features say what this server speaks beyond 1.0.
    const protocol::Welcome welcome{protocol::Version, user->info(),
                                    m_config.name,     QStringLiteral(CONFAB_VERSION),
                                    m_config.limits,   protocol::featuresV11()};
    reply(c, f, welcome.toJson());
}

bool Hub::passwordAccepted(Connection *c, const Frame &f,
                           const protocol::HelloCredentials &credentials,
                           const std::optional<QString> &given, const QString &expected,
                           const QString &wrongMessage, bool privileged)
{
    // Failures are counted per client address, except for a device that has passed the
    // password before (its token belongs to a stored user): it has a budget of its own, so a
    // flood of wrong passwords from its address (behind a reverse proxy every client has the
    // proxy's) does not lock it out.
    QString tokenHash;
    if (credentials.token)
        tokenHash = QString::fromLatin1(sha256(*credentials.token).toHex());
    // The operator password has no known devices: a token becomes known by any hello on a
    // server without a password, so per-token budgets would give unlimited guesses. Its
    // failures count per address (the forwarded one behind a trusted proxy), and every guess
    // that is not a known device's also draws from one global bucket.
    const bool knownDevice =
        !privileged && !tokenHash.isEmpty()
        && (m_usersByToken.contains(tokenHash) || m_store.knownToken(tokenHash));
    const QByteArray key =
        knownDevice ? "t" + tokenHash.toLatin1() : "a" + AuthThrottle::addressKey(c->peerAddress());
    const QString who =
        c->peerAddress().toString() + (knownDevice ? u" (a known token)"_s : QString());
    const qint64 now = monotonicNs();
    auto refuse = [&](const QString &message, qint64 retryMs) {
        const protocol::ErrorFrame e(Error::AuthFailed, message,
                                     retryMs > 0 ? std::optional(retryMs) : std::nullopt);
        sendTo(c, wire(protocol::withRe(e.toJson(), f)));
        c->closeWith(protocol::CloseAuthFailed, u"auth failed"_s, u"auth_failed"_s);
        return false;
    };
    const QByteArray global(AuthThrottle::GlobalKey);
    qint64 wait = m_authThrottle.retryMs(key, now);
    if (!knownDevice)
        wait = std::max(wait, m_globalAuthThrottle.retryMs(global, now));
    if (wait > 0) {
        m_authThrottle.refused(who);
        return refuse(u"too many failed attempts; try again later"_s, wait);
    }
    // Compare digests so the time taken does not depend on where the strings differ.
    if (!given || sha256(*given) != sha256(expected)) {
        m_authThrottle.failed(key, who, now);
        if (!knownDevice)
            m_globalAuthThrottle.alsoFailed(global, now);
        return refuse(wrongMessage, 0);
    }
    return true;
}

void Hub::handleNick(Connection *c, const Frame &f)
{
    if (const auto request = decode<protocol::NickRequest>(c, f, Access::Anyone))
        changeNick(c->user, request->nick, c, &f);
}

void Hub::changeNick(User *user, const QString &nick, Connection *requester, const Frame *request)
{
    const QString old = user->nick;
    user->nick = nick;
    m_store.saveNick(*user);

    const QJsonObject answer = protocol::NickAnswer{user->info(), old}.toJson();
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
    m_store.relayNick(*user, old, rooms);
    const qint64 ts = QDateTime::currentMSecsSinceEpoch();
    for (const QString &name : std::as_const(rooms)) {
        Room *room = m_rooms.value(name);
        room->renamed(user);
        broadcast(
            *room,
            wire(protocol::Presence{name, protocol::Presence::Event::Nick, user->info(), old, ts}
                     .toJson()),
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
    if (user->connections.isEmpty()) {
        m_store.userDeparted(*user);
        removeUser(user);
    }
}

} // namespace confab
