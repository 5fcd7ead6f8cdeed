// Durable state in SQLite (WAL): messages with their per-room seq, room epochs and topics,
// token-to-user ids, read positions; the FTS5 index for search lives in search.db, kept by a
// thread of its own (searchindexer.h).
//
// Writes are grouped: those of an event-loop turn run inside one transaction, opened by the
// first, and committed at the end of the turn (commit()), so durability does not cap
// throughput. Reads on this connection see the open transaction, so every read sees every
// write before it without splitting the group; only the search thread (a connection of its
// own) needs a commit first. committed() tells the hub that what it held back until the data
// was on disk may now be delivered.
#pragma once

#include "codec.h"
#include "storage.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTimer>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace confab {

// The columns of a room event, in the order messageFromRow reads them, each with this prefix
// (a table alias such as "m.").
QString eventColumns(const QString &prefix = QString());

// A room event from a row of eventColumns(): a message in its stored state (without its
// reactions, which are rows of their own), or an edit, deletion or reaction.
protocol::ChatMessage messageFromRow(const QSqlQuery &row);

class SearchIndexer;
class SearchWorker;
class WalCheckpointer;

class Store : public Storage
{
    Q_OBJECT
public:
    explicit Store(QObject *parent = nullptr);
    ~Store() override;

    // Opens (creating if needed) <dataDir>/confab.db and brings its schema up to date
    // (schema.h). Returns an error message on failure, and for a database a newer server wrote.
    std::optional<QString> open(const QString &dataDir);
    void close();
    // The open database's schema version (schema::CurrentVersion); 0 when not open.
    int schemaVersion() const { return m_schemaVersion; }

    // Every stored room: with messages (lastSeq > 0), or without but with a topic.
    QList<StoredRoom> loadRooms() override;
    void saveRoom(const QString &name, const QString &epoch, const QString &topic) override;
    // Forgets a room that has no messages and no topic (else keeps it).
    void deleteRoom(const QString &name) override;
    // Forgets a room's every event, reaction and index entry (cluster mode's search copy, when
    // Redis has the room under another history). Queued like any write.
    void forgetRoom(const QString &name);

    // Queues a room message; clientId (the send's frame id) may be empty.
    void appendMessage(const protocol::ChatMessage &message, const QString &clientId);
    // The event of this kind (a message, an edit) this user already sent to this room with this
    // client id since minTs.
    std::optional<protocol::ChatMessage>
    findByClientId(const QString &room, const QString &userId, const QString &clientId,
                   qint64 minTs,
                   protocol::ChatMessage::Kind kind = protocol::ChatMessage::Kind::Message);
    // Its statement (five parameters: room, user id, client id, min ts, kind), for the test
    // that reads its query plan.
    static QString dedupLookupSql();
    // The last `limit` messages with afterSeq < seq < beforeSeq, ascending.
    QList<protocol::ChatMessage> latest(const QString &room, qint64 afterSeq, qint64 beforeSeq,
                                        int limit);
    // Starts a search for messages in `rooms` matching every word (each as a prefix), newest
    // first, of at most `limit`. It runs on the search thread (searchworker.h) and sees the
    // store as it is now: everything queued is committed, and the search waits there for the
    // index to take it in, so a message is searchable as soon as its sender has its copy
    // (without the event loop waiting for the index). searchFinished() answers, later, in the
    // order the searches were started.
    void startSearch(quint64 ticket, const QString &lane, QSet<QString> rooms, QStringList words,
                     int limit) override;

    std::optional<StoredUser> userForToken(const QString &tokenHash);
    void saveUser(const QString &tokenHash, const QString &userId, const QString &nick);
    QHash<QString, qint64> readPositions(const QString &userId);
    void saveReadPosition(const QString &userId, const QString &room, qint64 seq);

    bool hasPending() const override { return m_inTransaction; }

    // The Storage interface (store_storage.cpp): one server, every answer given at once.
    bool clustered() const override { return false; }
    void resolveToken(const QString &tokenHash, const StoredUser &fresh,
                      Then<StoredUser> then) override;
    bool knownToken(const QString &tokenHash) override;
    void tokenKnown(const QString &tokenHash, Then<bool> then) override
    {
        then(knownToken(tokenHash));
    }
    void saveOperator(const User &user) override;
    void isOperator(const QString &userId, Then<bool> then) override;
    void saveNick(const User &user) override;
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
    void saveRead(const User &user, const QString &room, qint64 seq,
                  std::function<void()> stored) override;
    void rooms(QList<protocol::RoomsAnswer::Entry> local,
               Then<QList<protocol::RoomsAnswer::Entry>> then) override;
    void userOnline(const QString &, Then<bool> then) override { then(false); }
    void claimDirect(const protocol::ChatMessage &message, const QString &,
                     Then<Appended> then) override
    {
        then(Appended{message, false});
    }
    void relayDirect(const protocol::ChatMessage &, const QString &) override {}
    void relayNick(const User &, const QString &, const QSet<QString> &) override {}
    // store_events.cpp
    void applyEvent(Room &room, const protocol::ChatMessage &draft, const QString &clientId,
                    bool mayModerate, Then<EventOutcome> then) override;
    // 1.1 bans (store_bans.cpp), kept across restarts; expired ones are pruned as they are
    // met. One server: a kick has nowhere else to go.
    void saveBan(const Ban &ban, const protocol::UserInfo &by, Then<bool> then) override;
    void removeBan(const QString &userId, Then<bool> then) override;
    void findBan(const QString &userId, const QString &ip, Then<std::optional<Ban>> then) override;
    void relayKick(const QString &, const QString &, const protocol::UserInfo &,
                   const QString &) override
    {}
    // The clock bans are judged by (ms since the epoch): the wall clock, unless a test moves it.
    qint64 nowMs() const;
    void setClockForTests(std::function<qint64()> clock) { m_clock = std::move(clock); }

