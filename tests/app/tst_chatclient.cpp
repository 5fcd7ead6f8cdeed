// The desktop app's client against a real server: it lands in general, messages flow both ways
// into its models, and when the connection is cut and restored nothing is lost or duplicated.
#include "apptest.h"
#include "chatclient.h"
#include "connection.h"
#include "eventframes.h"
#include "hostcontroller.h"
#include "operatorframes.h"
#include "preferences.h"
#include "testclient.h"
#include "testserver.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace confab;
using namespace confab::client;
using namespace confab::test;

namespace {
// What a 1.1 server says first: welcome with the features, to this user.
QJsonObject welcome11(const protocol::UserInfo &user)
{
    protocol::Welcome w;
    w.user = user;
    w.serverName = "scripted";
    w.serverVersion = "1.1";
    QJsonObject frame = w.toJson();
    frame.insert("features", QJsonArray::fromStringList(protocol::featuresV11()));
    return frame;
}

protocol::ChatMessage roomEvent(protocol::ChatMessage::Kind kind, qint64 seq,
                                const protocol::UserInfo &from, qint64 target,
                                const QString &textOrEmoji = {}, bool on = true)
{
    protocol::ChatMessage e;
    e.room = "general";
    e.seq = seq;
    e.id = QStringLiteral("ev-%1").arg(seq);
    e.from = from;
    e.ts = 1732700000000 + seq;
    e.kind = kind;
    e.target = target;
    e.text = kind == protocol::ChatMessage::Kind::Edit ? textOrEmoji : QString();
    e.emoji = kind == protocol::ChatMessage::Kind::Reaction ? textOrEmoji : QString();
    e.on = on;
    if (kind == protocol::ChatMessage::Kind::Message)
        e.text = textOrEmoji;
    return e;
}
} // namespace

