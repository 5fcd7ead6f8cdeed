// Every statement the SQLite store prepares, planned against a chat with a large history: no
// statement walks a room's rows (or a whole table) where an index lookup is meant. Issue 20
// found the de-duplication look-up of every send planned on the (room, seq) key: nothing in a
// small test, 94 ms a send in a room of 200,000 messages. Here the statements are not listed by
// hand: the store notes every statement it prepares (sql::recordStatements) while real clients
// go through the protocol's every stored operation, and each is then planned with EXPLAIN QUERY
// PLAN on that same database.
#include "room.h"
#include "servertestmain.h"
#include "sqlitefile.h"
#include "sqlstatements.h"
#include "store.h"
#include "testclient.h"
#include "testserver.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace confab;
using namespace confab::test;

namespace {

constexpr int HistoryRows = 100000;
constexpr const char *OpSecret = "plans-op-secret";

// Plans that are not walks although they read like one, each with why.
struct Allowed {
    const char *statement; // a piece of the statement's text
    const char *plan;      // a piece of the plan line
    const char *why;
};
const Allowed allowed[] = {
    {"MAX(seq) FROM messages", "(room=?)",
     "MAX over the (room, seq) key reads one row (SQLite's min/max optimization)"},
    {"NOT EXISTS (SELECT 1 FROM messages", "(room=?)", "EXISTS stops at the room's first row"},
    {"SELECT EXISTS (SELECT 1 FROM reactions)", "SCAN reactions",
     "at start, whether any reaction exists: stops at the first row"},
    {"FROM rooms r", "SCAN r",
     "the room list at start: one row per room, read once (each room's last seq by its key)"},
    {"DELETE FROM rooms WHERE topic = ''", "SCAN rooms", "once at start, over the rooms"},
    {"messages_fts MATCH", "VIRTUAL TABLE INDEX",
     "the full-text index answers the words; the rooms are filtered on what it finds"},
    {"DELETE FROM messages WHERE room = ?", "(room=?)",
     "forgetting a room (cluster search copy, its history gone from Redis) removes each row"},
    {"INSERT INTO search_changes(msg_rowid) SELECT rowid FROM messages WHERE room = ?", "(room=?)",
     "forgetting a room takes each of its messages out of the index"},
    {"DELETE FROM bans WHERE until_ms <= ?", "SCAN bans",
     "expired bans, pruned now and then: the bans table is small"},
};

} // namespace

