// The protocol's state machine: users, rooms and every frame type of PROTOCOL v1.
//
// It reaches what is kept only through the Storage interface (storage.h): SQLite on one server,
// Redis in a cluster. Handlers continue in the storage's continuations, which SQLite runs at
// once and Redis later; so every continuation checks that its connection is still there. With
// SQLite, frames that depend on data still waiting to be committed are held back (sendTo) and go
// out, in order, right after the commit: a message is on disk before anyone receives it. With
// Redis, the continuation itself runs only once Redis has the data. Other servers' traffic comes
// in through the storage's remote* signals and is handed out here like this server's own.
#pragma once

#include "auththrottle.h"
#include "frames.h"
#include "metrics.h"
#include "outframe.h"
#include "owninghash.h"
#include "room.h"
#include "searchadmission.h"
#include "serverconfig.h"
#include "storage.h"
#include "user.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QQueue>
#include <QSet>
#include <variant>

namespace confab {

namespace protocol {
struct BanRequest;
struct KickRequest;
} // namespace protocol
class Connection;
class Storage;
struct Ban;
struct RoomEntry;

// The result of an HTTP publish: where it went, or the error code.
struct Published {
    QString room; // NFC-normalized
    qint64 seq = 0;
};
using PublishResult = std::variant<Published, protocol::Error>; // Error::Unavailable: retry
using PublishDone = std::function<void(const PublishResult &)>;

class Hub : public QObject
{
    Q_OBJECT
public:
    Hub(const ServerConfig &config, Storage &store, Metrics &metrics, QObject *parent = nullptr);
    ~Hub() override;

    void loadRooms();
    // A new WebSocket connection, past the handshake.
    void attach(Connection *connection);
    // Closes every connection with 1001 (server going away).
    void shutdown();

    qsizetype connectionCount() const { return m_connections.size(); }
    // Connection objects not deleted yet: those attached, and those gone whose sockets are still
    // closing.
    qsizetype connectionObjects() const { return m_connectionObjects; }
    qsizetype roomCount() const { return m_rooms.size(); }
    const QList<Connection *> &connections() const { return m_connections; }

    // POST /api/publish: a message into a room from an API user. Answered once stored.
    void publish(const QString &room, const QString &text, const protocol::UserInfo &from,
                 PublishDone done);
    // Cluster mode: the shared store has been out of reach too long: every client is closed with
    // 1013 (try again later), so it reconnects, possibly to another server.
    void closeAllTryAgain();
    Storage &storage() { return m_store; }

Q_SIGNALS:
    // The last connection object was deleted (connectionObjects() is 0): after shutdown(), every
    // client is gone.
    void connectionsReleased();

private:
    using Frame = protocol::Frame;
    using Error = protocol::Error;
    // Who may send a request: for one only a room's members may send, not_in_room comes before
    // the request's faults found past its room name (the order the server always answered in).
    enum class Access { Anyone, MembersOnly };

    // Charges one frame to the connection's bucket; answers rate_limited when it is empty.
    bool admit(Connection *c, const std::optional<QString> &re);
    void onText(Connection *c, const QByteArray &utf8);
    void onBinary(Connection *c);
    void onGone(Connection *c);
    // At the cap: closes the oldest connection that has not said hello. False when there is none.
    bool evictSilent();
    void dispatch(Connection *c, const Frame &f);

