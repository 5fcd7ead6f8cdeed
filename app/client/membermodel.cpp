#include "membermodel.h"

#include <algorithm>

namespace confab::client {

namespace {
bool byNick(const protocol::UserInfo &a, const protocol::UserInfo &b)
{
    return a.nick.toCaseFolded() < b.nick.toCaseFolded();
}
} // namespace

int MemberModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_members.size());
}

QVariant MemberModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const auto &m = m_members.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case NickRole:
        return m.nick;
    case UserIdRole:
        return m.id;
    case OpRole:
        return m.op;
    }
    return {};
}

QHash<int, QByteArray> MemberModel::roleNames() const
{
    return {{UserIdRole, "userId"}, {NickRole, "nick"}, {OpRole, "op"}};
}

void MemberModel::reset(const QList<protocol::UserInfo> &members)
{
    beginResetModel();
    m_members = members;
    std::sort(m_members.begin(), m_members.end(), byNick);
    endResetModel();
    Q_EMIT countChanged();
}

int MemberModel::indexOf(const QString &userId) const
{
    for (int i = 0; i < m_members.size(); ++i) {
        if (m_members[i].id == userId)
            return i;
    }
    return -1;
}

bool MemberModel::contains(const QString &userId) const
{
    return indexOf(userId) >= 0;
}

QString MemberModel::nickOf(const QString &userId) const
{
    const int i = indexOf(userId);
    return i < 0 ? QString() : m_members[i].nick;
}

bool MemberModel::isOp(const QString &userId) const
{
    const int i = indexOf(userId);
    return i >= 0 && m_members[i].op;
}

QStringList MemberModel::nicksStartingWith(const QString &prefix) const
{
    QStringList nicks; // m_members is sorted by nick already
    for (const auto &member : m_members) {
        if (member.nick.startsWith(prefix, Qt::CaseInsensitive) && !nicks.contains(member.nick))
            nicks.append(member.nick);
    }
    return nicks;
}

void MemberModel::add(const protocol::UserInfo &user)
{
    if (contains(user.id))
        return;
    const auto pos = std::lower_bound(m_members.begin(), m_members.end(), user, byNick);
    const int row = int(pos - m_members.begin());
    beginInsertRows({}, row, row);
    m_members.insert(row, user);
    endInsertRows();
    Q_EMIT countChanged();
}

void MemberModel::remove(const QString &userId)
{
    const int i = indexOf(userId);
    if (i < 0)
        return;
    beginRemoveRows({}, i, i);
    m_members.removeAt(i);
    endRemoveRows();
    Q_EMIT countChanged();
}

void MemberModel::rename(const protocol::UserInfo &user)
{
    if (!contains(user.id))
        return;
    remove(user.id);
    add(user);
}

} // namespace confab::client
