// The asynchronous Redis client against a real redis-server: answers, deadlines while Redis is
// stopped (SIGSTOP) with the event loop still turning, the bound on commands in flight, and
// reconnecting by itself after Redis was unreachable at start and after it was killed.
#include "redis/redisclient.h"
#include "redisserver.h"
#include "servertestmain.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

using namespace confab;
using confab::test::RedisServer;

namespace {

RedisClient::Options quick()
{
    RedisClient::Options o;
    o.connectTimeoutMs = 500;
    o.commandTimeoutMs = 300;
    o.backoffMinMs = 20;
    o.backoffMaxMs = 200;
    return o;
}

} // namespace

class TestRedisClient : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { CONFAB_REQUIRE_REDIS(); }

    void commandsAreAnsweredInOrder()
    {
        RedisServer redis;
        QVERIFY(redis.start());
        RedisClient client(redis.url(), quick(), QStringLiteral("test"));
        QSignalSpy ready(&client, &RedisClient::ready);
        client.start();
        QVERIFY(ready.wait(5000));
        QList<QByteArray> got;
        QVERIFY(client.command({"SET", "k", "v"}, [&](const RedisReply &r) { got << r.str(); }));
        QVERIFY(client.command({"GET", "k"}, [&](const RedisReply &r) { got << r.str(); }));
        QVERIFY(
            client.command({"RPUSH", "l", "a", "b"}, [&](const RedisReply &r) { got << r.str(); }));
        QVERIFY(client.command({"LRANGE", "l", "0", "-1"},
                               [&](const RedisReply &r) { got << r.at(0).str() + r.at(1).str(); }));
        QVERIFY(client.command({"NOSUCHCOMMAND"}, [&](const RedisReply &r) {
            got << (r.kind == RedisReply::Kind::Error ? "error" : "?");
        }));
        QTRY_COMPARE(got.size(), 5);
        QCOMPARE(got, (QList<QByteArray>{"OK", "v", "2", "ab", "error"}));
    }

    void aStoppedRedisMissesItsDeadlineWithoutBlockingTheLoop()
    {
        RedisServer redis;
        QVERIFY(redis.start());
        RedisClient client(redis.url(), quick(), QStringLiteral("test"));
        QSignalSpy ready(&client, &RedisClient::ready);
        QSignalSpy lost(&client, &RedisClient::lost);
        client.start();
        QVERIFY(ready.wait(5000));
        redis.pause();
        std::optional<RedisReply> answer;
        QElapsedTimer sent;
        sent.start();
        qint64 answeredAfter = -1;
        QVERIFY(client.command({"SET", "k", "late"}, [&](const RedisReply &r) {
            answer = r;
            answeredAfter = sent.elapsed();
        }));
        // The loop keeps turning meanwhile: a 10 ms timer fires many times.
        int ticks = 0;
        QTimer tick;
        connect(&tick, &QTimer::timeout, [&] { ++ticks; });
        tick.start(10);
        QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), 3000);
        QVERIFY(answer->unavailable());
        QVERIFY2(answeredAfter >= 250 && answeredAfter < 1500,
                 qPrintable(QString::number(answeredAfter)));
        QVERIFY2(ticks >= 10, qPrintable(QString::number(ticks)));
        QCOMPARE(lost.size(), 1);
        QVERIFY(!client.isReady());
        QVERIFY(!client.command({"PING"}, [](const RedisReply &) {})); // refused at once
        redis.resume();
        QTRY_VERIFY_WITH_TIMEOUT(client.isReady(), 5000);
        bool pong = false;
        QVERIFY(client.command({"PING"}, [&](const RedisReply &r) { pong = r.str() == "PONG"; }));
        QTRY_VERIFY(pong);
    }

    void commandsInFlightAreBounded()
    {
        RedisServer redis;
        QVERIFY(redis.start());
        RedisClient::Options o = quick();
        o.maxInFlight = 3;
        RedisClient client(redis.url(), o, QStringLiteral("test"));
        QSignalSpy ready(&client, &RedisClient::ready);
        client.start();
        QVERIFY(ready.wait(5000));
        int answered = 0;
        for (int i = 0; i < 3; ++i)
            QVERIFY(client.command({"PING"}, [&](const RedisReply &) { ++answered; }));
        QCOMPARE(client.inFlight(), 3);
        QVERIFY(!client.command({"PING"}, [&](const RedisReply &) { ++answered; }));
        QTRY_COMPARE(answered, 3);
        QCOMPARE(client.inFlight(), 0);
        QVERIFY(client.command({"PING"}, [&](const RedisReply &) { ++answered; }));
        QTRY_COMPARE(answered, 4);
    }

    void unreachableAtStartThenReachable()
    {
        RedisServer redis; // not started yet: its port refuses connections
        RedisClient client(redis.url(), quick(), QStringLiteral("test"));
        QSignalSpy ready(&client, &RedisClient::ready);
        client.start();
        QTest::qWait(300);
        QVERIFY(!client.isReady());
        QVERIFY(redis.start());
        QVERIFY(ready.wait(5000)); // retried with backoff, by itself
    }

    void aKilledRedisIsReconnectedAndWaitingCommandsAreAnswered()
    {
        RedisServer redis;
        QVERIFY(redis.start());
        RedisClient client(redis.url(), quick(), QStringLiteral("test"));
        QSignalSpy ready(&client, &RedisClient::ready);
        QSignalSpy lost(&client, &RedisClient::lost);
        client.start();
        QVERIFY(ready.wait(5000));
        redis.pause();
        bool answered = false;
        QVERIFY(client.command({"PING"}, [&](const RedisReply &r) { answered = r.unavailable(); }));
        redis.kill();
        QTRY_VERIFY(answered);
        QTRY_COMPARE(lost.size(), 1);
        QVERIFY(redis.start());
        QTRY_VERIFY_WITH_TIMEOUT(client.isReady(), 5000);
        QCOMPARE(ready.size(), 2);
    }

    void subscriberGetsMessagesAgainAfterAReconnect()
    {
        RedisServer redis;
        QVERIFY(redis.start());
        RedisClient pub(redis.url(), quick(), QStringLiteral("pub"));
        RedisClient sub(redis.url(), quick(), QStringLiteral("sub"));
        QList<QByteArray> got;
        sub.subscribe({"events"}, [&](const QByteArray &channel, const QByteArray &payload) {
            got << channel + ":" + payload;
        });
        QSignalSpy pubReady(&pub, &RedisClient::ready);
        QSignalSpy subReady(&sub, &RedisClient::ready);
        pub.start();
        sub.start();
        QVERIFY(pubReady.size() || pubReady.wait(5000));
        QVERIFY(subReady.size() || subReady.wait(5000));
        // SUBSCRIBE went out before ready(); PUBLISH until one arrives.
        QTRY_VERIFY_WITH_TIMEOUT(
            (pub.command({"PUBLISH", "events", "one"}, [](const RedisReply &) {}), !got.isEmpty()),
            3000);
        QCOMPARE(got.constFirst(), QByteArray("events:one"));
        redis.kill();
        QVERIFY(redis.start());
        QTRY_VERIFY_WITH_TIMEOUT(sub.isReady() && pub.isReady(), 5000);
        got.clear();
        QTRY_VERIFY_WITH_TIMEOUT(
            (pub.command({"PUBLISH", "events", "two"}, [](const RedisReply &) {}), !got.isEmpty()),
            3000);
        QCOMPARE(got.constFirst(), QByteArray("events:two"));
    }
};

CONFAB_SERVER_TEST_MAIN(TestRedisClient)
#include "tst_redisclient.moc"
