// The one interface through which the hub reaches what a chat keeps: users and their tokens,
// rooms (epoch, topic, seq), messages, read positions, search, and in cluster mode the presence
// and traffic of the other servers. Two implementations: Store (SQLite, one server) and
// RedisStorage (a cluster sharing one Redis).
//
// Every call that needs an answer takes a continuation. SQLite answers at once, inside the call
// (so the single-server paths run exactly as a direct call would); Redis answers later, from the
// event loop. A continuation given std::nullopt means the shared store could not be reached
// (nothing was stored): the hub answers `unavailable` with retryMs(). The hub checks, inside
// every continuation, that the connection it answers is still there.
//
// In cluster mode the other servers' events come in as signals (remote*): the hub hands them to
// its own connections exactly as it does its own (written once, in the hub).
#pragma once

#include "codec.h"
#include "frames.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <functional>
#include <optional>

namespace confab {

class Room;
struct User;

struct StoredRoom {
    QString name;
    QString epoch;
    QString topic;
    qint64 lastSeq = 0;
};

struct StoredUser {
    QString id;
    QString nick;
    QHash<QString, qint64> reads; // room -> read position
};

// What a join learns from the store.
struct RoomEntry {
    QString epoch;
    QString topic;
    qint64 lastSeq = 0;
    bool becameMember = false; // the user's first connection in the room: presence join is owed
    QList<protocol::ChatMessage> history; // events of every kind, in seq order, current state
    // 1.1 `unread`: the room's messages (not other events, not deleted ones) above the user's
    // read position.
    qint64 unread = 0;
    // Cluster mode: every member on every server, as an encoded JSON array; empty in single-
    // server mode, where the room's own list (Room::membersJsonOpen) is the whole truth.
    QByteArray members;
};

struct Appended {
    protocol::ChatMessage message;
    bool duplicate = false; // a resend of a client id within 24 h: nothing new was stored
    // 1.1: the draft's reply_to names no message of the room: nothing was stored (not_found).
    bool replyNotFound = false;
};

// 1.1: an operator removed a user from a room: who, and why (may be empty).
struct Kick {
    protocol::UserInfo by;
    QString reason;
    bool ban = false; // the user was banned: out of every room, its connections closed
};

// 1.1: what became of an edit, deletion or reaction given to applyEvent.
struct EventOutcome {
    enum class Verdict {
        Stored,         // `event` has the room's next seq; the target's state changed with it
        Duplicate,      // an edit's client id repeated within 24 h: `event` is the original
        Unchanged,      // a reaction that changes nothing: nothing stored, no answer
        NotFound,       // no such message in the room, or it is deleted
        Forbidden,      // an edit not by the author; a deletion by neither the author nor an op
        TooManyEmoji,   // the message has MaxEmojiPerMessage different emoji already (bad_request)
        TooManyOfYours, // the user has MaxEmojiPerUser different emoji on it already (bad_request)
    };
    Verdict verdict = Verdict::Stored;
    protocol::ChatMessage event;
};

// 1.1: a ban (operators.md in docs/protocol.md). By user id, and by each address the user was
// connected from when it was banned (`ip`, one row each; empty for the id alone): a hello from
// such an address with a token the chat has never seen, or with none, is refused too.
struct Ban {
    QString userId;
    QString ip;
    qint64 untilMs = 0; // server clock
    QString reason;
    // The ban reaches the user's addresses (`"address":false` in the ban frame: its id alone).
    // Carried to the other servers of a cluster, which add the addresses they see the user at.
    bool address = true;
    friend bool operator==(const Ban &, const Ban &) = default;
};

template <typename T> using Then = std::function<void(std::optional<T>)>;

class Storage : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // Several servers share this store (PROTOCOL "Several servers").
    virtual bool clustered() const = 0;
    // The shared store can be reached now (GET /healthz).
    virtual bool available() const { return true; }
    // The shared store has been out of reach too long: new clients are closed with 1013.
    virtual bool refusesClients() const { return false; }
    // What `unavailable` tells a client to wait before it sends the same frame again.
    virtual qint64 retryMs() const { return 1000; }
    // Writes are waiting for the group commit: frames that depend on them are held back until
    // committed().
    virtual bool hasPending() const { return false; }
    virtual void commit() {}

