// Session start: hello/welcome, guests, nicks, passwords, tokens, and everything a client may
// get wrong before and after it.
#include "connection.h"
#include "logcapture.h"
#include "servertestmain.h"
#include "testclient.h"
#include "testserver.h"

#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>

using namespace confab;
using namespace confab::test;

namespace {
const QRegularExpression
    uuidV4(QStringLiteral("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"));

// A server with a password that allows 3 failures in a row, then one try a second.
ServerConfig guarded()
{
    ServerConfig c = testConfig();
    c.password = QStringLiteral("s3cret");
    c.authFailureBurst = 3;
    c.authRetryMs = 1000;
    return c;
}

struct HelloResult {
    QJsonObject answer;
    int closeCode = -1;
};

// One connection, one hello: its answer and, when it was refused, the close code.
HelloResult tryHello(quint16 port, const QString &password, const QString &token = {})
{
    TestClient c;
    if (!c.open(port))
        return {};
    QJsonObject hello{{"type", "hello"}, {"password", password}};
    if (!token.isEmpty())
        hello.insert("token", token);
    HelloResult r{c.request(hello)};
    if (r.answer["type"].toString() != "welcome" && c.waitClosed())
        r.closeCode = c.closeCode();
    return r;
}

} // namespace

class TestSession : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void welcomeCarriesUserServerAndLimits()
    {
        TestServer server;
        QVERIFY(server.start());
        TestClient c;
        QVERIFY(c.open(server.port()));
        const QJsonObject w =
            c.request({{"type", "hello"}, {"protocol", 1}, {"nick", "alice"}, {"id", "h1"}});
        QCOMPARE(w["type"].toString(), "welcome");
        QCOMPARE(w["re"].toString(), "h1");
        QCOMPARE(w["protocol"].toInt(), 1);
        QCOMPARE(w["user"]["nick"].toString(), "alice");
        QVERIFY2(uuidV4.match(w["user"]["id"].toString()).hasMatch(),
                 qPrintable(w["user"]["id"].toString()));
        QCOMPARE(w["server"]["name"].toString(), "test");
        QCOMPARE(w["server"]["version"].toString(), QStringLiteral(CONFAB_VERSION));
        const QJsonObject limits = w["limits"].toObject();
        QCOMPARE(limits["max_text_bytes"].toInt(), 4096);
        QCOMPARE(limits["max_frame_bytes"].toInt(), 65536);
        QCOMPARE(limits["rate_per_sec"].toDouble(), 1000.0);
        QCOMPARE(limits["burst"].toInt(), 1000);
        QCOMPARE(limits["max_queue_bytes"].toInt(), 1048576);
    }

    void guestsGetAGuestNickAndANewIdEachTime()
    {
        TestServer server;
        QVERIFY(server.start());
        TestClient a, b;
        QVERIFY(a.open(server.port()) && b.open(server.port()));
        a.hello();
        b.hello();
        QVERIFY(
            QRegularExpression(QStringLiteral("^guest-[0-9a-f]{4}$")).match(a.nick()).hasMatch());
        QVERIFY(!a.userId().isEmpty());
        QVERIFY(a.userId() != b.userId());
    }

    void aBadNickGetsNoWelcomeButMayRetry()
    {
        TestServer server;
        QVERIFY(server.start());
        TestClient c;
        QVERIFY(c.open(server.port()));
        QCOMPARE(errorCode(c.request({{"type", "hello"}, {"nick", " padded "}})), "bad_nick");
        c.sendText(R"({"type":"hello","nick":"al\ud800ice"})"); // a lone surrogate
        QCOMPARE(errorCode(c.take("error")), "bad_nick");
        QCOMPARE(errorCode(c.request({{"type", "hello"}, {"nick", QString(33, u'x')}})),
                 "bad_nick");
        QCOMPARE(errorCode(c.request({{"type", "hello"}, {"nick", 7}})), "bad_nick");
        // A nick must show something (issue 21): the Hangul filler alone, a combining mark
        // alone, or fillers around a space draw nothing in any member list.
        for (const char32_t *blank : {U"\u3164", U"\u0301", U"\u3164 \u3164", U"\u2800"})
            QCOMPARE(errorCode(c.request({{"type", "hello"}, {"nick", QString::fromUcs4(blank)}})),
                     "bad_nick");
        QVERIFY(c.pending().isEmpty());
        QCOMPARE(c.request({{"type", "hello"}, {"nick", "fine"}})["type"].toString(), "welcome");
    }

    void otherProtocolVersionsAreRefusedAndClosed_data()
    {
        QTest::addColumn<QJsonValue>("version");
        QTest::newRow("2") << QJsonValue(2);
        QTest::newRow("0") << QJsonValue(0);
        QTest::newRow("string") << QJsonValue("1");
        QTest::newRow("fraction") << QJsonValue(1.5);
    }
    void otherProtocolVersionsAreRefusedAndClosed()
    {
        QFETCH(QJsonValue, version);
        TestServer server;
        QVERIFY(server.start());
        TestClient c;
        QVERIFY(c.open(server.port()));
        QCOMPARE(errorCode(c.request({{"type", "hello"}, {"protocol", version}})), "bad_request");
        QVERIFY(c.waitClosed());
        QCOMPARE(c.closeCode(), 1002);
    }

    void framesBeforeWelcomeAreNotReady()
    {
        TestServer server;
        QVERIFY(server.start());
        TestClient c;
        QVERIFY(c.open(server.port()));
        for (const char *type : {"join", "send", "rooms", "nonsense"}) {
            const QJsonObject e = c.request({{"type", type}, {"room", "general"}});
            QCOMPARE(errorCode(e), "not_ready");
        }
        QCOMPARE(c.hello("late")["type"].toString(), "welcome");
    }

    // Found by a test of a big room (issue 19): in a cluster a hello waits for Redis (its ban
    // check, its token), and a join sent right behind it got not_ready. Frames after a hello
    // wait for it, as frames after a join do.
    void framesPipelinedBehindAHelloWaitForIt()
    {
        TestServer server;
        QVERIFY(server.start());
        for (const QJsonObject &hello :
             {QJsonObject{{"type", "hello"}, {"nick", "guest"}},
              QJsonObject{
                  {"type", "hello"}, {"nick", "tok"}, {"token", "pipelined-token-0123456789"}},
              QJsonObject{
                  {"type", "hello"}, {"nick", "tok"}, {"token", "pipelined-token-0123456789"}}}) {
            TestClient c;
            QVERIFY(c.open(server.port()));
            c.send(hello);
            c.send({{"type", "join"}, {"room", "piped"}, {"id", "j"}});
            c.send({{"type", "send"}, {"room", "piped"}, {"text", "hi"}, {"id", "s"}});
            QVERIFY(
                !c.take("message", [](const QJsonObject &m) { return m["re"] == "s"; }).isEmpty());
            QStringList order;
            for (const QJsonObject &f : c.pending())
                order.append(f["type"].toString());
            QCOMPARE(order.first(), "welcome");
            QVERIFY2(!order.contains("error"), qPrintable(order.join(' ')));
        }
    }

    void aSecondHelloIsABadRequest()
    {
        TestServer server;
        QVERIFY(server.start());
        TestClient c;
        QVERIFY(c.open(server.port()));
        c.hello("alice");
        QCOMPARE(errorCode(c.request({{"type", "hello"}, {"nick", "again"}})), "bad_request");
        QVERIFY(c.isConnected());
    }

    void noHelloInTimeClosesWith4002()
    {
        ServerConfig config = testConfig();
        config.helloTimeoutMs = 150;
        TestServer server(config);
        QVERIFY(server.start());
        TestClient silent, greeted;
        QVERIFY(silent.open(server.port()) && greeted.open(server.port()));
        greeted.hello("prompt");
        QVERIFY(silent.waitClosed());
        QCOMPARE(silent.closeCode(), 4002);
        QVERIFY(greeted.isConnected());
    }

    void passwords()
    {
        ServerConfig config = testConfig();
        config.password = QStringLiteral("s3cret");
        TestServer server(config);
        QVERIFY(server.start());

        TestClient missing;
        QVERIFY(missing.open(server.port()));
        QCOMPARE(errorCode(missing.request({{"type", "hello"}})), "auth_failed");
        QVERIFY(missing.waitClosed());
        QCOMPARE(missing.closeCode(), 4001);

        TestClient wrong;
        QVERIFY(wrong.open(server.port()));
        QCOMPARE(errorCode(wrong.request({{"type", "hello"}, {"password", "guess"}})),
                 "auth_failed");
        QVERIFY(wrong.waitClosed());
        QCOMPARE(wrong.closeCode(), 4001);

        TestClient right;
        QVERIFY(right.open(server.port()));
        QCOMPARE(right.hello("ok", {{"password", "s3cret"}})["type"].toString(), "welcome");
    }

    // The order of a hello's checks (docs/protocol.md): the version, then the password, then the
    // token and the nick.
    void helloChecksTheVersionThenThePasswordThenTheRest()
    {
        ServerConfig config = testConfig();
        config.password = QStringLiteral("s3cret");
        TestServer server(config);
        QVERIFY(server.start());

        TestClient version;
        QVERIFY(version.open(server.port()));
        QCOMPARE(errorCode(version.request({{"type", "hello"}, {"protocol", 2}, {"token", "x"}})),
                 "bad_request");
        QVERIFY(version.waitClosed());
        QCOMPARE(version.closeCode(), 1002);

        TestClient password;
        QVERIFY(password.open(server.port()));
        QCOMPARE(errorCode(password.request(
                     {{"type", "hello"}, {"password", "guess"}, {"token", "x"}, {"nick", ""}})),
                 "auth_failed");
        QVERIFY(password.waitClosed());
        QCOMPARE(password.closeCode(), 4001);

        TestClient token;
        QVERIFY(token.open(server.port()));
        QCOMPARE(errorCode(token.request(
                     {{"type", "hello"}, {"password", "s3cret"}, {"token", "x"}, {"nick", ""}})),
                 "bad_request");
        QCOMPARE(
            errorCode(token.request({{"type", "hello"}, {"password", "s3cret"}, {"nick", ""}})),
            "bad_nick");
        QVERIFY(token.isConnected());
        QCOMPARE(token.hello("fine", {{"password", "s3cret"}})["type"].toString(), "welcome");
    }

    void wrongPasswordsAreThrottledPerAddress()
    {
        // Failed passwords are throttled per server: in cluster mode every attempt goes to the
        // first.
        LogCapture log;
        TestServer server(guarded());
        QVERIFY(server.start());
        // The burst: checked, refused, no retry time.
        for (int i = 0; i < 3; ++i) {
            const HelloResult r = tryHello(server.port(0), "guess");
            QCOMPARE(errorCode(r.answer), "auth_failed");
            QVERIFY(!r.answer.contains("retry_ms"));
            QCOMPARE(r.closeCode, 4001);
        }
        // Then the address must wait: not even the right password is checked.
        const HelloResult wrong = tryHello(server.port(0), "guess");
        QCOMPARE(errorCode(wrong.answer), "auth_failed");
        QCOMPARE(wrong.closeCode, 4001);
        const int retry = wrong.answer["retry_ms"].toInt();
        QVERIFY2(retry > 0 && retry <= 1000, qPrintable(QString::number(retry)));
        const HelloResult unchecked = tryHello(server.port(0), "s3cret");
        QCOMPARE(errorCode(unchecked.answer), "auth_failed");
        QVERIFY(unchecked.answer["retry_ms"].toInt() > 0);
        QCOMPARE(unchecked.closeCode, 4001);
        // Once the window has passed, the right password works.
        QTest::qWait(unchecked.answer["retry_ms"].toInt() + 20);
        QCOMPARE(tryHello(server.port(0), "s3cret").answer["type"].toString(), "welcome");
        // Five refusals, one log line (the rest go into a summary per interval).
        QCOMPARE(log.matching("authentication").size(), 1);
        QVERIFY(log.matching("authentication").first().contains("127.0.0.1"));
    }

    void aKnownTokenIsNotLockedOutByItsAddressesFailures()
    {
        // Failed passwords are throttled per server: in cluster mode every attempt goes to the
        // first.
        TestServer server(guarded());
        QVERIFY(server.start());
        const QString device = QStringLiteral("device-token-0123456789");
        QCOMPARE(tryHello(server.port(0), "s3cret", device).answer["type"].toString(), "welcome");
        // Someone else at the same address (all clients of a reverse proxy share one) floods.
        for (int i = 0; i < 5; ++i)
            tryHello(server.port(0), "guess");
        const HelloResult fresh =
            tryHello(server.port(0), "s3cret", QStringLiteral("new-device-0123456789"));
        QVERIFY(fresh.answer["retry_ms"].toInt() > 0);
        // The device that has passed the password before has a budget of its own.
        QCOMPARE(tryHello(server.port(0), "s3cret", device).answer["type"].toString(), "welcome");
        for (int i = 0; i < 3; ++i)
            QVERIFY(!tryHello(server.port(0), "typo", device).answer.contains("retry_ms"));
        QVERIFY(tryHello(server.port(0), "typo", device).answer["retry_ms"].toInt() > 0);
        QVERIFY(tryHello(server.port(0), "s3cret", device).answer["retry_ms"].toInt() > 0);
    }

    void errorTextsNameTheLimitsOfProtocolH()
    {
        TestServer server;
        QVERIFY(server.start());
        TestClient c;
        QVERIFY(c.open(server.port()));
        auto message = [&](const QJsonObject &frame) {
            return c.request(frame)["message"].toString();
        };
        auto names = [](const QString &text, std::initializer_list<int> numbers) {
            for (int n : numbers) {
                if (!text.contains(QString::number(n)) || text.contains('%'))
                    return false;
            }
            return true;
        };
        const QString token = message({{"type", "hello"}, {"token", "short"}});
        QVERIFY2(names(token, {protocol::MinTokenChars, protocol::MaxTokenChars}),
                 qPrintable(token));
        const QString nick = message({{"type", "hello"}, {"nick", ""}});
        QVERIFY2(names(nick, {protocol::MaxNickChars}), qPrintable(nick));
        c.hello("ok");
        const QString room = message({{"type", "join"}, {"room", "a b"}});
        QVERIFY2(names(room, {protocol::MaxRoomChars}), qPrintable(room));
        c.join("general");
        const QString topic =
            message({{"type", "topic"}, {"room", "general"}, {"topic", QString(300, u't')}});
        QVERIFY2(names(topic, {protocol::MaxTopicChars}), qPrintable(topic));
        c.sendText(QStringLiteral(R"({"type":"rooms","id":"%1"})").arg(QString(65, u'i')));
        const QString id = c.take("error")["message"].toString();
        QVERIFY2(names(id, {protocol::MaxFrameIdChars}), qPrintable(id));
        TestClient other;
        QVERIFY(other.open(server.port()));
        const QString version =
            other.request({{"type", "hello"}, {"protocol", 2}})["message"].toString();
        QVERIFY2(names(version, {protocol::Version}), qPrintable(version));
    }

    void aPasswordIsIgnoredWhenTheServerHasNone()
    {
        TestServer server;
        QVERIFY(server.start());
        TestClient c;
        QVERIFY(c.open(server.port()));
        QCOMPARE(c.hello("x", {{"password", "anything"}})["type"].toString(), "welcome");
    }

    void theSameTokenIsTheSameUser()
    {
        TestServer server;
        QVERIFY(server.start());
        const QString token = QStringLiteral("tok-0123456789abcdef");
        QString firstId;
        {
            TestClient c;
            QVERIFY(c.open(server.port()));
            c.hello("alice", {{"token", token}});
            firstId = c.userId();
        }
        TestClient again, other;
        QVERIFY(again.open(server.port()) && other.open(server.port()));
        again.hello(QString(), {{"token", token}});
        QCOMPARE(again.userId(), firstId);
        QCOMPARE(again.nick(), "alice"); // the user's nick is remembered with the token
        other.hello("bob", {{"token", QStringLiteral("another-token-4567")}});
        QVERIFY(other.userId() != firstId);
    }

    void malformedTokensAreBadRequests_data()
    {
        QTest::addColumn<QJsonValue>("token");
        QTest::newRow("short") << QJsonValue(QString(15, u'a'));
        QTest::newRow("long") << QJsonValue(QString(129, u'a'));
        QTest::newRow("space") << QJsonValue("abcdefgh ijklmnopq");
        QTest::newRow("number") << QJsonValue(1234567890123456.0);
    }
    void malformedTokensAreBadRequests()
    {
        QFETCH(QJsonValue, token);
        TestServer server;
        QVERIFY(server.start());
        TestClient c;
        QVERIFY(c.open(server.port()));
        QCOMPARE(errorCode(c.request({{"type", "hello"}, {"token", token}})), "bad_request");
        QVERIFY(c.isConnected());
    }

    void malformedFramesGetClearErrorsAndKeepTheConnection()
    {
        TestServer server;
        QVERIFY(server.start());
        TestClient c;
        QVERIFY(c.open(server.port()));
        c.hello("alice");

        c.sendText(QStringLiteral("{not json"));
        QCOMPARE(errorCode(c.take("error")), "bad_json");
        c.sendText(QStringLiteral("[1,2,3]"));
        QCOMPARE(errorCode(c.take("error")), "bad_request");
        c.sendText(QStringLiteral("\"just a string\""));
        QCOMPARE(errorCode(c.take("error")), "bad_request");
        c.sendText(QStringLiteral("{\"id\":\"n1\",\"room\":\"general\"}"));
        const QJsonObject noType = c.take("error");
        QCOMPARE(errorCode(noType), "bad_request");
        QCOMPARE(noType["re"].toString(), "n1");
        c.sendBinary(QByteArray("{\"type\":\"rooms\"}"));
        QCOMPARE(errorCode(c.take("error")), "bad_request");
        c.send({{"type", "rooms"}, {"id", QString(65, u'i')}});
        const QJsonObject longId = c.take("error");
        QCOMPARE(errorCode(longId), "bad_request");
        QVERIFY(!longId.contains("re"));
        const QJsonObject unknown = c.request({{"type", "dance"}});
        QCOMPARE(errorCode(unknown), "unknown_type");
        QVERIFY(!unknown["message"].toString().isEmpty());

        // Still connected and served.
        QCOMPARE(c.request({{"type", "rooms"}})["type"].toString(), "rooms");
        QVERIFY(c.pending().isEmpty());
    }

    void unknownMembersAreIgnored()
    {
        TestServer server;
        QVERIFY(server.start());
        TestClient c;
        QVERIFY(c.open(server.port()));
        QCOMPARE(c.hello("alice", {{"client", "test/1.0"}, {"future", QJsonObject{}}})["type"]
                     .toString(),
                 "welcome");
        QCOMPARE(c.join("general", {{"colour", "blue"}})["type"].toString(), "joined");
    }

    void atTheCapNewConnectionsAreToldTheServerIsFull()
    {
        // The connection cap is one server's: in cluster mode every socket goes to the first.
        ServerConfig config = testConfig();
        config.maxConnections = 2;
        TestServer server(config);
        QVERIFY(server.start());
        TestClient a, b, c;
        QVERIFY(a.open(server.port(0)) && b.open(server.port(0)));
        a.hello("a");
        b.hello("b");
        QVERIFY(c.open(server.port(0)));
        QCOMPARE(errorCode(c.take("error")), "server_full");
        QVERIFY(c.waitClosed());
        QCOMPARE(c.closeCode(), 4003);
        // Room again once someone leaves.
        a.close();
        QVERIFY(a.waitClosed());
        TestClient d;
        QTRY_COMPARE_WITH_TIMEOUT(server.connectionCount(), 1, waitMs());
        QVERIFY(d.open(server.port(0)));
        QCOMPARE(d.hello("d")["type"].toString(), "welcome");
    }

    void closedConnectionsLeaveNothingBehind()
    {
        TestServer server;
        QVERIFY(server.start());
        for (int i = 0; i < 20; ++i) {
            TestClient c;
            QVERIFY(c.open(server.port()));
            if (i % 2)
                c.hello("brief");
            i % 4 == 1 ? c.abort() : c.close();
        }
        // A failed handshake leaves nothing either.
        QTcpSocket bad;
        bad.connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(bad.waitForConnected(waitMs()));
        bad.write("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"); // no key, no version
        QVERIFY(QTest::qWaitFor([&] { return bad.state() == QAbstractSocket::UnconnectedState; },
                                waitMs()));
        QTRY_COMPARE_WITH_TIMEOUT(server.connectionCount(), 0, waitMs());
        QTRY_COMPARE_WITH_TIMEOUT(server.server().findChildren<Connection *>().size(), 0, waitMs());
        QTRY_COMPARE_WITH_TIMEOUT(server.server().findChildren<QTcpSocket *>().size(), 0, waitMs());
    }

    void theTutorialPathAlsoUpgrades()
    {
        TestServer server;
        QVERIFY(server.start());
        TestClient c;
        QVERIFY(c.open(server.port(), QStringLiteral("/subscribe")));
        QCOMPARE(c.hello("gopher")["type"].toString(), "welcome");
    }

    void otherPathsDoNotUpgrade()
    {
        TestServer server;
        QVERIFY(server.start());
        TestClient c;
        c.socket().open(QUrl(QStringLiteral("ws://127.0.0.1:%1/elsewhere").arg(server.port())));
        QVERIFY(c.waitClosed());
        QVERIFY(!c.isConnected());
    }
};

CONFAB_SERVER_TEST_MAIN(TestSession)
#include "tst_session.moc"
