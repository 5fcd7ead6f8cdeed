// Several servers, one chat (PROTOCOL "Several servers"): two in-process servers share one real
// redis-server, and every rule is checked with clients on different servers: messages and seq,
// presence of a user connected through both, joined with since, history, de-duplication,
// topics, the rooms list, read positions, direct messages, the typing throttle, tokens, search
// and HTTP publish.
#include "clustersupport.h"
#include "servertestmain.h"
#include "testclient.h"

#include <QJsonArray>
#include <QTest>

using namespace confab;
using namespace confab::test;

namespace {

const QJsonObject aliceToken{{"token", "alice-cluster-token-01"}};
const QJsonObject carolToken{{"token", "carol-cluster-token-01"}};

bool isFrom(const QJsonObject &f, const QString &userId)
{
    return f.value("user")["id"].toString() == userId;
}

} // namespace

class TestCluster : public QObject
{
    Q_OBJECT

    std::unique_ptr<RedisServer> m_redis;
    std::unique_ptr<TestServer> a, b;

    bool startBoth()
    {
        a = std::make_unique<TestServer>(clusterConfig(*m_redis));
        b = std::make_unique<TestServer>(clusterConfig(*m_redis));
        return a->start() && b->start() && clusterReady(*a) && clusterReady(*b);
    }

private Q_SLOTS:
    void initTestCase() { CONFAB_REQUIRE_REDIS(); }

    void init()
    {
        m_redis = std::make_unique<RedisServer>();
        QVERIFY(m_redis->start());
        QVERIFY(startBoth());
    }

    void cleanup()
    {
        a.reset();
        b.reset();
        m_redis.reset();
    }

    void messagesGetOneGaplessSeqWhicheverServerTakesThem()
    {
        TestClient alice, bob;
        QVERIFY(alice.enter(a->port(), "alice"));
        QVERIFY(bob.enter(b->port(), "bob"));
        alice.take("presence");
        for (int i = 0; i < 10; ++i) {
            TestClient &from = i % 2 ? bob : alice;
            const QJsonObject own =
                from.request({{"type", "send"}, {"room", "general"}, {"text", QString::number(i)}});
            QCOMPARE(own.value("type").toString(), QStringLiteral("message"));
            QCOMPARE(own.value("seq").toInt(), i + 1);
        }
        // Each side got the other's ten... five, in order, once.
        for (TestClient *c : {&alice, &bob}) {
            QTRY_COMPARE(
                std::count_if(c->pending().cbegin(), c->pending().cend(),
                              [](const QJsonObject &f) { return f.value("type") == "message"; }),
                5);
            QVERIFY(c->staysQuiet("error"));
        }
        QList<int> seqs;
        for (const QJsonObject &f : alice.pending())
            if (f.value("type") == "message")
                seqs << f.value("seq").toInt();
        QCOMPARE(seqs, (QList<int>{2, 4, 6, 8, 10}));
        // Joined on either server says the same.
        TestClient carol;
        QVERIFY(carol.open(a->port()));
        carol.hello("carol");
        const QJsonObject onA = carol.join("general", {{"since", 7}});
        TestClient dave;
        QVERIFY(dave.open(b->port()));
        dave.hello("dave");
        const QJsonObject onB = dave.join("general", {{"since", 7}});
        QCOMPARE(onA.value("seq").toInt(), 10);
        QCOMPARE(onB.value("seq").toInt(), 10);
        QCOMPARE(onA.value("epoch"), onB.value("epoch"));
        QCOMPARE(onA.value("history").toArray(), onB.value("history").toArray());
        QCOMPARE(onA.value("history").toArray().size(), 3);
        QCOMPARE(onA.value("history").toArray().first()["seq"].toInt(), 8);
        const QJsonObject pageA =
            carol.request({{"type", "history"}, {"room", "general"}, {"before", 6}, {"limit", 3}});
        const QJsonObject pageB =
            dave.request({{"type", "history"}, {"room", "general"}, {"before", 6}, {"limit", 3}});
        QCOMPARE(pageA.value("messages").toArray(), pageB.value("messages").toArray());
        QCOMPARE(pageA.value("messages").toArray().size(), 3);
        QCOMPARE(pageA.value("messages").toArray().first()["seq"].toInt(), 3);
        QCOMPARE(pageA.value("messages").toArray().last()["text"].toString(), QStringLiteral("4"));
    }

