// The desktop app remembers, per server, what a person expects to find again after quitting:
// the messages still in the outbox (resent once, with their ids), the rooms and direct
// conversations. Each App below is one run of the app; two with the same token are one
// installation started twice.
#include "apptest.h"
#include "chatclient.h"
#include "hostcontroller.h"
#include "testclient.h"
#include "testserver.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace confab;
using namespace confab::client;
using namespace confab::test;

class TestRestarts : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init() { useFreshAppState(); }

    void theOutboxSurvivesAQuitAndIsSentOnceOnTheNextConnection()
    {
        TestServer server;
        QVERIFY(server.start());
        const quint16 port = server.port();
        {
            App app;
            QVERIFY(app.connectTo(port));
            server.stop();
            QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Reconnecting, waitMs());
            app.client.sendMessage("written while the host was gone");
            QCOMPARE(app.client.outboxSize(), 1);
        } // the app quits
        QVERIFY(server.start());
        TestClient observer;
        QVERIFY(observer.enter(port, "observer"));
        {
            App again;
            again.client.connectTo(address(port), "host");
            // Shown as pending at once, before the server answers.
            QCOMPARE(again.client.outboxSize(), 1);
            QCOMPARE(texts(again.client.messagesOf("general")),
                     QStringList{"written while the host was gone"});
            QTRY_COMPARE_WITH_TIMEOUT(again.client.outboxSize(), 0, waitMs());
            QCOMPARE(texts(again.client.messagesOf("general"), false),
                     QStringList{"written while the host was gone"});
        }
        QCOMPARE(observer.take("message")["text"].toString(), "written while the host was gone");
        {
            App third; // nothing is left to send: nothing is sent twice
            QVERIFY(third.connectTo(port));
            QCOMPARE(third.client.outboxSize(), 0);
            QVERIFY(observer.staysQuiet("message"));
        }
    }

    // The outbox belongs to one server: another server never gets it.
    void theOutboxOfOneServerIsNotSentToAnother()
    {
        TestServer first, second;
        QVERIFY(first.start() && second.start());
        const quint16 firstPort = first.port();
        {
            App app;
            QVERIFY(app.connectTo(firstPort));
            first.stop();
            QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Reconnecting, waitMs());
            app.client.sendMessage("for the first server only");
        }
        TestClient observer;
        QVERIFY(observer.enter(second.port(), "observer"));
        {
            App app;
            QVERIFY(app.connectTo(second.port()));
            QCOMPARE(app.client.outboxSize(), 0);
            QVERIFY(observer.staysQuiet("message"));
        }
        QVERIFY(first.start());
        App app;
        QVERIFY(app.connectTo(firstPort));
        QTRY_COMPARE_WITH_TIMEOUT(texts(app.client.messagesOf("general"), false),
                                  QStringList{"for the first server only"}, waitMs());
    }

    void roomsAndDirectConversationsComeBackAfterARestart()
    {
        TestServer server;
        QVERIFY(server.start());
        TestClient guest;
        QVERIFY(guest.enter(server.port(), "guest"));
        {
            App app;
            QVERIFY(app.connectTo(server.port()));
            app.client.joinRoom("random");
            QTRY_COMPARE_WITH_TIMEOUT(app.client.currentRoom(), QStringLiteral("random"), waitMs());
            app.client.joinRoom("quiet");
            QTRY_COMPARE_WITH_TIMEOUT(app.client.currentRoom(), QStringLiteral("quiet"), waitMs());
            app.client.openDirect(guest.userId(), "guest");
            app.client.sendMessage("a private word");
            QCOMPARE(guest.take("message")["text"].toString(), "a private word");
            QTRY_COMPARE_WITH_TIMEOUT(app.client.outboxSize(), 0, waitMs());
        }
        App again;
        QVERIFY(again.connectTo(server.port()) || again.client.state() == ChatClient::Online);
        const QString dm = "@" + guest.userId();
        QTRY_COMPARE_WITH_TIMEOUT(again.client.rooms()->names(),
                                  (QStringList{"general", "quiet", "random", dm}), waitMs());
        QCOMPARE(again.title(dm), QStringLiteral("guest"));
        QCOMPARE(texts(again.client.messagesOf(dm)), QStringList{"a private word"});
        // Rejoined for real: a message in random reaches the restarted app.
        guest.join("random");
        guest.request({{"type", "send"}, {"room", "random"}, {"text", "welcome back"}});
        QTRY_COMPARE_WITH_TIMEOUT(texts(again.client.messagesOf("random")),
                                  QStringList{"welcome back"}, waitMs());
    }

    // The hosting app restarts (its server and its client): its direct conversations and a
    // quiet room's topic are still there.
    void theHostKeepsItsDirectConversationsAndTopicsAcrossARestart()
    {
        QTemporaryDir dir;
        int port = 0;
        QString friendId;
        TestClient friendClient;
        {
            HostController host;
            host.setDataDir(dir.path());
            host.setProperty("bindAddress", "127.0.0.1");
            host.setProperty("announce", false);
            host.start(0, QString(), "party");
            QTRY_VERIFY_WITH_TIMEOUT(host.running(), waitMs());
            port = host.port();
            App app;
            app.client.connectTo(host.localAddress(), "host");
            QTRY_COMPARE_WITH_TIMEOUT(app.client.currentRoom(), QStringLiteral("general"),
                                      waitMs());
            QVERIFY(friendClient.open(quint16(port)));
            friendClient.hello("friend", {{"token", "friend-token-0123456789"}});
            friendClient.join("general");
            friendId = friendClient.userId();
            friendClient.request({{"type", "send"}, {"to", app.client.userId()}, {"text", "dm"}});
            QTRY_VERIFY_WITH_TIMEOUT(app.client.messagesOf("@" + friendId), waitMs());
            app.client.joinRoom("empty-room");
            QTRY_COMPARE_WITH_TIMEOUT(app.client.currentRoom(), QStringLiteral("empty-room"),
                                      waitMs());
            app.client.setTopic("kept without messages");
            QTRY_COMPARE_WITH_TIMEOUT(app.client.currentTopic(),
                                      QStringLiteral("kept without messages"), waitMs());
            QSignalSpy stopped(&host, &HostController::stopped);
            host.stop();
            QVERIFY(!host.running());
            QVERIFY(stopped.wait(waitMs()));
        }
        QVERIFY(friendClient.waitClosed());
        HostController host;
        host.setDataDir(dir.path());
        host.setProperty("bindAddress", "127.0.0.1");
        host.setProperty("announce", false);
        host.start(port, QString(), "party");
        QTRY_VERIFY_WITH_TIMEOUT(host.running(), waitMs());
        App app;
        app.client.connectTo(host.localAddress(), "host");
        QTRY_COMPARE_WITH_TIMEOUT(app.client.state(), ChatClient::Online, waitMs());
        const QString dm = "@" + friendId;
        QTRY_VERIFY_WITH_TIMEOUT(app.client.rooms()->names().contains(dm), waitMs());
        QCOMPARE(app.title(dm), QStringLiteral("friend"));
        QCOMPARE(texts(app.client.messagesOf(dm)), QStringList{"dm"});
        QTRY_VERIFY_WITH_TIMEOUT(app.client.rooms()->names().contains("empty-room"), waitMs());
        app.client.setCurrentRoom("empty-room");
        QTRY_COMPARE_WITH_TIMEOUT(app.client.currentTopic(),
                                  QStringLiteral("kept without messages"), waitMs());
        host.stop();
        QTRY_VERIFY_WITH_TIMEOUT(!host.running(), waitMs());
    }
};

QTEST_GUILESS_MAIN(TestRestarts)
#include "tst_restarts.moc"
