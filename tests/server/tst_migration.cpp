// Schema step 2 (protocol 1.1) on a database the previous release made: a real server opens it,
// upgrades it in place, keeps every message, still searches it, and 1.1's events work on the
// messages written before them.
#include "schema.h"
#include "servertestmain.h"
#include "sqlitefile.h"
#include "testclient.h"
#include "testserver.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>
#include <QUuid>

using namespace confab;
using namespace confab::test;

namespace {

// Schema step 1 exactly as the release before 1.1 created it (schema.cpp, version 1).
const char *const version1[] = {
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS rooms(name TEXT PRIMARY KEY, epoch TEXT NOT NULL,"
    " topic TEXT NOT NULL DEFAULT '')",
    "CREATE TABLE IF NOT EXISTS messages(rowid INTEGER PRIMARY KEY, room TEXT NOT NULL,"
    " seq INTEGER NOT NULL, id TEXT NOT NULL, user_id TEXT NOT NULL, nick TEXT NOT NULL,"
    " text TEXT NOT NULL, ts INTEGER NOT NULL, client_id TEXT, UNIQUE(room, seq))",
    "CREATE INDEX IF NOT EXISTS messages_dedup ON messages(room, user_id, client_id)"
    " WHERE client_id IS NOT NULL",
    "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(text,"
    " content='messages', content_rowid='rowid',"
    " tokenize='unicode61 remove_diacritics 0')",
    "DROP TRIGGER IF EXISTS messages_ai",
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('fts_rowid', '0')",
    "CREATE TABLE IF NOT EXISTS users(token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL,"
    " nick TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS reads(user_id TEXT NOT NULL, room TEXT NOT NULL,"
    " seq INTEGER NOT NULL, PRIMARY KEY(user_id, room)) WITHOUT ROWID",
    // What migrate() recorded after step 1.
    "INSERT INTO meta(key, value) VALUES ('schema', '1') ON CONFLICT(key) DO UPDATE SET"
    " value = excluded.value",
};

constexpr int OldMessages = 40;
const char *const aliceToken = "alice-old-token-0123456789";

// The statements run; `value` gets the first column of the last row any of them returned.
QString sql(const QString &dir, const QStringList &statements, QString *value = nullptr)
{
    return test::onDatabase(dir, statements, [value](const QString &, const QSqlQuery &q) {
        if (value)
            *value = q.value(0).toString();
    });
}

QString scalar(const QString &dir, const QString &query)
{
    QString value;
    const QString error = sql(dir, {query}, &value);
    return error.isEmpty() ? value : error;
}

QString oldText(int seq)
{
    return QStringLiteral("archived note %1 from the %2 release")
        .arg(seq)
        .arg(seq % 2 ? "odd" : "even");
}

// A database of the previous release: two rooms, alice's messages (all indexed, as that
// release's store left them), her token and read position, a topic.
QString makeVersion1(const QString &dir)
{
    QStringList s;
    for (const char *statement : version1)
        s.append(QString::fromLatin1(statement));
    const QString hash = QString::fromLatin1(
        QCryptographicHash::hash(aliceToken, QCryptographicHash::Sha256).toHex());
    s << "INSERT INTO rooms VALUES ('general', 'epoch-g', 'the old topic')"
      << "INSERT INTO rooms VALUES ('attic', 'epoch-a', '')"
      << QStringLiteral("INSERT INTO users VALUES ('%1', 'user-alice', 'alice')").arg(hash)
      << "INSERT INTO reads VALUES ('user-alice', 'general', 30)";
    for (int seq = 1; seq <= OldMessages; ++seq)
        s << QStringLiteral("INSERT INTO messages(room, seq, id, user_id, nick, text, ts,"
                            " client_id) VALUES ('general', %1, 'old-%1', 'user-alice', 'alice',"
                            " '%2', %3, 'c%1')")
                 .arg(seq)
                 .arg(oldText(seq))
                 .arg(1700000000000LL + seq);
    s << "INSERT INTO messages(room, seq, id, user_id, nick, text, ts) VALUES ('attic', 1,"
         " 'old-attic', 'user-bob', 'bob', 'dusty archived box', 1700000000999)";
    s << "INSERT INTO messages_fts(rowid, text) SELECT rowid, text FROM messages"
      << "UPDATE meta SET value = (SELECT MAX(rowid) FROM messages) WHERE key = 'fts_rowid'";
    return sql(dir, s);
}

} // namespace

class TestMigration : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void aVersion1DatabaseUpgradesInPlaceAndTakes11Events()
    {
        TestServer server;
        QCOMPARE(makeVersion1(server.dataDir()), QString());
        QCOMPARE(scalar(server.dataDir(), "SELECT value FROM meta WHERE key = 'schema'"), "1");
        QVERIFY(server.start());
        QCOMPARE(scalar(server.dataDir(), "SELECT value FROM meta WHERE key = 'schema'"),
                 QString::number(schema::CurrentVersion));
        QCOMPARE(scalar(server.dataDir(), "SELECT COUNT(*) FROM messages"),
                 QString::number(OldMessages + 1));
        // Version 5: the search index left confab.db for search.db (searchindexer.h), which is
        // read again from the messages.
        QCOMPARE(scalar(server.dataDir(),
                        "SELECT COUNT(*) FROM main.sqlite_master WHERE name LIKE 'messages_fts%'"),
                 "0");

