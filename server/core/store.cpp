#include "store.h"

#include "logging.h"
#include "schema.h"
#include "searchindexer.h"
#include "searchworker.h"
#include "sqlstatements.h"
#include "walcheckpointer.h"

#include <QDir>
#include <QFile>
#include <QScopeGuard>
#include <QSqlError>
#include <QTimer>
#include <QUuid>
#include <algorithm>

namespace confab {

using protocol::ChatMessage;

QString eventColumns(const QString &prefix)
{
    static const QStringList columns{
        QStringLiteral("room"),    QStringLiteral("seq"),         QStringLiteral("id"),
        QStringLiteral("user_id"), QStringLiteral("nick"),        QStringLiteral("text"),
        QStringLiteral("ts"),      QStringLiteral("kind"),        QStringLiteral("target"),
        QStringLiteral("emoji"),   QStringLiteral("reaction_on"), QStringLiteral("edited_ts"),
        QStringLiteral("deleted"), QStringLiteral("reply_to")};
    QStringList out;
    for (const QString &column : columns)
        out.append(prefix + column);
    return out.join(QStringLiteral(", "));
}

ChatMessage messageFromRow(const QSqlQuery &q)
{
    ChatMessage m;
    m.room = q.value(0).toString();
    m.seq = q.value(1).toLongLong();
    m.id = q.value(2).toString();
    m.from = {q.value(3).toString(), q.value(4).toString()};
    m.text = q.value(5).toString();
    m.ts = q.value(6).toLongLong();
    m.kind = ChatMessage::Kind(std::clamp(q.value(7).toInt(), 0, 3));
    if (!m.isMessage()) {
        m.target = q.value(8).toLongLong();
        m.emoji = q.value(9).toString();
        m.on = q.value(10).toInt() != 0;
        return m;
    }
    if (!q.value(11).isNull())
        m.editedTs = q.value(11).toLongLong();
    m.deleted = q.value(12).toInt() != 0;
    if (!q.value(13).isNull())
        m.replyTo = q.value(13).toLongLong();
    return m;
}

Store::Store(QObject *parent)
    : Storage(parent)
    , m_connectionName(QStringLiteral("confab-store-") + QUuid::createUuid().toString())
{
    connect(&m_optimizeTimer, &QTimer::timeout, this, &Store::optimize);
}

Store::~Store()
{
    close();
}

void Store::readNewest()
{
    m_lastRowid = sql::number(m_db, QStringLiteral("SELECT COALESCE(MAX(rowid), 0) FROM messages"));
    m_lastChange =
        sql::number(m_db, QStringLiteral("SELECT COALESCE(MAX(id), 0) FROM search_changes"));
}

void Store::indexPending()
{
    commit();
    if (m_indexer && !m_indexer->waitFor(m_lastRowid, m_lastChange, 60000))
        qCWarning(lcStore) << "the search index did not catch up in 60 s";
}

bool Store::purging() const
{
    return m_indexer && m_indexer->purging();
}

qint64 Store::lastPurgeMs() const
{
    return m_indexer ? m_indexer->lastPurgeMs() : 0;
}

int Store::purgeDueInMs() const
{
    return m_indexer ? m_indexer->purgeDueInMs() : -1;
}

void Store::setPurgeClockForTests(std::function<qint64()> clock)
{
    if (m_indexer)
        m_indexer->setPurgeClockForTests(std::move(clock));
}

std::optional<QString> Store::open(const QString &dataDir)
{
    if (!QDir().mkpath(dataDir))
        return QStringLiteral("cannot create data directory '%1'").arg(dataDir);
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    m_db.setDatabaseName(QDir(dataDir).filePath(QStringLiteral("confab.db")));
    if (!m_db.open())
        return QStringLiteral("cannot open database in '%1': %2")
            .arg(dataDir, m_db.lastError().text());

    // WAL with synchronous=NORMAL: a committed transaction survives the process being killed
    // (it is in the WAL file); only a power loss can take the last transactions.
    // Checkpoints run on a thread of their own (walcheckpointer.h), not inside our commits. The
    // automatic one stays as a safety net at 10,000 pages (40 MiB): if that thread gets no CPU,
    // the WAL still cannot grow without bound. (At 4,000 pages it fired every few seconds at
    // 1,000 sends/s with client ids, holding the loop 15-20 ms for the WAL's fsync.)
    // Before anything is written: a database from a newer server is left as it is.
    QString versionError;
    const auto version = schema::version(m_db, &versionError);
    if (!version || *version > schema::CurrentVersion) {
        const QString why =
            version ? QStringLiteral("it has schema version %1, newer than this server's %2: it"
                                     " was written by a newer Confab; run that version (or a"
                                     " later one) on it")
                          .arg(*version)
                          .arg(schema::CurrentVersion)
                    : QStringLiteral("cannot read its schema version: %1").arg(versionError);
        const QString name = m_db.databaseName();
        m_db.close(); // without close()'s final checkpoint: nothing is written
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
        return QStringLiteral("cannot use database '%1': %2").arg(name, why);
    }
    // secure_delete: what SQLite frees (a deleted message's text, its old index segments) is
    // overwritten with zeros, not left in free space (protocol 1.1: a deletion erases).
    for (const char *pragma :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000",
          "PRAGMA temp_store=MEMORY", "PRAGMA wal_autocheckpoint=10000", "PRAGMA secure_delete=ON",
          "PRAGMA analysis_limit=1000"}) {
        QSqlQuery q(m_db);
        if (!q.exec(QString::fromLatin1(pragma)))
            return QStringLiteral("%1 failed: %2").arg(pragma, q.lastError().text());
    }
    if (auto error = schema::migrate(m_db))
        return QStringLiteral("cannot bring database '%1' up to date: %2")
            .arg(m_db.databaseName(), *error);
    m_schemaVersion = schema::CurrentVersion;
    // A room row without messages belonged to a room that only lived while it had members;
    // one with a topic is kept, so the topic is there again when the room is (hub.h).
    QSqlQuery purge(m_db);
    sql::run(purge, QStringLiteral("DELETE FROM rooms WHERE topic = '' AND NOT EXISTS"
                                   " (SELECT 1 FROM messages m WHERE m.room = rooms.name)"));

