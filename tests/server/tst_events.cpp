// Protocol 1.1 room events on one server (SQLite): edits, deletions, reactions and replies, their
// rules and errors, the state they leave in joined, history and search, unread, and a deletion
// that erases the text from the database files.
#include "servertestmain.h"
#include "testclient.h"
#include "testserver.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QTest>
#include <memory>
#include <vector>

using namespace confab;
using namespace confab::test;

namespace {

const QJsonObject say(TestClient &c, const QString &text, const QJsonObject &extra = {},
                      const QString &room = QStringLiteral("general"))
{
    QJsonObject f{{"type", "send"}, {"room", room}, {"text", text}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        f.insert(it.key(), it.value());
    return c.request(f);
}

QJsonObject editFrame(qint64 target, const QString &text)
{
    return {{"type", "edit"}, {"room", "general"}, {"target", target}, {"text", text}};
}

QJsonObject deleteFrame(qint64 target)
{
    return {{"type", "delete"}, {"room", "general"}, {"target", target}};
}

QJsonObject reactFrame(qint64 target, const QString &emoji, bool on = true)
{
    return {
        {"type", "react"}, {"room", "general"}, {"target", target}, {"emoji", emoji}, {"on", on}};
}

qint64 seqOf(const QJsonObject &event)
{
    return qint64(event["seq"].toDouble());
}

const QJsonArray history(TestClient &c, int limit = 100)
{
    return c.request({{"type", "history"}, {"room", "general"}, {"limit", limit}})["messages"]
        .toArray();
}

// The entry of a list with this seq.
QJsonObject atSeq(const QJsonArray &events, qint64 seq)
{
    for (const QJsonValue &e : events) {
        if (qint64(e["seq"].toDouble()) == seq)
            return e.toObject();
    }
    return {};
}

QStringList types(const QJsonArray &events)
{
    QStringList out;
    for (const QJsonValue &e : events)
        out.append(e["type"].toString() + QString::number(qint64(e["seq"].toDouble())));
    return out;
}

QByteArray fileBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestEvents : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void welcomeListsTheFeaturesOf11()
    {
        TestServer server;
        QVERIFY(server.start());
        TestClient c;
        QVERIFY(c.open(server.port()));
        const QJsonObject welcome = c.hello("carol");
        QCOMPARE(welcome["features"].toArray().toVariantList(),
                 (QVariantList{"edit", "delete", "reply", "react", "ops"}));
    }

    void anEditReachesEveryMemberAndBecomesTheMessagesText()
    {
        TwoUsers p;
        QVERIFY(p.start());
        QCOMPARE(seqOf(say(p.alice, "helo wrld")), 1);
        p.bob.take("message");
        const QJsonObject mine = p.alice.request(editFrame(1, "hello world"));
        QCOMPARE(mine["type"].toString(), "edit");
        QCOMPARE(seqOf(mine), 2);
        QCOMPARE(mine["target"].toInt(), 1);
        QCOMPARE(mine["text"].toString(), "hello world");
        QCOMPARE(mine["from"]["id"].toString(), p.alice.userId());
        QCOMPARE(mine["id"].toString().size(), 36);
        const QJsonObject theirs = p.bob.take("edit");
        QVERIFY(!theirs.contains("re"));
        QCOMPARE(theirs["id"].toString(), mine["id"].toString());
        QCOMPARE(seqOf(theirs), 2);

        const QJsonArray events = history(p.bob);
        QCOMPARE(types(events), (QStringList{"message1", "edit2"}));
        const QJsonObject message = events[0].toObject();
        QCOMPARE(message["text"].toString(), "hello world");
        QCOMPARE(message["edited_ts"].toDouble(), mine["ts"].toDouble());
        QCOMPARE(events[1]["text"].toString(), "hello world");
        // The next message has the next seq: events count.
        QCOMPARE(seqOf(say(p.bob, "next")), 3);
    }

    void onlyTheAuthorMayEdit()
    {
        TwoUsers p;
        QVERIFY(p.start());
        say(p.alice, "mine");
        const QJsonObject refused = p.bob.request(editFrame(1, "yours now"));
        QCOMPARE(errorCode(refused), "forbidden");
        QVERIFY(p.alice.staysQuiet("edit"));
        QCOMPARE(history(p.alice)[0]["text"].toString(), "mine");
    }

    void anEditFollowsTheTextRulesOfSend()
    {
        TwoUsers p;
        QVERIFY(p.start());
        say(p.alice, "short");
        QCOMPARE(errorCode(p.alice.request(editFrame(1, ""))), "bad_request");
        const QString tooLong(p.server.config().limits.maxTextBytes + 1, 'x');
        QCOMPARE(errorCode(p.alice.request(editFrame(1, tooLong))),
                 errorCode(say(p.alice, tooLong)));
        QCOMPARE(errorCode(p.alice.request(editFrame(1, tooLong))), "too_long");
        QCOMPARE(errorCode(p.alice.request(
                     {{"type", "edit"}, {"room", "general"}, {"target", -1}, {"text", "x"}})),
                 "bad_request");
        QCOMPARE(history(p.alice).size(), 1); // nothing stored
    }

    void unknownNonMessageAndDeletedTargetsAreNotFound()
    {
        TwoUsers p;
        QVERIFY(p.start());
        say(p.alice, "one");                          // 1
        p.alice.request(editFrame(1, "one, edited")); // 2
        say(p.alice, "two");                          // 3
        p.alice.request(deleteFrame(3));              // 4
        for (const qint64 target : {99, 2, 4, 3}) {
            QCOMPARE(errorCode(p.alice.request(editFrame(target, "x"))), "not_found");
            QCOMPARE(errorCode(p.alice.request(deleteFrame(target))), "not_found");
            QCOMPARE(errorCode(p.alice.request(reactFrame(target, "👍"))), "not_found");
        }
        QCOMPARE(seqOf(say(p.alice, "three")), 5); // nothing was stored
    }

    void aTargetOfZeroNamesNoMessage()
    {
        // 0 is a well-formed seq that names no message: not_found, as for any other such seq
        // (it was bad_request).
        TwoUsers p;
        QVERIFY(p.start());
        say(p.alice, "one"); // 1
        QCOMPARE(errorCode(p.alice.request(editFrame(0, "x"))), "not_found");
        QCOMPARE(errorCode(p.alice.request(deleteFrame(0))), "not_found");
        QCOMPARE(errorCode(p.alice.request(reactFrame(0, "👍"))), "not_found");
        QCOMPARE(errorCode(say(p.alice, "a reply", {{"reply_to", 0}})), "not_found");
        // Below zero is no seq at all.
        QCOMPARE(errorCode(p.alice.request(editFrame(-1, "x"))), "bad_request");
        QCOMPARE(errorCode(say(p.alice, "a reply", {{"reply_to", -1}})), "bad_request");
        QCOMPARE(seqOf(say(p.alice, "two")), 2); // nothing was stored
        QCOMPARE(p.bob.take("message")["seq"].toInt(), 1);
        QCOMPARE(p.bob.take("message")["seq"].toInt(), 2);
    }

    void anEditsIdIsDeduplicated()
    {
        TwoUsers p;
        QVERIFY(p.start());
        say(p.alice, "draft", {{"id", "same"}});
        p.bob.take("message");
        QJsonObject edit = editFrame(1, "final");
        edit.insert("id", "e1");
        const QJsonObject first = p.alice.request(edit);
        QCOMPARE(seqOf(first), 2);
        const QJsonObject again = p.alice.request(edit);
        QCOMPARE(again["type"].toString(), "edit");
        QCOMPARE(again["id"].toString(), first["id"].toString());
        QCOMPARE(seqOf(again), 2);
        QCOMPARE(again["re"].toString(), "e1");
        p.bob.take("edit");
        QVERIFY(p.bob.staysQuiet("edit")); // the repeat went to its sender only
        // A send's id and an edit's id are apart: "same" as an edit id is a new edit.
        edit.insert("id", "same");
        QCOMPARE(seqOf(p.alice.request(edit)), 3);
        QCOMPARE(seqOf(say(p.alice, "later")), 4);
    }

    void theAuthorDeletesAndTheTextIsGoneFromEveryAnswer()
    {
        TwoUsers p;
        QVERIFY(p.start());
        say(p.alice, "a secret plan");                     // 1
        p.alice.request(editFrame(1, "a secret plan v2")); // 2
        p.bob.request(reactFrame(1, "👍"));                 // 3
        QCOMPARE(errorCode(p.bob.request(deleteFrame(1))), "forbidden");
        const QJsonObject deleted = p.alice.request(deleteFrame(1));
        QCOMPARE(deleted["type"].toString(), "delete");
        QCOMPARE(seqOf(deleted), 4);
        QCOMPARE(deleted["target"].toInt(), 1);
        QVERIFY(!deleted.contains("text"));
        QVERIFY(!p.bob.take("delete").isEmpty());

        const QJsonArray events = history(p.bob);
        QCOMPARE(types(events), (QStringList{"message1", "edit2", "reaction3", "delete4"}));
        const QJsonObject message = events[0].toObject();
        QCOMPARE(message["deleted"].toBool(), true);
        QCOMPARE(message["text"].toString(), "");
        QVERIFY(!message.contains("reactions"));
        QVERIFY(!message.contains("edited_ts"));
        QCOMPARE(events[1]["text"].toString(), "");
        QCOMPARE(events[2]["emoji"].toString(), "");
        const QJsonObject found = p.bob.request({{"type", "search"}, {"q", "secret"}});
        QCOMPARE(found["messages"].toArray().size(), 0);
    }

    void reactionsGoOnAndOffAndAChangeOfNothingIsSilent()
    {
        TwoUsers p;
        QVERIFY(p.start());
        say(p.alice, "react to me"); // 1
        p.bob.take("message");
        const QJsonObject on = p.alice.request(reactFrame(1, "👍"));
        QCOMPARE(on["type"].toString(), "reaction");
        QCOMPARE(seqOf(on), 2);
        QCOMPARE(on["emoji"].toString(), "👍");
        QCOMPARE(on["on"].toBool(), true);
        QCOMPARE(p.bob.take("reaction")["id"].toString(), on["id"].toString());
        QCOMPARE(seqOf(p.bob.request(reactFrame(1, "👍"))), 3);
        p.alice.take("reaction");
        QCOMPARE(history(p.alice)[0]["reactions"].toObject(),
                 (QJsonObject{{"👍", QJsonArray{p.alice.userId(), p.bob.userId()}}}));

        // Again on: nothing stored, no answer to anyone.
        p.alice.send(reactFrame(1, "👍"));
        QVERIFY(p.alice.staysQuiet());
        QVERIFY(p.bob.staysQuiet("reaction"));
        const QJsonObject off = p.alice.request(reactFrame(1, "👍", false));
        QCOMPARE(seqOf(off), 4);
        QCOMPARE(off["on"].toBool(), false);
        p.alice.send(reactFrame(1, "👍", false)); // off when not on: nothing
        QVERIFY(p.alice.staysQuiet());
        QCOMPARE(history(p.alice)[0]["reactions"].toObject(),
                 (QJsonObject{{"👍", QJsonArray{p.bob.userId()}}}));
        QCOMPARE(seqOf(say(p.alice, "next")), 5);
    }

    void aBadEmojiAndATwentyFirstEmojiAreBadRequests()
    {
        TwoUsers p;
        QVERIFY(p.start());
        say(p.alice, "many"); // 1
        // Issue 19: also nothing that draws nothing or turns the text around.
        for (const QString &bad : QStringList{"", "a b", QString(33, QLatin1Char('x')), "\x07",
                                              QStringLiteral("a\u202Eb"), QStringLiteral("\u3164"),
                                              QStringLiteral("\u200D")})
            QCOMPARE(errorCode(p.alice.request(reactFrame(1, bad))), "bad_request");
        QCOMPARE(
            p.alice.request(reactFrame(1, QStringLiteral("👨\u200D👩\u200D👧")))["type"].toString(),
            "reaction");
        p.alice.request(reactFrame(1, QStringLiteral("👨\u200D👩\u200D👧"), false));
        // Twenty different emoji from four people, five each.
        TestClient carol, dave, erin;
        QVERIFY(carol.enter(p.server.port(), "carol") && dave.enter(p.server.port(), "dave")
                && erin.enter(p.server.port(), "erin"));
        const QList<TestClient *> people{&p.alice, &p.bob, &carol, &dave};
        for (int i = 0; i < protocol::MaxEmojiPerMessage; ++i)
            QCOMPARE(people[i / protocol::MaxEmojiPerUser]
                         ->request(reactFrame(1, QStringLiteral("e%1").arg(i)))["type"]
                         .toString(),
                     "reaction");
        // One person cannot take a sixth place of its own (issue 19), even with an emoji that
        // is there already; nor anyone a twenty-first.
        QCOMPARE(errorCode(p.alice.request(reactFrame(1, "e5"))), "bad_request");
        QCOMPARE(errorCode(erin.request(reactFrame(1, "e20"))), "bad_request");
        // One of the twenty, by someone with places left: no new emoji, so allowed.
        QCOMPARE(erin.request(reactFrame(1, "e7"))["type"].toString(), "reaction");
        QCOMPARE(history(p.alice)[0]["reactions"].toObject().size(), 20);
    }

    // Issue 19 (1): every reacting user added its id to the message in every answer: about
    // 1,300 users made one message over 1 MiB. An answer lists at most MaxReactorsListed ids per
    // emoji (the asker's own among them when it reacted) and says how many in reaction_counts.
    void anAnswerListsAtMostTwentyReactorsPerEmojiAndCountsThemAll()
    {
        TwoUsers p;
        QVERIFY(p.start());
        say(p.alice, "popular"); // 1
        constexpr int Reactors = protocol::MaxReactorsListed + 5;
        std::vector<std::unique_ptr<TestClient>> fans;
        QStringList ids;
        for (int i = 0; i < Reactors; ++i) {
            fans.push_back(std::make_unique<TestClient>());
            QVERIFY(fans.back()->enter(p.server.port(), QStringLiteral("fan%1").arg(i)));
            QCOMPARE(fans.back()->join("general")["type"].toString(), "joined");
            QCOMPARE(fans.back()->request(reactFrame(1, "🎉"))["type"].toString(), "reaction");
            ids.append(fans.back()->userId());
        }
        QCOMPARE(p.alice.request(reactFrame(1, "👍"))["type"].toString(), "reaction");
        // Someone who did not react: the first twenty, in the order they reacted, and the count.
        const QJsonObject seen = history(p.bob)[0].toObject();
        QCOMPARE(seen["reactions"]["🎉"].toArray(),
                 QJsonArray::fromStringList(ids.first(protocol::MaxReactorsListed)));
        QCOMPARE(seen["reaction_counts"].toObject(), (QJsonObject{{"🎉", Reactors}}));
        QCOMPARE(seen["reactions"]["👍"].toArray(), QJsonArray{p.alice.userId()});
        // The last to react: listed (in the last place), so its client can take it back.
        TestClient &last = *fans.back();
        for (const QJsonObject &m :
             {history(last)[0].toObject(),
              last.join("general", {{"since", 0}})["history"][0].toObject()}) {
            const QJsonArray listed = m["reactions"]["🎉"].toArray();
            QCOMPARE(listed.size(), protocol::MaxReactorsListed);
            QCOMPARE(listed.last().toString(), last.userId());
            QCOMPARE(m["reaction_counts"]["🎉"].toInt(), Reactors);
        }
        // A search answer too.
        const QJsonObject found =
            last.request({{"type", "search"}, {"q", "popular"}})["messages"][0].toObject();
        QCOMPARE(found["reactions"]["🎉"].toArray().size(), protocol::MaxReactorsListed);
        QCOMPARE(found["reaction_counts"]["🎉"].toInt(), Reactors);
    }

    void aReplyNamesAMessageOfTheRoom()
    {
        TwoUsers p;
        QVERIFY(p.start());
        say(p.alice, "question");            // 1
        p.alice.request(reactFrame(1, "❓")); // 2
        const QJsonObject reply = say(p.bob, "answer", {{"reply_to", 1}});
        QCOMPARE(reply["reply_to"].toInt(), 1);
        QCOMPARE(seqOf(reply), 3);
        QCOMPARE(
            p.alice.take("message", [](const QJsonObject &m) { return m["seq"] == 3; })["reply_to"]
                .toInt(),
            1);
        QCOMPARE(errorCode(say(p.bob, "to nothing", {{"reply_to", 99}})), "not_found");
        QCOMPARE(errorCode(say(p.bob, "to an event", {{"reply_to", 2}})), "not_found");
        QCOMPARE(errorCode(say(p.bob, "to seq 0", {{"reply_to", 0}})), "not_found");
        QCOMPARE(errorCode(say(p.bob, "bad", {{"reply_to", -1}})), "bad_request");
        p.alice.request(deleteFrame(1)); // 4
        // A reply to a deleted message is still a reply to a message.
        QCOMPARE(say(p.bob, "late answer", {{"reply_to", 1}})["reply_to"].toInt(), 1);
        // Another room's seq 1 is not this room's.
        p.bob.join("other");
        QCOMPARE(errorCode(say(p.bob, "x", {{"reply_to", 3}}, "other")), "not_found");
        const QJsonArray events = history(p.alice);
        QCOMPARE(atSeq(events, 3)["reply_to"].toInt(), 1);
        QVERIFY(!atSeq(events, 1).contains("reply_to"));
    }

    void eventsAreMemberOnlyAndNotInRoomComesFirst()
    {
        TwoUsers p;
        QVERIFY(p.start());
        say(p.alice, "members only");
        TestClient carol;
        QVERIFY(carol.open(p.server.port()));
        carol.hello("carol");
        for (QJsonObject frame : {editFrame(1, "x"), deleteFrame(1), reactFrame(1, "👍")}) {
            QCOMPARE(errorCode(carol.request(frame)), "not_in_room");
            frame.insert("target", "not a seq");
            QCOMPARE(errorCode(carol.request(frame)), "not_in_room");
        }
    }

    void joinAndHistoryGiveEventsInSeqOrderWithCurrentState()
    {
        TwoUsers p;
        QVERIFY(p.start());
        say(p.alice, "first");                    // 1
        say(p.bob, "second");                     // 2
        p.alice.request(editFrame(1, "first!"));  // 3
        p.bob.request(reactFrame(1, "🎉"));        // 4
        p.bob.request(deleteFrame(2));            // 5
        say(p.alice, "third", {{"reply_to", 2}}); // 6

        TestClient carol;
        QVERIFY(carol.open(p.server.port()));
        carol.hello("carol");
        const QJsonObject joined = carol.join("general");
        const QJsonArray all = joined["history"].toArray();
        QCOMPARE(types(all), (QStringList{"message1", "message2", "edit3", "reaction4", "delete5",
                                          "message6"}));
        QCOMPARE(all[0]["text"].toString(), "first!");
        QVERIFY(all[0].toObject().contains("edited_ts"));
        QCOMPARE(all[0]["reactions"].toObject(), (QJsonObject{{"🎉", QJsonArray{p.bob.userId()}}}));
        QCOMPARE(all[1]["deleted"].toBool(), true);
        QCOMPARE(all[5]["reply_to"].toInt(), 2);

        // since: only what came after, events included, targets in their current state.
        TestClient dave;
        QVERIFY(dave.open(p.server.port()));
        dave.hello("dave");
        const QJsonArray since = dave.join("general", {{"since", 2}})["history"].toArray();
        QCOMPARE(types(since), (QStringList{"edit3", "reaction4", "delete5", "message6"}));

        // limit counts events.
        const QJsonArray last2 = history(carol, 2);
        QCOMPARE(types(last2), (QStringList{"delete5", "message6"}));
        const QJsonArray before = carol
                                      .request({{"type", "history"},
                                                {"room", "general"},
                                                {"before", 4},
                                                {"limit", 2}})["messages"]
                                      .toArray();
        QCOMPARE(types(before), (QStringList{"message2", "edit3"}));
        QCOMPARE(before[0]["deleted"].toBool(), true);
    }

    void unreadCountsLiveMessagesAboveTheReadPosition()
    {
        TwoUsers p;
        QVERIFY(p.start());
        for (int i = 1; i <= 4; ++i)
            say(p.bob, QStringLiteral("m%1").arg(i)); // 1..4
        p.alice.send({{"type", "read"}, {"room", "general"}, {"seq", 1}});
        p.bob.request(editFrame(2, "m2 edited")); // 5
        p.bob.request(reactFrame(3, "👍"));        // 6
        p.bob.request(deleteFrame(4));            // 7
        say(p.bob, "m8");                         // 8
        // alice again (same token), on a new connection: above 1 are 2, 3, 8 (4 is deleted).
        TestClient again;
        QVERIFY(again.open(p.server.port()));
        again.hello("alice", {{"token", TwoUsers::aliceToken}});
        const QJsonObject joined = again.join("general");
        QCOMPARE(joined["read"].toInt(), 1);
        QCOMPARE(joined["unread"].toInt(), 3);
        // A guest with no read position: every live message.
        TestClient guest;
        QVERIFY(guest.open(p.server.port()));
        guest.hello("guest");
        QCOMPARE(guest.join("general")["unread"].toInt(), 4);
        // Read to the end: none.
        again.send({{"type", "read"}, {"room", "general"}, {"seq", 8}});
        QVERIFY(QTest::qWaitFor([&] { return !p.alice.take("read", {}, 100).isEmpty(); }, 2000));
        TestClient third;
        QVERIFY(third.open(p.server.port()));
        third.hello("alice", {{"token", TwoUsers::aliceToken}});
        QCOMPARE(third.join("general")["unread"].toInt(), 0);
    }

    void searchFindsTheEditedTextOnly()
    {
        TwoUsers p;
        QVERIFY(p.start());
        say(p.alice, "planning the zeppelin launch");
        p.alice.request(editFrame(1, "planning the balloon launch"));
        const auto search = [&](const QString &q) -> const QJsonArray {
            return p.alice.request({{"type", "search"}, {"q", q}})["messages"].toArray();
        };
        QCOMPARE(search("zeppelin").size(), 0);
        const QJsonArray found = search("balloon");
        QCOMPARE(found.size(), 1);
        QCOMPARE(found[0]["text"].toString(), "planning the balloon launch");
        QVERIFY(found[0].toObject().contains("edited_ts"));
        QVERIFY(!found[0].toObject().contains("reactions"));
        p.bob.request(reactFrame(1, "🎈"));
        QCOMPARE(search("balloon")[0]["reactions"].toObject(),
                 (QJsonObject{{"🎈", QJsonArray{p.bob.userId()}}}));
        QCOMPARE(search("launch").size(), 1); // no edit event among the results
        // Once indexed too (the edit then replaces an index entry, not a batch's text).
        const qint64 indexed = seqOf(say(p.alice, "indexed quickly"));
        QCOMPARE(search("indexed").size(), 1);
        p.alice.request(editFrame(indexed, "rewritten afterwards"));
        QCOMPARE(search("indexed").size(), 0);
        QCOMPARE(search("rewritten").size(), 1);
    }

    void aDeletionErasesTheTextFromTheDatabaseFiles()
    {
        CONFAB_SQLITE_ONLY("reads the SQLite files; tst_cluster11 checks what Redis keeps");
        // Enough messages that the index has several segments and pages, the deleted text among
        // them, written in separate commits.
        TwoUsers p;
        QVERIFY(p.start());
        const QByteArray secret = "xylophonequartzsecret";
        const QByteArray secretEdit = "marmaladevortexedit";
        for (int i = 0; i < 30; ++i)
            say(p.alice, QStringLiteral("filler message number %1 about nothing").arg(i));
        const qint64 target = seqOf(say(p.alice, "the code is " + QString::fromLatin1(secret)));
        // Indexed before the deletion (a search indexes everything first).
        QCOMPARE(
            p.alice.request({{"type", "search"}, {"q", QString::fromLatin1(secret)}})["messages"]
                .toArray()
                .size(),
            1);
        p.alice.request(editFrame(target, "now " + QString::fromLatin1(secretEdit)));
        p.alice.request(reactFrame(target, "🫢"));
        // A text too long for its row's page lives on an overflow page, which a deletion frees:
        // free pages keep their bytes unless SQLite zeroes them (secure_delete).
        QString longText;
        for (int i = 0; longText.size() < 4000; ++i)
            longText += QStringLiteral("ultraviolet umbrella %1 ").arg(i, 4, 10, QLatin1Char('0'));
        const qint64 longTarget = seqOf(say(p.alice, longText));
        for (int i = 30; i < 60; ++i)
            say(p.alice, QStringLiteral("filler message number %1 about nothing").arg(i));
        QCOMPARE(p.alice.request(deleteFrame(target))["type"].toString(), "delete");
        QCOMPARE(p.alice.request(deleteFrame(longTarget))["type"].toString(), "delete");
        QCOMPARE(
            p.alice
                .request({{"type", "search"}, {"q", QString::fromLatin1(secretEdit)}})["messages"]
                .toArray()
                .size(),
            0);
        // The stop checkpoints (TRUNCATE) and finishes the index purge.
        p.server.stop();
        const QString dir = p.server.dataDir();
        const QByteArray db = fileBytes(QDir(dir).filePath("confab.db"));
        // The search index (search.db, written by a thread of its own) had the texts too.
        const QByteArray index = fileBytes(QDir(dir).filePath("search.db"));
        QVERIFY(index.contains("filler")); // the check can see its text
        QVERIFY(!QFile::exists(QDir(dir).filePath("search.db-wal"))
                || fileBytes(QDir(dir).filePath("search.db-wal")).isEmpty());
        QVERIFY(db.size() > 0);
        QVERIFY(db.contains("filler message number 59")); // the check can see text
        QVERIFY(db.contains("nothing"));
        for (const QByteArray &gone :
             {secret, secretEdit, QByteArray("🫢"), QByteArray("ultraviolet umbrella 0042")}) {
            QVERIFY2(!db.contains(gone), gone.constData());
            QVERIFY2(!index.contains(gone), gone.constData());
            QVERIFY2(!fileBytes(QDir(dir).filePath("confab.db-wal")).contains(gone),
                     gone.constData());
        }
        // And again running: search does not find it, the history shows the deletion.
        QVERIFY(p.server.start());
        TestClient c;
        QVERIFY(c.open(p.server.port()));
        c.hello("alice", {{"token", TwoUsers::aliceToken}});
        const QJsonObject joined = c.join("general");
        QCOMPARE(c.request({{"type", "search"}, {"q", QString::fromLatin1(secret)}})["messages"]
                     .toArray()
                     .size(),
                 0);
        QCOMPARE(atSeq(history(c), target)["deleted"].toBool(), true);
    }
};

CONFAB_SERVER_TEST_MAIN(TestEvents)
#include "tst_events.moc"
