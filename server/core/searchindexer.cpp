#include "searchindexer.h"

#include "logging.h"
#include "monotonicclock.h"
#include "sqlstatements.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace confab {

namespace {

// The index's own schema: the FTS5 table keeps each entry's text, so an entry is removed by
// rowid alone (the store's messages may have changed or gone by the time a change is applied).
// Case-insensitive words; diacritics are kept (a search for "cafe" does not find "café").
const char *const IndexSchema[] = {
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(text,"
    " tokenize='unicode61 remove_diacritics 0')",
    // applied_change -1: a new index, which takes every change so far as applied (it reads
    // every message's current state from the start).
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('indexed_rowid', 0), ('applied_change', -1)",
};

// WAL with synchronous=NORMAL as confab.db; secure_delete: what the index frees (a removed
// text's entry and old segments) is overwritten with zeros (protocol 1.1: a deletion erases).
const char *const IndexPragmas[] = {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                                    "PRAGMA busy_timeout=5000", "PRAGMA secure_delete=ON"};

bool runAll(QSqlDatabase &db, const auto &statements, QString *error)
{
    for (const char *statement : statements) {
        QSqlQuery q(db);
        if (!q.exec(QString::fromLatin1(statement))) {
            *error = QStringLiteral("%1: %2").arg(QString::fromLatin1(statement).left(60),
                                                  q.lastError().text());
            return false;
        }
    }
    return true;
}

qint64 valueOf(QSqlQuery &q)
{
    const qint64 v = q.exec() && q.next() ? q.value(0).toLongLong() : 0;
    q.finish();
    return v;
}

} // namespace

struct SearchIndexer::Connections {
    QSqlDatabase messages; // confab.db, read only
    QSqlDatabase index;    // search.db
    QSqlQuery newRows, changes, current;
    QSqlQuery insert, remove, setMeta;
};

SearchIndexer::SearchIndexer(QString messagesPath, QString indexPath)
    : m_messagesPath(std::move(messagesPath))
    , m_indexPath(std::move(indexPath))
{
    setObjectName(QStringLiteral("confab-index"));
}

SearchIndexer::~SearchIndexer()
{
    finish();
}

std::optional<QString> SearchIndexer::createIndex(const QString &indexPath)
{
    ThreadConnection connection(QStringLiteral("index-create"), indexPath);
    QString error;
    if (!connection.isOpen())
        return connection.db().lastError().text();
    if (!runAll(connection.db(), IndexPragmas, &error)
        || !runAll(connection.db(), IndexSchema, &error))
        return error;
    return std::nullopt;
}

void SearchIndexer::nudge()
{
    // Once per gathering: the commits of the next 50 ms cost an atomic exchange each.
    if (m_pendingNudge.exchange(true))
        return;
    QMutexLocker lock(&m_mutex);
    m_nudged = true;
    m_wake.wakeOne();
}

bool SearchIndexer::waitFor(qint64 rowid, qint64 change, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    QMutexLocker lock(&m_mutex);
    const auto caughtUp = [&] {
        return m_indexedRowid.load() >= rowid && m_appliedChange.load() >= change;
    };
    while (!caughtUp() && !m_stopping && isRunning()) {
        m_nudged = m_urgent = true;
        m_wake.wakeOne();
        if (!m_progress.wait(&m_mutex, deadline))
            break;
    }
    return caughtUp();
}

void SearchIndexer::finish()
{
    {
        QMutexLocker lock(&m_mutex);
        m_stopping = true;
        m_wake.wakeAll();
    }
    wait();
}

int SearchIndexer::purgeDueInMs() const
{
    QMutexLocker lock(&m_mutex);
    if (m_purgeDueNs == 0)
        return -1;
    return int(std::max<qint64>(1, (m_purgeDueNs - monotonicNs()) / NsPerMs));
}

void SearchIndexer::setPurgeClockForTests(std::function<qint64()> clock)
{
    QMutexLocker lock(&m_mutex);
    m_purgeClock = std::move(clock);
}

qint64 SearchIndexer::purgeClockMs() const
{
    if (m_purgeClock)
        return m_purgeClock();
    return QDateTime::currentMSecsSinceEpoch(); // coarse is enough: purges take milliseconds
}

void SearchIndexer::purgeOwed()
{
    if (m_purging.load()) {
        m_purgeAgain = true; // removals during a purge: another, spaced
        return;
    }
    if (m_purgeDueNs != 0)
        return; // removals close together share one purge
    const qint64 sinceLast = m_lastPurgeEndMs ? purgeClockMs() - m_lastPurgeEndMs : 0;
    const qint64 spacing = m_lastPurgeMs.load() * PurgeDutyFactor - sinceLast;
    m_purgeDueNs =
        monotonicNs() + std::clamp<qint64>(spacing, PurgeDelayMs, MaxPurgeSpacingMs) * NsPerMs;
}

void SearchIndexer::run()
{
    // Below the event loop's thread on a shared core: a message that arrives while a batch is
    // being indexed is handled first (the index is behind by a few milliseconds, no one waits).
    // Not SCHED_IDLE: on a saturated core that starved, and searches waited for it.
    setpriority(PRIO_PROCESS, id_t(syscall(SYS_gettid)), 10);

    {
        ThreadConnection messages(
            QStringLiteral("index-read"), m_messagesPath,
            QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000"));
        ThreadConnection index(QStringLiteral("index"), m_indexPath);
        m_opened.set();
        Connections c;
        c.messages = messages.db();
        c.index = index.db();
        QString error;
        bool ready =
            c.messages.isOpen() && c.index.isOpen() && runAll(c.index, IndexPragmas, &error);
        if (!error.isEmpty())
            qCCritical(lcStore) << "search index:" << error;
        // Messages only (events are not searched), and no deleted one.
        c.newRows = sql::prepare(c.messages,
                                 QStringLiteral("SELECT rowid, kind, deleted, text FROM messages"
                                                " WHERE rowid > ? ORDER BY rowid LIMIT ?"));
        c.changes =
            sql::prepare(c.messages, QStringLiteral("SELECT id, msg_rowid FROM search_changes WHERE"
                                                    " id > ? ORDER BY id LIMIT ?"));
        c.current = sql::prepare(c.messages, QStringLiteral("SELECT kind, deleted, text FROM"
                                                            " messages WHERE rowid = ?"));
        // search.db's own statements: not recorded for the plan test (they are planned on
        // confab.db), each a write by rowid or key.
        const auto prepareIndex = [&c](const char *statement) {
            QSqlQuery q(c.index);
            if (!q.prepare(QString::fromLatin1(statement)))
                qCCritical(lcStore) << "search index: prepare failed:" << q.lastError().text();
            return q;
        };
        c.insert = prepareIndex("INSERT OR REPLACE INTO messages_fts(rowid, text) VALUES (?, ?)");
        c.remove = prepareIndex("DELETE FROM messages_fts WHERE rowid = ?");
        c.setMeta = prepareIndex("UPDATE meta SET value = ? WHERE key = ?");
        QSqlQuery meta = prepareIndex("SELECT value FROM meta WHERE key = ?");
        meta.bindValue(0, QStringLiteral("indexed_rowid"));
        m_indexedRowid = valueOf(meta);
        meta.bindValue(0, QStringLiteral("applied_change"));
        qint64 applied = valueOf(meta);
        if (applied < 0 && ready) {
            // A new index: every change so far is in the rows it is about to read.
            applied = sql::number(
                c.messages, QStringLiteral("SELECT COALESCE(MAX(id), 0) FROM search_changes"));
        }
        m_appliedChange = applied;
        if (!ready) { // nothing to index into: searches must not wait for it
            QMutexLocker lock(&m_mutex);
            m_stopping = true;
        }

        for (;;) {
            bool stopping = false;
            bool purgeNow = false;
            {
                QMutexLocker lock(&m_mutex);
                for (;;) {
                    if (m_stopping || m_nudged || m_purging.load())
                        break;
                    const qint64 now = monotonicNs();
                    if (m_purgeDueNs != 0 && now >= m_purgeDueNs)
                        break;
                    m_wake.wait(&m_mutex, m_purgeDueNs != 0
                                              ? QDeadlineTimer((m_purgeDueNs - now) / NsPerMs + 1)
                                              : QDeadlineTimer(QDeadlineTimer::Forever));
                }
                // Gather: the messages of the next few turns go in one batch, unless a search
                // waits for them.
                if (m_nudged && !m_urgent && !m_stopping)
                    m_wake.wait(&m_mutex, GatherMs);
                stopping = m_stopping;
                m_nudged = m_urgent = false;
                m_pendingNudge = false; // commits from now on nudge again
                if (!m_purging.load() && m_purgeDueNs != 0
                    && (stopping || monotonicNs() >= m_purgeDueNs)) {
                    m_purging = true; // set before the due time is cleared: tests read both
                    m_purgeDueNs = 0;
                    m_purgeAgain = false;
                    m_purgeSpentMs = 0;
                }
                purgeNow = m_purging.load();
            }
            if (ready) {
                while (indexBatch(c)) {
                }
            }
            if (purgeNow) {
                // Until done when stopping (what deletions left goes before we do); else a step,
                // then new messages first if any came.
                QMutexLocker lock(&m_mutex);
                bool done = !ready;
                while (!done) {
                    const qint64 started = purgeClockMs();
                    lock.unlock();
                    done = purgeStep(c, stopping ? PurgePages * 16 : PurgePages);
                    lock.relock();
                    m_purgeSpentMs += purgeClockMs() - started;
                    if (!stopping && m_nudged)
                        break;
                }
                if (done) {
                    m_purging = false;
                    m_lastPurgeMs = m_purgeSpentMs;
                    m_lastPurgeEndMs = purgeClockMs();
                    if (m_purgeAgain)
                        purgeOwed();
                }
            }
            if (stopping) {
                QMutexLocker lock(&m_mutex);
                if (!m_purging.load() && (m_purgeDueNs == 0 || !ready))
                    break;
            }
        }
        if (ready) // leave an index that needs no WAL
            QSqlQuery(c.index).exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
        c = Connections(); // statements finalized before their connections close
    }
    QMutexLocker lock(&m_mutex);
    m_stopping = true;
    m_progress.wakeAll();
}

bool SearchIndexer::indexBatch(Connections &c)
{
    struct Row {
        qint64 rowid;
        bool live; // a message, not deleted
        QString text;
    };
    std::vector<Row> rows;
    std::vector<std::pair<qint64, qint64>> changes; // id, message rowid (or a rescan mark)
    std::vector<Row> changed;                       // each change's message, now
    qint64 position = m_indexedRowid.load();
    qint64 applied = m_appliedChange.load();
    const auto live = [](const QSqlQuery &q, int from) {
        return q.value(from).toInt() == 0 && q.value(from + 1).toInt() == 0
               && !q.value(from + 2).toString().isEmpty();
    };
    // One read transaction: the new rows and the changes are one state of confab.db.
    c.messages.transaction();
    c.newRows.bindValue(0, position);
    c.newRows.bindValue(1, BatchRows);
    if (c.newRows.exec()) {
        while (c.newRows.next())
            rows.push_back({c.newRows.value(0).toLongLong(), live(c.newRows, 1),
                            c.newRows.value(3).toString()});
    }
    c.newRows.finish();
    c.changes.bindValue(0, applied);
    c.changes.bindValue(1, BatchRows);
    if (c.changes.exec()) {
        while (c.changes.next())
            changes.emplace_back(c.changes.value(0).toLongLong(), c.changes.value(1).toLongLong());
    }
    c.changes.finish();
    for (const auto &[id, rowid] : changes) {
        Row now{rowid, false, {}};
        if (rowid > 0) {
            c.current.bindValue(0, rowid);
            if (c.current.exec() && c.current.next())
                now = {rowid, live(c.current, 0), c.current.value(2).toString()};
            c.current.finish();
        }
        changed.push_back(std::move(now));
    }
    c.messages.commit();
    if (rows.empty() && changes.empty())
        return false;

    c.index.transaction();
    bool ok = true;
    const auto exec = [&ok](QSqlQuery &q, const char *what) {
        if (!q.exec()) {
            qCCritical(lcStore) << "search index:" << what << q.lastError().text();
            ok = false;
        }
    };
    for (const Row &row : rows) {
        if (row.live) {
            c.insert.bindValue(0, row.rowid);
            c.insert.bindValue(1, row.text);
            exec(c.insert, "index");
        }
        position = row.rowid;
    }
    bool removed = false;
    for (size_t i = 0; i < changes.size(); ++i) {
        const auto [id, rowid] = changes[i];
        applied = id;
        if (rowid <= 0) {
            // Rows above this were forgotten: their rowids may be given again, so the new rows
            // are read from here (an entry written twice is replaced, not doubled).
            position = std::min(position, -rowid - 1);
            continue;
        }
        c.remove.bindValue(0, rowid);
        exec(c.remove, "unindex");
        removed = true;
        if (changed[i].live && rowid <= position) { // else the new rows' reading takes it
            c.insert.bindValue(0, rowid);
            c.insert.bindValue(1, changed[i].text);
            exec(c.insert, "reindex");
        }
    }
    c.setMeta.bindValue(0, position);
    c.setMeta.bindValue(1, QStringLiteral("indexed_rowid"));
    exec(c.setMeta, "position");
    c.setMeta.bindValue(0, applied);
    c.setMeta.bindValue(1, QStringLiteral("applied_change"));
    exec(c.setMeta, "position");
    if (!ok || !c.index.commit()) {
        qCCritical(lcStore) << "search index: batch failed:" << c.index.lastError().text();
        c.index.rollback();
        return false; // tried again on the next nudge
    }
    QMutexLocker lock(&m_mutex);
    m_indexedRowid = position;
    m_appliedChange = applied;
    if (removed)
        purgeOwed();
    m_progress.wakeAll();
    return int(rows.size()) == BatchRows || int(changes.size()) == BatchRows;
}

bool SearchIndexer::purgeStep(Connections &c, int pages)
{
    // 'merge' with a negative page count merges any segments, about that many pages per call;
    // once the index is one segment, the removed entries are gone with the old ones. A call that
    // changes fewer than two rows found nothing left to merge (FTS5's documented test).
    QSqlQuery q(c.index);
    const auto changes = [&q] {
        return q.exec(QStringLiteral("SELECT total_changes()")) && q.next()
                   ? q.value(0).toLongLong()
                   : 0;
    };
    const qint64 before = changes();
    q.prepare(QStringLiteral("INSERT INTO messages_fts(messages_fts, rank) VALUES ('merge', ?)"));
    q.addBindValue(-pages);
    if (!q.exec()) {
        qCCritical(lcStore) << "search index: purge failed:" << q.lastError().text();
        return true;
    }
    return changes() - before < 2;
}

} // namespace confab