    // The search index, derived data in a file of its own: a new one when it cannot be used
    // (it is read again from the messages, on the index's thread).
    const QString indexPath = QDir(dataDir).filePath(QStringLiteral("search.db"));
    if (auto error = SearchIndexer::createIndex(indexPath)) {
        qCWarning(lcStore) << "the search index" << indexPath << "cannot be used (" << *error
                           << "): starting a new one";
        for (const char *suffix : {"", "-wal", "-shm"})
            QFile::remove(indexPath + QLatin1String(suffix));
        if (auto again = SearchIndexer::createIndex(indexPath))
            return QStringLiteral("cannot create the search index '%1': %2").arg(indexPath, *again);
    }
    readNewest();
    m_insertMessage = std::make_unique<QSqlQuery>(
        prepare(QStringLiteral("INSERT INTO messages(room, seq, id, user_id, nick, text, ts,"
                               " client_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")));
    m_insertEvent = std::make_unique<QSqlQuery>(prepare(QStringLiteral(
        "INSERT INTO messages(room, seq, id, user_id, nick, text, ts, client_id, kind, target,"
        " emoji, reaction_on, reply_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")));
    m_findTarget = std::make_unique<QSqlQuery>(
        prepare(QStringLiteral("SELECT rowid, kind, user_id, text, deleted FROM messages"
                               " WHERE room = ? AND seq = ?")));
    {
        QSqlQuery q(m_db);
        m_anyReactions = sql::run(q, QStringLiteral("SELECT EXISTS (SELECT 1 FROM reactions)"))
                         && q.next() && q.value(0).toBool();
    }
    m_saveRoom = std::make_unique<QSqlQuery>(prepare(
        QStringLiteral("INSERT INTO rooms(name, epoch, topic) VALUES (?, ?, ?) ON CONFLICT"
                       "(name) DO UPDATE SET epoch = excluded.epoch, topic = excluded.topic")));
    m_deleteRoom = std::make_unique<QSqlQuery>(
        prepare(QStringLiteral("DELETE FROM rooms WHERE name = ? AND topic = '' AND NOT EXISTS"
                               " (SELECT 1 FROM messages WHERE room = ?)")));
    m_saveUser = std::make_unique<QSqlQuery>(
        prepare(QStringLiteral("INSERT INTO users(token_hash, user_id, nick) VALUES (?, ?, ?)"
                               " ON CONFLICT(token_hash) DO UPDATE SET nick = excluded.nick")));
    m_saveRead = std::make_unique<QSqlQuery>(
        prepare(QStringLiteral("INSERT INTO reads(user_id, room, seq) VALUES (?, ?, ?)"
                               " ON CONFLICT(user_id, room) DO UPDATE SET seq = excluded.seq")));
    m_optimizeTimer.start(FirstOptimizeMs);
    m_checkpointer = std::make_unique<WalCheckpointer>(m_db.databaseName(), CheckpointIntervalMs);
    // Normal priority: at SCHED_IDLE it starved on a saturated core, the WAL grew and durable
    // publishes fell 13%.
    m_checkpointer->start();
    m_indexer = std::make_unique<SearchIndexer>(m_db.databaseName(), indexPath);
    m_indexer->start();
    m_searcher = std::make_unique<SearchWorker>(m_db.databaseName(), indexPath, m_indexer.get(),
                                                SearchBudgetMs);
    connect(m_searcher.get(), &SearchWorker::finished, this, &Store::searchFinished);
    m_searcher->start();
    // Their files open before the server listens (see ThreadConnection).
    if (!m_checkpointer->waitUntilOpen(ThreadOpenWaitMs)
        || !m_indexer->waitUntilOpen(ThreadOpenWaitMs)
        || !m_searcher->waitUntilOpen(ThreadOpenWaitMs))
        qCWarning(lcStore) << "a store thread has not opened its files after" << ThreadOpenWaitMs
                           << "ms; going on";
    qCInfo(lcStore) << "opened" << m_db.databaseName();
    return std::nullopt;
}

