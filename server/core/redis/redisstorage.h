// Cluster mode's Storage (storage.h): Redis is the system of record, shared by every server
// given the same URL. docs/cluster.md describes the design; in short:
// - Each room has a meta hash (epoch, seq, topic), an append-only log (a stream whose entry ids
//   are the seqs), a member hash and, per member, the set of servers it is connected through.
//   Lua scripts (redisscripts.h) make each operation one atomic step; every key of a room carries
//   the room's hash tag.
// - A message is handed to the hub only once Redis has it. Live delivery between servers is a
//   pub/sub doorbell that carries the message; a server that sees a gap (a missed doorbell, a
//   reconnect) reads what it missed from the log by seq. Per room with members here, messages
//   reach the hub strictly in seq order, each once.
// - Each server heartbeats into a sorted set with an expiry; a peer that finds a server expired
//   takes its place in cleaning up: its users leave every room they were in through it.
// - Search runs on a local SQLite copy of the rooms this server has members in, fed from the
//   log. It outlives a restart: each room's copy is known by the epoch it was read under, and a
//   restarted server reads only what it missed (a room under another epoch is read anew).
#pragma once

#include "redisclient.h"
#include "redisscripts.h"
#include "serverconfig.h"
#include "storage.h"

#include <QHash>
#include <QTimer>
#include <deque>
#include <map>
#include <memory>
#include <vector>

namespace confab {

class Store;

// One event read from a room's log (or the state hash that holds its current version), with who
// stored it (empty for a version from the state hash).
struct LoggedEvent {
    protocol::ChatMessage message;
    QByteArray origin;
    quint64 ticket = 0;
};

class RedisStorage : public Storage
{
    Q_OBJECT
public:
    RedisStorage(const ServerConfig &config, QObject *parent = nullptr);
    ~RedisStorage() override;

    // Opens the local search copy and starts connecting (retrying until Redis answers).
    std::optional<QString> open();
    const QString &serverId() const { return m_serverId; }
    // Events read from rooms' logs into the search copy since start (a restart reads only what
    // it missed: tst_search).
    quint64 copiedFromLog() const { return m_copiedFromLog; }
    // A graceful stop: leaves this cluster at once (peers need not wait for its heartbeat to
    // expire) and calls `done` once what it sent has been answered, or after withinMs.
    void retire(int withinMs, std::function<void()> done);

    bool clustered() const override { return true; }
    bool available() const override { return m_client->isReady(); }
    qint64 retryMs() const override { return m_config.redisRetryMs; }
    bool refusesClients() const override { return m_downTooLong; }

    QList<StoredRoom> loadRooms() override { return {}; }
    void saveRoom(const QString &, const QString &, const QString &) override {}
    void deleteRoom(const QString &) override {}

    void resolveToken(const QString &tokenHash, const StoredUser &fresh,
                      Then<StoredUser> then) override;
    // A token that passed the password on this server since it started (answered at once: the
    // password throttle cannot wait for Redis).
    bool knownToken(const QString &tokenHash) override { return m_knownTokens.contains(tokenHash); }
    void saveNick(const User &user) override;
    void tokenKnown(const QString &tokenHash, Then<bool> then) override;
    void saveOperator(const User &user) override;
    void isOperator(const QString &userId, Then<bool> then) override;
    void userArrived(const User &user) override;
    void userDeparted(const User &user) override;

    void join(Room &room, const User &user, bool firstHere, std::optional<qint64> since,
              Then<RoomEntry> then) override;
    void leave(Room &room, const User &user, const std::optional<Kick> &kick,
               Then<bool> then) override;
    void append(Room &room, const protocol::ChatMessage &draft, const QString &clientId,
                Then<Appended> then) override;
    void history(Room &room, qint64 afterSeq, qint64 beforeSeq, int limit,
                 Then<QList<protocol::ChatMessage>> then) override;
    void setTopic(Room &room, const protocol::TopicEvent &event, Then<bool> then) override;
    void typing(Room &room, const User &user, Then<bool> then) override;
    void roomExists(const QString &room, Then<bool> then) override;
    void isMember(const QString &room, const QString &userId, Then<bool> then) override;
    void saveRead(const User &user, const QString &room, qint64 seq,
                  std::function<void()> stored) override;
    void rooms(QList<protocol::RoomsAnswer::Entry> local,
               Then<QList<protocol::RoomsAnswer::Entry>> then) override;
    void startSearch(quint64 ticket, const QString &lane, QSet<QString> rooms, QStringList words,
                     int limit) override;
    void userOnline(const QString &userId, Then<bool> then) override;
    void claimDirect(const protocol::ChatMessage &message, const QString &clientId,
                     Then<Appended> then) override;
    void relayDirect(const protocol::ChatMessage &message, const QString &clientId) override;
    void relayNick(const User &user, const QString &old, const QSet<QString> &rooms) override;
    void applyEvent(Room &room, const protocol::ChatMessage &draft, const QString &clientId,
                    bool mayModerate, Then<EventOutcome> then) override;
    // redisstorage_ops.cpp: bans (kept in Redis with their expiry, so on every server and across
    // restarts) and kicks, relayed to the other servers.
    void saveBan(const Ban &ban, const protocol::UserInfo &by, Then<bool> then) override;
    void removeBan(const QString &userId, Then<bool> then) override;
    void findBan(const QString &userId, const QString &ip, Then<std::optional<Ban>> then) override;
    void relayKick(const QString &room, const QString &userId, const protocol::UserInfo &by,
                   const QString &reason) override;

private:
    // A room with members on this server: where its delivery stands.
    struct Track {
        QString epoch;
        qint64 cursor = 0; // the last seq handed to the hub
        struct Item {
            protocol::ChatMessage message;
            Then<Appended> then; // this server's own send, else empty (another's)
        };
        std::map<qint64, Item> ahead; // arrived out of order: waiting for the gap to fill
        QSet<quint64> awaiting;       // own sends sent, not answered yet (by ticket)
        bool fetching = false;        // a catch-up read is on its way
        std::deque<protocol::ChatMessage> recent; // the last handed over, for joins in flight
        std::multimap<qint64, std::function<void()>> waiters; // run once cursor reaches the key
        QHash<QString, QByteArray> users; // user id -> member JSON, registered through this server
    };

