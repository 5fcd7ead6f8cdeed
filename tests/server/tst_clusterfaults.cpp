// Cluster mode's faults, each with its defined behaviour (docs/cluster.md, failure table):
// Redis unreachable at start, lost mid-run (unavailable, then 1013, then recovery by itself),
// stalled (SIGSTOP: deadlines, the loop keeps turning), killed with SIGKILL mid-stream (nothing
// acknowledged lost), a Confab server killed mid-stream (nothing acknowledged lost, and its
// users leave within the server TTL), and Redis restarted without its data (a new epoch).
#include "clustersupport.h"
#include "rawclient.h"
#include "servertestmain.h"
#include "testclient.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QTest>

using namespace confab;
using namespace confab::test;

namespace {

// Every message a client was acknowledged is in the history, once, and seq runs 1..N.
void checkLog(TestClient &reader, const QString &room, const QSet<QString> &acknowledged)
{
    const QList<QJsonObject> all = wholeHistory(reader, room);
    QSet<QString> ids;
    for (qsizetype i = 0; i < all.size(); ++i) {
        QCOMPARE(all[i].value("seq").toInt(), int(i + 1));
        ids.insert(all[i].value("id").toString());
    }
    QCOMPARE(ids.size(), all.size()); // no duplicate
    for (const QString &id : acknowledged)
        QVERIFY2(ids.contains(id),
                 qPrintable(QStringLiteral("acknowledged %1 is missing").arg(id)));
}

// Messages this client got back as its own (with re): what it was told is stored.
int acknowledgedCount(const TestClient &c)
{
    return int(std::count_if(c.pending().cbegin(), c.pending().cend(), [](const QJsonObject &f) {
        return f.value("type") == "message" && f.contains("re");
    }));
}

} // namespace