void Store::close()
{
    if (!m_db.isValid())
        return;
    commit();
    m_optimizeTimer.stop();
    optimize();
    m_searcher.reset(); // stops its thread; searches not yet answered never will be
    // Stops its thread once the index has everything and what deletions left in it is purged.
    m_indexer.reset();
    m_checkpointer.reset(); // stops its thread
    // Leave a database that needs no WAL: everything copied back, the log emptied.
    QSqlQuery(m_db).exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    m_cached.clear();
    m_insertMessage.reset();
    m_insertEvent.reset();
    m_findTarget.reset();
    m_saveRoom.reset();
    m_deleteRoom.reset();
    m_saveUser.reset();
    m_saveRead.reset();
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
    m_schemaVersion = 0;
}

QSqlQuery Store::prepare(const QString &statement)
{
    return sql::prepare(m_db, statement);
}

QSqlQuery &Store::cached(const QString &statement)
{
    auto it = m_cached.find(statement);
    if (it == m_cached.end())
        it = m_cached.insert(statement, prepare(statement));
    return *it;
}

void Store::optimize()
{
    if (!m_db.isOpen())
        return;
    commit();
    // SQLite re-analyzes the tables this connection used whose statistics are missing or out of
    // date; analysis_limit (set at open) keeps that to a few milliseconds in a table of millions.
    QSqlQuery q(m_db);
    sql::run(q, QStringLiteral("PRAGMA optimize"));
    m_optimizeTimer.start(OptimizeIntervalMs);
}

