// Every SQL statement the single-server store runs is prepared here, so that one test can read
// the query plan of each against a room with a large history (tst_queryplans): a statement
// planned to walk a room's rows where an index lookup was meant costs nothing in a small test
// and everything in a chat a year old (issue 20: a send took 94 ms with 200,000 messages).
#pragma once

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStringList>

namespace confab::sql {

// Prepares `sql` on `db`, forward only (rows are read once, in order: Qt keeps no copy); a
// failure is logged (and the query's exec() fails), and told through `ok` when given.
QSqlQuery prepare(const QSqlDatabase &db, const QString &sql, bool *ok = nullptr);
// Prepares and runs a statement without parameters; false (logged) on failure.
bool run(QSqlQuery &query, const QString &sql);
// Runs a statement without parameters and answers its first row's first column as a number
// (0 when it fails, logged, or has no row).
qint64 number(const QSqlDatabase &db, const QString &sql);

// For the plan test: from now on, note the text of every statement prepared (any thread), and
// the list so far (each once).
void recordStatements(bool on);
QStringList recordedStatements();

} // namespace confab::sql
