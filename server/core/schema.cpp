#include "schema.h"

#include "logging.h"

#include <QSqlError>
#include <QSqlQuery>

namespace confab::schema {

const QList<Migration> &migrations()
{
    static const QList<Migration> steps{
        {1,
         {
             // Each statement may find its object there already: databases made before the
             // schema had numbered steps were all created by these same statements.
             "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
             "CREATE TABLE IF NOT EXISTS rooms(name TEXT PRIMARY KEY, epoch TEXT NOT NULL,"
             " topic TEXT NOT NULL DEFAULT '')",
             "CREATE TABLE IF NOT EXISTS messages(rowid INTEGER PRIMARY KEY, room TEXT NOT NULL,"
             " seq INTEGER NOT NULL, id TEXT NOT NULL, user_id TEXT NOT NULL, nick TEXT NOT NULL,"
             " text TEXT NOT NULL, ts INTEGER NOT NULL, client_id TEXT, UNIQUE(room, seq))",
             "CREATE INDEX IF NOT EXISTS messages_dedup ON messages(room, user_id, client_id)"
             " WHERE client_id IS NOT NULL",
             // Case-insensitive words; diacritics are kept (a search for "cafe" does not find
             // "café").
             "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(text,"
             " content='messages', content_rowid='rowid',"
             " tokenize='unicode61 remove_diacritics 0')",
             // The search index is derived data, written in batches of its own (see
             // Store::indexPending); an early version wrote it from this trigger.
             "DROP TRIGGER IF EXISTS messages_ai",
             "INSERT OR IGNORE INTO meta(key, value) VALUES ('fts_rowid', '0')",
             "CREATE TABLE IF NOT EXISTS users(token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL,"
             " nick TEXT NOT NULL)",
             "CREATE TABLE IF NOT EXISTS reads(user_id TEXT NOT NULL, room TEXT NOT NULL,"
             " seq INTEGER NOT NULL, PRIMARY KEY(user_id, room)) WITHOUT ROWID",
         }},
        {2,
         {
             // Protocol 1.1 room events live in the messages table, in the room's seq order
             // (kind: 0 message, 1 edit, 2 delete, 3 reaction). Columns with defaults: every
             // row of version 1 is a message, and ADD COLUMN rewrites no row.
             "ALTER TABLE messages ADD COLUMN kind INTEGER NOT NULL DEFAULT 0",
             "ALTER TABLE messages ADD COLUMN target INTEGER",
             "ALTER TABLE messages ADD COLUMN emoji TEXT",
             // `on` is an SQL keyword.
             "ALTER TABLE messages ADD COLUMN reaction_on INTEGER",
             // A message's state: its last edit's ts, deleted (text erased), the message it
             // answers.
             "ALTER TABLE messages ADD COLUMN edited_ts INTEGER",
             "ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0",
             "ALTER TABLE messages ADD COLUMN reply_to INTEGER",
             // The events about one message (a deletion blanks its edits and reactions).
             "CREATE INDEX messages_target ON messages(room, target) WHERE target IS NOT NULL",
             // unread = the rows above the read position minus these (events and deleted
             // messages, few): a count over a small index, and a plain message never enters it.
             "CREATE INDEX messages_uncounted ON messages(room, seq)"
             " WHERE kind <> 0 OR deleted <> 0",
             // Who reacted with what, `at` the reaction event's seq (the order they reacted in).
             "CREATE TABLE reactions(room TEXT NOT NULL, seq INTEGER NOT NULL,"
             " emoji TEXT NOT NULL, user_id TEXT NOT NULL, at INTEGER NOT NULL,"
             " PRIMARY KEY(room, seq, emoji, user_id)) WITHOUT ROWID",
         }},
        {3,
         {
             // 1.1 operators' bans (store_bans.cpp): by user id, and for a user without a token
             // also by the address it came from (ip; '' for a ban by id alone). One row per
             // address; until_ms on the server's clock.
             "CREATE TABLE bans(user_id TEXT NOT NULL, ip TEXT NOT NULL DEFAULT '',"
             " until_ms INTEGER NOT NULL, reason TEXT NOT NULL DEFAULT '',"
             " by_id TEXT NOT NULL DEFAULT '', by_nick TEXT NOT NULL DEFAULT '',"
             " PRIMARY KEY(user_id, ip)) WITHOUT ROWID",
             "CREATE INDEX bans_ip ON bans(ip) WHERE ip <> ''",
         }},
        {4,
         {
             // Token users who have connected as operators (Storage::saveOperator): an operator
             // cannot be banned, online or not.
             "CREATE TABLE operators(user_id TEXT PRIMARY KEY) WITHOUT ROWID",
         }},
        {5,
         {
             // The search index moves to search.db, kept by a thread of its own
             // (searchindexer.h): written here, its commits held the event loop. It is read
             // again from the messages there. What it needs to hear of besides new messages
             // (an edit, a deletion, a forgotten room) is a row here, written with the change.
             "DROP TABLE IF EXISTS messages_fts",
             "DELETE FROM meta WHERE key = 'fts_rowid'",
             // AUTOINCREMENT: ids are never given again once the applied rows are deleted.
             "CREATE TABLE search_changes(id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " msg_rowid INTEGER NOT NULL)",
         }},
    };
    return steps;
}