    void aUserOnTwoServersIsOneMember()
    {
        TestClient carol;
        QVERIFY(carol.enter(b->port(), "carol"));
        TestClient aliceA, aliceB;
        QVERIFY(aliceA.open(a->port()));
        QVERIFY(aliceB.open(b->port()));
        const QString id = aliceA.hello("alice", aliceToken).value("user")["id"].toString();
        QCOMPARE(aliceB.hello("alice", aliceToken).value("user")["id"].toString(), id); // tokens
        aliceA.join("general");
        QVERIFY(
            !carol.take("presence", [&](const QJsonObject &f) { return isFrom(f, id); }).isEmpty());
        const QJsonObject joined = aliceB.join("general");
        int aliceEntries = 0;
        for (const auto &m : joined.value("members").toArray())
            aliceEntries += m.toObject().value("id").toString() == id;
        QCOMPARE(aliceEntries, 1);
        QCOMPARE(joined.value("members").toArray().size(), 2);
        QVERIFY(carol.staysQuiet("presence")); // one join for both connections
        aliceA.request({{"type", "leave"}, {"room", "general"}});
        QVERIFY(carol.staysQuiet("presence")); // still a member through b
        const QJsonObject rooms = carol.request({{"type", "rooms"}});
        QCOMPARE(rooms.value("rooms").toArray().first()["members"].toInt(), 2);
        aliceB.request({{"type", "leave"}, {"room", "general"}});
        const QJsonObject leave = carol.take("presence");
        QCOMPARE(leave.value("event").toString(), QStringLiteral("leave"));
        QVERIFY(isFrom(leave, id));
    }

    void aNickBelongsToTheUserOnEveryServer()
    {
        TestClient aliceA, carol;
        QVERIFY(aliceA.open(a->port()));
        aliceA.hello("alice", aliceToken);
        aliceA.join("general");
        QVERIFY(carol.enter(a->port(), "carol"));
        TestClient aliceB;
        QVERIFY(aliceB.open(b->port()));
        QCOMPARE(aliceB.hello("alicia", aliceToken).value("user")["nick"].toString(),
                 QStringLiteral("alicia"));
        const QJsonObject nick = aliceA.take("nick");
        QCOMPARE(nick.value("user")["nick"].toString(), QStringLiteral("alicia"));
        QCOMPARE(nick.value("old").toString(), QStringLiteral("alice"));
        const QJsonObject presence = carol.take("presence");
        QCOMPARE(presence.value("event").toString(), QStringLiteral("nick"));
        QCOMPARE(presence.value("user")["nick"].toString(), QStringLiteral("alicia"));
    }

    void resendsAreDeduplicatedOnAnyServer()
    {
        TestClient aliceA, aliceB, bob;
        QVERIFY(aliceA.open(a->port()));
        QVERIFY(aliceB.open(b->port()));
        aliceA.hello("alice", aliceToken);
        aliceB.hello("alice", aliceToken);
        aliceA.join("general");
        aliceB.join("general");
        QVERIFY(bob.enter(b->port(), "bob"));
        const QJsonObject first = aliceA.request(
            {{"type", "send"}, {"room", "general"}, {"text", "once"}, {"id", "out-1"}});
        QCOMPARE(first.value("seq").toInt(), 1);
        QVERIFY(!bob.take("message").isEmpty());
        aliceB.clear();
        const QJsonObject again = aliceB.request(
            {{"type", "send"}, {"room", "general"}, {"text", "once"}, {"id", "out-1"}});
        QCOMPARE(again.value("seq").toInt(), 1);
        QCOMPARE(again.value("id"), first.value("id"));
        QCOMPARE(again.value("ts"), first.value("ts"));
        QVERIFY(bob.staysQuiet("message"));
        QVERIFY(aliceA.staysQuiet("message"));
    }

