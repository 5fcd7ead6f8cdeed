// Keeps the full-text search index on a thread of its own, in a database of its own
// (search.db beside confab.db), so that indexing never holds the event loop.
//
// Why (issue 20, item 2): written on the event loop in batches every 50 ms, the index's commits
// took 0.7-2 ms each (FTS5 writes a segment and merges at every commit) and every message that
// arrived meanwhile waited: that was most of the server's p99 at 1,000 msgs/s in 100 rooms
// (2.6 ms with the index, 0.8 ms without, same run). In the same database the index thread
// would hold the one write lock the store's commits need, so it has its own file.
//
// What it reads: confab.db, through a read-only connection of its own (WAL lets it read while
// the store writes). New messages are found by rowid (everything above the indexed position);
// edits, deletions and forgotten rooms are rows of confab.db's search_changes table, written by
// the store in the same transaction as the change itself, so a crash loses none. Each change
// says "this message changed": the index drops the entry and indexes the row's current text if
// the message is still there and not deleted, which is right however often it is replayed.
// Progress (indexed rowid, applied change) is kept in search.db, committed with the entries.
//
// Searches wait here until the index has caught up with what was committed when they were
// asked (waitFor), so a message is searchable as soon as its sender has its copy. After
// removals the index is purged (merged into one segment: FTS5 keeps a removed text's terms in
// older segments until then), spaced by what the last purge cost.
#pragma once

#include "threadconnection.h"
#include <QDeadlineTimer>

#include <QMutex>
#include <QString>
#include <QThread>
#include <QWaitCondition>
#include <atomic>
#include <functional>
#include <optional>

class QSqlDatabase;

namespace confab {

class SearchIndexer : public QThread
{
public:
    // Index rows per transaction: FTS5 writes fewer, larger segments for bigger ones.
    static constexpr int BatchRows = 512;
    // After the first new message, wait this long for more before indexing (one batch, not one
    // per message), unless a search is waiting.
    static constexpr int GatherMs = 50;
    // A purge starts PurgeDelayMs after the first removal (removals close together share it),
    // merging PurgePages pages per step, and the next waits PurgeDutyFactor times what the
    // last one took (a purge rewrites the whole index: about 0.3 s at a million messages).
    static constexpr int PurgeDelayMs = 2000;
    static constexpr int PurgePages = 64;
    static constexpr qint64 PurgeDutyFactor = 20;
    static constexpr qint64 MaxPurgeSpacingMs = 10 * 60 * 1000;

    SearchIndexer(QString messagesPath, QString indexPath);
    ~SearchIndexer() override; // finishes (see finish())

    // Creates search.db's tables when missing (on the caller's thread, before start()).
    static std::optional<QString> createIndex(const QString &indexPath);

    // Something was committed that the index should take in (cheap when already told).
    void nudge();
    // Blocks until the index holds every message up to `rowid` and every change up to
    // `change`, or timeoutMs passed, or the indexer stopped. True when caught up.
    bool waitFor(qint64 rowid, qint64 change, int timeoutMs);
    // Catches up with everything committed, finishes an owed purge, empties search.db's WAL and
    // stops the thread. Called by the store's close.
    void finish();
    // Once the thread's connections have their files open (see ThreadConnection).
    bool waitUntilOpen(int timeoutMs) { return m_opened.wait(timeoutMs); }

    qint64 indexedRowid() const { return m_indexedRowid.load(); }
    qint64 appliedChange() const { return m_appliedChange.load(); }

    // For tests: whether a purge is under way, what the last one took, when the next is due
    // (-1: none is), and the clock a purge's cost is measured on (ms; called on this thread).
    bool purging() const { return m_purging.load(); }
    qint64 lastPurgeMs() const { return m_lastPurgeMs.load(); }
    int purgeDueInMs() const;
    void setPurgeClockForTests(std::function<qint64()> clock);

protected:
    void run() override;

private:
    struct Connections;
    // One batch: new messages and changes read from confab.db, written to search.db. False
    // when there was nothing to do.
    bool indexBatch(Connections &c);
    // One purge step; true when the index is one segment (nothing left to merge).
    bool purgeStep(Connections &c, int pages);
    void purgeOwed(); // a removal happened: schedule a purge (under m_mutex)
    qint64 purgeClockMs() const;

    const QString m_messagesPath;
    const QString m_indexPath;

    mutable QMutex m_mutex;
    QWaitCondition m_wake;     // the thread waits on it for work
    QWaitCondition m_progress; // waitFor() waits on it
    bool m_nudged = false;
    bool m_urgent = false; // a search waits: index now, not after GatherMs
    bool m_stopping = false;
    OpenedSignal m_opened;
    std::atomic<bool> m_pendingNudge{false};
    std::atomic<qint64> m_indexedRowid{0};
    std::atomic<qint64> m_appliedChange{0};

    // Purges (under m_mutex, except the atomics).
    qint64 m_purgeDueNs = 0; // 0: none owed
    std::atomic<bool> m_purging{false};
    std::atomic<qint64> m_lastPurgeMs{0};
    qint64 m_lastPurgeEndMs = 0; // on purgeClockMs()
    qint64 m_purgeSpentMs = 0;   // the steps of the purge under way
    bool m_purgeAgain = false;   // removals during the purge under way
    std::function<qint64()> m_purgeClock;
};

} // namespace confab