    // hub_session.cpp
    void handleHello(Connection *c, const Frame &f);
    // A secret of a hello (the password, 1.1's op password) checked against the server's,
    // throttled (auththrottle.h): both count in the same budget. False when refused (answered).
    bool passwordAccepted(Connection *c, const Frame &f,
                          const protocol::HelloCredentials &credentials,
                          const std::optional<QString> &given, const QString &expected,
                          const QString &wrongMessage, bool privileged = false);
    void handleNick(Connection *c, const Frame &f);
    // A hello with a token: its user (online or stored) is welcomed unless banned. A token the
    // chat has never seen is refused where the address is banned (PROTOCOL 1.1); an operator
    // (op: the hello gave the op password) is never refused by a ban.
    void welcomeToken(Connection *c, const Frame &f, const QString &tokenHash,
                      const std::optional<QString> &nick, bool op);
    // The token's stored user (made when new) is welcomed unless its id is banned.
    void welcomeStoredToken(Connection *c, const Frame &f, const QString &tokenHash,
                            const std::optional<QString> &nick, bool op);
    // The hello's user is known: the connection becomes it and is welcomed. op: the hello gave
    // the op password (the user becomes an operator).
    void finishHello(Connection *c, const Frame &f, User *user, const std::optional<QString> &nick,
                     bool op);
    // Still attached (a continuation may run after its connection went).
    bool isAttached(const Connection *c) const;
    // The one place users are kept: by id, and by token hash when they have one.
    User *addUser(std::unique_ptr<User> user);
    void removeUser(User *user);
    void changeNick(User *user, const QString &nick, Connection *requester, const Frame *request);
    void detach(Connection *c);

    // hub_rooms.cpp
    void handleJoin(Connection *c, const Frame &f);
    void handleLeave(Connection *c, const Frame &f);
    void handleRooms(Connection *c, const Frame &f);
    void handleTopic(Connection *c, const Frame &f);
    void finishJoin(Connection *c, const Frame &f, const QString &name,
                    std::optional<RoomEntry> entry);
    void handleDecoded(Connection *c, const Frame *frame, const protocol::DecodeFailure *failure,
                       const std::optional<QString> &re);
    // Handles the frames that waited for c's joins, until another join waits.
    void resumeDeferred(Connection *c);
    // The connection's frame waits for the store: its later frames wait behind it until the
    // returned function runs (at the end of the store's answer; then they go on, in order).
    std::function<void()> holdFrames(Connection *c);
    // One page of the room directory (sorted by name, after `after`, MaxAnswerBytes at most).
    static protocol::RoomsAnswer directoryPage(const QList<protocol::RoomsAnswer::Entry> &all,
                                               const QString &after);
    // The room directory, sorted by name, from the cache (m_directory) or read anew; null when
    // the shared store cannot be reached.
    struct Directory {
        using Rooms = QList<protocol::RoomsAnswer::Entry>;
        Rooms rooms;
        qint64 readNs = 0;
        bool valid = false;     // discarded by this server's changes to rooms (invalidateDirectory)
        bool reading = false;   // a read is under way: requests wait for it
        bool scheduled = false; // a read waits for DirectoryMinGapMs to pass
        QList<std::function<void(const Rooms *)>> waiting;
    };
    static constexpr qint64 DirectoryMaxAgeMs = 1000;
    // Reads start at least this far apart, however often changes discard the copy: a busy
    // chat's joins and leaves must not turn every rooms request into a read of every room.
    static constexpr qint64 DirectoryMinGapMs = 200;
    void readDirectory();
    void withDirectory(std::function<void(const Directory::Rooms *)> then);
    void invalidateDirectory() { m_directory.valid = false; }
    Directory m_directory;
    // Stores the topic, then tells the room's members here and answers c.
    void setTopic(Connection *c, const Frame &f, Room &room, const protocol::TopicEvent &event);
    Room &roomFor(const QString &name);
    // Leaves the room and tells the others (presence leave; 1.1: kick, when an operator kicked
    // the user out). The room stays until dropUnusedRooms().
    void removeFromRoom(Connection *c, Room &room, const std::optional<Kick> &kick = std::nullopt);
    // Forgets the rooms that were left empty with no messages; called when a handler is done,
    // so that no handler holds a reference to a room that is destroyed.
    void dropUnusedRooms();