class TestChatClient : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init() { useFreshAppState(); }

    void landsInGeneralAndChats()
    {
        TestServer server;
        QVERIFY(server.start());
        App app;
        QVERIFY(app.connectTo(server.port(), "host"));
        QCOMPARE(app.client.nick(), QStringLiteral("host"));
        QCOMPARE(app.client.serverName(), QStringLiteral("test"));
        QCOMPARE(app.client.rooms()->names(), QStringList{"general"});
        QCOMPARE(app.client.members()->rowCount(), 1);

        TestClient guest;
        QVERIFY(guest.enter(server.port(), "guest"));
        QTRY_COMPARE_WITH_TIMEOUT(app.client.members()->rowCount(), 2, waitMs());

        guest.request({{"type", "send"}, {"room", "general"}, {"text", "hi from the network"}});
        QTRY_COMPARE_WITH_TIMEOUT(texts(app.client.messages()), QStringList{"hi from the network"},
                                  waitMs());
        app.client.sendMessage("hello back");
        QCOMPARE(guest.take("message")["text"].toString(), "hello back");
        QTRY_COMPARE_WITH_TIMEOUT(app.client.outboxSize(), 0, waitMs());
        QCOMPARE(texts(app.client.messages()), (QStringList{"hi from the network", "hello back"}));
        QCOMPARE(seqs(app.client.messages()), (QList<qint64>{1, 2}));
        // The guest's join shows as a notice.
        QCOMPARE(app.client.messages()->rows().first().notice, true);
    }

    void olderHistoryLoadsOnRequest()
    {
        TestServer server;
        QVERIFY(server.start());
        TestClient guest;
        QVERIFY(guest.enter(server.port(), "guest"));
        for (int i = 1; i <= 120; ++i)
            guest.send({{"type", "send"}, {"room", "general"}, {"text", QString::number(i)}});
        QTRY_COMPARE_WITH_TIMEOUT(guest.pending().size(), 120, waitMs());
        App app;
        QVERIFY(app.connectTo(server.port()));
        QTRY_COMPARE_WITH_TIMEOUT(app.client.messages()->messageCount(), 50, waitMs());
        QCOMPARE(app.client.messages()->firstSeq(), 71);
        app.client.loadOlder(); // what scrolling to the top does
        QTRY_COMPARE_WITH_TIMEOUT(app.client.messages()->messageCount(), 100, waitMs());
        app.client.loadOlder();
        QTRY_COMPARE_WITH_TIMEOUT(app.client.messages()->messageCount(), 120, waitMs());
        app.client.loadOlder(); // nothing older: no request, no change
        QTest::qWait(quietMs());
        QCOMPARE(app.client.messages()->messageCount(), 120);
        QList<qint64> expected;
        for (int i = 1; i <= 120; ++i)
            expected.append(i);
        QCOMPARE(seqs(app.client.messages()), expected);
    }

    // A room asked for as soon as the client is online (before `general` has answered) is the
    // one shown: general's joined must not take the pending switch away (seen in the QML tests).
    void aRoomJoinedRightAwayIsShownOverGeneral()
    {
        TestServer server;
        QVERIFY(server.start());
        App app;
        // Right after the welcome has been handled (and general's join sent), before its answer.
        QObject::connect(&app.client, &ChatClient::stateChanged, &app.client, [&app] {
            if (app.client.state() == ChatClient::Online && app.client.currentRoom().isEmpty())
                QTimer::singleShot(0, &app.client, [&app] { app.client.joinRoom("early"); });
        });
        app.client.connectTo(address(server.port()), "early-bird");
        QTRY_VERIFY_WITH_TIMEOUT(app.client.rooms()->rowCount() == 2, waitMs());
        QTRY_COMPARE_WITH_TIMEOUT(app.client.currentRoom(), QStringLiteral("early"), waitMs());
        QTest::qWait(100);
        QCOMPARE(app.client.currentRoom(), QStringLiteral("early"));
    }

    // Issue 19: a directory larger than one answer comes in pages ("more", then "after"); the
    // app read only the first page.
    void theRoomDirectoryListsEveryPage()
    {
        TestServer server;
        QVERIFY(server.start());
        TestClient host;
        QVERIFY(host.enter(server.port(), "host"));
        // Topics of 256 control characters, six bytes each in JSON: about 170 rooms a page.
        constexpr int Rooms = 400;
        const QString topic(256, QChar(1));
        for (int i = 0; i < Rooms; ++i) {
            const QString room = QStringLiteral("room%1").arg(i, 3, 10, QLatin1Char('0'));
            host.send({{"type", "join"}, {"room", room}});
            host.send({{"type", "topic"}, {"room", room}, {"topic", topic}});
        }
        QVERIFY(QTest::qWaitFor(
            [&] {
                qsizetype n = 0;
                for (const QJsonObject &f : host.pending())
                    n += f["type"].toString() == "topic";
                return n == Rooms;
            },
            waitMs()));
        const QJsonObject first = host.request({{"type", "rooms"}});
        QVERIFY(first["more"].toBool()); // the server does page it

        App app;
        app.client.connectTo(address(server.port()), "browser");
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Online, waitMs());
        app.client.refreshDirectory();
        QTRY_COMPARE_WITH_TIMEOUT(app.client.directory()->rowCount(), Rooms + 1, waitMs());
        QCOMPARE(app.client.directory()->get(0).toMap().value("room").toString(), "general");
        QCOMPARE(app.client.directory()->get(Rooms).toMap().value("room").toString(), "room399");
        // Asked again: listed again, once.
        app.client.refreshDirectory();
        QTRY_COMPARE_WITH_TIMEOUT(app.client.directory()->rowCount(), Rooms + 1, waitMs());
        QTest::qWait(200);
        QCOMPARE(app.client.directory()->rowCount(), Rooms + 1);
    }

    // Issue 21, app bug 1: "my host" or a web link typed on the start screen froze it (no error,
    // JOIN greyed out for good): the start screen waits for a state change that never came.
    void anAddressThatIsNoneFailsSayingWhyEveryTimeAndTheWebLinkJoins()
    {
        App app;
        QSignalSpy changes(&app.client, &client::ChatClient::stateChanged);
        QVERIFY(!app.client.connectTo(QStringLiteral("my host"), QStringLiteral("sam")));
        QCOMPARE(app.client.state(), client::ChatClient::Failed);
        QVERIFY2(app.client.statusText().contains(QStringLiteral("not an address")),
                 qPrintable(app.client.statusText()));
        QCOMPARE(changes.count(), 1);
        QVERIFY(!app.client.connectTo(QStringLiteral("my host"), QStringLiteral("sam")));
        QCOMPARE(changes.count(), 2); // the second try is answered too

        TestServer server;
        QVERIFY(server.start());
        QVERIFY(app.client.connectTo(QStringLiteral("http://127.0.0.1:%1/").arg(server.port()),
                                     QStringLiteral("sam")));
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), client::ChatClient::Online, waitMs());
    }

    void unreadCountsFollowReadPositions()
    {
        TestServer server;
        QVERIFY(server.start());
        App app;
        QVERIFY(app.connectTo(server.port()));
        app.client.joinRoom("random");
        QTRY_COMPARE_WITH_TIMEOUT(app.client.currentRoom(), QStringLiteral("random"), waitMs());
        TestClient guest;
        QVERIFY(guest.enter(server.port(), "guest"));
        for (int i = 0; i < 3; ++i)
            guest.request({{"type", "send"}, {"room", "general"}, {"text", "unseen"}});
        QTRY_COMPARE_WITH_TIMEOUT(app.client.totalUnread(), 3, waitMs());
        app.client.setCurrentRoom("general"); // looking at it reads it
        QCOMPARE(app.client.totalUnread(), 0);
        // The read position reached the server: a second device of the same user agrees.
        TestClient otherDevice;
        QVERIFY(otherDevice.open(server.port()));
        otherDevice.hello(QString(), {{"token", app.client.token()}});
        QCOMPARE(otherDevice.join("general")["read"].toInt(), 3);
    }

    void nothingIsLostOrDuplicatedAcrossARestart()
    {
        TestServer server;
        QVERIFY(server.start());
        App app;
        QVERIFY(app.connectTo(server.port()));
        app.client.sendMessage("before");
        QTRY_COMPARE_WITH_TIMEOUT(app.client.outboxSize(), 0, waitMs());

        server.stop(); // every client gets 1001 and reconnects with backoff
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Reconnecting, waitMs());
        app.client.sendMessage("while offline 1");
        app.client.sendMessage("while offline 2");
        QCOMPARE(app.client.outboxSize(), 2);
        QCOMPARE(texts(app.client.messages()),
                 (QStringList{"before", "while offline 1", "while offline 2"}));

        QVERIFY(server.start()); // same port, same data
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Online, waitMs());
        QTRY_COMPARE_WITH_TIMEOUT(app.client.outboxSize(), 0, waitMs());
        QCOMPARE(texts(app.client.messages()),
                 (QStringList{"before", "while offline 1", "while offline 2"}));
        QCOMPARE(seqs(app.client.messages()), (QList<qint64>{1, 2, 3}));

        TestClient observer;
        QVERIFY(observer.open(server.port()));
        observer.hello("observer");
        QCOMPARE(observer.join("general")["seq"].toInt(), 3);
    }

    void missedMessagesArriveAfterACutConnection()
    {
        TestServer server;
        QVERIFY(server.start());
        App app;
        QVERIFY(app.connectTo(server.port()));
        app.client.setProperty("reconnectBaseMs", 300);
        TestClient guest;
        QVERIFY(guest.enter(server.port(), "guest"));
        guest.request({{"type", "send"}, {"room", "general"}, {"text", "one"}});
        QTRY_COMPARE_WITH_TIMEOUT(texts(app.client.messages()).size(), 1, waitMs());

        // The server drops the app's connection (as a dead network would).
        for (Connection *c : server.server().hub().connections()) {
            if (c->user && c->user->nick == "host")
                c->abort(QStringLiteral("test"));
        }
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Reconnecting, waitMs());
        guest.request({{"type", "send"}, {"room", "general"}, {"text", "two"}});
        guest.request({{"type", "send"}, {"room", "general"}, {"text", "three"}});
        app.client.sendMessage("mine");

        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Online, waitMs());
        QTRY_COMPARE_WITH_TIMEOUT(app.client.outboxSize(), 0, waitMs());
        QTRY_COMPARE_WITH_TIMEOUT(seqs(app.client.messages()), (QList<qint64>{1, 2, 3, 4}),
                                  waitMs());
        QCOMPARE(texts(app.client.messages()), (QStringList{"one", "two", "three", "mine"}));
        QCOMPARE(
            guest.take("message", [](const QJsonObject &f) { return f["text"] == "mine"; })["seq"]
                .toInt(),
            4);
        QVERIFY(guest.staysQuiet("message") || guest.pending().size() == 0);
    }

    void aWrongPasswordFailsWithoutRetrying()
    {
        ServerConfig config = testConfig();
        config.password = "right";
        TestServer server(config);
        QVERIFY(server.start());
        App app;
        app.client.connectTo(address(server.port()), "x", "wrong");
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Failed, waitMs());
        QVERIFY(app.client.statusText().contains("password"));
        QTest::qWait(quietMs());
        QCOMPARE(app.client.state(), ChatClient::Failed);
        app.client.connectTo(address(server.port()), "x", "right");
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Online, waitMs());
    }

    void directMessagesBecomeConversations()
    {
        TestServer server;
        QVERIFY(server.start());
        App app;
        QVERIFY(app.connectTo(server.port()));
        QSignalSpy attention(&app.client, &ChatClient::attentionNeeded);
        app.client.setWindowActive(false);
        TestClient guest;
        QVERIFY(guest.open(server.port()));
        guest.hello("guest");
        guest.request({{"type", "send"}, {"to", app.client.userId()}, {"text", "psst"}});
        const QString conversation = "@" + guest.userId();
        QTRY_VERIFY_WITH_TIMEOUT(app.client.messagesOf(conversation), waitMs());
        QTRY_COMPARE_WITH_TIMEOUT(texts(app.client.messagesOf(conversation)), QStringList{"psst"},
                                  waitMs());
        QCOMPARE(attention.count(), 1);
        QCOMPARE(app.client.rooms()->find(conversation)->title, QStringLiteral("guest"));
        QCOMPARE(app.client.totalUnread(), 1);

        app.client.setWindowActive(true);
        app.client.setCurrentRoom(conversation);
        QCOMPARE(app.client.totalUnread(), 0);
        app.client.sendMessage("hello privately");
        QCOMPARE(guest.take("message")["text"].toString(), "hello privately");
    }

    // A first connection that cannot work ends on the start screen with the reason, and is not
    // retried (the user fixes the address instead of watching an empty chat reconnect forever).
    void aFirstConnectionThatFailsSaysWhyAndStops_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("reason");
        QTest::newRow("refused") << "refused"
                                 << "refused";
        QTest::newRow("no such host") << "nohost"
                                      << "No such host";
        QTest::newRow("silent port") << "silent"
                                     << "did not answer";
        QTest::newRow("http 200") << "http"
                                  << "not a Confab server";
        QTest::newRow("wrong password") << "password"
                                        << "Wrong password";
        // Issue 21 (app bug 4): no password given was called a wrong one.
        QTest::newRow("no password") << "nopassword"
                                     << "needs a password";
    }
    void aFirstConnectionThatFailsSaysWhyAndStops()
    {
        QFETCH(QString, kind);
        QFETCH(QString, reason);
        NotConfab silent({}), http(NotConfab::httpOk());
        QVERIFY(silent.listen(QHostAddress::LocalHost) && http.listen(QHostAddress::LocalHost));
        ServerConfig config = testConfig();
        config.password = "right";
        TestServer guarded(config);
        QVERIFY(guarded.start());
        QString target;
        if (kind == "refused") {
            QTcpServer closed; // a port that was free a moment ago: nothing listens there
            QVERIFY(closed.listen(QHostAddress::LocalHost));
            target = address(closed.serverPort());
        } else if (kind == "nohost") {
            target = "no-such-host.invalid:7300";
        } else if (kind == "silent") {
            target = address(silent.serverPort());
        } else if (kind == "http") {
            target = address(http.serverPort());
        } else {
            target = address(guarded.port());
        }
        App app;
        app.client.setProperty("connectTimeoutMs", 1000);
        app.client.connectTo(target, "x",
                             kind == "nopassword" ? QString() : QStringLiteral("wrong"));
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Failed, waitMs() + 1000);
        QVERIFY2(app.client.statusText().contains(reason, Qt::CaseInsensitive),
                 qPrintable(app.client.statusText()));
        QTest::qWait(quietMs() + 300); // more than the first backoff: no retry
        QCOMPARE(app.client.state(), ChatClient::Failed);
        QVERIFY(app.client.rooms()->names().isEmpty());
        QVERIFY(!Preferences().recentServers().contains(target));
    }

    void onlyAnAddressThatWorkedIsRemembered()
    {
        TestServer server;
        QVERIFY(server.start());
        App app;
        QVERIFY(app.connectTo(server.port()));
        QCOMPARE(Preferences().recentServers(), QStringList{address(server.port())});
        // Once it worked, a later outage of the same server is retried, not a dead end.
        server.stop();
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Reconnecting, waitMs());
        QTest::qWait(quietMs());
        QCOMPARE(app.client.state(), ChatClient::Reconnecting);
    }

    // "Leave this server": back to the start, nothing of that server stays behind, and the next
    // server starts clean (no room of the first one is joined there).
    void leavingAServerForgetsItsConversationsInTheWindow()
    {
        TestServer first, second;
        QVERIFY(first.start() && second.start());
        App app;
        QVERIFY(app.connectTo(first.port()));
        app.client.joinRoom("first-only");
        QTRY_COMPARE_WITH_TIMEOUT(app.client.currentRoom(), QStringLiteral("first-only"), waitMs());
        QVERIFY(QMetaObject::invokeMethod(&app.client, "leaveServer"));
        QCOMPARE(app.client.state(), ChatClient::Offline);
        QVERIFY(app.client.rooms()->names().isEmpty());
        QVERIFY(app.client.currentRoom().isEmpty());
        QVERIFY(app.connectTo(second.port()));
        QTest::qWait(quietMs());
        QCOMPARE(app.client.rooms()->names(), QStringList{"general"});
    }

    // Once it worked, a reconnect to a port that accepts but never answers (a network gone
    // quiet) is given up after the deadline and tried again, until the server is back.
    void aReconnectThatHangsIsRetried()
    {
        TestServer server;
        QVERIFY(server.start());
        const quint16 port = server.port();
        App app;
        app.client.setProperty("connectTimeoutMs", 300);
        QVERIFY(app.connectTo(port));
        server.stop();
        NotConfab silent({});
        QVERIFY(silent.listen(QHostAddress::LocalHost, port));
        QSignalSpy attempts(&app.client, &ChatClient::reconnectSecondsChanged);
        QTRY_VERIFY_WITH_TIMEOUT(attempts.count() >= 6, waitMs()); // several rounds of backoff
        QCOMPARE(app.client.state(), ChatClient::Reconnecting);
        silent.close();
        QVERIFY(server.start());
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Online, waitMs());
    }

    void typingEndsWhenTheTypistsMessageArrives()
    {
        TestServer server;
        QVERIFY(server.start());
        App app;
        QVERIFY(app.connectTo(server.port()));
        TestClient guest;
        QVERIFY(guest.enter(server.port(), "guest"));
        guest.send({{"type", "typing"}, {"room", "general"}});
        QTRY_COMPARE_WITH_TIMEOUT(app.client.typingText(), QStringLiteral("guest is typing…"),
                                  waitMs());
        guest.request({{"type", "send"}, {"room", "general"}, {"text", "done typing"}});
        QTRY_COMPARE_WITH_TIMEOUT(texts(app.client.messages()), QStringList{"done typing"},
                                  waitMs());
        QCOMPARE(app.client.typingText(), QString());
    }

    // The banner counts down each second, and says "1 message" / "3 messages".
    void theReconnectCountdownTicksAndCountsProperly()
    {
        TestServer server;
        QVERIFY(server.start());
        App app;
        QVERIFY(app.connectTo(server.port()));
        // The longest delay (10 s): time to watch it tick, even on a busy machine.
        app.client.setProperty("reconnectBaseMs", 10000);
        server.stop();
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Reconnecting, waitMs());
        const int first = app.client.property("reconnectSeconds").toInt();
        QVERIFY2(first >= 9, qPrintable(app.client.statusText()));
        const QString firstText = app.client.statusText();
        QTRY_COMPARE_WITH_TIMEOUT(app.client.property("reconnectSeconds").toInt(), first - 1, 3000);
        QVERIFY(app.client.statusText() != firstText);
        QVERIFY2(app.client.statusText().contains(QString::number(first - 1)),
                 qPrintable(app.client.statusText()));

        app.client.sendMessage("one");
        QCOMPARE(app.client.property("outboxText").toString(),
                 QStringLiteral("1 message waiting to be sent"));
        app.client.sendMessage("two");
        app.client.sendMessage("three");
        QCOMPARE(app.client.property("outboxText").toString(),
                 QStringLiteral("3 messages waiting to be sent"));
    }

    // Direct conversations are titled with the other user's nick on both sides, and follow a
    // nick change.
    void directMessageTitlesShowTheNickAndFollowItsChanges()
    {
        TestServer server;
        QVERIFY(server.start());
        App host;
        QVERIFY(host.connectTo(server.port(), "host"));
        App joiner(QStringLiteral("joiner-token-0123456789"));
        QVERIFY(joiner.connectTo(server.port(), "joiner"));
        QTRY_COMPARE_WITH_TIMEOUT(host.client.members()->rowCount(), 2, waitMs());

        host.client.openDirect(joiner.client.userId(), "joiner");
        host.client.sendMessage("psst");
        const QString atJoiner = "@" + joiner.client.userId();
        const QString atHost = "@" + host.client.userId();
        QTRY_COMPARE_WITH_TIMEOUT(texts(joiner.client.messagesOf(atHost)), QStringList{"psst"},
                                  waitMs());
        QCOMPARE(host.title(atJoiner), QStringLiteral("joiner"));
        QCOMPARE(joiner.title(atHost), QStringLiteral("host"));

        joiner.client.changeNick("joanna");
        QTRY_COMPARE_WITH_TIMEOUT(host.title(atJoiner), QStringLiteral("joanna"), waitMs());
        host.client.changeNick("hostess");
        QTRY_COMPARE_WITH_TIMEOUT(joiner.title(atHost), QStringLiteral("hostess"), waitMs());
        host.client.setCurrentRoom(atJoiner);
        QCOMPARE(host.client.currentTitle(), QStringLiteral("joanna"));
    }

    // The room list counts mentions apart from the unread, a muted room (a preference that
    // survives a restart) stays quiet, and the timeline marks where the user stopped reading.
    void mentionsMuteAndTheNewMessagesLine()
    {
        TestServer server;
        QVERIFY(server.start());
        TestClient guest;
        QVERIFY(guest.enter(server.port(), "guest"));
        auto say = [&](const QString &text) {
            guest.request({{"type", "send"}, {"room", "general"}, {"text", text}});
        };
        App app;
        QSignalSpy attention(&app.client, &ChatClient::attentionNeeded);
        QVERIFY(app.connectTo(server.port(), "host"));
        say("read before leaving");
        QTRY_COMPARE_WITH_TIMEOUT(app.client.messages()->messageCount(), 1, waitMs());
        app.client.joinRoom("random");
        QTRY_COMPARE_WITH_TIMEOUT(app.client.currentRoom(), QStringLiteral("random"), waitMs());

        say("hello all");
        say("hey host, look");
        say("@HOST again");
        say("ghosts are not mentions");
        auto *rooms = app.client.rooms();
        const auto general = [&](int role) {
            return rooms->index(rooms->indexOf("general")).data(role);
        };
        QTRY_COMPARE_WITH_TIMEOUT(general(RoomListModel::UnreadRole).toInt(), 4, waitMs());
        QCOMPARE(general(RoomListModel::MentionsRole).toInt(), 2);
        QCOMPARE(attention.count(), 2);

        app.client.setMuted("general", true);
        QCOMPARE(general(RoomListModel::MutedRole).toBool(), true);
        QCOMPARE(app.client.totalUnread(), 2); // a muted room counts only its mentions
        say("host: still there?");
        QTRY_COMPARE_WITH_TIMEOUT(general(RoomListModel::MentionsRole).toInt(), 3, waitMs());
        QTest::qWait(quietMs());
        QCOMPARE(attention.count(), 2); // muted: no notification

        app.client.setCurrentRoom("general");
        const MessageModel *timeline = app.client.messages();
        QStringList marked;
        for (int row = 0; row < timeline->rowCount(); ++row) {
            const QModelIndex i = timeline->index(row);
            if (i.data(MessageModel::FirstUnreadRole).toBool())
                marked.append(i.data(MessageModel::TextRole).toString());
        }
        QCOMPARE(marked, QStringList{"hello all"});
        QCOMPARE(general(RoomListModel::UnreadRole).toInt(), 0);
        QCOMPARE(general(RoomListModel::MentionsRole).toInt(), 0);

        App again; // the mute is a preference: it is still set after a restart
        QVERIFY(again.connectTo(server.port(), "host"));
        auto *roomsAgain = again.client.rooms();
        QCOMPARE(roomsAgain->index(roomsAgain->indexOf("general"))
                     .data(RoomListModel::MutedRole)
                     .toBool(),
                 true);
    }

    // start() and stop() return at once; the host thread reports back with signals.
    // Protocol 1.1 against a peer that speaks it as scripted: the hello carries the operator
    // password; welcome's `op` makes us an operator; joined's events change their messages and
    // its unread is the count; the API sends reply_to, react, edit, delete, kick and ban frames;
    // live events apply; a member's kick is said; our own kick leaves the room and says who
    // and why.
    void aVersion11ServersEventsAndOperatorFrames()
    {
        using Kind = protocol::ChatMessage::Kind;
        ScriptedServer server;
        QVERIFY(server.listen());
        App app;
        QSignalSpy kicked(&app.client, &ChatClient::kicked);
        app.client.connectTo(address(server.port()), "ada", {}, false, "op-secret");
        QTRY_COMPARE_WITH_TIMEOUT(server.sent("hello").size(), 1, waitMs());
        QCOMPARE(server.sent("hello").first().value("op_password").toString(), "op-secret");
        protocol::UserInfo me{"me", "ada", true};
        const protocol::UserInfo ben{"u-ben", "ben"};
        server.send(welcome11(me));
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Online, waitMs());
        QVERIFY(app.client.isOperator());
        QTRY_COMPARE_WITH_TIMEOUT(server.sent("join").size(), 1, waitMs());

        protocol::Joined joined;
        joined.room = "general";
        joined.epoch = "e1";
        joined.members = {me, ben};
        joined.seq = 6;
        joined.unread = 2;
        // Each message in its current state, and the events that made it so.
        protocol::ChatMessage one = roomEvent(Kind::Message, 1, ben, 0, "hello");
        one.editedTs = 1732700000002;
        protocol::ChatMessage three = roomEvent(Kind::Message, 3, me, 0, "hi ben");
        three.reactions = {{"👍", {"u-ben"}}};
        protocol::ChatMessage five = roomEvent(Kind::Message, 5, ben, 0, "how are you?");
        five.reactions = {{"❤️", {"me"}}};
        joined.history = {one,   roomEvent(Kind::Edit, 2, ben, 1, "hello"),
                          three, roomEvent(Kind::Reaction, 4, ben, 3, "👍"),
                          five,  roomEvent(Kind::Reaction, 6, me, 5, "❤️")};
        server.send(joined.toJson());
        QTRY_COMPARE_WITH_TIMEOUT(app.client.currentRoom(), "general", waitMs());
        MessageModel *messages = app.client.messages();
        QCOMPARE(texts(messages), (QStringList{"hello", "hi ben", "how are you?"}));
        QVERIFY(messages->index(0).data(MessageModel::EditedRole).toBool());
        QCOMPARE(messages->index(1).data(MessageModel::ReactionsRole).toList().size(), 1);
        QCOMPARE(messages->rowCount(), 3); // no rows for the events
        QCOMPARE(app.client.members()->rowCount(), 2);
        QVERIFY(app.client.members()->isOp("me"));
        QCOMPARE(app.client.rooms()->find("general")->unread, 0); // the current room: read

        app.client.reply(5);
        QCOMPARE(app.client.replyToNick(), "ben");
        QCOMPARE(app.client.replyToText(), "how are you?");
        app.client.sendMessage("fine, thanks");
        QCOMPARE(app.client.replyToSeq(), 0);
        app.client.react(5, "🎉", true);
        app.client.edit(3, "hi Ben");
        app.client.remove(1);
        app.client.kick("u-ben", "  calm down  ");
        app.client.ban("u-ben", 60 * 24 * 365 * 5, "spam");
        QTRY_COMPARE_WITH_TIMEOUT(server.sent("ban").size(), 1, waitMs());
        QCOMPARE(server.sent("send").last().value("reply_to").toInteger(), 5);
        const QJsonObject react = server.sent("react").last();
        QCOMPARE(react.value("target").toInteger(), 5);
        QCOMPARE(react.value("emoji").toString(), "🎉");
        QVERIFY(react.value("on").toBool());
        QVERIFY(Preferences().recentEmoji().startsWith("🎉"));
        const QJsonObject edit = server.sent("edit").last();
        QCOMPARE(edit.value("target").toInteger(), 3);
        QCOMPARE(edit.value("text").toString(), "hi Ben");
        QVERIFY(!edit.value("id").toString().isEmpty()); // de-duplicated like a send
        QCOMPARE(server.sent("delete").last().value("target").toInteger(), 1);
        QCOMPARE(server.sent("kick").last().value("room").toString(), "general");
        QCOMPARE(server.sent("kick").last().value("reason").toString(), "calm down");
        QCOMPARE(server.sent("ban").last().value("minutes").toInteger(), protocol::MaxBanMinutes);

        // Live events, and our own message confirmed with its reply_to.
        const QJsonObject sent = server.sent("send").last();
        protocol::ChatMessage mine = roomEvent(Kind::Message, 7, me, 0, "fine, thanks");
        mine.replyTo = 5;
        server.send(protocol::withRe(mine.toJson(), sent.value("id").toString()));
        server.send(roomEvent(Kind::Edit, 8, me, 3, "hi Ben").toJson());
        server.send(roomEvent(Kind::Reaction, 9, me, 5, "🎉").toJson());
        server.send(roomEvent(Kind::Delete, 10, me, 1).toJson());
        QTRY_VERIFY_WITH_TIMEOUT(messages->index(0).data(MessageModel::DeletedRole).toBool(),
                                 waitMs());
        QCOMPARE(texts(messages), (QStringList{"", "hi Ben", "how are you?", "fine, thanks"}));
        QVERIFY(messages->index(1).data(MessageModel::EditedRole).toBool());
        QCOMPARE(messages->index(2).data(MessageModel::ReactionsRole).toList().size(), 2);
        QCOMPARE(messages->index(3).data(MessageModel::ReplyNickRole).toString(), "ben");
        QCOMPARE(app.client.outboxSize(), 0);

        // Ben is removed by us (presence kick), then we are removed by another operator.
        server.send({{"type", "presence"},
                     {"room", "general"},
                     {"event", "kick"},
                     {"user", protocol::toJson(ben)},
                     {"by", protocol::toJson(me)},
                     {"reason", "spam"},
                     {"ts", qint64(1732700000999)}});
        QTRY_COMPARE_WITH_TIMEOUT(app.client.members()->rowCount(), 1, waitMs());
        QCOMPARE(messages->rows().last().text, "ben was removed by ada: spam"); // and why
        // Issue 21: a ban's kick says banned (the others saw "left" before).
        const protocol::UserInfo cleo{"u-cleo", "cleo", false};
        protocol::Presence banned{
            "general", protocol::Presence::Event::Kick, cleo, {}, 1732700001000, me, "flooding",
            true};
        server.send(banned.toJson());
        QTRY_COMPARE_WITH_TIMEOUT(messages->rows().last().text, "cleo was banned by ada: flooding",
                                  waitMs());
        const protocol::UserInfo olga{"u-olga", "olga", true};
        server.send(protocol::Kicked{"general", olga, "take a break"}.toJson());
        QTRY_COMPARE_WITH_TIMEOUT(kicked.size(), 1, waitMs());
        QCOMPARE(kicked.first().at(0).toString(), "general");
        QCOMPARE(kicked.first().at(1).toString(), "olga");
        QCOMPARE(kicked.first().at(2).toString(), "take a break");
        QCOMPARE(server.sent("leave").size(), 0);
        // Issue 21, app bug 2: the room list went empty, the header read "#" and what was typed
        // then vanished. The room stays on screen saying who and why; a send is refused there
        // (the composer keeps the text); joining again is one call.
        QCOMPARE(app.client.rooms()->names(), QStringList{"general"});
        QCOMPARE(app.client.currentRoom(), "general");
        QVERIFY2(app.client.currentGoneText().contains("olga")
                     && app.client.currentGoneText().contains("take a break"),
                 qPrintable(app.client.currentGoneText()));
        QCOMPARE(messages->rows().last().text, app.client.currentGoneText());
        const qsizetype sends = server.sent("send").size();
        QVERIFY(!app.client.sendMessage("typed after the kick"));
        QCOMPARE(server.sent("send").size(), sends);
        QCOMPARE(app.client.outboxSize(), 0);
        const qsizetype joins = server.sent("join").size();
        app.client.joinRoom("general");
        QTRY_COMPARE_WITH_TIMEOUT(server.sent("join").size(), joins + 1, waitMs());
    }

    // End to end on a real 1.1 server: what a friend edits, reacts to and deletes changes the
    // app's rows (no new rows); the app's reply, reaction, edit and deletion go through the
    // server and come back the same way; a resume with `since` applies what happened offline.
    void roomEventsEndToEnd()
    {
        TestServer server;
        QVERIFY(server.start());
        App app;
        QVERIFY(app.connectTo(server.port(), "ada"));
        TestClient ben;
        QVERIFY(ben.enter(server.port(), "ben"));
        const qint64 question =
            ben.request({{"type", "send"}, {"room", "general"}, {"text", "cabels?"}})
                .value("seq")
                .toInteger();
        MessageModel *messages = app.client.messages();
        QTRY_COMPARE_WITH_TIMEOUT(texts(messages), QStringList{"cabels?"}, waitMs());
        ben.request(
            {{"type", "edit"}, {"room", "general"}, {"target", question}, {"text", "cables?"}});
        ben.send({{"type", "react"},
                  {"room", "general"},
                  {"target", question},
                  {"emoji", "👀"},
                  {"on", true}});
        QCOMPARE(ben.take("reaction").value("emoji").toString(), "👀");
        QTRY_COMPARE_WITH_TIMEOUT(messages->index(messages->rowOfSeq(question))
                                      .data(MessageModel::ReactionsRole)
                                      .toList()
                                      .size(),
                                  1, waitMs());
        QCOMPARE(texts(messages), QStringList{"cables?"});
        QVERIFY(
            messages->index(messages->rowOfSeq(question)).data(MessageModel::EditedRole).toBool());

        app.client.reply(question);
        app.client.sendMessage("I bring them");
        QTRY_COMPARE_WITH_TIMEOUT(seqs(messages).size(), 2, waitMs());
        QTRY_COMPARE_WITH_TIMEOUT(app.client.outboxSize(), 0, waitMs());
        const qint64 mine = seqs(messages).last();
        QCOMPARE(
            messages->index(messages->rowOfSeq(mine)).data(MessageModel::ReplyToRole).toLongLong(),
            question);
        QCOMPARE(
            messages->index(messages->rowOfSeq(mine)).data(MessageModel::ReplyNickRole).toString(),
            "ben");
        app.client.react(question, "👍", true);
        app.client.edit(mine, "I bring them all");
        QTRY_COMPARE_WITH_TIMEOUT(texts(messages), (QStringList{"cables?", "I bring them all"}),
                                  waitMs());
        QTRY_COMPARE_WITH_TIMEOUT(messages->index(messages->rowOfSeq(question))
                                      .data(MessageModel::ReactionsRole)
                                      .toList()
                                      .size(),
                                  2, waitMs());
        app.client.react(question, "👍", false);
        QTRY_COMPARE_WITH_TIMEOUT(messages->index(messages->rowOfSeq(question))
                                      .data(MessageModel::ReactionsRole)
                                      .toList()
                                      .size(),
                                  1, waitMs());
        app.client.remove(mine);
        QTRY_VERIFY_WITH_TIMEOUT(
            messages->index(messages->rowOfSeq(mine)).data(MessageModel::DeletedRole).toBool(),
            waitMs());
        // Not the author: the server refuses, the app says so.
        QSignalSpy errors(&app.client, &ChatClient::errorOccurred);
        app.client.edit(question, "mine now");
        QVERIFY(errors.wait(waitMs()));
        QVERIFY2(errors.first().first().toString().contains("Not allowed"),
                 qPrintable(errors.first().first().toString()));

        // The connection drops; meanwhile ben deletes his question and writes again. The
        // resume (join with since) applies the deletion to the row the app has.
        app.client.setProperty("reconnectBaseMs", 300);
        for (Connection *c : server.server().hub().connections()) {
            if (c->user && c->user->nick == "ada")
                c->abort(QStringLiteral("test"));
        }
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Reconnecting, waitMs());
        ben.request({{"type", "delete"}, {"room", "general"}, {"target", question}});
        ben.request({{"type", "send"}, {"room", "general"}, {"text", "never mind"}});
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Online, waitMs());
        QTRY_VERIFY_WITH_TIMEOUT(
            messages->index(messages->rowOfSeq(question)).data(MessageModel::DeletedRole).toBool(),
            waitMs());
        QTRY_COMPARE_WITH_TIMEOUT(texts(messages), (QStringList{"", "", "never mind"}), waitMs());
    }

    // A ban ends the session for good: no reconnect in a loop, and the state says banned, until
    // when and why. Both while online and at the hello of a new connection.
    void aBanEndsTheSessionWithoutRetrying_data()
    {
        QTest::addColumn<bool>("online");
        QTest::newRow("while online") << true;
        QTest::newRow("at hello") << false;
    }
    void aBanEndsTheSessionWithoutRetrying()
    {
        QFETCH(bool, online);
        ScriptedServer server;
        QVERIFY(server.listen());
        App app;
        app.client.connectTo(address(server.port()), "troll", {}, false);
        QTRY_COMPARE_WITH_TIMEOUT(server.sent("hello").size(), 1, waitMs());
        if (online) {
            server.send(welcome11({"u-troll", "troll"}));
            QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Online, waitMs());
        }
        server.send(
            protocol::ErrorFrame(protocol::Error::Banned, "spamming links", 3'600'000).toJson());
        server.close(protocol::CloseBanned, "banned");
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Failed, waitMs());
        QVERIFY(app.client.banned());
        QCOMPARE(app.client.banReason(), "spamming links");
        QVERIFY(!app.client.bannedUntilText().isEmpty());
        QVERIFY2(app.client.statusText().contains("banned", Qt::CaseInsensitive),
                 qPrintable(app.client.statusText()));
        QVERIFY(app.client.statusText().contains("spamming links"));
        QTest::qWait(quietMs() + 600); // more than the first backoff
        QCOMPARE(server.connections(), 1);
        QCOMPARE(app.client.state(), ChatClient::Failed);
    }

    // The hosting app's own user is an operator: each hosting session has an operator password
    // of its own, made at random, that the app's client gives.
    void eachHostingSessionHasItsOwnOperatorPassword()
    {
        QTemporaryDir dir;
        HostController host;
        host.setDataDir(dir.path());
        host.setProperty("bindAddress", "127.0.0.1");
        host.setProperty("announce", false);
        host.start(0, QString(), "ops");
        QTRY_VERIFY_WITH_TIMEOUT(host.running(), waitMs());
        const QString first = host.opPassword();
        QVERIFY(first.size() >= 32);
        QSignalSpy stopped(&host, &HostController::stopped);
        host.stop();
        QVERIFY(stopped.wait(waitMs()));
        host.start(0, QString(), "ops");
        QTRY_VERIFY_WITH_TIMEOUT(host.running(), waitMs());
        QVERIFY(host.opPassword() != first);
    }

    // The hosting app's own user is an operator of its embedded server (PROTOCOL 1.1): the
    // client connects with the host's op password, as StartPage does, and may then delete a
    // guest's message; a guest with no op password may not.
    void theHostsOwnUserIsAnOperator()
    {
        QTemporaryDir dir;
        HostController host;
        host.setDataDir(dir.path());
        host.setProperty("bindAddress", "127.0.0.1");
        host.setProperty("announce", false);
        host.start(0, QString(), "ops");
        QTRY_VERIFY_WITH_TIMEOUT(host.running(), waitMs());
        App app;
        app.client.connectTo(host.localAddress(), "ada", QString(), false, host.opPassword());
        QTRY_VERIFY_WITH_TIMEOUT(app.client.state() == client::ChatClient::Online
                                     && app.client.currentRoom() == QLatin1String("general"),
                                 waitMs());
        QVERIFY(app.client.isOperator());
        TestClient guest;
        QVERIFY(guest.enter(quint16(host.port()), "troll"));
        const qint64 seq = guest.request({{"type", "send"}, {"room", "general"}, {"text", "spam"}})
                               .value("seq")
                               .toInteger();
        MessageModel *messages = app.client.messages();
        QTRY_COMPARE_WITH_TIMEOUT(texts(messages), QStringList{"spam"}, waitMs());
        QTRY_VERIFY_WITH_TIMEOUT(app.client.members()->isOp(app.client.userId()), waitMs());
        app.client.remove(seq);
        QCOMPARE(guest.take("delete").value("target").toInteger(), seq);
        QTRY_VERIFY_WITH_TIMEOUT(
            messages->index(messages->rowOfSeq(seq)).data(MessageModel::DeletedRole).toBool(),
            waitMs());
    }

    void theHostControllerNeverWaitsForItsThread()
    {
        QTemporaryDir dir;
        HostController host;
        host.setDataDir(dir.path());
        host.setProperty("bindAddress", "127.0.0.1");
        host.setProperty("announce", false);
        QSignalSpy running(&host, &HostController::runningChanged);
        host.start(0, QString(), "async");
        QVERIFY(host.starting());
        QVERIFY(!host.running()); // not yet: the server starts on its own thread
        QVERIFY(running.wait(waitMs()));
        QVERIFY(host.running() && !host.starting() && host.port() > 0);
        const int port = host.port();
        QSignalSpy stopped(&host, &HostController::stopped);
        host.stop();
        QVERIFY(!host.running());
        host.start(port, QString(), "async"); // waits, on the host thread, for the old port
        QVERIFY(stopped.wait(waitMs()));
        QTRY_VERIFY_WITH_TIMEOUT(host.running(), waitMs());
        QCOMPARE(host.port(), port);
        QVERIFY(host.error().isEmpty());
    }

    void hostModeRunsTheServerInsideTheApp()
    {
        QTemporaryDir dir;
        HostController host;
        host.setDataDir(dir.path());
        host.setProperty("bindAddress", "127.0.0.1");
        host.start(0, QString(), "LAN party");
        QTRY_VERIFY_WITH_TIMEOUT(host.running(), waitMs());
        QVERIFY(host.port() > 0);
        QVERIFY(!host.addresses().isEmpty());
        App app;
        app.client.connectTo(host.localAddress(), "host");
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Online, waitMs());
        QCOMPARE(app.client.serverName(), QStringLiteral("LAN party"));
        TestClient friendClient;
        QVERIFY(friendClient.open(quint16(host.port())));
        friendClient.hello("friend");
        friendClient.join("general");
        friendClient.request({{"type", "send"}, {"room", "general"}, {"text", "nice party"}});
        QTRY_COMPARE_WITH_TIMEOUT(texts(app.client.messages()), QStringList{"nice party"},
                                  waitMs());
        host.stop();
        QVERIFY(!host.running());
        QVERIFY(friendClient.waitClosed());
        QCOMPARE(friendClient.closeCode(), 1001);
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Reconnecting, waitMs());
    }

    void theHostingAppLosesNothingWhenItsServerRestarts()
    {
        QTemporaryDir dir;
        HostController host;
        host.setDataDir(dir.path());
        host.setProperty("bindAddress", "127.0.0.1");
        host.setProperty("announce", false);
        host.start(0, QString(), "party");
        QTRY_VERIFY_WITH_TIMEOUT(host.running(), waitMs());
        const int port = host.port();
        App app;
        app.client.connectTo(host.localAddress(), "host");
        QTRY_COMPARE_WITH_TIMEOUT(app.client.currentRoom(), QStringLiteral("general"), waitMs());

        auto friendJoins = [&](TestClient &c) {
            return c.open(quint16(port))
                   && !c.hello("friend", {{"token", "friend-token-0123456789"}}).isEmpty()
                   && !c.join("general").isEmpty();
        };
        auto friendSays = [](TestClient &c, const QString &text, const QString &id) {
            return c.request({{"type", "send"}, {"room", "general"}, {"text", text}, {"id", id}});
        };
        {
            TestClient friendClient;
            QVERIFY(friendJoins(friendClient));
            friendSays(friendClient, "hi host", "f1");
            app.client.sendMessage("hi friend");
            QCOMPARE(friendClient
                         .take("message",
                               [](const QJsonObject &f) { return f["text"] == "hi friend"; })["seq"]
                         .toInt(),
                     2);
            QTRY_COMPARE_WITH_TIMEOUT(texts(app.client.messages(), false),
                                      (QStringList{"hi host", "hi friend"}), waitMs());
        }

        host.stop(); // the cut: every client is told to go away
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Reconnecting, waitMs());
        app.client.sendMessage("said while cut off");
        host.start(port, QString(), "party"); // restored on the same port and data
        QTRY_VERIFY_WITH_TIMEOUT(host.running(), waitMs());
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Online, waitMs());
        QTRY_COMPARE_WITH_TIMEOUT(app.client.outboxSize(), 0, waitMs());

        TestClient friendAgain;
        QVERIFY(friendJoins(friendAgain));
        friendSays(friendAgain, "hi host", "f1"); // the friend's outbox resends: no duplicate
        friendSays(friendAgain, "back again", "f2");
        QTRY_COMPARE_WITH_TIMEOUT(
            texts(app.client.messages(), false),
            (QStringList{"hi host", "hi friend", "said while cut off", "back again"}), waitMs());
        QCOMPARE(seqs(app.client.messages()), (QList<qint64>{1, 2, 3, 4}));
        host.stop();
    }

    void aPortInUseIsReported()
    {
        TestServer other;
        QVERIFY(other.start());
        QTemporaryDir dir;
        HostController host;
        host.setDataDir(dir.path());
        host.setProperty("bindAddress", "127.0.0.1");
        host.start(other.port(), QString(), QString());
        QTRY_VERIFY_WITH_TIMEOUT(!host.error().isEmpty(), waitMs());
        QVERIFY(host.error().contains("cannot listen"));
        QVERIFY(!host.running());
    }
};

QTEST_GUILESS_MAIN(TestChatClient)
#include "tst_chatclient.moc"
