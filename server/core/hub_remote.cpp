// Cluster mode: what the other servers did (storage.h's remote* signals), handed to this
// server's connections with the same frames and the same rules as its own traffic. In
// single-server mode none of these signals is ever emitted.
#include "connection.h"
#include "hub.h"
#include "storage.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace confab {

void Hub::connectRemote()
{
    connect(&m_store, &Storage::remoteMessage, this, &Hub::onRemoteMessage);
    connect(&m_store, &Storage::remotePresence, this, &Hub::onRemotePresence);
    connect(&m_store, &Storage::remoteTopic, this, &Hub::onRemoteTopic);
    connect(&m_store, &Storage::remoteRead, this, &Hub::onRemoteRead);
    connect(&m_store, &Storage::remoteDirect, this, &Hub::onRemoteDirect);
    connect(&m_store, &Storage::remoteTyping, this, &Hub::onRemoteTyping);
    connect(&m_store, &Storage::remoteNick, this, &Hub::onRemoteNick);
    connect(&m_store, &Storage::unavailableTooLong, this, &Hub::closeAllTryAgain);
    connect(&m_store, &Storage::roomReset, this, [this](const QString &name) {
        // Its history is gone from the shared store: its clients rejoin and see the new epoch.
        if (Room *room = m_rooms.value(name)) {
            const auto members = room->connections();
            for (Connection *c : members)
                c->closeWith(protocol::CloseTryAgainLater, u"room history reset"_s,
                             u"unavailable"_s);
        }
    });
}

void Hub::onRemoteMessage(const protocol::ChatMessage &m)
{
    // The storage hands them over in seq order, once each, for rooms with members here.
    if (Room *room = m_rooms.value(m.room))
        deliverRoomMessage(*room, m, nullptr, nullptr);
}

void Hub::onRemotePresence(const QString &name, protocol::Presence::Event event,
                           const protocol::UserInfo &user, const QString &old, qint64 ts,
                           const protocol::UserInfo &by, const QString &reason, bool ban)
{
    invalidateDirectory(); // a member count changed
    Room *room = m_rooms.value(name);
    if (!room)
        return;
    broadcast(*room, wire(protocol::Presence{name, event, user, old, ts, by, reason, ban}.toJson()),
              m_users.value(user.id));
}

void Hub::onRemoteTopic(const protocol::TopicEvent &event)
{
    invalidateDirectory();
    Room *room = m_rooms.value(event.room);
    if (!room)
        return;
    room->topic = event.topic;
    broadcast(*room, wire(event.toJson()));
}

void Hub::onRemoteRead(const QString &userId, const QString &room, qint64 seq)
{
    User *user = m_users.value(userId);
    if (!user || seq <= user->reads.value(room, 0))
        return;
    user->reads.insert(room, seq);
    const QByteArray frame = wire(protocol::ReadPosition{room, seq}.toJson());
    for (Connection *c : std::as_const(user->connections)) {
        if (c->rooms.contains(room))
            sendTo(c, frame);
    }
}

void Hub::onRemoteDirect(const protocol::ChatMessage &m)
{
    deliverDirect(m, nullptr, nullptr);
}

void Hub::onRemoteTyping(const QString &name, const protocol::UserInfo &user)
{
    if (Room *room = m_rooms.value(name))
        broadcast(*room, wire(protocol::TypingEvent{name, user}.toJson()), m_users.value(user.id));
}

void Hub::onRemoteNick(const protocol::UserInfo &info, const QString &old, const QStringList &rooms)
{
    // Its connections here carry the new nick too, and the rooms they are in hear of it once.
    // The same nick is news of the user becoming an operator: its entries change, silently.
    const bool renamed = info.nick != old;
    QSet<QString> names(rooms.cbegin(), rooms.cend());
    User *user = m_users.value(info.id);
    if (user) {
        // Once per change: the rooms relayed from here come back to the server that took it.
        const bool news = user->nick != info.nick || (info.op && !user->op);
        user->nick = info.nick;
        user->op = user->op || info.op;
        const QByteArray answer = wire(protocol::NickAnswer{info, old}.toJson());
        QSet<QString> untold; // rooms it is in through this server that the change did not name
        for (Connection *c : std::as_const(user->connections)) {
            if (renamed && news)
                sendTo(c, answer);
            for (const QString &room : std::as_const(c->rooms)) {
                if (!names.contains(room))
                    untold.insert(room);
            }
        }
        names.unite(untold);
        // The server that took the change knew only its own connections' rooms (a hello with a
        // new nick may come where the user is in no room): the members of these rooms on the
        // other servers hear of it from here, and their entries in the store get the new nick.
        if (news && !untold.isEmpty())
            m_store.relayNick(*user, old, untold);
    }
    const qint64 ts = QDateTime::currentMSecsSinceEpoch();
    for (const QString &name : std::as_const(names)) {
        Room *room = m_rooms.value(name);
        if (!room)
            continue;
        if (user)
            room->renamed(user);
        if (!renamed)
            continue;
        broadcast(
            *room,
            wire(protocol::Presence{name, protocol::Presence::Event::Nick, info, old, ts}.toJson()),
            user);
    }
}

} // namespace confab
