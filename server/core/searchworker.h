// Runs searches on a thread of its own, on a read-only SQLite connection of its own (WAL lets it
// read while the store writes), so that no search holds the event loop: a search over every
// room of a user in 10,000 rooms took 599 ms on the hub's thread, and every other client
// waited that long.
//
// Requests are answered one at a time, in turns by lane (the client's address: one search of
// each lane that has any waiting, then the next round), each lane in the order it posted;
// finished() is emitted on the thread that created the worker. First come, first served let 8
// clients with 4 heavy searches each make everyone else's search wait 7-10 s (issue 19).
#pragma once

#include "codec.h"

#include "threadconnection.h"
#include <QHash>

#include <QMutex>
#include <QSet>
#include <QThread>
#include <QWaitCondition>
#include <atomic>
#include <deque>

class QSqlQuery;

namespace confab {

class SearchIndexer;

struct SearchRequest {
    quint64 ticket = 0;
    QString lane;
    QSet<QString> rooms;
    QStringList words;
    int limit = 0;
    // The newest message the search may find: the store's newest when the search was asked.
    // Messages stored while it waits for its turn do not change its answer.
    qint64 maxRowid = 0;
    // The newest change (edit, deletion) the index must have applied before the search runs.
    qint64 maxChange = 0;
};

class SearchWorker : public QThread
{
    Q_OBJECT
public:
    // budgetMs bounds the time one search spends walking matches (see run()). The index is
    // search.db (indexPath), kept by `indexer`, which a search waits for (at most IndexWaitMs:
    // then it answers from what the index has).
    SearchWorker(QString databasePath, QString indexPath, SearchIndexer *indexer, int budgetMs);
    static constexpr int IndexWaitMs = 5000;
    ~SearchWorker() override; // drops what is queued, stops and joins

    // From the creating thread.
    void post(SearchRequest request);
    void stop();
    // Once the thread's connection has its files open (see ThreadConnection).
    bool waitUntilOpen(int timeoutMs) { return m_opened.wait(timeoutMs); }

Q_SIGNALS:
    void finished(quint64 ticket, const QList<confab::protocol::ChatMessage> &messages);

protected:
    void run() override;

private:
    QList<protocol::ChatMessage> search(QSqlQuery &query, const SearchRequest &request);
    // Protocol 1.1: the found messages' reactions (their current state), one look-up each.
    static void addReactions(QSqlQuery &reactions, QList<protocol::ChatMessage> &found);

    const QString m_path;
    const QString m_indexPath;
    SearchIndexer *const m_indexer;
    const int m_budgetMs;
    QMutex m_mutex;
    QWaitCondition m_wake;
    // Lanes with searches waiting, in the order of their next turn, and each lane's searches.
    std::deque<QString> m_turns;
    QHash<QString, std::deque<SearchRequest>> m_lanes;
    std::atomic<bool> m_stopping = false;
    OpenedSignal m_opened;
};

} // namespace confab