class TestClusterFaults : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { CONFAB_REQUIRE_REDIS(); }

    void redisUnreachableAtStart()
    {
        RedisServer redis; // not started
        TestServer server(clusterConfig(redis));
        QVERIFY(server.start()); // listens all the same
        HttpAnswer health = http(server.port(), "GET", "/healthz");
        QCOMPARE(health.status, 503);
        QCOMPARE(health.json().value("status").toString(), QStringLiteral("unavailable"));
        TestClient early;
        QVERIFY(early.open(server.port()));
        const QJsonObject welcome = early.hello("early", {{"token", "early-token-0123456789"}});
        QVERIFY(welcome.isEmpty());
        QCOMPARE(errorCode(early.take("error")), QStringLiteral("unavailable"));
        QVERIFY(redis.start());
        QVERIFY(clusterReady(server)); // retried with backoff, by itself
        QCOMPARE(http(server.port(), "GET", "/healthz").status, 200);
        TestClient later;
        QVERIFY(later.enter(server.port(), "later"));
    }

    void redisLostMidRunThenBack()
    {
        RedisServer redis;
        QVERIFY(redis.start());
        TestServer server(clusterConfig(redis));
        QVERIFY(server.start());
        QVERIFY(clusterReady(server));
        TestClient alice;
        QVERIFY(alice.enter(server.port(), "alice"));
        RawClient raw;
        QVERIFY(raw.open(server.port()));
        raw.sendText(R"({"type":"hello","nick":"raw"})");
        QVERIFY(raw.waitFrame(1));
        QCOMPARE(alice.request({{"type", "send"}, {"room", "general"}, {"text", "before"}})
                     .value("seq")
                     .toInt(),
                 1);
        redis.kill();
        const QJsonObject refused = alice.request(
            {{"type", "send"}, {"room", "general"}, {"text", "during"}, {"id", "d1"}});
        QCOMPARE(errorCode(refused), QStringLiteral("unavailable"));
        QVERIFY(refused.value("retry_ms").toInt() > 0);
        QCOMPARE(http(server.port(), "GET", "/healthz").status, 503);
        // Past the grace, the clients are closed with 1013 (and new ones too). Read by a raw
        // client: Qt 6.4's QWebSocket takes 1013 for an invalid code and reports 1002.
        QVERIFY(alice.waitClosed(5000));
        QCOMPARE(raw.waitCloseCode(5000), 1013);
        RawClient late;
        QVERIFY(late.open(server.port()));
        QCOMPARE(late.waitCloseCode(), 1013);
        QVERIFY(redis.start()); // its AOF: "before" is still there
        QVERIFY(clusterReady(server));
        TestClient back;
        QVERIFY(back.open(server.port()));
        back.hello("back");
        const QJsonObject joined = back.join("general");
        QCOMPARE(joined.value("seq").toInt(), 1);
        QCOMPARE(
            back.request({{"type", "send"}, {"room", "general"}, {"text", "during"}, {"id", "d1"}})
                .value("seq")
                .toInt(),
            2); // nothing half-stored: the retry is the first copy
    }

    void aLeaveWhileRedisIsAwayReachesTheLocalMembersOnceItIsBack()
    {
        RedisServer redis;
        QVERIFY(redis.start());
        ServerConfig config = clusterConfig(redis);
        config.redisGraceMs = 20'000; // back well before its clients would be closed
        TestServer server(config);
        QVERIFY(server.start());
        QVERIFY(clusterReady(server));
        TestClient alice, bob;
        QVERIFY(alice.enter(server.port(), "alice"));
        QVERIFY(bob.enter(server.port(), "bob"));
        QCOMPARE(alice.take("presence")["event"].toString(), "join");
        redis.kill();
        QVERIFY(QTest::qWaitFor([&] { return !server.server().hub().storage().available(); },
                                waitMs()));
        // The leave is answered here at once; Redis cannot be told yet.
        QCOMPARE(alice.request({{"type", "leave"}, {"room", "general"}})["type"].toString(),
                 "left");
        QVERIFY(bob.staysQuiet("presence"));
        QVERIFY(redis.start()); // its AOF still lists alice as a member
        QVERIFY(clusterReady(server));
        // Once the leave is carried out, this server's own members hear of it too.
        const QJsonObject leave = bob.take("presence");
        QCOMPARE(leave["event"].toString(), "leave");
        QCOMPARE(leave["user"]["id"].toString(), alice.userId());
        QCOMPARE(alice.join("general")["members"].toArray().size(), 2); // and not twice
    }

    void stalledRedisMeetsDeadlinesAndNeverBlocksTheLoop()
    {
        RedisServer redis;
        QVERIFY(redis.start());
        ServerConfig config = clusterConfig(redis);
        config.redisGraceMs = 20000; // this test is about deadlines, not the 1013 that follows
        TestServer server(config);
        QVERIFY(server.start());
        QVERIFY(clusterReady(server));
        TestClient alice;
        QVERIFY(alice.enter(server.port(), "alice"));
        redis.pause();
        QElapsedTimer t;
        t.start();
        alice.send({{"type", "send"}, {"room", "general"}, {"text", "stuck"}, {"id", "s1"}});
        // The server answers what needs no Redis at once, meanwhile.
        const QJsonObject nick = alice.request({{"type", "nick"}, {"nick", "alice2"}});
        QCOMPARE(nick.value("type").toString(), QStringLiteral("nick"));
        QVERIFY2(t.elapsed() < 400, qPrintable(QString::number(t.elapsed())));
        const QJsonObject refused = alice.take("error", {}, 3000);
        QCOMPARE(errorCode(refused), QStringLiteral("unavailable"));
        QCOMPARE(refused.value("re").toString(), QStringLiteral("s1"));
        QVERIFY(t.elapsed() < 1500); // the deadline (500 ms), not Redis, decided
        redis.resume();
        QVERIFY(clusterReady(server));
        // The stalled send may have been stored once Redis went on: the resend absorbs it.
        QTRY_VERIFY_WITH_TIMEOUT(
            alice.request({{"type", "send"}, {"room", "general"}, {"text", "stuck"}, {"id", "s1"}})
                    .value("seq")
                    .toInt()
                == 1,
            5000);
    }

    void redisKilledMidStreamLosesNothingAcknowledged()
    {
        RedisServer redis;
        QVERIFY(redis.start());
        TestServer a(clusterConfig(redis)), b(clusterConfig(redis));
        QVERIFY(a.start() && b.start() && clusterReady(a) && clusterReady(b));
        TestClient sender, reader;
        QVERIFY(sender.enter(a.port(), "sender"));
        QVERIFY(reader.enter(b.port(), "reader"));
        QSet<QString> acknowledged;
        int next = 0;
        auto pump = [&](int count) {
            for (int i = 0; i < count; ++i)
                sender.send({{"type", "send"},
                             {"room", "general"},
                             {"text", "x"},
                             {"id", QStringLiteral("k%1").arg(next++)}});
        };
        pump(300);
        QTRY_VERIFY(acknowledgedCount(sender) >= 20);
        redis.kill(); // mid-stream: some sends answered, the rest in flight
        QTest::qWait(100);
        for (const QJsonObject &f : sender.pending()) {
            if (f.value("type") == "message" && f.contains("re"))
                acknowledged.insert(f.value("id").toString());
        }
        QVERIFY(redis.start());
        QVERIFY(clusterReady(a) && clusterReady(b));
        // The clients may have been closed meanwhile (1013): a fresh reader checks the log.
        TestClient check;
        QVERIFY(check.enter(b.port(), "check"));
        checkLog(check, "general", acknowledged);
        QVERIFY(!acknowledged.isEmpty());
    }

    void serverKilledMidStreamLosesNothingAndItsUsersLeave()
    {
        RedisServer redis;
        QVERIFY(redis.start());
        QTemporaryDir dir;
        ClusterProcess doomed(redis, dir.path());
        QVERIFY(doomed.start());
        TestServer survivor(clusterConfig(redis));
        QVERIFY(survivor.start() && clusterReady(survivor));
        TestClient watcher;
        QVERIFY(watcher.enter(survivor.port(), "watcher"));
        TestClient victim;
        QVERIFY(victim.open(doomed.port()));
        QVERIFY(!victim.hello("victim").isEmpty());
        QCOMPARE(victim.join("general").value("type").toString(), QStringLiteral("joined"));
        const QString victimId = victim.userId();
        QVERIFY(!watcher.take("presence").isEmpty());
        for (int i = 0; i < 200; ++i)
            victim.send({{"type", "send"},
                         {"room", "general"},
                         {"text", "v"},
                         {"id", QStringLiteral("v%1").arg(i)}});
        // Killed while the stream is still going: some sends answered, the rest in flight.
        QTRY_VERIFY(acknowledgedCount(victim) >= 20);
        doomed.kill9();
        QSet<QString> acknowledged;
        for (const QJsonObject &f : victim.pending()) {
            if (f.value("type") == "message" && f.contains("re"))
                acknowledged.insert(f.value("id").toString());
        }
        QVERIFY(!acknowledged.isEmpty());
        // Its users leave on the other servers within the server TTL (1 s here; 10 s by default).
        QElapsedTimer t;
        t.start();
        const QJsonObject leave = watcher.take(
            "presence",
            [&](const QJsonObject &f) {
                return f.value("event") == "leave" && isFromUser(f, victimId);
            },
            10000);
        QVERIFY(!leave.isEmpty());
        QVERIFY2(t.elapsed() < 5000, qPrintable(QString::number(t.elapsed())));
        const QJsonArray rooms = watcher.request({{"type", "rooms"}}).value("rooms").toArray();
        QCOMPARE(rooms.at(0).toObject().value("members").toInt(), 1);
        // Whatever the victim was told was stored, is; and the watcher saw it live, in order.
        checkLog(watcher, "general", acknowledged);
        int expected = 1;
        for (const QJsonObject &f : watcher.pending()) {
            if (f.value("type") == "message")
                QCOMPARE(f.value("seq").toInt(), expected++);
        }
    }

    void redisRestartedEmptyGivesTheRoomANewEpoch()
    {
        RedisServer redis;
        QVERIFY(redis.start());
        TestServer server(clusterConfig(redis));
        QVERIFY(server.start() && clusterReady(server));
        TestClient alice;
        QVERIFY(alice.open(server.port()));
        alice.hello("alice");
        const QString epoch = alice.join("general").value("epoch").toString();
        RawClient raw; // reads the close code as sent (see redisLostMidRunThenBack)
        QVERIFY(raw.open(server.port()));
        raw.sendText(R"({"type":"hello","nick":"raw"})");
        raw.sendText(R"({"type":"join","room":"general"})");
        QVERIFY(raw.waitFrame(1));
        QVERIFY(raw.waitFrame(1));
        alice.request({{"type", "send"}, {"room", "general"}, {"text", "lost"}});
        QVERIFY(redis.restartEmpty());
        // Until the server has noticed and reconnected, a join is answered `unavailable`.
        TestClient bob;
        QVERIFY(bob.open(server.port()));
        QVERIFY(!bob.hello("bob").isEmpty());
        QJsonObject joined;
        for (int attempt = 0; attempt < 50 && joined.value("type") != "joined"; ++attempt) {
            joined = bob.join("general");
            if (joined.value("type") != "joined")
                QTest::qWait(100);
        }
        QCOMPARE(joined.value("type").toString(), QStringLiteral("joined"));
        QVERIFY(!joined.value("epoch").toString().isEmpty());
        QVERIFY(joined.value("epoch").toString() != epoch);
        // The room's old clients are closed (1013) so that they rejoin and see the new epoch.
        QVERIFY(alice.waitClosed());
        QCOMPARE(raw.waitCloseCode(), 1013);
        QCOMPARE(joined.value("seq").toInt(), 0);
    }

    void aGracefulStopLeavesAtOnce()
    {
        RedisServer redis;
        QVERIFY(redis.start());
        QTemporaryDir dir;
        ClusterProcess leaving(redis, dir.path(), "60000"); // no waiting for its heartbeat
        QVERIFY(leaving.start());
        TestServer staying(clusterConfig(redis));
        QVERIFY(staying.start() && clusterReady(staying));
        TestClient watcher, leaver;
        QVERIFY(watcher.enter(staying.port(), "watcher"));
        QVERIFY(leaver.open(leaving.port()));
        QVERIFY(!leaver.hello("leaver").isEmpty());
        QCOMPARE(leaver.join("general").value("type").toString(), QStringLiteral("joined"));
        QVERIFY(!watcher.take("presence").isEmpty());
        QVERIFY(leaving.terminate()); // SIGTERM: 1001 to its clients, then it exits
        const QJsonObject leave = watcher.take("presence", {}, 3000);
        QCOMPARE(leave.value("event").toString(), QStringLiteral("leave"));
        QCOMPARE(leave.value("user")["id"].toString(), leaver.userId());
        const QJsonArray rooms = watcher.request({{"type", "rooms"}}).value("rooms").toArray();
        QCOMPARE(rooms.at(0).toObject().value("members").toInt(), 1);
    }

    void aBadRedisUrlExitsWith2()
    {
        QProcess p;
        p.start(QStringLiteral(CONFAB_SERVER_BINARY),
                {"--redis", "redis://:hunter2@host:99999", "--port", "0"});
        QVERIFY(p.waitForFinished(waitMs()));
        QCOMPARE(p.exitCode(), 2);
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(err.contains("invalid Redis URL"), err.constData());
        QVERIFY(!err.contains("hunter2"));
    }

private:
    static bool isFromUser(const QJsonObject &f, const QString &id)
    {
        return f.value("user")["id"].toString() == id;
    }
};

CONFAB_SERVER_TEST_MAIN(TestClusterFaults)
#include "tst_clusterfaults.moc"
