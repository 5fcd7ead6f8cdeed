// The members of one room, sorted by nick.
#pragma once

#include "codec.h"

#include <QAbstractListModel>
#include <QStringList>
#include <QtQml/qqmlregistration.h>

namespace confab::client {

class MemberModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Owned by ChatClient")
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
public:
    enum Role { UserIdRole = Qt::UserRole + 1, NickRole, OpRole /* 1.1: an operator */ };

    using QAbstractListModel::QAbstractListModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void reset(const QList<protocol::UserInfo> &members);
    void add(const protocol::UserInfo &user);
    void remove(const QString &userId);
    // Renames the user if present.
    void rename(const protocol::UserInfo &user);
    bool contains(const QString &userId) const;
    QString nickOf(const QString &userId) const;
    bool isOp(const QString &userId) const;
    // For @-completion: the nicks that start with the prefix (case-insensitively), sorted.
    Q_INVOKABLE QStringList nicksStartingWith(const QString &prefix) const;

Q_SIGNALS:
    void countChanged();

private:
    int indexOf(const QString &userId) const;
    QList<protocol::UserInfo> m_members;
};

} // namespace confab::client
