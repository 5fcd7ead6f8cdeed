#include "threadconnection.h"

#include "logging.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

namespace confab {

ThreadConnection::ThreadConnection(const QString &purpose, const QString &path,
                                   const QString &options)
    : m_name(QStringLiteral("confab-%1-%2").arg(purpose, QUuid::createUuid().toString()))
    , m_db(QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name))
{
    m_db.setDatabaseName(path);
    m_db.setConnectOptions(options);
    if (!m_db.open()) {
        qCCritical(lcStore) << purpose << "connection: cannot open" << path
                            << m_db.lastError().text();
        return;
    }
    // The first read opens the WAL and its shared memory (see the header).
    QSqlQuery touch(m_db);
    if (!touch.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")))
        qCCritical(lcStore) << purpose << "connection: cannot read" << path
                            << touch.lastError().text();
}

ThreadConnection::~ThreadConnection()
{
    m_db.close();
    m_db = QSqlDatabase(); // the last handle gone before the name is removed
    QSqlDatabase::removeDatabase(m_name);
}

bool OpenedSignal::wait(int timeoutMs)
{
    if (!m_seen)
        m_seen = m_opened.tryAcquire(1, timeoutMs);
    return m_seen;
}

} // namespace confab