    // The longest one search walks matches on the search thread (see SearchWorker::search).
    static constexpr int SearchBudgetMs = 250;

public Q_SLOTS:
    // Writes everything queued in one transaction. Cheap when nothing is queued.
    void commit() override;
    // Commits, then waits until the search index (searchindexer.h, a thread of its own) holds
    // everything committed. For tests and tools: the server itself never waits for the index.
    void indexPending();

public:
    // The search index's purges (searchindexer.h), for tests: whether one is under way, what
    // the last one took, in how long the next is due (-1: none is), and the clock their cost is
    // measured on (ms; called on the index's thread).
    bool purging() const;
    qint64 lastPurgeMs() const;
    int purgeDueInMs() const;
    void setPurgeClockForTests(std::function<qint64()> clock);

private:
    // Runs a write now, inside the turn's transaction (opened by the first write of a turn,
    // committed on the next one): this connection's reads see it at once.
    template <typename Write> void write(Write &&op)
    {
        beginWrite();
        op();
    }
    void beginWrite();
    QSqlQuery prepare(const QString &statement); // sql::prepare on this connection
    // The statement prepared once and kept (SQLite's prepare cost more than the look-up itself:
    // issue 20, a send's de-duplication). A read calls finish() once done with the rows, so no
    // statement holds a read snapshot (the checkpointer could not pass it).
    QSqlQuery &cached(const QString &statement);
    bool exec(QSqlQuery &query, const char *what);

    // store_events.cpp
    // A message of the room as the checks of an event see it (committed first).
    struct Target {
        qint64 rowid = 0;
        protocol::ChatMessage::Kind kind = protocol::ChatMessage::Kind::Message;
        QString userId;
        QString text;
        bool deleted = false;
    };
    std::optional<Target> findTarget(const QString &room, qint64 seq);
    std::optional<EventOutcome::Verdict> checkReaction(const protocol::ChatMessage &draft);
    // Queues the write of an event the checks admitted, with what it does to its target.
    void writeEvent(const protocol::ChatMessage &event, const QString &clientId,
                    const Target &target);
    // The message at this rowid changed (edited, deleted, forgotten): the search index takes
    // it in again (a row of search_changes, in the same transaction as the change).
    void noteChange(qint64 rowid);
    // m_lastRowid and m_lastChange as the database has them (at open, after forgetting a room).
    void readNewest();
    // Adds the reactions to the live messages of a list of one room's events.
    void attachReactions(QList<protocol::ChatMessage> &events);
    // 1.1 unread: messages above `read` that are not deleted.
    qint64 unreadAbove(const QString &room, qint64 read, qint64 lastSeq);
    // PRAGMA optimize: fresh statistics for the query planner, a while after opening, then
    // hourly, and on close (SQLite's advice for long-lived connections). The plans that must
    // not depend on statistics do not (tst_queryplans); the others get better with them.
    void optimize();
    static constexpr int FirstOptimizeMs = 5 * 60 * 1000;
    static constexpr int OptimizeIntervalMs = 60 * 60 * 1000;
    QTimer m_optimizeTimer;
    // How long open() waits for its threads to open their files (they take milliseconds).
    static constexpr int ThreadOpenWaitMs = 10000;
    QHash<QString, QSqlQuery> m_cached;

    QString m_connectionName;
    std::unique_ptr<WalCheckpointer> m_checkpointer;
    std::unique_ptr<SearchIndexer> m_indexer;
    std::unique_ptr<SearchWorker> m_searcher;
    QSqlDatabase m_db;
    int m_schemaVersion = 0;
    bool m_inTransaction = false; // writes since the last commit (one transaction, open)
    int m_writesInTransaction = 0;
    static constexpr int CheckpointIntervalMs = 1000;
    // What the search index must have taken in for a search asked now: the newest rowid and
    // search_changes id written (committed before the search is posted).
    qint64 m_lastRowid = 0;
    qint64 m_lastChange = 0;
    qint64 m_trimmedChange = 0; // search_changes rows up to here are deleted
    bool m_indexNews = false;   // this transaction wrote something the index takes in
    std::unique_ptr<QSqlQuery> m_insertMessage, m_saveRoom, m_deleteRoom, m_saveUser, m_saveRead;
    // 1.1: an event, or a message with reply_to (a plain message keeps m_insertMessage: the hot
    // path binds what it always bound).
    std::unique_ptr<QSqlQuery> m_insertEvent, m_findTarget;
    bool m_anyReactions = false;     // else history skips the reactions look-up
    std::function<qint64()> m_clock; // unset: the wall clock
};

} // namespace confab
