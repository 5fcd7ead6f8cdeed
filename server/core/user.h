// A user: one person's id and nick, and the connections it has open (several share a token).
// The hub owns every User (Hub::addUser, Hub::removeUser); rooms and connections point at them.
#pragma once

#include "codec.h"

#include <QHash>
#include <QList>
#include <QString>

namespace confab {

class Connection;

struct User {
    QString id;
    QString nick;
    QString tokenHash; // empty for a guest without token: nothing about it is persisted
    QList<Connection *> connections;
    QHash<QString, qint64> reads; // room -> read position
    // 1.1: an operator. One of its connections gave the op password; it stays one while it is
    // online (a user is forgotten with its last connection).
    bool op = false;

    protocol::UserInfo info() const { return {id, nick, op}; }
};

} // namespace confab
