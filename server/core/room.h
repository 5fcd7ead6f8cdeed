// One room: its name, history position and topic, and who is in it. Membership changes only
// through join() and leave(), which keep the room's connections, its members (users, in join
// order, each with its count of connections, typing throttle and encoded JSON), the encoded
// member list and each connection's own set of rooms in step. The hub owns every Room and
// destroys one only between handlers (Hub::dropUnusedRooms), so a Room & held while handling a
// frame stays valid.
#pragma once

#include "outframe.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <optional>

namespace confab {

class Connection;
struct User;

class Room
{
public:
    Room(QString name, QString epoch, QString topic = {}, qint64 lastSeq = 0);
    Q_DISABLE_COPY_MOVE(Room)

    const QString name; // NFC
    QString epoch;      // changes only in cluster mode, when the shared store lost the history
    QString topic;
    qint64 lastSeq = 0;

    // Adds a connection that is not in the room yet. True when its user became a member with
    // it (its first connection here): the others are owed a presence `join`.
    bool join(Connection *c);
    // Removes a connection that is in the room. True when its user stopped being a member (that
    // was its last connection here): the others are owed a presence `leave`.
    bool leave(Connection *c);
    bool contains(const Connection *c) const;
    // The user has a connection here.
    bool hasMember(const User *user) const { return m_member.contains(user); }
    // The user's nick changed: its entry in the member list is encoded again.
    void renamed(const User *user);
    // False when the user sent a typing event here less than TypingIntervalMs ago; otherwise
    // records this one.
    bool admitTyping(const User *user, qint64 nowNs);

    // Every connection in the room, in join order.
    const QList<Connection *> &connections() const { return m_connections; }
    // Users with at least one connection here, in join order.
    const QList<User *> &members() const { return m_members; }
    // The members as the JSON array `joined` carries, without its closing bracket
    // ([{"id":…,"nick":…},…, join order): a `joined` frame's tail starts with the "]".
    // Encoded once per change of the list, not once per joiner: a join appends one entry, a
    // leave or rename rebuilds it from the members' own encodings on the next call. The prefix
    // stays valid while frames that hold it wait to be written (outframe.h).
    GrowingBlock::Prefix membersJsonOpen();
    // A room exists while it has members or stored messages.
    bool isUnused() const { return m_connections.isEmpty() && lastSeq == 0; }

private:
    struct Member {
        int connections = 0;
        std::optional<qint64> lastTypingNs;
        QByteArray json; // {"id":…,"nick":…}
    };

    QList<Connection *> m_connections;
    QList<User *> m_members;
    QHash<const User *, Member> m_member;
    GrowingBlock m_membersJson; // "[" then the members, comma separated
    bool m_membersStale = true; // m_membersJson must be rebuilt
};

} // namespace confab
