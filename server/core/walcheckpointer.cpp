#include "walcheckpointer.h"

#include "logging.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

namespace confab {

WalCheckpointer::WalCheckpointer(QString databasePath, int intervalMs)
    : m_path(std::move(databasePath))
    , m_intervalMs(intervalMs)
{
    setObjectName(QStringLiteral("confab-checkpoint"));
}

WalCheckpointer::~WalCheckpointer()
{
    stop();
}

void WalCheckpointer::stop()
{
    {
        QMutexLocker lock(&m_mutex);
        m_stopping = true;
        m_wake.wakeAll();
    }
    wait();
}

int WalCheckpointer::checkpoints() const
{
    QMutexLocker lock(&m_mutex);
    return m_checkpoints;
}

void WalCheckpointer::checkpointUntilRestartable(QSqlDatabase &db)
{
    // SQLite starts the WAL again from its beginning only when a writer begins a transaction and
    // finds every frame copied back. Under a steady stream of commits one checkpoint never ends
    // in that state (the store commits while it copies), so the WAL grew to the automatic
    // checkpoint's 4,000 pages and the store's own commit did that checkpoint, WAL fsync
    // included: 15-20 ms of a held event loop every few seconds at 1,000 sends/s with client
    // ids (issue 20). So: again, each pass copying only what came during the last (a few pages
    // and the database's fsync), until a pass finds the log copied back whole or short.
    for (int pass = 0; pass < MaxPasses; ++pass) {
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)")) || !q.next()) {
            qCWarning(lcStore) << "checkpoint failed:" << q.lastError().text();
            return;
        }
        const int logFrames = q.value(1).toInt();
        const int copied = q.value(2).toInt();
        if (logFrames < ShortLogFrames || copied < logFrames)
            return; // restarted meanwhile, or a reader holds older frames: try next interval
    }
}

void WalCheckpointer::run()
{
    ThreadConnection connection(QStringLiteral("checkpoint"), m_path,
                                QStringLiteral("QSQLITE_BUSY_TIMEOUT=1000"));
    m_opened.set();
    if (!connection.isOpen())
        return;
    QSqlDatabase &db = connection.db();
    QMutexLocker lock(&m_mutex);
    while (!m_stopping) {
        m_wake.wait(&m_mutex, m_intervalMs);
        if (m_stopping)
            break;
        lock.unlock();
        checkpointUntilRestartable(db);
        lock.relock();
        ++m_checkpoints;
    }
}

} // namespace confab
