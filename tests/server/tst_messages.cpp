// Messages: room sends with seq, de-duplication, direct messages, history paging, join with
// since, read positions, search and typing.
#include "servertestmain.h"
#include "testclient.h"
#include "testserver.h"

#include <QJsonArray>
#include <QTest>

using namespace confab;
using namespace confab::test;

namespace {
const QJsonObject say(TestClient &c, const QString &room, const QString &text,
                      const QString &id = {})
{
    QJsonObject f{{"type", "send"}, {"room", room}, {"text", text}};
    if (!id.isEmpty())
        f.insert("id", id);
    return c.request(f);
}

QList<qint64> seqs(const QJsonArray &messages)
{
    QList<qint64> out;
    for (const QJsonValue &m : messages)
        out.append(qint64(m["seq"].toDouble()));
    return out;
}

QList<qint64> range(qint64 first, qint64 last)
{
    QList<qint64> out;
    for (qint64 i = first; i <= last; ++i)
        out.append(i);
    return out;
}

} // namespace

class TestMessages : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void aMessageReachesEveryMemberTheSenderIncluded()
    {
        TwoUsers p;
        QVERIFY(p.start());
        const QJsonObject mine = say(p.alice, "general", "hello world", "c1");
        QCOMPARE(mine["type"].toString(), "message");
        QCOMPARE(mine["re"].toString(), "c1");
        QCOMPARE(mine["room"].toString(), "general");
        QCOMPARE(mine["seq"].toInt(), 1);
        QCOMPARE(mine["text"].toString(), "hello world");
        QCOMPARE(mine["from"]["id"].toString(), p.alice.userId());
        QCOMPARE(mine["from"]["nick"].toString(), "alice");
        QVERIFY(mine["ts"].toDouble() > 1.7e12);
        QCOMPARE(mine["id"].toString().size(), 36);
        QVERIFY(!mine.contains("to"));

        const QJsonObject theirs = p.bob.take("message");
        QVERIFY(!theirs.contains("re"));
        QCOMPARE(theirs["id"].toString(), mine["id"].toString());
        QCOMPARE(theirs["seq"].toInt(), 1);
        QCOMPARE(theirs["ts"].toDouble(), mine["ts"].toDouble());
    }

    void seqCountsUpWithoutGapsPerRoom()
    {
        TwoUsers p;
        QVERIFY(p.start());
        p.alice.join("other");
        for (int i = 1; i <= 20; ++i)
            p.alice.send({{"type", "send"}, {"room", i % 2 ? "general" : "other"}, {"text", "m"}});
        QList<qint64> general, other;
        for (int i = 0; i < 20; ++i) {
            const QJsonObject m = p.alice.take("message");
            (m["room"].toString() == "general" ? general : other)
                .append(qint64(m["seq"].toDouble()));
        }
        QCOMPARE(general, range(1, 10));
        QCOMPARE(other, range(1, 10));
        QCOMPARE(p.bob.join("general")["seq"].toInt(), 10);
    }

    void sendRules()
    {
        TwoUsers p;
        QVERIFY(p.start());
        QCOMPARE(errorCode(say(p.alice, "elsewhere", "x")), "not_in_room");
        QCOMPARE(errorCode(say(p.alice, "bad room", "x")), "bad_room");
        QCOMPARE(errorCode(say(p.alice, "general", "")), "bad_request");
        QCOMPARE(errorCode(p.alice.request({{"type", "send"}, {"room", "general"}})),
                 "bad_request");
        QCOMPARE(errorCode(p.alice.request({{"type", "send"}, {"room", "general"}, {"text", 5}})),
                 "bad_request");
        QCOMPARE(errorCode(p.alice.request({{"type", "send"}, {"text", "x"}})), "bad_request");
        QCOMPARE(
            errorCode(p.alice.request(
                {{"type", "send"}, {"room", "general"}, {"to", p.bob.userId()}, {"text", "x"}})),
            "bad_request");
        // max_text_bytes counts UTF-8 bytes: 2048 two-byte characters fit, one more does not.
        QCOMPARE(say(p.alice, "general", QString(2048, QChar(0xe9)))["type"].toString(), "message");
        QCOMPARE(errorCode(say(p.alice, "general", QString(2048, QChar(0xe9)) + u'x')), "too_long");
        QCOMPARE(say(p.alice, "general", QString(4096, u'a'))["type"].toString(), "message");
        QCOMPARE(errorCode(say(p.alice, "general", QString(4097, u'a'))), "too_long");
        QVERIFY(!p.bob.take("message").isEmpty());
        QVERIFY(!p.bob.take("message").isEmpty());
        QVERIFY(p.bob.staysQuiet("message"));
    }

    void resendingTheSameIdStoresNothingNew()
    {
        TwoUsers p;
        QVERIFY(p.start());
        const QJsonObject first = say(p.alice, "general", "only once", "out-1");
        QVERIFY(!p.bob.take("message").isEmpty());
        const QJsonObject again = say(p.alice, "general", "only once", "out-1");
        QCOMPARE(again["re"].toString(), "out-1");
        QCOMPARE(again["seq"], first["seq"]);
        QCOMPARE(again["id"], first["id"]);
        QCOMPARE(again["ts"], first["ts"]);
        QVERIFY(p.bob.staysQuiet("message"));
        QCOMPARE(say(p.alice, "general", "next", "out-2")["seq"].toInt(), 2);

        // After a reconnect with the same token, the outbox may resend safely.
        TestClient back;
        QVERIFY(back.open(p.server.port()));
        back.hello(QString(), {{"token", TwoUsers::aliceToken}});
        back.join("general");
        QCOMPARE(say(back, "general", "only once", "out-1")["seq"].toInt(), 1);
        // The same id from another user, or in another room, is a new message.
        QCOMPARE(say(p.bob, "general", "mine", "out-1")["seq"].toInt(), 3);
        back.join("other");
        QCOMPARE(say(back, "other", "there", "out-1")["seq"].toInt(), 1);
    }

    void duplicatesWithinOneBatchAreCaughtToo()
    {
        TwoUsers p;
        QVERIFY(p.start());
        // Both frames arrive in one read, so both are handled before the batch is committed.
        p.alice.sendText(R"({"type":"send","room":"general","text":"x","id":"b1"})");
        p.alice.sendText(R"({"type":"send","room":"general","text":"x","id":"b1"})");
        const QJsonObject a = p.alice.take("message");
        const QJsonObject b = p.alice.take("message");
        QCOMPARE(a["seq"].toInt(), 1);
        QCOMPARE(b["seq"].toInt(), 1);
        QVERIFY(!p.bob.take("message").isEmpty());
        QVERIFY(p.bob.staysQuiet("message"));
    }

    void directMessages()
    {
        TwoUsers p;
        QVERIFY(p.start());
        TestClient aliceLaptop;
        QVERIFY(aliceLaptop.open(p.server.port()));
        aliceLaptop.hello("alice", {{"token", TwoUsers::aliceToken}});

        const QJsonObject mine =
            p.alice.request({{"type", "send"}, {"to", p.bob.userId()}, {"text", "psst"}});
        QCOMPARE(mine["type"].toString(), "message");
        QCOMPARE(mine["to"].toString(), p.bob.userId());
        QVERIFY(!mine.contains("room"));
        QVERIFY(!mine.contains("seq"));
        QVERIFY(mine.contains("re"));
        const QJsonObject theirs = p.bob.take("message");
        QCOMPARE(theirs["text"].toString(), "psst");
        QCOMPARE(theirs["from"]["id"].toString(), p.alice.userId());
        QVERIFY(!theirs.contains("re"));
        // Every connection of the sender gets it, so devices agree.
        QCOMPARE(aliceLaptop.take("message")["id"], mine["id"]);

        // To oneself: one copy per connection.
        p.alice.request({{"type", "send"}, {"to", p.alice.userId()}, {"text", "note"}});
        QCOMPARE(aliceLaptop.take("message")["text"].toString(), "note");
        QVERIFY(p.alice.staysQuiet("message"));

        // A resend with the same id is not delivered twice.
        const QJsonObject d1 = p.alice.request(
            {{"type", "send"}, {"to", p.bob.userId()}, {"text", "once"}, {"id", "dm-1"}});
        QVERIFY(!p.bob.take("message").isEmpty());
        const QJsonObject d2 = p.alice.request(
            {{"type", "send"}, {"to", p.bob.userId()}, {"text", "once"}, {"id", "dm-1"}});
        QCOMPARE(d2["id"], d1["id"]);
        QVERIFY(p.bob.staysQuiet("message"));

        QCOMPARE(
            errorCode(p.alice.request(
                {{"type", "send"}, {"to", "00000000-0000-4000-8000-000000000000"}, {"text", "x"}})),
            "no_such_user");
        const QString bobId = p.bob.userId();
        p.bob.close();
        QVERIFY(p.bob.waitClosed());
        QTRY_COMPARE_WITH_TIMEOUT(p.server.connectionCount(), 2, waitMs());
        QCOMPARE(errorCode(p.alice.request({{"type", "send"}, {"to", bobId}, {"text", "x"}})),
                 "no_such_user");
    }

    void historyPagesBackwards()
    {
        TwoUsers p;
        QVERIFY(p.start());
        for (int i = 1; i <= 260; ++i)
            p.alice.send({{"type", "send"}, {"room", "general"}, {"text", QString::number(i)}});
        QTRY_COMPARE_WITH_TIMEOUT(p.bob.pending().size(), 260, waitMs());

        TestClient c;
        QVERIFY(c.open(p.server.port()));
        c.hello("carol");
        const QJsonObject joined = c.join("general");
        QCOMPARE(joined["seq"].toInt(), 260);
        QCOMPARE(seqs(joined["history"].toArray()), range(211, 260)); // the last 50
        const QJsonObject first = joined["history"].toArray().first().toObject();
        QCOMPARE(first["text"].toString(), "211");
        QCOMPARE(first["from"]["nick"].toString(), "alice");

        const QJsonObject page =
            c.request({{"type", "history"}, {"room", "general"}, {"before", 211}, {"limit", 5}});
        QCOMPARE(page["type"].toString(), "history");
        QCOMPARE(page["room"].toString(), "general");
        QCOMPARE(seqs(page["messages"].toArray()), range(206, 210));
        QCOMPARE(seqs(c.request({{"type", "history"}, {"room", "general"}})["messages"].toArray()),
                 range(211, 260));
        QCOMPARE(c.request({{"type", "history"}, {"room", "general"}, {"limit", 1000}})["messages"]
                     .toArray()
                     .size(),
                 200);
        QCOMPARE(
            seqs(c.request({{"type", "history"}, {"room", "general"}, {"before", 3}})["messages"]
                     .toArray()),
            range(1, 2));
        QCOMPARE(errorCode(c.request({{"type", "history"}, {"room", "general"}, {"limit", 0}})),
                 "bad_request");
        QCOMPARE(errorCode(c.request({{"type", "history"}, {"room", "general"}, {"before", "x"}})),
                 "bad_request");
        QCOMPARE(errorCode(c.request({{"type", "history"}, {"room", "nowhere"}})), "not_in_room");
    }

    void joinSinceReturnsWhatWasMissed()
    {
        ServerConfig config = testConfig();
        config.limits.burst = 5000;
        config.limits.ratePerSec = 100000;
        TwoUsers p(config);
        QVERIFY(p.start());
        for (int i = 1; i <= 1100; ++i)
            p.alice.send({{"type", "send"}, {"room", "general"}, {"text", QString::number(i)}});
        QTRY_COMPARE_WITH_TIMEOUT(p.bob.pending().size(), 1100, waitMs());
        TestClient c;
        QVERIFY(c.open(p.server.port()));
        c.hello("carol");
        QCOMPARE(seqs(c.join("general", {{"since", 1090}})["history"].toArray()),
                 range(1091, 1100));
        QCOMPARE(seqs(c.join("general", {{"since", 1100}})["history"].toArray()), QList<qint64>{});
        QCOMPARE(seqs(c.join("general", {{"since", 5000}})["history"].toArray()), QList<qint64>{});
        // More than 1000 missed: the last 1000, and the first seq tells the client to page back.
        QCOMPARE(seqs(c.join("general", {{"since", 0}})["history"].toArray()), range(101, 1100));
    }

    void readPositionsSyncAcrossConnections()
    {
        TwoUsers p;
        QVERIFY(p.start());
        for (int i = 0; i < 3; ++i)
            say(p.alice, "general", "m");
        TestClient laptop;
        QVERIFY(laptop.open(p.server.port()));
        laptop.hello(QString(), {{"token", TwoUsers::aliceToken}});
        QCOMPARE(laptop.join("general")["read"].toInt(), 0);

        p.alice.send({{"type", "read"}, {"room", "general"}, {"seq", 2}});
        const QJsonObject synced = laptop.take("read");
        QCOMPARE(synced["room"].toString(), "general");
        QCOMPARE(synced["seq"].toInt(), 2);
        QVERIFY(p.alice.staysQuiet("read"));

        p.alice.send({{"type", "read"}, {"room", "general"}, {"seq", 1}}); // never moves back
        QVERIFY(laptop.staysQuiet("read"));
        p.alice.send(
            {{"type", "read"}, {"room", "general"}, {"seq", 99}}); // capped at the last seq
        QCOMPARE(laptop.take("read")["seq"].toInt(), 3);
        QCOMPARE(laptop.join("general")["read"].toInt(), 3);

        QCOMPARE(errorCode(p.alice.request({{"type", "read"}, {"room", "nowhere"}, {"seq", 1}})),
                 "not_in_room");
        QCOMPARE(errorCode(p.alice.request({{"type", "read"}, {"room", "general"}, {"seq", -4}})),
                 "bad_request");
    }

    void aReadPositionHoldsForTheUsersNextConnectionAnywhere()
    {
        // In a cluster alice's server knows "notes" from her join only (bob sent through the
        // other server), and her second connection comes through bob's server.
        TwoUsers p;
        QVERIFY(p.start());
        QCOMPARE(p.bob.join("notes")["type"].toString(), "joined");
        for (int i = 1; i <= 3; ++i)
            QCOMPARE(say(p.bob, "notes", "m")["seq"].toInt(), i);
        QCOMPARE(p.alice.join("notes")["seq"].toInt(), 3);
        p.alice.send({{"type", "read"}, {"room", "notes"}, {"seq", 2}});
        // Once a later frame of that connection is answered, the position is kept.
        QCOMPARE(p.alice.request({{"type", "rooms"}})["type"].toString(), "rooms");
        TestClient laptop;
        QVERIFY(laptop.open(p.server.port(1)));
        QCOMPARE(laptop.hello(QString(), {{"token", TwoUsers::aliceToken}})["type"].toString(),
                 "welcome");
        const QJsonObject joined = laptop.join("notes");
        QCOMPARE(joined["read"].toInt(), 2);
        QCOMPARE(joined["unread"].toInt(), 1);
    }

    void historyWithoutBeforeEndsAtTheRoomsNewest()
    {
        // In a cluster alice's sends go through one server; bob asks the other, which has
        // the room from his join only.
        TwoUsers p;
        QVERIFY(p.start());
        QCOMPARE(p.alice.join("notes")["type"].toString(), "joined");
        for (int i = 1; i <= 10; ++i)
            QCOMPARE(say(p.alice, "notes", QString::number(i))["seq"].toInt(), i);
        QCOMPARE(seqs(p.bob.join("notes")["history"].toArray()), range(1, 10));
        const QJsonObject newest =
            p.bob.request({{"type", "history"}, {"room", "notes"}, {"limit", 1}});
        QCOMPARE(seqs(newest["messages"].toArray()), QList<qint64>{10});
        QCOMPARE(
            seqs(p.bob.request({{"type", "history"}, {"room", "notes"}})["messages"].toArray()),
            range(1, 10));
        // And once more after a message bob's server took itself.
        QCOMPARE(say(p.bob, "notes", "11")["seq"].toInt(), 11);
        QCOMPARE(
            seqs(p.alice.request({{"type", "history"}, {"room", "notes"}, {"limit", 2}})["messages"]
                     .toArray()),
            range(10, 11));
    }

    void searchFindsWordsAndPrefixesNewestFirst()
    {
        TwoUsers p;
        QVERIFY(p.start());
        p.alice.join("ops");
        say(p.alice, "general", "Deployment finished");
        say(p.alice, "general", "lunch?");
        say(p.alice, "ops", "deploy again tomorrow");
        say(p.alice, "general", "redeploy is not a prefix match");

        const QJsonObject all = p.alice.request({{"type", "search"}, {"q", "DEPLOY"}});
        QCOMPARE(all["type"].toString(), "search");
        QCOMPARE(all["q"].toString(), "DEPLOY");
        const QJsonArray found = all["messages"].toArray();
        QCOMPARE(found.size(), 2);
        QCOMPARE(found[0]["text"].toString(), "deploy again tomorrow"); // newest first
        QCOMPARE(found[1]["text"].toString(), "Deployment finished");
        QCOMPARE(found[1]["seq"].toInt(), 1);
        QCOMPARE(found[1]["room"].toString(), "general");

        const QJsonArray inGeneral =
            p.alice.request({{"type", "search"}, {"q", "deploy"}, {"room", "general"}})["messages"]
                .toArray();
        QCOMPARE(inGeneral.size(), 1);
        QCOMPARE(p.alice.request({{"type", "search"}, {"q", "deploy finish"}})["messages"]
                     .toArray()
                     .size(),
                 1);
        QCOMPARE(p.alice.request({{"type", "search"}, {"q", "deploy"}, {"limit", 1}})["messages"]
                     .toArray()
                     .size(),
                 1);

        // Bob is not in "ops": his search does not see it, and asking for it is refused.
        QCOMPARE(p.bob.request({{"type", "search"}, {"q", "deploy"}})["messages"].toArray().size(),
                 1);
        QCOMPARE(errorCode(p.bob.request({{"type", "search"}, {"q", "deploy"}, {"room", "ops"}})),
                 "not_in_room");
        QCOMPARE(errorCode(p.bob.request({{"type", "search"}, {"q", ""}})), "bad_request");
        QCOMPARE(p.bob.request({{"type", "search"}, {"q", "!!!"}})["messages"].toArray().size(), 0);
    }

    void aMessageIsSearchableOnceTheSenderHasIt()
    {
        TwoUsers p;
        QVERIFY(p.start());
        p.alice.send(
            {{"type", "send"}, {"room", "general"}, {"text", "fresh words"}, {"id", "s1"}});
        // Pipelined right behind the send, in the same read.
        const QJsonObject result = p.alice.request({{"type", "search"}, {"q", "fresh"}});
        QCOMPARE(result["messages"].toArray().size(), 1);
    }

    void loneSurrogatesAreRefusedSoLiveAndStoredCopiesAgree()
    {
        TwoUsers p;
        QVERIFY(p.start());
        // "\ud800" is a JSON escape of a lone surrogate: valid JSON, but no Unicode text.
        auto raw = [&](const QString &json) {
            p.alice.sendText(json);
            return p.alice.take("error");
        };
        QCOMPARE(errorCode(raw(R"({"type":"send","room":"general","text":"A\ud800B"})")),
                 "bad_request");
        QCOMPARE(errorCode(raw(R"({"type":"send","room":"general","text":"A\udc00"})")),
                 "bad_request");
        QCOMPARE(errorCode(raw(R"({"type":"nick","nick":"al\ud800"})")), "bad_nick");
        QCOMPARE(errorCode(raw(R"({"type":"topic","room":"general","topic":"t\ud800"})")),
                 "bad_request");
        QCOMPARE(errorCode(raw(R"({"type":"join","room":"r\ud800"})")), "bad_room");
        QVERIFY(p.bob.staysQuiet("message"));
        QCOMPARE(p.alice.request({{"type", "history"}, {"room", "general"}})["messages"]
                     .toArray()
                     .size(),
                 0);
        QCOMPARE(p.alice.nick(), "alice");

        // A surrogate pair is one character like any other: live and stored copies agree.
        p.alice.sendText(R"({"type":"send","room":"general","text":"A\ud83d\ude00B","id":"pair"})");
        const QJsonObject live = p.bob.take("message");
        QCOMPARE(live["text"].toString(), QString::fromUcs4(U"A\U0001F600B"));
        const QJsonArray stored =
            p.alice.request({{"type", "history"}, {"room", "general"}})["messages"].toArray();
        QCOMPARE(stored.size(), 1);
        QCOMPARE(stored.first().toObject()["text"].toString(), live["text"].toString());
        QCOMPARE(stored.first().toObject(), live);
    }

    // A frame with two faults gets the one the server checks first: a malformed room, then
    // not_in_room, then the frame's other members; a send's text before its room.
    void aFrameWithTwoFaultsGetsTheFirstOneChecked()
    {
        TwoUsers p;
        QVERIFY(p.start());
        TestClient &a = p.alice;
        QCOMPARE(errorCode(a.request({{"type", "topic"}, {"room", "elsewhere"}, {"topic", 5}})),
                 "not_in_room");
        QCOMPARE(errorCode(a.request({{"type", "topic"}, {"room", "a b"}, {"topic", 5}})),
                 "bad_room");
        QCOMPARE(errorCode(a.request({{"type", "topic"}, {"room", "general"}, {"topic", 5}})),
                 "bad_request");
        QCOMPARE(errorCode(a.request({{"type", "history"}, {"room", "elsewhere"}, {"before", -1}})),
                 "not_in_room");
        QCOMPARE(errorCode(a.request({{"type", "history"}, {"room", "general"}, {"limit", 0}})),
                 "bad_request");
        QCOMPARE(errorCode(a.request({{"type", "read"}, {"room", "elsewhere"}, {"seq", -1}})),
                 "not_in_room");
        QCOMPARE(errorCode(a.request({{"type", "read"}, {"room", "general"}, {"seq", "1"}})),
                 "bad_request");
        const QString tooLong(4097, u'x');
        QCOMPARE(errorCode(a.request({{"type", "send"}, {"room", "a b"}, {"text", tooLong}})),
                 "too_long");
        QCOMPARE(errorCode(a.request({{"type", "send"}, {"room", "elsewhere"}, {"text", ""}})),
                 "bad_request");
        QCOMPARE(errorCode(a.request({{"type", "send"}, {"to", "nobody"}, {"text", 5}})),
                 "bad_request");
        QCOMPARE(errorCode(a.request({{"type", "join"}, {"room", "elsewhere"}, {"since", -1}})),
                 "bad_request");
        const QJsonObject search =
            a.request({{"type", "search"}, {"q", ""}, {"limit", 0}, {"room", "elsewhere"}});
        QCOMPARE(errorCode(search), "bad_request");
        QCOMPARE(search["message"].toString(), "\"q\" must be a non-empty string");
        QCOMPARE(errorCode(a.request({{"type", "search"}, {"q", "x"}, {"room", "elsewhere"}})),
                 "not_in_room");
        QCOMPARE(a.request({{"type", "send"}, {"room", "elsewhere"}, {"text", "x"}})["message"]
                     .toString(),
                 "join 'elsewhere' first");
    }

    void typingIsRelayedAndThrottled()
    {
        TwoUsers p;
        QVERIFY(p.start());
        p.alice.send({{"type", "typing"}, {"room", "general"}});
        const QJsonObject t = p.bob.take("typing");
        QCOMPARE(t["room"].toString(), "general");
        QCOMPARE(t["user"]["id"].toString(), p.alice.userId());
        QVERIFY(p.alice.staysQuiet("typing"));
        p.alice.send({{"type", "typing"}, {"room", "general"}}); // within 2 s: dropped silently
        QVERIFY(p.bob.staysQuiet("typing"));
        QVERIFY(p.alice.staysQuiet("error"));
        QCOMPARE(errorCode(p.alice.request({{"type", "typing"}, {"room", "nowhere"}})),
                 "not_in_room");
    }

    void messagesCarryTheNewNick()
    {
        TwoUsers p;
        QVERIFY(p.start());
        p.bob.request({{"type", "nick"}, {"nick", "robert"}});
        QCOMPARE(say(p.bob, "general", "hi").value("from")["nick"].toString(), "robert");
        QCOMPARE(p.alice.take("message")["from"]["nick"].toString(), "robert");
    }
};

CONFAB_SERVER_TEST_MAIN(TestMessages)
#include "tst_messages.moc"