std::optional<int> version(QSqlDatabase &db, QString *error)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'"))
        || !q.next()) {
        *error = q.lastError().text();
        return std::nullopt;
    }
    if (q.value(0).toInt() == 0)
        return 0;
    if (!q.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'schema'"))) {
        *error = q.lastError().text();
        return std::nullopt;
    }
    if (!q.next())
        return 0; // made before the version was recorded: step 1 finds everything in place
    bool ok = false;
    const int v = q.value(0).toString().toInt(&ok);
    if (!ok || v < 0) {
        *error = QStringLiteral("unreadable schema version '%1'").arg(q.value(0).toString());
        return std::nullopt;
    }
    return v;
}

std::optional<QString> migrate(QSqlDatabase &db, const QList<Migration> &steps)
{
    QString error;
    const auto current = version(db, &error);
    if (!current)
        return QStringLiteral("cannot read the schema version: %1").arg(error);
    const int latest = steps.isEmpty() ? 0 : steps.last().version;
    if (*current > latest)
        return QStringLiteral("the database has schema version %1, newer than this server's %2:"
                              " it was written by a newer Confab; run that version (or a"
                              " later one) on it")
            .arg(*current)
            .arg(latest);
    for (const Migration &step : steps) {
        if (step.version <= *current)
            continue;
        if (!db.transaction())
            return QStringLiteral("schema step %1: BEGIN failed: %2")
                .arg(step.version)
                .arg(db.lastError().text());
        std::optional<QString> failure;
        for (const char *statement : step.statements) {
            QSqlQuery q(db);
            if (!q.exec(QString::fromLatin1(statement))) {
                failure = QStringLiteral("schema step %1 (%2): %3")
                              .arg(step.version)
                              .arg(QString::fromLatin1(statement).left(60), q.lastError().text());
                break;
            }
        }
        if (!failure) {
            QSqlQuery q(db);
            q.prepare(QStringLiteral("INSERT INTO meta(key, value) VALUES ('schema', ?)"
                                     " ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
            q.addBindValue(QString::number(step.version));
            if (!q.exec())
                failure = QStringLiteral("schema step %1: recording the version: %2")
                              .arg(step.version)
                              .arg(q.lastError().text());
        }
        if (!failure && !db.commit())
            failure = QStringLiteral("schema step %1: COMMIT failed: %2")
                          .arg(step.version)
                          .arg(db.lastError().text());
        if (failure) {
            db.rollback();
            return failure;
        }
    }
    if (*current > 0 && *current < latest) // a new database is no news
        qCInfo(lcStore) << "schema moved from version" << *current << "to" << latest;
    return std::nullopt;
}

} // namespace confab::schema