class QueryPlans : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void everyStatementTheStorePreparesUsesAnIndexInABigRoom()
    {
        CONFAB_SQLITE_ONLY("the plans are those of the SQLite store");
        ServerConfig config = testConfig();
        config.opPassword = QString::fromLatin1(OpSecret);
        TestServer server(config);
        {
            Store store; // the schema, then a year of history straight into it
            QVERIFY(!store.open(server.dataDir()));
        }
        const QString seed = QStringLiteral(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %1)");
        QCOMPARE(onDatabase(server.dataDir(),
                            {"INSERT INTO rooms(name, epoch, topic) VALUES ('general', 'e1', '')",
                             seed.arg(HistoryRows)
                                 + " INSERT INTO messages(room, seq, id, user_id, nick, text, ts,"
                                   " client_id, kind, target, deleted) SELECT 'general', i,"
                                   " 'm' || i, 'u' || (i % 500), 'n', 'hello ' || i, i,"
                                   " 'c' || i, CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END,"
                                   " CASE WHEN i % 50 = 0 THEN i - 1 END, i % 97 = 0 FROM n",
                             seed.arg(HistoryRows / 4)
                                 + " INSERT INTO reactions(room, seq, emoji, user_id, at)"
                                   " SELECT 'general', i * 4, '👍', 'u' || (i % 500), i * 4 + 1"
                                   " FROM n",
                             seed.arg(5000)
                                 + " INSERT INTO users(token_hash, user_id, nick)"
                                   " SELECT 'h' || i, 'u' || i, 'n' || i FROM n",
                             seed.arg(5000)
                                 + " INSERT INTO reads(user_id, room, seq)"
                                   " SELECT 'u' || i, 'general', i FROM n",
                             seed.arg(200)
                                 + " INSERT INTO bans(user_id, ip, until_ms)"
                                   " SELECT 'b' || i, '10.0.' || i || '.1', 1e15"
                                   " FROM n"}),
                 QString());

        sql::recordStatements(true);
        const auto stopRecording = qScopeGuard([] { sql::recordStatements(false); });
        QVERIFY(server.start());
        // Everything the protocol stores or reads, by clients.
        TestClient op, guest;
        QVERIFY(op.open(server.port()));
        QCOMPARE(op.hello(QStringLiteral("teacher"),
                          {{"token", "plans-token-0123456789"}, {"op_password", OpSecret}})
                     .value("type"),
                 "welcome");
        QCOMPARE(op.join(QStringLiteral("general"), {{"since", HistoryRows - 10}}).value("type"),
                 "joined");
        QVERIFY(guest.enter(server.port(), QStringLiteral("guest")));
        op.clear();
        const auto ask = [&op](QJsonObject frame) {
            const QJsonObject answer = op.request(frame);
            return answer.value("type").toString() != "error" ? QString()
                                                              : answer.value("code").toString();
        };
        const int seq =
            op.request({{"type", "send"}, {"room", "general"}, {"text", "fresh"}, {"id", "s1"}})
                .value("seq")
                .toInt();
        QVERIFY2(seq > HistoryRows, qPrintable(QString::number(seq)));
        // The same id again: answered from the store, not stored twice.
        QCOMPARE(
            op.request({{"type", "send"}, {"room", "general"}, {"text", "again"}, {"id", "s1"}})
                .value("seq")
                .toInt(),
            seq);
        op.clear();
        QCOMPARE(
            ask({{"type", "send"}, {"room", "general"}, {"text", "a reply"}, {"reply_to", 120}}),
            QString());
        QCOMPARE(ask({{"type", "edit"}, {"room", "general"}, {"target", seq}, {"text", "fixed"}}),
                 QString());
        for (const bool on : {true, false}) {
            QCOMPARE(ask({{"type", "react"},
                          {"room", "general"},
                          {"target", seq},
                          {"emoji", "🎉"},
                          {"on", on}}),
                     QString());
        }
        QCOMPARE(ask({{"type", "delete"}, {"room", "general"}, {"target", seq}}), QString());
        QCOMPARE(ask({{"type", "history"}, {"room", "general"}, {"before", 5000}, {"limit", 50}}),
                 QString());
        QCOMPARE(ask({{"type", "search"}, {"q", "hello"}}), QString());
        op.send({{"type", "read"}, {"room", "general"}, {"seq", seq}}); // never answered
        QCOMPARE(ask({{"type", "topic"}, {"room", "general"}, {"topic", "plans"}}), QString());
        QCOMPARE(ask({{"type", "nick"}, {"nick", "teacher2"}}), QString());
        QCOMPARE(ask({{"type", "rooms"}}), QString());
        QCOMPARE(ask({{"type", "join"}, {"room", "side"}}), QString());
        QCOMPARE(ask({{"type", "leave"}, {"room", "side"}}), QString());
        // Bans are not answered to the operator: a request that is, after them, says they are done.
        op.send({{"type", "ban"}, {"user", guest.userId()}, {"minutes", 5}});
        op.send({{"type", "unban"}, {"user", guest.userId()}});
        op.send({{"type", "ban"}, {"user", "u7"}, {"minutes", 5}});
        QCOMPARE(ask({{"type", "rooms"}}), QString());
        for (const QJsonObject &frame : op.pending())
            QVERIFY2(frame.value("type") != "error", qPrintable(frame.value("code").toString()));
        // A token user coming back: its id, its read positions and its unread counts.
        op.close();
        TestClient back;
        QVERIFY(back.open(server.port()));
        QCOMPARE(back.hello(QStringLiteral("teacher"), {{"token", "plans-token-0123456789"}})
                     .value("type"),
                 "welcome");
        QCOMPARE(back.join(QStringLiteral("general"), {{"since", seq - 3}}).value("type"),
                 "joined");
        server.stop(); // the statements of a stop (the index, the statistics)
        {
            // What only cluster mode's search copy runs: a room forgotten when Redis has it under
            // another history.
            Store copy;
            QVERIFY(!copy.open(server.dataDir()));
            copy.forgetRoom(QStringLiteral("side"));
            copy.close();
        }
        const QStringList statements = sql::recordedStatements();

        // The store's statements, each planned twice: with the statistics the server left
        // (PRAGMA optimize), and without any, as on a big database before its first analysis (the
        // dedup look-up of issue 20 was right with statistics and a walk without).
        QStringList explain;
        for (const QString &s : statements) {
            if (!s.startsWith(QStringLiteral("PRAGMA")))
                explain.append(QStringLiteral("EXPLAIN QUERY PLAN ") + s);
        }
        QHash<QString, QStringList> plans;
        const auto keep = [&](const QString &statement, const QSqlQuery &q) {
            plans[statement.mid(19)].append(q.value(3).toString());
        };
        QCOMPARE(onDatabase(server.dataDir(), explain, keep), QString());
        QCOMPARE(onDatabase(server.dataDir(), {"DROP TABLE IF EXISTS sqlite_stat1"}), QString());
        QCOMPARE(onDatabase(server.dataDir(), explain, keep), QString());
        // Everything went through the store's own statements (a walk-through that missed most of
        // them would prove little): the hot ones by name.
        for (const char *piece :
             {"client_id = ?", "seq > ? AND seq < ?",
              "FROM reactions WHERE room = ? AND"
              " seq BETWEEN",
              "SELECT rowid, kind, user_id, text, deleted FROM messages", "COUNT(DISTINCT emoji)",
              "(kind <> 0 OR deleted <> 0)", "FROM reads WHERE user_id", "FROM bans",
              "messages_fts MATCH", "UPDATE messages SET text = '' WHERE room = ? AND target",
              "DELETE FROM messages WHERE room = ?",
              // The search index's thread (searchindexer.h): new rows, changes, a row now.
              "FROM messages WHERE rowid > ?", "FROM search_changes WHERE id > ?",
              "FROM messages WHERE rowid = ?"}) {
            QVERIFY2(std::any_of(statements.begin(), statements.end(),
                                 [&](const QString &s) { return s.contains(piece); }),
                     piece);
        }
        QVERIFY2(statements.size() >= 30, qPrintable(statements.join("\n")));

        // A scan of a table, or a search on a room that names the room and nothing else, reads
        // every row of that room or table.
        static const QRegularExpression walk(QStringLiteral(
            R"(^SCAN (?!CONSTANT ROW)\w+|^SEARCH \w+ USING (COVERING )?INDEX \w+ \(room=\?\)$)"));
        QStringList walks;
        for (auto it = plans.cbegin(); it != plans.cend(); ++it) {
            for (const QString &line : it.value()) {
                if (!walk.match(line).hasMatch())
                    continue;
                const bool excused =
                    std::any_of(std::begin(allowed), std::end(allowed), [&](const Allowed &a) {
                        return it.key().contains(QLatin1String(a.statement))
                               && line.contains(QLatin1String(a.plan));
                    });
                if (!excused)
                    walks.append(line + QStringLiteral("   in   ") + it.key());
            }
        }
        QVERIFY2(walks.isEmpty(), qPrintable(walks.join("\n")));
    }

    // A purge of the search index after a deletion rewrites the whole index (FTS5 keeps a
    // deleted text's terms until its segments are merged), so it costs more the longer the
    // history: one every 2 s under a steady stream of deletions purged nonstop in a chat of a
    // million messages. The next purge waits 20 times what the last one took.
    void purgesOfTheIndexAreSpacedByWhatTheyCost()
    {
        CONFAB_SQLITE_ONLY("the SQLite store's search index");
        QTemporaryDir dir;
        Store store;
        QVERIFY(!store.open(dir.path()));
        // A long history, whose purge takes a second a step: each reading of the purge's clock
        // moves it on by half a second (a real one of a million messages takes about 0.3 s).
        constexpr int Messages = 2000;
        for (int seq = 1; seq <= Messages; ++seq) {
            protocol::ChatMessage m;
            m.room = QStringLiteral("general");
            m.seq = seq;
            m.id = QStringLiteral("m%1").arg(seq);
            m.from = {QStringLiteral("u"), QStringLiteral("n")};
            m.text = QStringLiteral("word%1 common text %2").arg(seq).arg(seq % 100);
            m.ts = seq;
            store.appendMessage(m, QString());
            if (seq % 100 == 0)
                store.indexPending(); // an index of many segments, as one written as it came
        }
        qint64 fakeNow = 1000000;
        store.setPurgeClockForTests([&fakeNow] { return fakeNow += 500; });
        Room room(QStringLiteral("general"), QStringLiteral("e1"), QString(), Messages);
        const auto erase = [&](qint64 seq) {
            protocol::ChatMessage deletion;
            deletion.kind = protocol::ChatMessage::Kind::Delete;
            deletion.room = room.name;
            deletion.target = seq;
            deletion.from.id = QStringLiteral("u");
            deletion.from.nick = QStringLiteral("n");
            deletion.id = QStringLiteral("d%1").arg(seq);
            deletion.ts = seq;
            std::optional<EventOutcome> outcome;
            store.applyEvent(room, deletion, QString(), false,
                             [&](std::optional<EventOutcome> o) { outcome = std::move(o); });
            return outcome && outcome->verdict == EventOutcome::Verdict::Stored;
        };
        QVERIFY(erase(10));
        store.indexPending(); // the index's thread has taken the deletion in
        QCOMPARE(store.purgeDueInMs() > 0, true);
        QTRY_VERIFY_WITH_TIMEOUT(
            !store.purging() && store.lastPurgeMs() > 0 && store.purgeDueInMs() < 0, 60000);
        const qint64 took = store.lastPurgeMs();
        QVERIFY(erase(11));
        store.indexPending();
        const int due = store.purgeDueInMs();
        qInfo("the purge took %lld ms; the next is due in %d ms", took, due);
        QVERIFY(took >= 1000);
        QVERIFY2(due >= std::min<qint64>(20 * took - 1000, 600000) - 1000 && due >= 1900,
                 qPrintable(QStringLiteral("the purge took %1 ms, the next is due in %2 ms")
                                .arg(took)
                                .arg(due)));
        store.close(); // finishes what is owed
    }

    void statisticsAreKeptForThePlanner()
    {
        CONFAB_SQLITE_ONLY("SQLite's statistics");
        TestServer server;
        {
            Store store;
            QVERIFY(!store.open(server.dataDir()));
        }
        QCOMPARE(onDatabase(server.dataDir(),
                            {"INSERT INTO rooms(name, epoch, topic) VALUES ('general', 'e1', '')",
                             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                             " WHERE i < 20000) INSERT INTO messages(room, seq, id, user_id, nick,"
                             " text, ts, client_id) SELECT 'general', i, 'm' || i, 'u' || (i % 50),"
                             " 'n', 'hi', i, 'c' || i FROM n"}),
                 QString());
        QVERIFY(server.start());
        TestClient c;
        QVERIFY(c.enter(server.port(), QStringLiteral("reader")));
        QCOMPARE(c.request({{"type", "send"}, {"room", "general"}, {"text", "hi"}, {"id", "x1"}})
                     .value("type"),
                 "message");
        server.stop();
        // PRAGMA optimize on the way out analyzed the tables the server used.
        qint64 rows = 0;
        QCOMPARE(onDatabase(
                     server.dataDir(), {"SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'messages'"},
                     [&](const QString &, const QSqlQuery &q) { rows = q.value(0).toLongLong(); }),
                 QString());
        QVERIFY2(rows > 0, "no statistics for messages");
    }
};

CONFAB_SERVER_TEST_MAIN(QueryPlans)
#include "tst_queryplans.moc"
