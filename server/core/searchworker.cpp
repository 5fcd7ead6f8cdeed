#include "searchworker.h"

#include "logging.h"
#include "searchindexer.h"
#include "sqlstatements.h"
#include "store.h"

#include <QElapsedTimer>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

namespace confab {

using protocol::ChatMessage;

namespace {

// Matches newest first, by the FTS index's own rowid order (no sort), the messages table
// looked up per match (CROSS JOIN keeps that order of the loops). Rooms are filtered by the
// walker, not by SQL: a user in 10,000 rooms made a 10,000-value IN list, and SQLite then
// walked the rooms instead of the matches.
// The messages' state is the row's (an edit replaced the text; a deleted message is no longer
// in the index once it has caught up, and skipped if it has not).
QString searchSql()
{
    return QStringLiteral("SELECT %1 FROM search.messages_fts f"
                          " CROSS JOIN messages m ON m.rowid = f.rowid"
                          " WHERE f.messages_fts MATCH ? AND f.rowid <= ?"
                          " ORDER BY f.rowid DESC")
        .arg(eventColumns(QStringLiteral("m.")));
}

} // namespace

SearchWorker::SearchWorker(QString databasePath, QString indexPath, SearchIndexer *indexer,
                           int budgetMs)
    : m_path(std::move(databasePath))
    , m_indexPath(std::move(indexPath))
    , m_indexer(indexer)
    , m_budgetMs(budgetMs)
{
    setObjectName(QStringLiteral("confab-search"));
}

SearchWorker::~SearchWorker()
{
    stop();
}

void SearchWorker::post(SearchRequest request)
{
    QMutexLocker lock(&m_mutex);
    std::deque<SearchRequest> &lane = m_lanes[request.lane];
    if (lane.empty())
        m_turns.push_back(request.lane);
    lane.push_back(std::move(request));
    m_wake.wakeOne();
}

void SearchWorker::stop()
{
    {
        QMutexLocker lock(&m_mutex);
        m_stopping = true;
        m_turns.clear();
        m_lanes.clear();
        m_wake.wakeAll();
    }
    wait();
}

void SearchWorker::run()
{
    {
        // Not opened read-only: SQLite opens an attached database with the main one's flags,
        // and a read-only one cannot make search.db's shared-memory file if it is missing.
        // query_only instead: this connection never writes.
        ThreadConnection connection(QStringLiteral("search"), m_path,
                                    QStringLiteral("QSQLITE_BUSY_TIMEOUT=1000"));
        QSqlDatabase &db = connection.db();
        {
            QSqlQuery setup(db);
            if (!setup.exec(QStringLiteral("PRAGMA query_only=1")))
                qCCritical(lcStore) << "search connection:" << setup.lastError().text();
            setup.prepare(QStringLiteral("ATTACH DATABASE ? AS search"));
            setup.addBindValue(m_indexPath);
            if (!setup.exec())
                qCCritical(lcStore) << "search index cannot be read:" << setup.lastError().text();
        }
        bool ready = false;
        QSqlQuery query = sql::prepare(db, searchSql(), &ready);
        QSqlQuery reactions = sql::prepare(db, QStringLiteral("SELECT emoji, user_id FROM"
                                                              " reactions WHERE room = ? AND"
                                                              " seq = ? ORDER BY at"));
        // search.db is attached and both schemas read: its files are open too.
        m_opened.set();
        for (;;) {
            SearchRequest request;
            {
                QMutexLocker lock(&m_mutex);
                while (m_turns.empty() && !m_stopping)
                    m_wake.wait(&m_mutex);
                if (m_stopping)
                    break;
                const QString lane = m_turns.front();
                m_turns.pop_front();
                const auto it = m_lanes.find(lane);
                request = std::move(it->front());
                it->pop_front();
                if (it->empty())
                    m_lanes.erase(it);
                else
                    m_turns.push_back(lane); // its next search after every other lane's
            }
            QList<ChatMessage> found;
            if (m_indexer && !m_indexer->waitFor(request.maxRowid, request.maxChange, IndexWaitMs))
                qCWarning(lcStore) << "search: the index is behind; answered from what it has";
            if (ready) {
                found = search(query, request);
                addReactions(reactions, found);
            }
            QMetaObject::invokeMethod(
                this,
                [this, ticket = request.ticket, found = std::move(found)] {
                    Q_EMIT finished(ticket, found);
                },
                Qt::QueuedConnection);
        }
        query = QSqlQuery(); // finalized before its connection closes
        reactions = QSqlQuery();
    }
}

QList<ChatMessage> SearchWorker::search(QSqlQuery &query, const SearchRequest &request)
{
    if (request.rooms.isEmpty() || request.words.isEmpty() || request.limit <= 0)
        return {};
    QStringList terms;
    for (const QString &w : request.words) // letters and digits only: no quoting needed
        terms.append(QLatin1Char('"') + w + QStringLiteral("\"*"));
    query.bindValue(0, terms.join(QLatin1Char(' ')));
    query.bindValue(1, request.maxRowid);
    if (!query.exec()) {
        qCCritical(lcStore) << "search failed:" << query.lastError().text();
        return {};
    }
    // A query whose matches lie mostly in other rooms walks many rows: past the budget it
    // answers with the newest matches found so far, so one search cannot delay the next ones
    // for long.
    QElapsedTimer clock;
    clock.start();
    QList<ChatMessage> found;
    qint64 examined = 0;
    while (found.size() < request.limit && query.next()) {
        ++examined;
        if (request.rooms.contains(query.value(0).toString())) {
            ChatMessage m = messageFromRow(query);
            if (!m.deleted && m.isMessage())
                found.append(std::move(m));
        }
        if (clock.hasExpired(m_budgetMs) || m_stopping) {
            qCDebug(lcStore) << "search stopped after" << clock.elapsed() << "ms," << examined
                             << "matches examined," << found.size() << "found";
            break;
        }
    }
    query.finish();
    return found;
}

void SearchWorker::addReactions(QSqlQuery &reactions, QList<ChatMessage> &found)
{
    for (ChatMessage &m : found) {
        reactions.bindValue(0, m.room);
        reactions.bindValue(1, m.seq);
        if (!reactions.exec()) {
            qCCritical(lcStore) << "search reactions failed:" << reactions.lastError().text();
            return;
        }
        while (reactions.next())
            m.reactions[reactions.value(0).toString()].append(reactions.value(1).toString());
        reactions.finish();
    }
}

} // namespace confab