        TestClient alice;
        QVERIFY(alice.open(server.port()));
        const QJsonObject welcome = alice.hello("alice", {{"token", aliceToken}});
        QCOMPARE(welcome["user"]["id"].toString(), "user-alice");
        const QJsonObject joined = alice.join("general");
        QCOMPARE(joined["topic"].toString(), "the old topic");
        QCOMPARE(joined["seq"].toInt(), OldMessages);
        QCOMPARE(joined["read"].toInt(), 30);
        QCOMPARE(joined["unread"].toInt(), OldMessages - 30);
        // Every message, as it was: a message (no 1.1 state).
        const QJsonArray all =
            alice.request({{"type", "history"}, {"room", "general"}, {"limit", 100}})["messages"]
                .toArray();
        QCOMPARE(all.size(), OldMessages);
        for (int i = 0; i < OldMessages; ++i) {
            const QJsonObject m = all[i].toObject();
            QCOMPARE(m["type"].toString(), "message");
            QCOMPARE(m["seq"].toInt(), i + 1);
            QCOMPARE(m["text"].toString(), oldText(i + 1));
            QCOMPARE(m["id"].toString(), QStringLiteral("old-%1").arg(i + 1));
            QCOMPARE(m["ts"].toDouble(), double(1700000000000LL + i + 1));
            QVERIFY(!m.contains("deleted") && !m.contains("edited_ts") && !m.contains("reply_to")
                    && !m.contains("reactions"));
        }
        // The old index still answers.
        const auto search = [&](const QString &q) {
            return alice.request({{"type", "search"}, {"q", q}, {"limit", 100}})["messages"]
                .toArray();
        };
        QCOMPARE(search("archived").size(), OldMessages); // alice is not in the attic
        QCOMPARE(search("odd").size(), OldMessages / 2);

        // 1.1 events on messages of the previous release.
        const QJsonObject edit = alice.request(
            {{"type", "edit"}, {"room", "general"}, {"target", 2}, {"text", "renovated note"}});
        QCOMPARE(edit["seq"].toInt(), OldMessages + 1);
        QCOMPARE(alice
                     .request({{"type", "react"},
                               {"room", "general"},
                               {"target", 3},
                               {"emoji", "👍"},
                               {"on", true}})["seq"]
                     .toInt(),
                 OldMessages + 2);
        QCOMPARE(
            alice.request({{"type", "delete"}, {"room", "general"}, {"target", 4}})["seq"].toInt(),
            OldMessages + 3);
        const QJsonObject reply = alice.request(
            {{"type", "send"}, {"room", "general"}, {"text", "re: one"}, {"reply_to", 1}});
        QCOMPARE(reply["seq"].toInt(), OldMessages + 4);
        QCOMPARE(reply["reply_to"].toInt(), 1);
        QCOMPARE(search("renovated").size(), 1);
        QCOMPARE(search("odd").size(), OldMessages / 2);      // 3 (odd) only has a reaction
        QCOMPARE(search("even").size(), OldMessages / 2 - 2); // 2 edited, 4 deleted

        // And after a restart, the same state from the upgraded file.
        QVERIFY(server.restart());
        TestClient again;
        QVERIFY(again.open(server.port()));
        again.hello("alice", {{"token", aliceToken}});
        const QJsonArray history = again.join("general")["history"].toArray();
        QCOMPARE(history.last()["seq"].toInt(), OldMessages + 4);
        QJsonObject two, three, four;
        for (const QJsonValue &m : history) {
            if (m["type"] == "message" && m["seq"] == 2)
                two = m.toObject();
            if (m["type"] == "message" && m["seq"] == 3)
                three = m.toObject();
            if (m["type"] == "message" && m["seq"] == 4)
                four = m.toObject();
        }
        QCOMPARE(two["text"].toString(), "renovated note");
        QCOMPARE(three["reactions"].toObject(), (QJsonObject{{"👍", QJsonArray{"user-alice"}}}));
        QCOMPARE(four["deleted"].toBool(), true);
        QCOMPARE(four["text"].toString(), "");
        QCOMPARE(scalar(server.dataDir(), "SELECT COUNT(*) FROM messages WHERE kind = 0"),
                 QString::number(OldMessages + 2));
        const auto searchAgain = [&](TestClient &c, const QString &q) {
            return c.request({{"type", "search"}, {"q", q}, {"limit", 100}})["messages"]
                .toArray()
                .size();
        };
        QCOMPARE(searchAgain(again, "even"), OldMessages / 2 - 2);
        QCOMPARE(searchAgain(again, "renovated"), 1);

        // The index is derived data: lost, it is made again from the messages, with every
        // edit and deletion as they are now.
        server.stop();
        for (const char *file : {"/search.db", "/search.db-wal", "/search.db-shm"})
            QFile::remove(server.dataDir() + QLatin1String(file));
        QVERIFY(server.start());
        TestClient third;
        QVERIFY(third.open(server.port()));
        third.hello("alice", {{"token", aliceToken}});
        third.join("general");
        QCOMPARE(searchAgain(third, "even"), OldMessages / 2 - 2);
        QCOMPARE(searchAgain(third, "renovated"), 1);
        QCOMPARE(searchAgain(third, "odd"), OldMessages / 2);
    }
};

CONFAB_SERVER_TEST_MAIN(TestMigration)
#include "tst_migration.moc"