    // hub_requests.cpp
    // The request a frame carries (frames.h), or nothing when it is malformed: then its fault
    // has been answered (refuse).
    template <typename Request, typename... Args>
    std::optional<Request> decode(Connection *c, const Frame &f, Access access, Args... args)
    {
        auto decoded = Request::fromJson(f.object, args...);
        if (auto *request = std::get_if<Request>(&decoded))
            return std::move(*request);
        refuse(c, f, std::get<protocol::DecodeError>(decoded), access);
        return std::nullopt;
    }
    void refuse(Connection *c, const Frame &f, const protocol::DecodeError &fault, Access access);
    // The room a decoded request names, if the connection is in it; otherwise answers
    // not_in_room.
    Room *memberRoom(Connection *c, const Frame &f, const QString &room);

    // hub_messages.cpp
    void handleSend(Connection *c, const Frame &f);
    void sendToRoom(Connection *c, const Frame &f, const protocol::SendRequest &request);
    void sendDirect(Connection *c, const Frame &f, const protocol::SendRequest &request);
    void handleHistory(Connection *c, const Frame &f);
    void handleRead(Connection *c, const Frame &f);
    void handleSearch(Connection *c, const Frame &f);
    void onSearched(quint64 ticket, const QList<protocol::ChatMessage> &messages);
    void handleTyping(Connection *c, const Frame &f);
    // A new room message from this user, not stored yet (seq is the store's to give).
    static protocol::ChatMessage draftMessage(const QString &room, const protocol::UserInfo &from,
                                              const QString &text);
    void deliverRoomMessage(Room &room, const protocol::ChatMessage &m, Connection *sender,
                            const Frame *request);
    void deliverDirect(const protocol::ChatMessage &m, Connection *sender, const Frame *request);

    // hub_events.cpp: protocol 1.1 edits, deletions and reactions of room messages.
    void handleEdit(Connection *c, const Frame &f);
    void handleDelete(Connection *c, const Frame &f);
    void handleReact(Connection *c, const Frame &f);
    // Stores the event (Storage::applyEvent) and delivers it, or answers what the store said.
    void applyEvent(Connection *c, const Frame &f, Room &room, protocol::ChatMessage draft);
    // hub_operators.cpp (1.1): kick, ban, unban, and bans at hello.
    // The operator frames; false when the frame is not one of them.
    bool dispatchOperator(Connection *c, const Frame &f);
    void connectOperators(); // other servers' kicks and bans (Storage::remoteKick, remoteBan)
    void handleKick(Connection *c, const Frame &f);
    // A cluster: the user is in the room through other servers only; kicked there unless an
    // operator.
    void kickElsewhere(Connection *c, const Frame &f, const protocol::KickRequest &kick,
                       const protocol::UserInfo &by);
    void handleBan(Connection *c, const Frame &f);
    // The target is no operator (asked of the store, where that is kept): ban it.
    void banUser(Connection *c, const Frame &f, const protocol::BanRequest &request);
    void handleUnban(Connection *c, const Frame &f);
    // Every connection of the user here leaves the room with `kicked`; the others get presence
    // kick.
    // `ban`: the kick is a ban's, in every room of the user (the members hear "ban":true).
    void kickHere(Room &room, User *user, const protocol::UserInfo &by, const QString &reason,
                  bool ban = false);
    // Every connection of the user here gets error banned, then close 4004.
    // Takes a banned user out of its rooms here (the members hear who banned it) and closes its
    // connections here with 4004.
    void closeBanned(const QString &userId, const Ban &ban, const protocol::UserInfo &by);
    // Error banned (answering `request`, if any), then close 4004.
    void refuseBanned(Connection *c, const Frame *request, const Ban &ban);
    // A hello: proceed unless the store holds a ban for this user id or (non-empty ip) address.
    void unlessBanned(Connection *c, const Frame &f, const QString &userId, const QString &ip,
                      std::function<void(Connection *)> proceed);
    void onRemoteKick(const QString &room, const QString &userId, const protocol::UserInfo &by,
                      const QString &reason);
    void onRemoteBan(const Ban &ban, const protocol::UserInfo &by);