    void topicsRoomsAndReadPositionsAreShared()
    {
        TestClient aliceA, aliceB, bob;
        QVERIFY(aliceA.open(a->port()));
        QVERIFY(aliceB.open(b->port()));
        aliceA.hello("alice", aliceToken);
        aliceB.hello("alice", aliceToken);
        aliceA.join("general");
        aliceB.join("general");
        QVERIFY(bob.enter(b->port(), "bob"));
        QCOMPARE(bob.join("other").value("type").toString(), QStringLiteral("joined"));
        const QJsonObject own =
            aliceA.request({{"type", "topic"}, {"room", "general"}, {"topic", "release day"}});
        QCOMPARE(own.value("topic").toString(), QStringLiteral("release day"));
        QCOMPARE(bob.take("topic").value("topic").toString(), QStringLiteral("release day"));
        QCOMPARE(aliceB.take("topic").value("topic").toString(), QStringLiteral("release day"));
        const QJsonArray rooms = aliceA.request({{"type", "rooms"}}).value("rooms").toArray();
        QCOMPARE(rooms.size(), 2);
        QCOMPARE(rooms[0]["room"].toString(), QStringLiteral("general"));
        QCOMPARE(rooms[0]["members"].toInt(), 2); // alice (through a and b) and bob (through b)
        QCOMPARE(rooms[0]["topic"].toString(), QStringLiteral("release day"));
        QCOMPARE(rooms[1]["room"].toString(), QStringLiteral("other"));
        QCOMPARE(rooms[1]["members"].toInt(), 1);
        for (int i = 0; i < 3; ++i)
            bob.request({{"type", "send"}, {"room", "general"}, {"text", "m"}});
        aliceA.send({{"type", "read"}, {"room", "general"}, {"seq", 2}});
        const QJsonObject read = aliceB.take("read");
        QCOMPARE(read.value("seq").toInt(), 2);
        aliceA.send({{"type", "read"}, {"room", "general"}, {"seq", 1}}); // never moves back
        QVERIFY(aliceB.staysQuiet("read"));
        // A later connection on b starts from the shared position.
        TestClient aliceC;
        QVERIFY(aliceC.open(b->port()));
        aliceC.hello("alice", aliceToken);
        QCOMPARE(aliceC.join("general").value("read").toInt(), 2);
    }

    void directMessagesReachAUserOnAnyServer()
    {
        TestClient alice, bob;
        QVERIFY(alice.open(a->port()));
        QVERIFY(bob.open(b->port()));
        alice.hello("alice");
        const QString bobId = bob.hello("bob").value("user")["id"].toString();
        const QJsonObject own = alice.request({{"type", "send"}, {"to", bobId}, {"text", "psst"}});
        QCOMPARE(own.value("to").toString(), bobId);
        const QJsonObject got = bob.take("message");
        QCOMPARE(got.value("text").toString(), QStringLiteral("psst"));
        QCOMPARE(got.value("id"), own.value("id"));
        const QJsonObject nobody = alice.request(
            {{"type", "send"}, {"to", "00000000-0000-4000-8000-000000000000"}, {"text", "hi"}});
        QCOMPARE(errorCode(nobody), QStringLiteral("no_such_user"));
        // A resend of a direct message's id through another server is de-duplicated too.
        TestClient aliceA, aliceB;
        QVERIFY(aliceA.open(a->port()));
        QVERIFY(aliceB.open(b->port()));
        aliceA.hello("alice", aliceToken);
        aliceB.hello("alice", aliceToken);
        const QJsonObject first =
            aliceA.request({{"type", "send"}, {"to", bobId}, {"text", "once"}, {"id", "dm-1"}});
        QCOMPARE(bob.take("message").value("id"), first.value("id"));
        aliceB.clear();
        const QJsonObject again =
            aliceB.request({{"type", "send"}, {"to", bobId}, {"text", "once"}, {"id", "dm-1"}});
        QCOMPARE(again.value("id"), first.value("id"));
        QCOMPARE(again.value("ts"), first.value("ts"));
        QVERIFY(bob.staysQuiet("message"));
        bob.close();
        QTRY_COMPARE(errorCode(alice.request({{"type", "send"}, {"to", bobId}, {"text", "gone?"}})),
                     QStringLiteral("no_such_user"));
    }

