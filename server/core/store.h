// Durable state in SQLite (WAL): messages with their per-room seq, room epochs and topics,
// token-to-user ids, read positions, and an FTS5 index for search.
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
    // store as it is now: everything queued is committed and indexed first, so a message is
    // searchable as soon as its sender has its copy. searchFinished() answers, later, in the
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
    // Writes the search index for messages committed since the last call (also done on a timer,
    // before every search, and on close).
    void indexPending();
    // Rewrites the search index without what deletions removed from it (store_events.cpp):
    // FTS5 keeps a deleted text's terms in its older segments until they are merged. Runs in
    // steps on a timer after deletions (spaced by what the last purge cost: schedulePurge), and
    // to the end on close. True when nothing is left.
    bool purgeStep(int pages);
    // For tests: whether a purge is under way, what the last one took, and in how long the
    // next one is due (-1: none is).
    bool purging() const { return m_purging; }
    qint64 lastPurgeMs() const { return m_lastPurgeMs; }
    int purgeDueInMs() const { return m_purgeTimer.isActive() ? m_purgeTimer.remainingTime() : -1; }
    // The clock a purge's cost is measured on (ms), for a test that makes purges expensive.
    void setPurgeClockForTests(std::function<qint64()> clock) { m_purgeClock = std::move(clock); }

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
    // The index entry of a message: replaced by `text`, or removed when `text` is empty.
    void reindex(const Target &target, const QString &text);
    // Adds the reactions to the live messages of a list of one room's events.
    void attachReactions(QList<protocol::ChatMessage> &events);
    // 1.1 unread: messages above `read` that are not deleted.
    qint64 unreadAbove(const QString &room, qint64 read, qint64 lastSeq);
    void schedulePurge();
    // PRAGMA optimize: fresh statistics for the query planner, a while after opening, then
    // hourly, and on close (SQLite's advice for long-lived connections). The plans that must
    // not depend on statistics do not (tst_queryplans); the others get better with them.
    void optimize();
    static constexpr int FirstOptimizeMs = 5 * 60 * 1000;
    static constexpr int OptimizeIntervalMs = 60 * 60 * 1000;
    QTimer m_optimizeTimer;
    QHash<QString, QSqlQuery> m_cached;
    void purgeSome();

    QString m_connectionName;
    std::unique_ptr<WalCheckpointer> m_checkpointer;
    std::unique_ptr<SearchWorker> m_searcher;
    QSqlDatabase m_db;
    int m_schemaVersion = 0;
    bool m_inTransaction = false; // writes since the last commit (one transaction, open)
    int m_writesInTransaction = 0;
    // Index every 50 ms, at most 128 rows per event-loop turn: each batch then holds the loop
    // for about a millisecond instead of several (p99 latency at 1,000 msgs/s in 100 rooms).
    static constexpr int IndexDelayMs = 50;
    static constexpr int CheckpointIntervalMs = 1000;
    static constexpr size_t IndexBatchRows = 128;
    void indexSome();
    void indexRows(size_t limit);
    QTimer m_indexTimer;
    std::vector<std::pair<qint64, QString>> m_unindexed; // rowid, text
    qint64 m_indexedRowid = 0;
    std::unique_ptr<QSqlQuery> m_insertMessage, m_saveRoom, m_deleteRoom, m_saveUser, m_saveRead;
    std::unique_ptr<QSqlQuery> m_indexMessage, m_markIndexed;
    // 1.1: an event, or a message with reply_to (a plain message keeps m_insertMessage: the hot
    // path binds what it always bound).
    std::unique_ptr<QSqlQuery> m_insertEvent, m_findTarget;
    bool m_anyReactions = false; // else history skips the reactions look-up
    // Deletions since the last purge of the index; the purge runs PurgeDelayMs after the first
    // (deletions close together share it), PurgePages pages at a time. It rewrites the whole
    // index: measured on a 100,000-message index (3,825 pages), 71 steps of 16 pages, about
    // 3 ms each and 210-280 ms in all on the shared, loaded machine (64-page steps held the loop
    // up to 75 ms).
    static constexpr int PurgeDelayMs = 2000;
    static constexpr int PurgePages = 16;
    static constexpr qint64 PurgeDutyFactor = 20;
    static constexpr qint64 MaxPurgeSpacingMs = 10 * 60 * 1000;
    bool m_purgeOwed = false;
    bool m_purging = false;      // a purge is under way (steps on the timer)
    qint64 m_purgeSpentMs = 0;   // the steps of the purge under way
    qint64 m_lastPurgeMs = 0;    // the steps of the last purge, in all
    qint64 m_lastPurgeEndMs = 0; // on purgeClockMs()
    qint64 purgeClockMs() const;
    std::function<qint64()> m_purgeClock; // unset: the wall clock
    QTimer m_purgeTimer;
    std::function<qint64()> m_clock; // unset: the wall clock
};

} // namespace confab
