#include "roomlistmodel.h"

#include <algorithm>

namespace confab::client {

int RoomListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rooms.size());
}

QVariant RoomListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Room &r = m_rooms.at(index.row());
    switch (role) {
    case NameRole:
        return r.name;
    case Qt::DisplayRole:
    case TitleRole:
        return r.title;
    case Qt::ToolTipRole:
        return r.topic;
    case TopicRole:
        return r.topic;
    case UnreadRole:
        return r.unread;
    case MembersRole:
        return r.members;
    case DirectRole:
        return r.direct;
    case MentionsRole:
        return r.mentions;
    case MutedRole:
        return r.muted;
    }
    return {};
}

QHash<int, QByteArray> RoomListModel::roleNames() const
{
    return {{NameRole, "name"},         {TopicRole, "topic"},   {UnreadRole, "unread"},
            {MembersRole, "members"},   {DirectRole, "direct"}, {TitleRole, "title"},
            {MentionsRole, "mentions"}, {MutedRole, "muted"}};
}

int RoomListModel::indexOf(const QString &name) const
{
    for (int i = 0; i < m_rooms.size(); ++i) {
        if (m_rooms[i].name == name)
            return i;
    }
    return -1;
}

const RoomListModel::Room *RoomListModel::find(const QString &name) const
{
    const int i = indexOf(name);
    return i < 0 ? nullptr : &m_rooms[i];
}

void RoomListModel::upsert(const Room &room)
{
    const int i = indexOf(room.name);
    if (i >= 0) {
        m_rooms[i] = room;
        changed(i, {});
        return;
    }
    // Rooms first, then direct conversations; each group sorted by name.
    auto pos = std::find_if(m_rooms.begin(), m_rooms.end(), [&](const Room &r) {
        return std::pair(r.direct, r.title.toCaseFolded())
               > std::pair(room.direct, room.title.toCaseFolded());
    });
    const int row = int(pos - m_rooms.begin());
    beginInsertRows({}, row, row);
    m_rooms.insert(row, room);
    endInsertRows();
    Q_EMIT countChanged();
}

void RoomListModel::remove(const QString &name)
{
    const int i = indexOf(name);
    if (i < 0)
        return;
    beginRemoveRows({}, i, i);
    m_rooms.removeAt(i);
    endRemoveRows();
    Q_EMIT countChanged();
}

void RoomListModel::setUnread(const QString &name, int unread)
{
    const int i = indexOf(name);
    if (i >= 0 && m_rooms[i].unread != unread) {
        m_rooms[i].unread = unread;
        changed(i, {UnreadRole});
    }
}

void RoomListModel::setTopic(const QString &name, const QString &topic)
{
    const int i = indexOf(name);
    if (i >= 0) {
        m_rooms[i].topic = topic;
        changed(i, {TopicRole, Qt::ToolTipRole});
    }
}

void RoomListModel::setMembers(const QString &name, int members)
{
    const int i = indexOf(name);
    if (i >= 0 && m_rooms[i].members != members) {
        m_rooms[i].members = members;
        changed(i, {MembersRole});
    }
}

void RoomListModel::setTitle(const QString &name, const QString &title)
{
    const int i = indexOf(name);
    if (i >= 0 && m_rooms[i].title != title) {
        m_rooms[i].title = title;
        changed(i, {TitleRole, Qt::DisplayRole});
    }
}

void RoomListModel::setMentions(const QString &name, int mentions)
{
    const int i = indexOf(name);
    if (i >= 0 && m_rooms[i].mentions != mentions) {
        m_rooms[i].mentions = mentions;
        changed(i, {MentionsRole});
    }
}

void RoomListModel::setMuted(const QString &name, bool muted)
{
    const int i = indexOf(name);
    if (i >= 0 && m_rooms[i].muted != muted) {
        m_rooms[i].muted = muted;
        changed(i, {MutedRole});
    }
}

int RoomListModel::totalUnread() const
{
    int total = 0;
    for (const Room &r : m_rooms)
        total += r.muted ? r.mentions : r.unread; // a muted room only counts what names the user
    return total;
}

QStringList RoomListModel::names() const
{
    QStringList out;
    for (const Room &r : m_rooms)
        out.append(r.name);
    return out;
}

void RoomListModel::changed(int row, const QList<int> &roles)
{
    const QModelIndex i = index(row);
    Q_EMIT dataChanged(i, i, roles);
}

} // namespace confab::client
