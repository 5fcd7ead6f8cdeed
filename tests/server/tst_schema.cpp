// The store's schema: versioned, moved forward by numbered migrations. A database made by an
// earlier version opens with every message; one made by a newer version is refused.
#include "schema.h"
#include "sqlitefile.h"
#include "store.h"

#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace confab;

namespace {

// Schema version 1, exactly as the first versions of store.cpp created it.
const char *const version1[] = {
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS rooms(name TEXT PRIMARY KEY, epoch TEXT NOT NULL,"
    " topic TEXT NOT NULL DEFAULT '')",
    "CREATE TABLE IF NOT EXISTS messages(rowid INTEGER PRIMARY KEY, room TEXT NOT NULL,"
    " seq INTEGER NOT NULL, id TEXT NOT NULL, user_id TEXT NOT NULL, nick TEXT NOT NULL,"
    " text TEXT NOT NULL, ts INTEGER NOT NULL, client_id TEXT, UNIQUE(room, seq))",
    "CREATE INDEX IF NOT EXISTS messages_dedup ON messages(room, user_id, client_id)"
    " WHERE client_id IS NOT NULL",
    "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(text, content='messages',"
    " content_rowid='rowid', tokenize='unicode61 remove_diacritics 0')",
    "DROP TRIGGER IF EXISTS messages_ai",
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('fts_rowid', '0')",
    "CREATE TABLE IF NOT EXISTS users(token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL,"
    " nick TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS reads(user_id TEXT NOT NULL, room TEXT NOT NULL,"
    " seq INTEGER NOT NULL, PRIMARY KEY(user_id, room)) WITHOUT ROWID",
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', '1')",
};

// Runs statements on <dir>/confab.db with a connection of its own. Empty on success.
QString execAll(const QString &dir, const QStringList &statements)
{
    return test::onDatabase(dir, statements);
}

QString scalar(const QString &dir, const QString &sql)
{
    const QString name = QUuid::createUuid().toString();
    QString value;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(dir + QStringLiteral("/confab.db"));
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(sql) && q.next())
                value = q.value(0).toString();
            db.close();
        }
    }
    QSqlDatabase::removeDatabase(name);
    return value;
}

QStringList version1Statements()
{
    QStringList out;
    for (const char *s : version1)
        out.append(QString::fromLatin1(s));
    return out;
}

// A version-1 database with messages, a user, a read position and rooms with and without topic.
QString makeVersion1(const QString &dir)
{
    QStringList statements = version1Statements();
    statements << "INSERT INTO rooms VALUES ('general', 'epoch-g', 'release day')"
               << "INSERT INTO rooms VALUES ('plans', 'epoch-p', 'kept topic')"
               << "INSERT INTO users VALUES ('hash-a', 'user-a', 'alice')"
               << "INSERT INTO reads VALUES ('user-a', 'general', 3)";
    for (int seq = 1; seq <= 5; ++seq)
        statements << QStringLiteral("INSERT INTO messages(room, seq, id, user_id, nick, text, ts,"
                                     " client_id) VALUES ('general', %1, 'id-%1', 'user-a',"
                                     " 'alice', 'old words %1', %2, 'c%1')")
                          .arg(seq)
                          .arg(1700000000000LL + seq);
    return execAll(dir, statements);
}

} // namespace

