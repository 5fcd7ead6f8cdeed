// The Storage interface over the SQLite store: one server, so the hub's own rooms and users are
// the whole truth, and every continuation runs before the call returns.
#include "monotonicclock.h"
#include "room.h"
#include "store.h"
#include "user.h"

#include <QDateTime>
#include <limits>

namespace confab {

using protocol::ChatMessage;

void Store::resolveToken(const QString &tokenHash, const StoredUser &fresh, Then<StoredUser> then)
{
    if (const auto stored = userForToken(tokenHash))
        return then(StoredUser{stored->id, stored->nick, readPositions(stored->id)});
    saveUser(tokenHash, fresh.id, fresh.nick);
    then(fresh);
}

bool Store::knownToken(const QString &tokenHash)
{
    return userForToken(tokenHash).has_value();
}

void Store::saveNick(const User &user)
{
    if (!user.tokenHash.isEmpty())
        saveUser(user.tokenHash, user.id, user.nick);
}

void Store::join(Room &room, const User &user, bool firstHere, std::optional<qint64> since,
                 Then<RoomEntry> then)
{
    RoomEntry entry{room.epoch, room.topic, room.lastSeq, firstHere, {}, 0, {}};
    // A room without messages, or a since at its last seq (a reconnect that missed nothing),
    // has no history to look up: in a reconnect storm that is most joins.
    const qint64 top = std::numeric_limits<qint64>::max();
    if (since.value_or(0) < room.lastSeq)
        entry.history = since ? latest(room.name, *since, top, protocol::MaxSinceHistory)
                              : latest(room.name, 0, top, protocol::DefaultJoinHistory);
    entry.unread = unreadAbove(room.name, user.reads.value(room.name, 0), room.lastSeq);
    then(std::move(entry));
}

void Store::leave(Room &, const User &, const std::optional<Kick> &, Then<bool> then)
{
    then(true);
}

void Store::append(Room &room, const ChatMessage &draft, const QString &clientId,
                   Then<Appended> then)
{
    if (!clientId.isEmpty()) {
        const qint64 minTs = QDateTime::currentMSecsSinceEpoch() - protocol::DedupWindowMs;
        if (auto original = findByClientId(room.name, draft.from.id, clientId, minTs))
            return then(Appended{*original, true}); // a resend: nothing new is stored
    }
    if (draft.replyTo) { // 1.1: the seq of a message (of any state) of this room
        const auto answered = findTarget(room.name, *draft.replyTo);
        if (!answered || answered->kind != ChatMessage::Kind::Message)
            return then(Appended{draft, false, true});
    }
    ChatMessage m = draft;
    m.seq = ++room.lastSeq;
    appendMessage(m, clientId);
    then(Appended{std::move(m), false});
}

void Store::history(Room &room, qint64 afterSeq, qint64 beforeSeq, int limit,
                    Then<QList<ChatMessage>> then)
{
    then(latest(room.name, afterSeq, beforeSeq, limit));
}

void Store::setTopic(Room &room, const protocol::TopicEvent &event, Then<bool> then)
{
    saveRoom(room.name, room.epoch, event.topic);
    then(true);
}

void Store::typing(Room &room, const User &user, Then<bool> then)
{
    then(room.admitTyping(&user, monotonicNs()));
}

void Store::saveRead(const User &user, const QString &room, qint64 seq,
                     std::function<void()> stored)
{
    if (!user.tokenHash.isEmpty())
        saveReadPosition(user.id, room, seq);
    if (stored)
        stored();
}

void Store::rooms(QList<protocol::RoomsAnswer::Entry> local,
                  Then<QList<protocol::RoomsAnswer::Entry>> then)
{
    then(std::move(local));
}

} // namespace confab
