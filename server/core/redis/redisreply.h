// A Redis reply copied out of hiredis: hiredis frees its own reply as soon as the callback
// returns, and a reply may also stand for "no answer" (the command failed to reach Redis or
// missed its deadline).
#pragma once

#include <QByteArray>
#include <QList>

struct redisReply;

namespace confab {

struct RedisReply {
    enum class Kind {
        Unavailable, // never answered: not connected, too many in flight, deadline, connection lost
        Nil,
        Status,
        Error,
        Integer,
        String,
        Array
    };
    Kind kind = Kind::Unavailable;
    QByteArray text; // Status, Error, String
    qint64 integer = 0;
    QList<RedisReply> elements;

    static RedisReply from(const redisReply *reply); // null: Unavailable
    bool ok() const { return kind != Kind::Unavailable && kind != Kind::Error; }
    bool unavailable() const { return kind == Kind::Unavailable; }
    // A String or Status as text, an Integer in decimal; empty otherwise.
    QByteArray str() const;
    qint64 toInt() const; // an Integer, or a String holding one; 0 otherwise
    const RedisReply &at(qsizetype i) const;
};

} // namespace confab