class TestSchema : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void aVersion1DatabaseOpensWithEveryMessage()
    {
        QTemporaryDir dir;
        QCOMPARE(makeVersion1(dir.path()), QString());
        {
            Store store;
            const auto error = store.open(dir.path());
            QVERIFY2(!error, qPrintable(error.value_or(QString())));
            const auto messages = store.latest("general", 0, 1000, 100);
            QCOMPARE(messages.size(), 5);
            for (int i = 0; i < 5; ++i) {
                QCOMPARE(messages[i].seq, i + 1);
                QCOMPARE(messages[i].text, QStringLiteral("old words %1").arg(i + 1));
                QCOMPARE(messages[i].from.nick, "alice");
            }
            QVERIFY(store.findByClientId("general", "user-a", "c2", 0).has_value());
            QCOMPARE(store.userForToken("hash-a")->id, "user-a");
            QCOMPARE(store.readPositions("user-a").value("general"), 3);
            QStringList rooms;
            for (const StoredRoom &r : store.loadRooms())
                rooms.append(r.name + '=' + r.topic);
            rooms.sort();
            QCOMPARE(rooms, (QStringList{"general=release day", "plans=kept topic"}));
            // The old messages were never indexed: they are now.
            QSignalSpy found(&store, &Store::searchFinished);
            store.startSearch(1, "lane", {"general"}, {"old"}, 10);
            QVERIFY(found.wait());
            QCOMPARE(found.first().at(1).value<QList<protocol::ChatMessage>>().size(), 5);
            QCOMPARE(store.schemaVersion(), schema::CurrentVersion);
        }
        QCOMPARE(scalar(dir.path(), "SELECT value FROM meta WHERE key = 'schema'"),
                 QString::number(schema::CurrentVersion));
        // Step 3 (1.1 operators) made the bans table, empty.
        QCOMPARE(scalar(dir.path(), "SELECT COUNT(*) FROM bans"), "0");
    }

    // Issue 20 (0): the de-duplication look-up of every send with an id walked the room's rows
    // (planned on the (room, seq) key): 94 ms a send in a room of 200,000 messages. Its plan,
    // on a database with a big room and no statistics (ANALYZE picked the index either way), is
    // a search of messages_dedup.
    void theDedupLookupSearchesItsIndexInABigRoom()
    {
        QTemporaryDir dir;
        {
            Store store;
            QVERIFY(!store.open(dir.path()));
        }
        QCOMPARE(execAll(dir.path(),
                         {"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE"
                          " i < 50000) INSERT INTO messages(room, seq, id, user_id, nick, text,"
                          " ts, client_id) SELECT 'big', i, 'm' || i, 'u' || (i % 20), 'n', 'hi',"
                          " i, 'c' || i FROM n"}),
                 QString());
        QStringList plan;
        const QString name = QUuid::createUuid().toString();
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            db.setDatabaseName(dir.path() + QStringLiteral("/confab.db"));
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.prepare("EXPLAIN QUERY PLAN " + Store::dedupLookupSql()));
            for (const QVariant &v :
                 {QVariant("big"), QVariant("u3"), QVariant("c3"), QVariant(0), QVariant(0)})
                q.addBindValue(v);
            QVERIFY2(q.exec(), qPrintable(q.lastError().text()));
            while (q.next())
                plan.append(q.value(3).toString());
            q.finish();
            db.close();
        }
        QSqlDatabase::removeDatabase(name);
        QVERIFY2(!plan.isEmpty() && plan.first().contains("USING INDEX messages_dedup"),
                 qPrintable(plan.join(" | ")));
    }

    void aNewDatabaseGetsTheCurrentVersion()
    {
        QTemporaryDir dir;
        {
            Store store;
            QVERIFY(!store.open(dir.path()));
            QCOMPARE(store.schemaVersion(), schema::CurrentVersion);
        }
        QCOMPARE(scalar(dir.path(), "SELECT value FROM meta WHERE key = 'schema'"),
                 QString::number(schema::CurrentVersion));
        // And opens again as it is.
        Store again;
        QVERIFY(!again.open(dir.path()));
        QCOMPARE(again.schemaVersion(), schema::CurrentVersion);
    }

    void migrationsRunInOrderOnceEachInATransaction()
    {
        QTemporaryDir dir;
        const QString name = QUuid::createUuid().toString();
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            db.setDatabaseName(dir.filePath("confab.db"));
            QVERIFY(db.open());
            QList<schema::Migration> steps{
                {1,
                 {"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                  "CREATE TABLE log(step INTEGER)", "INSERT INTO log VALUES (1)"}},
                {2, {"INSERT INTO log VALUES (2)"}},
            };
            QString error;
            QCOMPARE(schema::version(db, &error), 0);
            QCOMPARE(schema::migrate(db, steps), std::nullopt);
            QCOMPARE(schema::version(db, &error), 2);
            QCOMPARE(schema::migrate(db, steps), std::nullopt); // nothing runs twice
            auto logged = [&] {
                QSqlQuery q(db);
                q.exec("SELECT group_concat(step) FROM log");
                return q.next() ? q.value(0).toString() : QString();
            };
            QCOMPARE(logged(), "1,2");
            // A step that fails is undone completely, and the version stays.
            steps.append({3, {"INSERT INTO log VALUES (3)", "INSERT INTO nowhere VALUES (1)"}});
            const auto failed = schema::migrate(db, steps);
            QVERIFY(failed.has_value());
            QVERIFY2(failed->contains("step 3"), qPrintable(*failed));
            QCOMPARE(schema::version(db, &error), 2);
            QCOMPARE(logged(), "1,2");
            // Code that knows fewer steps than the database has refuses it.
            const auto newer = schema::migrate(db, steps.mid(0, 1));
            QVERIFY(newer.has_value() && newer->contains("newer"));
            db.close();
        }
        QSqlDatabase::removeDatabase(name);
    }

    void aDatabaseFromANewerServerIsRefused()
    {
        QTemporaryDir dir;
        QCOMPARE(makeVersion1(dir.path()), QString());
        QCOMPARE(execAll(dir.path(), {"UPDATE meta SET value = '99' WHERE key = 'schema'",
                                      "DELETE FROM rooms WHERE name = 'plans'"}),
                 QString());
        Store store;
        const auto error = store.open(dir.path());
        QVERIFY(error.has_value());
        QVERIFY2(error->contains("99") && error->contains("newer"), qPrintable(*error));
        store.close();
        // Untouched: nothing was migrated or purged.
        QCOMPARE(scalar(dir.path(), "SELECT value FROM meta WHERE key = 'schema'"), "99");
        QCOMPARE(scalar(dir.path(), "SELECT COUNT(*) FROM messages"), "5");
        QCOMPARE(scalar(dir.path(), "SELECT COUNT(*) FROM rooms"), "1");
    }
};

QTEST_GUILESS_MAIN(TestSchema)
#include "tst_schema.moc"