    void typingIsThrottledPerUserAndRoomAcrossServers()
    {
        TestClient aliceA, aliceB, carol;
        QVERIFY(aliceA.open(a->port()));
        QVERIFY(aliceB.open(b->port()));
        aliceA.hello("alice", aliceToken);
        aliceB.hello("alice", aliceToken);
        aliceA.join("general");
        aliceB.join("general");
        QVERIFY(carol.enter(a->port(), "carol"));
        aliceB.send({{"type", "typing"}, {"room", "general"}});
        QVERIFY(!carol.take("typing").isEmpty());
        aliceA.send({{"type", "typing"}, {"room", "general"}}); // within 2 s: dropped
        QVERIFY(carol.staysQuiet("typing"));
        QVERIFY(aliceA.staysQuiet("typing")); // never to the user's own connections
    }

    void searchFindsAMessageSentThroughAnotherServer()
    {
        TestClient alice, bob;
        QVERIFY(alice.enter(a->port(), "alice"));
        QVERIFY(bob.enter(b->port(), "bob"));
        alice.request({{"type", "send"}, {"room", "general"}, {"text", "deploy the thing"}});
        QVERIFY(!bob.take("message").isEmpty()); // bob has it: so has his server's search
        const QJsonArray found =
            bob.request({{"type", "search"}, {"q", "depl"}}).value("messages").toArray();
        QCOMPARE(found.size(), 1);
        QCOMPARE(found[0]["text"].toString(), QStringLiteral("deploy the thing"));
        // Older messages, sent before this server had anyone in the room, are found too.
        TestClient carol;
        QVERIFY(carol.enter(a->port(), "carol", "archive"));
        carol.request({{"type", "send"}, {"room", "archive"}, {"text", "ancient lore"}});
        TestClient dave;
        QVERIFY(dave.enter(b->port(), "dave", "archive"));
        QTRY_COMPARE(
            dave.request({{"type", "search"}, {"q", "lore"}}).value("messages").toArray().size(),
            1);
    }

    void publishOnAnyServerReachesTheRoomEverywhere()
    {
        TestClient alice;
        QVERIFY(alice.enter(a->port(), "alice"));
        const HttpAnswer answer =
            publish(b->port(), {{"room", "general"}, {"text", "from the bot"}});
        QCOMPARE(answer.status, 202);
        QCOMPARE(answer.json().value("seq").toInt(), 1);
        const QJsonObject got = alice.take("message");
        QCOMPARE(got.value("text").toString(), QStringLiteral("from the bot"));
        QCOMPARE(got.value("seq").toInt(), 1);
    }

    void concurrentSendersOnBothServersSeeNoGapNoDuplicate()
    {
        TestClient alice, bob;
        QVERIFY(alice.enter(a->port(), "alice"));
        QVERIFY(bob.enter(b->port(), "bob"));
        const int each = 200;
        for (int i = 0; i < each; ++i) {
            alice.send({{"type", "send"},
                        {"room", "general"},
                        {"text", "a"},
                        {"id", QString("a%1").arg(i)}});
            bob.send({{"type", "send"},
                      {"room", "general"},
                      {"text", "b"},
                      {"id", QString("b%1").arg(i)}});
        }
        for (TestClient *c : {&alice, &bob}) {
            QTRY_COMPARE_WITH_TIMEOUT(
                std::count_if(c->pending().cbegin(), c->pending().cend(),
                              [](const QJsonObject &f) { return f.value("type") == "message"; }),
                2 * each, 20000);
            int expected = 1;
            for (const QJsonObject &f : c->pending()) {
                if (f.value("type") != "message")
                    continue;
                QCOMPARE(f.value("seq").toInt(), expected++);
            }
        }
    }
};

CONFAB_SERVER_TEST_MAIN(TestCluster)
#include "tst_cluster.moc"