    // redisstorage_sync.cpp: ordered delivery, the doorbell, catch-up, heartbeats, clean-up.
    void onReady();
    void onLost();
    void onEvent(const QByteArray &channel, const QByteArray &payload);
    void onMessageEvent(const QList<QByteArray> &lines);
    Track &track(const QString &room, const QString &epoch, qint64 seq);
    // Takes a message that Redis has (answer, doorbell or log) into the room's order.
    void offer(const QString &room, Track::Item item);
    void drain(const QString &room);
    void catchUp(const QString &room);
    // The answer of the append or event script that stored something (or a duplicate).
    void stored(const QString &room, quint64 ticket, const RedisReply &reply,
                const Then<Appended> &then);
    void forget(const QString &room, quint64 ticket); // an own send that stored nothing
    // A room event handed over: the recent messages it is about take its effect.
    static void applyToRecent(std::deque<protocol::ChatMessage> &recent,
                              const protocol::ChatMessage &event);
    void onOperatorEvent(char kind, const QByteArray &json);
    // Bans this server saved or was told of: what findBan answers while Redis is out of reach.
    void remember(const Ban &ban);
    std::optional<Ban> rememberedBan(const QString &userId, const QString &ip) const;
    void resetRoom(const QString &room, const QString &epoch, qint64 seq);
    void completeJoin(const QString &room, RoomEntry entry, std::optional<qint64> since,
                      const Then<RoomEntry> &then);
    void index(const QString &room, const protocol::ChatMessage &m);
    void backfill(const QString &room, qint64 upTo);
    // A room starts being followed here: its copy from an earlier run is kept when Redis has the
    // room under the same epoch, else forgotten (and read from the log again).
    void adoptCopy(const QString &room, const QString &epoch);
    // A search waits for its fence (startSearch): runs what waited for it, once.
    void passFence(quint64 fence);
    void indexOne(const QString &room, const protocol::ChatMessage &m); // into the search copy
    void heartbeat();
    void reap(const QString &deadServer);
    void registerAgain();

    // One command; false when it cannot go now (the caller answers unavailable).
    bool call(const QList<QByteArray> &args, RedisClient::Callback callback);
    bool eval(const redis::Script &script, const QList<QByteArray> &keys,
              const QList<QByteArray> &args, RedisClient::Callback callback);
    QByteArray roomKey(const QString &room, const char *part) const;
    QByteArray event(char kind, std::initializer_list<QByteArray> fields) const;

    const ServerConfig &m_config;
    const QString m_serverId;
    const QByteArray m_channel;
    std::map<quint64, std::function<void()>> m_fences; // searches waiting for their fence
    QSet<QString> m_knownTokens; // token hashes resolved here (bounded: MaxKnownTokens)
    quint64 m_lastFence = 0;
    std::unique_ptr<RedisClient> m_client;
    std::unique_ptr<RedisClient> m_subscriber;
    std::unique_ptr<Store> m_search;  // the local search copy
    QHash<QString, Track> m_tracks;   // by room
    QHash<QString, int> m_online;     // user id -> its connections here (for direct messages)
    QHash<QString, qint64> m_indexed; // room -> the search copy has its messages up to here
    QSet<QString> m_backfilling;      // rooms whose search copy is being read from the log
    struct CopiedRoom {
        QString epoch;
        qint64 lastSeq = 0;
    };
    QHash<QString, CopiedRoom> m_copied;  // the copy's rooms from an earlier run, not adopted yet
    QHash<QString, QString> m_copyEpochs; // room -> the epoch of the history its copy holds
    quint64 m_copiedFromLog = 0;
    QHash<QString, Ban> m_bansByUser, m_bansByIp; // seen here (findBan without Redis)
    quint64 m_lastTicket = 0;
    QTimer m_heartbeat;
    QTimer m_downTimer; // started when Redis is lost: past it, clients are closed with 1013
    bool m_downTooLong = false;
    bool m_everReady = false;
    int m_heartbeats = 0;
};

} // namespace confab