bool Store::exec(QSqlQuery &query, const char *what)
{
    if (query.exec())
        return true;
    qCCritical(lcStore) << what << "failed:" << query.lastError().text();
    return false;
}

void Store::beginWrite()
{
    if (!m_inTransaction) {
        if (!m_db.transaction())
            qCCritical(lcStore) << "BEGIN failed:" << m_db.lastError().text();
        m_inTransaction = true;
        // A zero timer runs once the events already waiting (other sockets' frames) are
        // handled: everything they write shares this transaction.
        QTimer::singleShot(0, this, &Store::commit);
    }
    // The write runs now, inside the open transaction: this connection's reads see it at once
    // (an event's checks, a de-duplication, a history), so no reader has to commit early and
    // split the group (issue 20: every edit and reaction cost a commit of its own).
    ++m_writesInTransaction;
}

void Store::commit()
{
    if (!m_inTransaction)
        return;
    m_inTransaction = false;
    if (!m_db.commit()) {
        qCCritical(lcStore) << "COMMIT failed, rolling back" << m_writesInTransaction
                            << "writes:" << m_db.lastError().text();
        m_db.rollback();
    }
    m_writesInTransaction = 0;
    if (m_indexNews && m_indexer)
        m_indexer->nudge();
    m_indexNews = false;
    Q_EMIT committed();
}

QList<StoredRoom> Store::loadRooms()
{
    QList<StoredRoom> rooms;
    QSqlQuery q(m_db);
    sql::run(q, QStringLiteral("SELECT r.name, r.epoch, r.topic, COALESCE((SELECT MAX(seq) FROM"
                               " messages m WHERE m.room = r.name), 0) FROM rooms r"));
    while (q.next())
        rooms.append({q.value(0).toString(), q.value(1).toString(), q.value(2).toString(),
                      q.value(3).toLongLong()});
    return rooms;
}

void Store::saveRoom(const QString &name, const QString &epoch, const QString &topic)
{
    write([&] {
        m_saveRoom->bindValue(0, name);
        m_saveRoom->bindValue(1, epoch);
        m_saveRoom->bindValue(2, topic.isNull() ? QStringLiteral("") : topic); // never NULL
        exec(*m_saveRoom, "save room");
    });
}

void Store::deleteRoom(const QString &name)
{
    write([&] {
        m_deleteRoom->bindValue(0, name);
        m_deleteRoom->bindValue(1, name);
        exec(*m_deleteRoom, "delete room");
    });
}

void Store::appendMessage(const ChatMessage &m, const QString &clientId)
{
    if (m.replyTo) // 1.1: the statement with every column (a plain message keeps its own)
        return writeEvent(m, clientId, Target{});
    write([&] {
        m_insertMessage->bindValue(0, m.room);
        m_insertMessage->bindValue(1, m.seq);
        m_insertMessage->bindValue(2, m.id);
        m_insertMessage->bindValue(3, m.from.id);
        m_insertMessage->bindValue(4, m.from.nick);
        m_insertMessage->bindValue(5, m.text);
        m_insertMessage->bindValue(6, m.ts);
        m_insertMessage->bindValue(7, clientId.isEmpty() ? QVariant() : QVariant(clientId));
        if (exec(*m_insertMessage, "insert message")) {
            m_lastRowid = m_insertMessage->lastInsertId().toLongLong();
            m_indexNews = true;
        }
    });
}

QString Store::dedupLookupSql()
{
    // Issue 20: planned on the (room, seq) key to spare the sort of "ORDER BY seq", SQLite
    // walked the room's every row (94 ms a send with 200,000 stored). The partial index
    // messages_dedup is usable only when the query says client_id IS NOT NULL itself, and
    // "+seq" keeps the key out of the choice: the index finds the few rows, which are sorted.
    return QStringLiteral("SELECT %1 FROM messages WHERE room = ? AND user_id = ? AND"
                          " client_id = ? AND client_id IS NOT NULL AND ts >= ? AND kind = ?"
                          " ORDER BY +seq DESC LIMIT 1")
        .arg(eventColumns());
}

