// The SQLite schema's version and the numbered migrations that move a database forward.
//
// The version lives in the meta table's 'schema' row (version 1 already wrote it); a database
// without a meta table is version 0 (new). Opening runs, in order, every step above the
// database's version, each in a transaction of its own that also records its number: a step
// either happens completely or not at all, and never twice. A database whose version is above
// what this code knows was written by a newer server and is refused, untouched.
//
// Later work adds steps at the end of migrations() (never edits a released one) and raises
// CurrentVersion.
#pragma once

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <optional>

namespace confab::schema {

struct Migration {
    int version; // the version the database has after this step
    QList<const char *> statements;
};

// Version 1: rooms with epoch and topic, messages with seq and client id, the FTS5 index and
// its position, token users, read positions.
// Version 2 (protocol 1.1): room events of every kind in the messages table (kind, target,
// emoji, reaction_on), message state (edited_ts, deleted, reply_to), the reactions table.
// Version 3 (protocol 1.1): operators' bans.
// Version 4: operators.
// Version 5: the search index moves to search.db (searchindexer.h); search_changes tells it
// of edits, deletions and forgotten rooms.
inline constexpr int CurrentVersion = 5;

// Every step from an empty database to CurrentVersion, in order.
const QList<Migration> &migrations();

// The database's schema version: 0 for a new database, nothing (and the error) on failure.
std::optional<int> version(QSqlDatabase &db, QString *error);

// Brings the database to the last step's version. Returns an error message on failure (the
// failed step is rolled back), or when the database is newer than the last step.
std::optional<QString> migrate(QSqlDatabase &db, const QList<Migration> &steps = migrations());

} // namespace confab::schema