    // hub_remote.cpp: what other servers of the cluster did, for this server's connections.
    void connectRemote();
    void onRemoteMessage(const protocol::ChatMessage &m);
    void onRemotePresence(const QString &room, protocol::Presence::Event event,
                          const protocol::UserInfo &user, const QString &old, qint64 ts,
                          const protocol::UserInfo &by, const QString &reason, bool ban);
    void onRemoteTopic(const protocol::TopicEvent &event);
    void onRemoteRead(const QString &userId, const QString &room, qint64 seq);
    void onRemoteDirect(const protocol::ChatMessage &m);
    void onRemoteTyping(const QString &room, const protocol::UserInfo &user);
    void onRemoteNick(const protocol::UserInfo &user, const QString &old, const QStringList &rooms);

    // A ready WebSocket frame for this JSON: encoded once, written to any number of sockets.
    static QByteArray wire(const QJsonObject &frame);

    // Output. sendTo keeps a connection's frames behind its searches and, in a cluster, its
    // read positions on their way to the shared store (m_waiting), and
    // deliver holds frames back while the store has uncommitted writes.
    void sendTo(Connection *c, const OutFrame &frame);
    void deliver(Connection *c, const OutFrame &frame);
    // Keeps what is sent to c from now on behind a place that releaseOutput fills (a search's
    // answer) or removes (a read position the shared store has taken). Returns its ticket.
    quint64 holdOutput(Connection *c);
    void releaseOutput(Connection *c, quint64 ticket, std::optional<OutFrame> frame);
    void reply(Connection *c, const Frame &request, const QJsonObject &frame);
    void sendError(Connection *c, const Frame *request, Error error, const QString &message);
    // The shared store cannot be reached: nothing was done, send the same frame again later.
    void sendUnavailable(Connection *c, const Frame &request);
    // To every connection in the room except those of `exceptUser`.
    void broadcast(const Room &room, const QByteArray &frame, const User *exceptUser = nullptr);
    void flushHeld();

    const ServerConfig &m_config;
    Storage &m_store;
    Metrics &m_metrics;
    QList<Connection *> m_connections;
    qsizetype m_silent = 0; // connections in m_connections that have not said hello
    qsizetype m_connectionObjects = 0;
    OwningHash<User> m_users;              // by id
    QHash<QString, User *> m_usersByToken; // by token hash, into m_users
    OwningHash<Room> m_rooms;              // by NFC name
    QSet<QString> m_maybeUnused;           // rooms left since the last dropUnusedRooms()
    // Rooms that ceased to exist (no members, no messages) but had a topic: name -> (epoch,
    // topic), kept in the store too, and given back when the room is created again.
    QHash<QString, std::pair<QString, QString>> m_dormantRooms;
    AuthThrottle m_authThrottle;       // failed passwords, per address or known token
    AuthThrottle m_globalAuthThrottle; // every guess that is not a known device's, together
    // Frames waiting for the store's commit. Plain pointers (a QPointer per recipient per message
    // cost 2% of fan-out): onGone() clears a connection's entries before it can be deleted.
    QList<std::pair<Connection *, OutFrame>> m_held;
    // Searches run on the store's search thread. Until a connection's search is answered, what
    // else is for that connection waits behind it, so frames reach it in the order they were
    // produced: each entry is a frame (ticket 0) or the place of a search answer still to come.
    // A search stays counted (m_searchAdmission) until the search thread is done with it, also
    // when its connection went meanwhile (connection null): closing does not free a place.
    struct PendingSearch {
        Connection *connection;
        protocol::SearchAnswer answer; // without its messages
        std::optional<QString> re;
        QString user;
        QString address;
    };
    QHash<quint64, PendingSearch> m_searches; // by ticket
    SearchAdmission m_searchAdmission;
    QHash<Connection *, QList<std::pair<quint64, OutFrame>>> m_waiting;
    // Frames that came while the connection's join waited for the store (cluster mode), in order.
    QHash<Connection *, QList<std::variant<Frame, protocol::DecodeFailure>>> m_deferred;
    quint64 m_lastTicket = 0;

    // Direct messages are not stored; their de-duplication lives here, bounded.
    QHash<QString, protocol::ChatMessage> m_directByClientId;
    QQueue<QString> m_directOrder;
};

} // namespace confab
