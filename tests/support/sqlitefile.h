// Statements run on a data directory's confab.db with a connection of the test's own (seeding
// a history, reading what the server left), for the tests of the SQLite store.
#pragma once

#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <QUuid>
#include <functional>

namespace confab::test {

// Runs statements on <dir>/confab.db with a connection of its own, with the search index
// (<dir>/search.db) attached as `search` as the server's search does; each query's rows are
// given to `row` (may be empty). Empty on success, else the error.
inline QString onDatabase(const QString &dir, const QStringList &statements,
                          const std::function<void(const QString &, const QSqlQuery &)> &row = {})
{
    const QString name = QUuid::createUuid().toString();
    QString error;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(dir + QStringLiteral("/confab.db"));
        if (!db.open())
            return db.lastError().text();
        if (QFile::exists(dir + QStringLiteral("/search.db"))) {
            QSqlQuery attach(db);
            attach.prepare(QStringLiteral("ATTACH DATABASE ? AS search"));
            attach.addBindValue(dir + QStringLiteral("/search.db"));
            if (!attach.exec())
                return attach.lastError().text();
        }
        for (const QString &statement : statements) {
            QSqlQuery q(db);
            if (!q.prepare(statement)) {
                error = statement + QStringLiteral(": ") + q.lastError().text();
                break;
            }
            // Parameters stay NULL: a plan is made before values are bound.
            for (qsizetype i = 0, n = statement.count(u'?'); i < n; ++i)
                q.addBindValue(QVariant());
            if (!q.exec()) {
                error = statement + QStringLiteral(": ") + q.lastError().text();
                break;
            }
            while (row && q.next())
                row(statement, q);
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return error;
}

} // namespace confab::test
