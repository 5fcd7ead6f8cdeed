// Protocol 1.1 operators: kick, ban and unban, and the ban check of a hello. Who is an operator
// is decided at hello (hub_session.cpp: the op password); the topic and delete rights are
// checked where those frames are handled. Bans are kept by the Storage (SQLite or, in a cluster,
// Redis, which also carries kicks and bans to the other servers: remoteKick, remoteBan).
#include "clientaddress.h"
#include "connection.h"
#include "hub.h"
#include "logging.h"
#include "operatorframes.h"
#include "storage.h"

#include <QDateTime>
#include <QPointer>
#include <QScopeGuard>
#include <memory>

namespace confab {

using namespace Qt::StringLiterals;
using protocol::Error;

bool Hub::dispatchOperator(Connection *c, const Frame &f)
{
    using Handler = void (Hub::*)(Connection *, const Frame &);
    static const QHash<QString, Handler> handlers{
        {protocol::KickRequest::Type, &Hub::handleKick},
        {protocol::BanRequest::Type, &Hub::handleBan},
        {protocol::UnbanRequest::Type, &Hub::handleUnban},
    };
    const Handler handler = handlers.value(f.type);
    if (!handler)
        return false;
    // Anyone else learns only that it may not, whatever the frame holds.
    if (!c->user->op) {
        sendError(c, &f, Error::Forbidden, u"only operators may %1"_s.arg(f.type));
        return true;
    }
    (this->*handler)(c, f);
    return true;
}

void Hub::connectOperators()
{
    connect(&m_store, &Storage::remoteKick, this, &Hub::onRemoteKick);
    connect(&m_store, &Storage::remoteBan, this, &Hub::onRemoteBan);
}

void Hub::handleKick(Connection *c, const Frame &f)
{
    // Operators need not be members of the room (as for the topic).
    const auto request = decode<protocol::KickRequest>(c, f, Access::Anyone);
    if (!request)
        return;
    User *target = m_users.value(request->user);
    if (target && target->op)
        return sendError(c, &f, Error::Forbidden, u"operators cannot be kicked"_s);
    Room *room = m_rooms.value(request->room);
    const protocol::UserInfo by = c->user->info();
    if (!room || !target || !room->hasMember(target)) {
        const QString notIn = u"'%1' is not in '%2'"_s.arg(request->user, request->room);
        if (!m_store.clustered())
            return sendError(c, &f, Error::NoSuchUser, notIn);
        // A cluster: the user may be in the room through another server; the shared store's
        // member list says.
        m_store.isMember(request->room, request->user,
                         [this, p = QPointer<Connection>(c), f, by, notIn,
                          kick = *request](std::optional<bool> member) {
                             if (!member) {
                                 if (p && p->user)
                                     sendUnavailable(p, f);
                                 return;
                             }
                             if (!*member) {
                                 if (p && p->user)
                                     sendError(p, &f, Error::NoSuchUser, notIn);
                                 return;
                             }
                             kickElsewhere(p, f, kick, by);
                         });
        return;
    }
    qCInfo(lcHub) << "user" << by.id << "kicked" << target->id << "from" << room->name;
    kickHere(*room, target, by, request->reason);
    m_store.relayKick(room->name, request->user, by, request->reason);
}

void Hub::kickElsewhere(Connection *c, const Frame &f, const protocol::KickRequest &kick,
                        const protocol::UserInfo &by)
{
    // Whether it is an operator is known where it is connected, and to the store.
    m_store.isOperator(
        kick.user, [this, p = QPointer<Connection>(c), f, kick, by](std::optional<bool> op) {
            if (!op || *op) {
                if (isAttached(p) && p->user) {
                    if (op)
                        sendError(p, &f, Error::Forbidden, u"operators cannot be kicked"_s);
                    else
                        sendUnavailable(p, f);
                }
                return;
            }
            qCInfo(lcHub) << "user" << by.id << "kicked" << kick.user << "from" << kick.room
                          << "(on another server)";
            m_store.relayKick(kick.room, kick.user, by, kick.reason);
        });
}

void Hub::kickHere(Room &room, User *user, const protocol::UserInfo &by, const QString &reason,
                   bool ban)
{
    const QByteArray kicked = wire(protocol::Kicked{room.name, by, reason}.toJson());
    const auto connections = user->connections;
    for (Connection *c : connections) {
        if (!room.contains(c))
            continue;
        sendTo(c, kicked); // instead of `left`
        removeFromRoom(c, room, Kick{by, reason, ban});
    }
}

void Hub::handleBan(Connection *c, const Frame &f)
{
    const auto request = decode<protocol::BanRequest>(c, f, Access::Anyone);
    if (!request)
        return;
    if (request->user == c->user->id)
        return sendError(c, &f, Error::BadRequest, u"an operator cannot ban itself"_s);
    const QString operatorsCannot = u"operators cannot be banned"_s;
    if (const User *target = m_users.value(request->user); target && target->op)
        return sendError(c, &f, Error::Forbidden, operatorsCannot);
    // An operator offline, or connected through another server, is known to the store.
    m_store.isOperator(request->user, [this, p = QPointer<Connection>(c), f, request = *request,
                                       operatorsCannot](std::optional<bool> op) {
        if (!isAttached(p) || !p->user)
            return;
        if (!op)
            return sendUnavailable(p, f);
        if (*op)
            return sendError(p, &f, Error::Forbidden, operatorsCannot);
        banUser(p, f, request);
    });
}

void Hub::banUser(Connection *c, const Frame &f, const protocol::BanRequest &request)
{
    const qint64 untilMs = QDateTime::currentMSecsSinceEpoch() + request.minutes * 60'000;
    QList<Ban> bans;
    if (const User *target = m_users.value(request.user); target && request.address) {
        // The addresses it is connected from: new tokens (and none) from there are refused
        // too. A guest's next hello has a new id, so for a guest that is the whole ban.
        QSet<QString> addresses;
        for (const Connection *conn : std::as_const(target->connections))
            addresses.insert(addressText(conn->peerAddress()));
        for (const QString &ip : std::as_const(addresses))
            bans.append({request.user, ip, untilMs, request.reason, true});
    }
    if (bans.isEmpty()) // not online here (other servers add its addresses), or by id alone
        bans.append({request.user, {}, untilMs, request.reason, request.address});
    const protocol::UserInfo by = c->user->info();
    qCInfo(lcHub) << "user" << by.id << "banned" << request.user << "for" << request.minutes
                  << "minutes" << (request.address ? "with its addresses" : "by id");

    // Answered (only when it fails) once every row is saved; then the user's connections go.
    struct Progress {
        qsizetype waiting = 0;
        bool failed = false;
    };
    auto progress = std::make_shared<Progress>(Progress{bans.size(), false});
    const Ban first = bans.first();
    for (const Ban &ban : std::as_const(bans)) {
        m_store.saveBan(
            ban, by,
            [this, p = QPointer<Connection>(c), f, progress, first, by](std::optional<bool> saved) {
                progress->failed = progress->failed || !saved;
                if (--progress->waiting > 0)
                    return;
                if (progress->failed) {
                    if (isAttached(p) && p->user)
                        sendUnavailable(p, f);
                    return;
                }
                closeBanned(first.userId, first, by);
            });
    }
}

void Hub::handleUnban(Connection *c, const Frame &f)
{
    const auto request = decode<protocol::UnbanRequest>(c, f, Access::Anyone);
    if (!request)
        return;
    qCInfo(lcHub) << "user" << c->user->id << "unbanned" << request->user;
    m_store.removeBan(request->user,
                      [this, p = QPointer<Connection>(c), f](std::optional<bool> ok) {
                          if (!ok && isAttached(p) && p->user)
                              sendUnavailable(p, f);
                      });
}

void Hub::closeBanned(const QString &userId, const Ban &ban, const protocol::UserInfo &by)
{
    User *user = m_users.value(userId);
    if (!user)
        return;
    // Out of its rooms first, as a kick: the members hear who banned it and why, where a close
    // alone told them "left" (issue 21).
    QSet<QString> rooms;
    for (const Connection *c : std::as_const(user->connections))
        rooms.unite(c->rooms);
    for (const QString &name : std::as_const(rooms)) {
        if (Room *room = m_rooms.value(name))
            kickHere(*room, user, by, ban.reason, true);
    }
    const auto connections = user->connections;
    for (Connection *c : connections)
        refuseBanned(c, nullptr, ban);
}

void Hub::refuseBanned(Connection *c, const Frame *request, const Ban &ban)
{
    if (!c->isOpen())
        return;
    // The error must go before the close: frames held for the commit (the ban's own row among
    // them) are written first, and this one goes straight to the socket.
    m_store.commit();
    const qint64 retryMs = std::max<qint64>(1, ban.untilMs - QDateTime::currentMSecsSinceEpoch());
    const protocol::ErrorFrame e(
        Error::Banned, ban.reason.isEmpty() ? u"banned by an operator"_s : ban.reason, retryMs);
    c->send(wire(protocol::withRe(e.toJson(), request ? request->replyRe() : std::nullopt)));
    c->closeWith(protocol::CloseBanned, u"banned"_s, u"banned"_s);
}

void Hub::unlessBanned(Connection *c, const Frame &f, const QString &userId, const QString &ip,
                       std::function<void(Connection *)> proceed)
{
    m_store.findBan(userId, ip,
                    [this, p = QPointer<Connection>(c), f, proceed = std::move(proceed),
                     held = holdFrames(c)](std::optional<std::optional<Ban>> ban) {
                        const auto resume = qScopeGuard(held);
                        if (!isAttached(p) || p->user)
                            return; // gone, or welcomed by a hello answered meanwhile
                        if (!ban)
                            return sendUnavailable(p, f);
                        if (*ban)
                            return refuseBanned(p, &f, **ban);
                        proceed(p);
                    });
}

void Hub::onRemoteKick(const QString &name, const QString &userId, const protocol::UserInfo &by,
                       const QString &reason)
{
    Room *room = m_rooms.value(name);
    User *user = m_users.value(userId);
    if (room && user && room->hasMember(user))
        kickHere(*room, user, by, reason);
    dropUnusedRooms();
}

void Hub::onRemoteBan(const Ban &ban, const protocol::UserInfo &by)
{
    // The operator's server banned the addresses it saw this user at, or its id alone. The
    // user is connected here too: the addresses it came from here are banned as well (unless
    // the ban is by id alone), and its connections close once those are kept.
    User *user = m_users.value(ban.userId);
    if (!user || !ban.address)
        return closeBanned(ban.userId, ban, by);
    QSet<QString> addresses;
    for (const Connection *conn : std::as_const(user->connections))
        addresses.insert(addressText(conn->peerAddress()));
    addresses.remove(ban.ip);
    auto waiting = std::make_shared<qsizetype>(addresses.size());
    if (addresses.isEmpty())
        return closeBanned(ban.userId, ban, by);
    for (const QString &ip : std::as_const(addresses)) {
        m_store.saveBan({ban.userId, ip, ban.untilMs, ban.reason, true}, by,
                        [this, waiting, ban, by](std::optional<bool>) {
                            if (--*waiting == 0)
                                closeBanned(ban.userId, ban, by);
                        });
    }
}

} // namespace confab
