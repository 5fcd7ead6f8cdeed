// The desktop app's client against a real server: it lands in general, messages flow both ways
// into its models, and when the connection is cut and restored nothing is lost or duplicated.
#include "chatclient.h"
#include "connection.h"
#include "hostcontroller.h"
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

QString address(quint16 port)
{
    return QStringLiteral("127.0.0.1:%1").arg(port);
}

QStringList texts(const MessageModel *model, bool withPending = true)
{
    QStringList out;
    if (!model)
        return out;
    for (const auto &row : model->rows()) {
        if (!row.notice && (withPending || !row.pending))
            out.append(row.text);
    }
    return out;
}

QList<qint64> seqs(const MessageModel *model)
{
    QList<qint64> out;
    for (const auto &row : model->rows()) {
        if (!row.notice && !row.pending)
            out.append(row.seq);
    }
    return out;
}

// A ChatClient with its own identity and quick reconnects.
struct App {
    ChatClient client;
    explicit App(const QString &token = QStringLiteral("app-test-token-0123456789"))
    {
        client.setToken(token);
        client.setProperty("reconnectBaseMs", 50);
    }
    bool connectTo(quint16 port, const QString &nick = QStringLiteral("host"),
                   const QString &password = {})
    {
        client.connectTo(address(port), nick, password);
        return QTest::qWaitFor(
            [&] {
                return client.state() == ChatClient::Online && client.currentRoom() == "general";
            },
            waitMs());
    }
};

} // namespace

class TestChatClient : public QObject
{
    Q_OBJECT
private Q_SLOTS:
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

    void hostModeRunsTheServerInsideTheApp()
    {
        QTemporaryDir dir;
        HostController host;
        host.setDataDir(dir.path());
        host.setProperty("bindAddress", "127.0.0.1");
        QVERIFY(host.start(0, QString(), "LAN party"));
        QVERIFY(host.running());
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
        QVERIFY(host.start(0, QString(), "party"));
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
        QVERIFY(host.start(port, QString(), "party")); // restored on the same port and data
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
        QVERIFY(!host.start(other.port(), QString(), QString()));
        QVERIFY(host.error().contains("cannot listen"));
        QVERIFY(!host.running());
    }
};

QTEST_GUILESS_MAIN(TestChatClient)
#include "tst_chatclient.moc"
