#include "room.h"

#include "connection.h"
#include "protocol.h"
#include "user.h"

namespace confab {

Room::Room(QString name, QString epoch, QString topic, qint64 lastSeq)
    : name(std::move(name))
    , epoch(std::move(epoch))
    , topic(std::move(topic))
    , lastSeq(lastSeq)
{}

bool Room::contains(const Connection *c) const
{
    return c->rooms.contains(name);
}

bool Room::join(Connection *c)
{
    Q_ASSERT(c->user && !contains(c));
    c->rooms.insert(name);
    m_connections.append(c);
    if (m_member[c->user].connections++ > 0)
        return false;
    m_members.append(c->user);
    return true;
}

bool Room::leave(Connection *c)
{
    Q_ASSERT(contains(c));
    c->rooms.remove(name);
    m_connections.removeOne(c);
    const auto it = m_member.find(c->user);
    if (--it->connections > 0)
        return false;
    m_member.erase(it);
    m_members.removeOne(c->user);
    return true;
}

bool Room::admitTyping(const User *user, qint64 nowNs)
{
    const auto it = m_member.find(user);
    if (it == m_member.end())
        return false;
    std::optional<qint64> &last = it->lastTypingNs;
    if (last && nowNs - *last < protocol::TypingIntervalMs * 1000000)
        return false;
    last = nowNs;
    return true;
}

} // namespace confab