    // Rooms known at start: single-server mode loads every stored room; a cluster learns rooms
    // as they are joined.
    virtual QList<StoredRoom> loadRooms() = 0;
    // The store keeps the room's epoch and topic (created, or given a topic): single-server
    // bookkeeping, a no-op where the join itself creates the room.
    virtual void saveRoom(const QString &name, const QString &epoch, const QString &topic) = 0;
    // The room ceased to exist here (no members, no messages).
    virtual void deleteRoom(const QString &name) = 0;

    // The user behind a token hash: the stored one, or `fresh` stored as new.
    virtual void resolveToken(const QString &tokenHash, const StoredUser &fresh,
                              Then<StoredUser> then) = 0;
    // A token that belongs to a stored user (for the password throttle), answered at once.
    virtual bool knownToken(const QString &tokenHash) = 0;
    // The same asked of the store itself (a cluster: Redis), so nothing is created by asking:
    // whether a hello from a banned address comes with a token the chat knows.
    virtual void tokenKnown(const QString &tokenHash, Then<bool> then) = 0;
    // 1.1: the user gave the operator password. Kept (for a token user: for good; for a guest,
    // whose id is its connection's, while it is online) so that an operator cannot be banned
    // while offline or connected through another server.
    virtual void saveOperator(const User &user) = 0;
    virtual void isOperator(const QString &userId, Then<bool> then) = 0;
    virtual void saveNick(const User &user) = 0;
    // The user's first connection here opened, its last one closed (cluster: who is online where).
    virtual void userArrived(const User &) {}
    virtual void userDeparted(const User &) {}

    // A connection joins: firstHere when it is its user's first connection in the room on this
    // server. History as the protocol says for `since` (or the last DefaultJoinHistory).
    virtual void join(Room &room, const User &user, bool firstHere, std::optional<qint64> since,
                      Then<RoomEntry> then) = 0;
    // The user's last connection on this server left the room (kick: an operator kicked it).
    // True when it is no longer a member anywhere (presence leave, or kick, is owed; in a
    // cluster the other servers' members hear which of the two from the store).
    virtual void leave(Room &room, const User &user, const std::optional<Kick> &kick,
                       Then<bool> then) = 0;
    // Stores a room message (seq, id and ts are the store's to give), de-duplicating a non-empty
    // clientId sent by the same user to the same room within 24 h.
    virtual void append(Room &room, const protocol::ChatMessage &draft, const QString &clientId,
                        Then<Appended> then) = 0;
    // 1.1: stores an edit, deletion or reaction (`draft`: kind, room, target, from, id, ts, and
    // text or emoji/on; seq is the store's to give) after checks made in the same step as the
    // write, since a cluster's servers race (EventOutcome says which). mayModerate: the user is
    // an operator (may delete any message). A deletion erases the target's text, its edits'
    // texts and its reactions from storage and from the search index for real; an edit's new
    // text replaces the old one in the index. clientId de-duplicates an edit like a send.
    virtual void applyEvent(Room &room, const protocol::ChatMessage &draft, const QString &clientId,
                            bool mayModerate, Then<EventOutcome> then) = 0;
    // The last `limit` events with seq in (afterSeq, beforeSeq), ascending, messages in their
    // current state.
    virtual void history(Room &room, qint64 afterSeq, qint64 beforeSeq, int limit,
                         Then<QList<protocol::ChatMessage>> then) = 0;
    virtual void setTopic(Room &room, const protocol::TopicEvent &event, Then<bool> then) = 0;
    // The typing throttle (per user and room, across servers): true when this one is relayed.
    virtual void typing(Room &room, const User &user, Then<bool> then) = 0;
    // The read position moved forward (the hub has checked that it does). `stored` runs once the
    // store has it (SQLite: at once, the write queued for the group commit; Redis: when Redis
    // has answered, or failed to), so the hub can keep the reader's next answers behind it.
    virtual void saveRead(const User &user, const QString &room, qint64 seq,
                          std::function<void()> stored) = 0;
    // Every room of the chat with its member count, given the rooms this server has. Single-
    // server mode answers with those.
    virtual void rooms(QList<protocol::RoomsAnswer::Entry> local,
                       Then<QList<protocol::RoomsAnswer::Entry>> then) = 0;
    // Starts a search; searchFinished() answers, later. The search thread takes searches in
    // turns by lane (the client's address), each lane in the order its searches were started.
    virtual void startSearch(quint64 ticket, const QString &lane, QSet<QString> rooms,
                             QStringList words, int limit) = 0;

