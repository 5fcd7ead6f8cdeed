// The rooms the user is in, for the side bar: name, title (a direct conversation's is the peer's
// nick), topic, members, unread count, mentions among the unread, and whether it is muted.
#pragma once

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>

namespace confab::client {

class RoomListModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Owned by ChatClient")
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
public:
    enum Role {
        NameRole = Qt::UserRole + 1,
        TopicRole,
        UnreadRole,
        MembersRole,
        DirectRole,
        MentionsRole, // unread messages that name the user (every unread direct message)
        MutedRole,    // no notifications (a preference, per server and room)
        TitleRole,
    };
    Q_ENUM(Role)

    struct Room {
        QString name; // a room name, or "@<user id>" for a direct conversation
        QString title;
        QString topic;
        int unread = 0;
        int members = 0;
        bool direct = false;
        int mentions = 0;
        bool muted = false;
    };

    using QAbstractListModel::QAbstractListModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Adds the room if it is new; updates it otherwise.
    void upsert(const Room &room);
    void remove(const QString &name);
    void setUnread(const QString &name, int unread);
    void setTopic(const QString &name, const QString &topic);
    void setMembers(const QString &name, int members);
    void setTitle(const QString &name, const QString &title);
    void setMentions(const QString &name, int mentions);
    void setMuted(const QString &name, bool muted);
    int indexOf(const QString &name) const;
    const Room *find(const QString &name) const;
    int totalUnread() const;
    QStringList names() const;

Q_SIGNALS:
    void countChanged();

private:
    void changed(int row, const QList<int> &roles);
    QList<Room> m_rooms;
};

} // namespace confab::client