std::optional<ChatMessage> Store::findByClientId(const QString &room, const QString &userId,
                                                 const QString &clientId, qint64 minTs,
                                                 ChatMessage::Kind kind)
{
    // A message written this turn is found too: it is in the open transaction.
    static const QString statement = dedupLookupSql();
    QSqlQuery &q = cached(statement);
    const auto done = qScopeGuard([&q] { q.finish(); });
    q.addBindValue(room);
    q.addBindValue(userId);
    q.addBindValue(clientId);
    q.addBindValue(minTs);
    q.addBindValue(int(kind));
    if (!exec(q, "dedup lookup") || !q.next())
        return std::nullopt;
    QList<ChatMessage> found{messageFromRow(q)};
    attachReactions(found); // the original in its current state
    return found.first();
}

QList<ChatMessage> Store::latest(const QString &room, qint64 afterSeq, qint64 beforeSeq, int limit)
{
    static const QString statement =
        QStringLiteral("SELECT %1 FROM messages WHERE room = ? AND seq > ? AND seq < ? ORDER BY"
                       " seq DESC LIMIT ?")
            .arg(eventColumns());
    QSqlQuery &q = cached(statement);
    q.addBindValue(room);
    q.addBindValue(afterSeq);
    q.addBindValue(beforeSeq);
    q.addBindValue(limit);
    QList<ChatMessage> messages;
    if (exec(q, "history")) {
        while (q.next())
            messages.append(messageFromRow(q));
        q.finish();
    }
    std::reverse(messages.begin(), messages.end());
    attachReactions(messages);
    return messages;
}

void Store::startSearch(quint64 ticket, const QString &lane, QSet<QString> rooms, QStringList words,
                        int limit)
{
    commit();          // the index's thread reads what is committed
    if (!m_searcher) { // not open: nothing to find, answered all the same
        QMetaObject::invokeMethod(
            this, [this, ticket] { Q_EMIT searchFinished(ticket, {}); }, Qt::QueuedConnection);
        return;
    }
    m_searcher->post(
        {ticket, lane, std::move(rooms), std::move(words), limit, m_lastRowid, m_lastChange});
}

std::optional<StoredUser> Store::userForToken(const QString &tokenHash)
{
    QSqlQuery &q = cached(QStringLiteral("SELECT user_id, nick FROM users WHERE token_hash = ?"));
    const auto done = qScopeGuard([&q] { q.finish(); });
    q.addBindValue(tokenHash);
    if (exec(q, "user lookup") && q.next())
        return StoredUser{q.value(0).toString(), q.value(1).toString(), {}};
    return std::nullopt;
}

void Store::saveUser(const QString &tokenHash, const QString &userId, const QString &nick)
{
    write([&] {
        m_saveUser->bindValue(0, tokenHash);
        m_saveUser->bindValue(1, userId);
        m_saveUser->bindValue(2, nick);
        exec(*m_saveUser, "save user");
    });
}

QHash<QString, qint64> Store::readPositions(const QString &userId)
{
    QHash<QString, qint64> positions;
    QSqlQuery &q = cached(QStringLiteral("SELECT room, seq FROM reads WHERE user_id = ?"));
    q.addBindValue(userId);
    if (exec(q, "read positions")) {
        while (q.next())
            positions.insert(q.value(0).toString(), q.value(1).toLongLong());
        q.finish();
    }
    return positions;
}

void Store::saveReadPosition(const QString &userId, const QString &room, qint64 seq)
{
    write([&] {
        m_saveRead->bindValue(0, userId);
        m_saveRead->bindValue(1, room);
        m_saveRead->bindValue(2, seq);
        exec(*m_saveRead, "save read position");
    });
}

} // namespace confab
