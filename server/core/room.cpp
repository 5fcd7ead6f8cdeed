#include "room.h"

#include "codec.h"
#include "connection.h"
#include "user.h"

namespace confab {

namespace {
QByteArray encodeMember(const User &user)
{
    return protocol::encode(protocol::toJson(user.info()));
}
} // namespace

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
    Member &member = m_member[c->user];
    if (member.connections++ > 0)
        return false;
    member.json = encodeMember(*c->user);
    m_members.append(c->user);
    if (!m_membersStale) {
        if (m_members.size() > 1)
            m_membersJson.append(',');
        m_membersJson.append(member.json);
    }
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
    m_membersStale = true;
    return true;
}

void Room::renamed(const User *user)
{
    const auto it = m_member.find(user);
    if (it == m_member.end())
        return;
    it->json = encodeMember(*user);
    m_membersStale = true;
}

GrowingBlock::Prefix Room::membersJsonOpen()
{
    if (m_membersStale) {
        qsizetype size = 2;
        for (const User *user : std::as_const(m_members))
            size += m_member.constFind(user)->json.size() + 1;
        // A new block: frames still waiting to be written keep the old one. Room to grow, as a
        // storm of joins follows a storm of leaves.
        m_membersJson.clear(size + size / 2);
        m_membersJson.append('[');
        for (const User *user : std::as_const(m_members)) {
            if (m_membersJson.size() > 1)
                m_membersJson.append(',');
            m_membersJson.append(m_member.constFind(user)->json);
        }
        m_membersStale = false;
    }
    return m_membersJson.prefix();
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
