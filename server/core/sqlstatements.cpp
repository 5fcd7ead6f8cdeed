#include "sqlstatements.h"

#include "logging.h"

#include <QMutex>
#include <QSet>
#include <QSqlError>
#include <atomic>

namespace confab::sql {

namespace {
std::atomic<bool> recording{false};
QMutex recordedMutex;
QSet<QString> recorded;

void note(const QString &sql)
{
    if (!recording.load(std::memory_order_relaxed))
        return;
    QMutexLocker lock(&recordedMutex);
    recorded.insert(sql);
}
} // namespace

QSqlQuery prepare(const QSqlDatabase &db, const QString &sql, bool *ok)
{
    note(sql);
    QSqlQuery q(db);
    q.setForwardOnly(true);
    const bool prepared = q.prepare(sql);
    if (!prepared)
        qCCritical(lcStore) << "prepare failed:" << q.lastError().text() << "in" << sql;
    if (ok)
        *ok = prepared;
    return q;
}

bool run(QSqlQuery &query, const QString &sql)
{
    note(sql);
    if (query.exec(sql))
        return true;
    qCCritical(lcStore) << "failed:" << query.lastError().text() << "in" << sql;
    return false;
}

qint64 number(const QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    return run(q, sql) && q.next() ? q.value(0).toLongLong() : 0;
}

void recordStatements(bool on)
{
    recording.store(on);
}

QStringList recordedStatements()
{
    QMutexLocker lock(&recordedMutex);
    QStringList list(recorded.begin(), recorded.end());
    list.sort();
    return list;
}

} // namespace confab::sql
