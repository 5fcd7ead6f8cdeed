// What the user sent and the server has not confirmed yet, per server, kept on disk.
//
// Every item has its id (`c-<uuid>`) from the moment it is written: a resend after a reconnect
// or an app restart carries the same id, and the server's 24 h de-duplication makes it safe.
// The file is rewritten atomically (QSaveFile) on every change, so quitting loses nothing.
#pragma once

#include <QList>
#include <QObject>
#include <optional>

namespace confab::client {

class Outbox : public QObject
{
    Q_OBJECT
public:
    struct Item {
        QString clientId;
        QString conversation; // a room, or "@<user id>"
        QString text;
        qint64 ts = 0;      // when it was written (ms since the epoch)
        qint64 replyTo = 0; // 1.1: the seq of the room message it answers, 0 when none
    };

    using QObject::QObject;

    // Loads the outbox kept in this file (empty: kept in memory only).
    void open(const QString &file);
    // Forgets the items in memory; the file stays for the next time.
    void close();

    void add(const Item &item);
    // Removes and returns the item with this id, if it is here.
    std::optional<Item> take(const QString &clientId);
    const Item *find(const QString &clientId) const;
    const QList<Item> &items() const { return m_items; }
    int size() const { return int(m_items.size()); }

Q_SIGNALS:
    void changed();

private:
    void save() const;

    QString m_file;
    QList<Item> m_items;
};

} // namespace confab::client