    // Cluster mode: where else the traffic that is not stored goes.
    // Whether a user id is connected anywhere else (a direct message to it is not no_such_user).
    virtual void userOnline(const QString &userId, Then<bool> then) = 0;
    // Claims a direct message's client id for its sender (24 h, across servers): the original
    // (duplicate) when the id was sent already. Single-server mode keeps that in the hub.
    virtual void claimDirect(const protocol::ChatMessage &message, const QString &clientId,
                             Then<Appended> then) = 0;
    // A direct message this server delivered to its own connections, for the others'; clientId
    // non-empty de-duplicates a resend across servers.
    virtual void relayDirect(const protocol::ChatMessage &message, const QString &clientId) = 0;
    virtual void relayNick(const User &user, const QString &old, const QSet<QString> &rooms) = 0;

    // 1.1 operators. Bans are kept (they survive restarts) and, in a cluster, hold on every
    // server: saveBan also reaches the other servers (remoteBan), which close the user's
    // connections there.
    virtual void saveBan(const Ban &ban, const protocol::UserInfo &by, Then<bool> then) = 0;
    virtual void removeBan(const QString &userId, Then<bool> then) = 0;
    // The ban in force, if any, for this user id or (non-empty ip) this address.
    virtual void findBan(const QString &userId, const QString &ip,
                         Then<std::optional<Ban>> then) = 0;
    // Cluster mode: whether a room exists anywhere in the chat (it has members or stored
    // events: an operator's topic for a room this server has no member of), and whether a user
    // is a member of a room through any server (a kick). Single-server mode never asks: its hub
    // holds every room and every member.
    virtual void roomExists(const QString &, Then<bool> then) { then(false); }
    virtual void isMember(const QString &, const QString &, Then<bool> then) { then(false); }
    // Cluster mode: a kick for the user's connections on the other servers (remoteKick).
    virtual void relayKick(const QString &room, const QString &userId, const protocol::UserInfo &by,
                           const QString &reason) = 0;

Q_SIGNALS:
    void committed();
    void searchFinished(quint64 ticket, const QList<confab::protocol::ChatMessage> &messages);
    // The shared store was out of reach longer than the grace: every client is to be closed with
    // 1013 (they reconnect, possibly to another server).
    void unavailableTooLong();
    // The shared store lost a room's history (a new epoch): its clients are to rejoin.
    void roomReset(const QString &room);

    // From other servers (and, for room events of every kind, in seq order per room with no gap
    // or repeat).
    void remoteMessage(const confab::protocol::ChatMessage &message);
    void remotePresence(const QString &room, confab::protocol::Presence::Event event,
                        const confab::protocol::UserInfo &user, const QString &old, qint64 ts,
                        const confab::protocol::UserInfo &by, const QString &reason, bool ban);
    void remoteTopic(const confab::protocol::TopicEvent &event);
    void remoteRead(const QString &userId, const QString &room, qint64 seq);
    void remoteDirect(const confab::protocol::ChatMessage &message);
    void remoteTyping(const QString &room, const confab::protocol::UserInfo &user);
    // The user's nick changed on another server; `rooms` are those it is in there.
    void remoteNick(const confab::protocol::UserInfo &user, const QString &old,
                    const QStringList &rooms);
    // 1.1: an operator on another server kicked or banned a user (who may have connections here).
    void remoteKick(const QString &room, const QString &userId,
                    const confab::protocol::UserInfo &by, const QString &reason);
    void remoteBan(const confab::Ban &ban, const confab::protocol::UserInfo &by);
};

} // namespace confab
