#include "walcheckpointer.h"

#include "logging.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

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

void WalCheckpointer::run()
{
    // A connection of this thread's own: QSqlDatabase connections stay on their thread.
    const QString name = QStringLiteral("confab-checkpoint-") + QUuid::createUuid().toString();
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(m_path);
        if (!db.open()) {
            qCCritical(lcStore) << "checkpoint connection failed:" << db.lastError().text();
        } else {
            QSqlQuery(db).exec(QStringLiteral("PRAGMA busy_timeout=1000"));
            QMutexLocker lock(&m_mutex);
            while (!m_stopping) {
                m_wake.wait(&m_mutex, m_intervalMs);
                if (m_stopping)
                    break;
                lock.unlock();
                QSqlQuery q(db);
                if (!q.exec(QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)")))
                    qCWarning(lcStore) << "checkpoint failed:" << q.lastError().text();
                lock.relock();
                ++m_checkpoints;
            }
            db.close();
        }
    }
    QSqlDatabase::removeDatabase(name);
}

} // namespace confab
