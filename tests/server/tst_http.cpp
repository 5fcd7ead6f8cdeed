// HTTP on the chat port: /healthz, /metrics, POST /api/publish and its errors.
#include "frontdoor.h"
#include "logcapture.h"
#include "servertestmain.h"
#include "testclient.h"
#include "testserver.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>
#include <QUuid>

using namespace confab;
using namespace confab::test;

namespace {

struct Reply {
    int status = 0;
    QByteArray head;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

// Any bytes as a request; the server answers and closes.
Reply rawHttp(quint16 port, const QByteArray &bytes)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!s.waitForConnected(waitMs()))
        return {};
    s.write(bytes);
    QByteArray raw;
    (void)QTest::qWaitFor(
        [&] {
            raw += s.readAll();
            return s.state() == QAbstractSocket::UnconnectedState;
        },
        waitMs());
    raw += s.readAll();
    Reply r;
    const qsizetype split = raw.indexOf("\r\n\r\n");
    r.head = raw.left(split);
    r.body = split < 0 ? QByteArray() : raw.mid(split + 4);
    r.status = raw.mid(9, 3).toInt();
    return r;
}

// One well-formed request over a real socket; the server answers and closes.
Reply http(quint16 port, const QByteArray &method, const QByteArray &path,
           const QByteArray &body = {}, const QByteArray &extraHeaders = {})
{
    QByteArray request = method + ' ' + path + " HTTP/1.1\r\nHost: localhost\r\n" + extraHeaders;
    if (!body.isNull())
        request += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    return rawHttp(port, request + "\r\n" + body);
}

const QByteArray bearer = "Authorization: Bearer deploy-secret\r\n";

ServerConfig withApi()
{
    ServerConfig c = testConfig();
    c.apiToken = QStringLiteral("deploy-secret");
    return c;
}

} // namespace

class TestHttp : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void healthzCountsConnectionsAndRooms()
    {
        // One server's own count: in cluster mode every client goes to the first server.
        TestServer server;
        QVERIFY(server.start());
        Reply r = http(server.port(0), "GET", "/healthz");
        QCOMPARE(r.status, 200);
        QVERIFY(r.head.contains("Content-Type: application/json"));
        QCOMPARE(r.json(), (QJsonObject{{"status", "ok"}, {"connections", 0}, {"rooms", 0}}));
        TestClient a, b;
        QVERIFY(a.open(server.port(0)) && b.open(server.port(0)));
        a.hello("a");
        a.join("general");
        a.join("random");
        r = http(server.port(0), "GET", "/healthz");
        QCOMPARE(r.json()["connections"].toInt(), 2);
        QCOMPARE(r.json()["rooms"].toInt(), 2);
    }

    void metricsArePrometheusText()
    {
        // One server's own count: in cluster mode every client goes to the first server.
        TestServer server;
        QVERIFY(server.start());
        TestClient a;
        QVERIFY(a.open(server.port(0)));
        a.hello("a");
        a.join("general");
        a.request({{"type", "send"}, {"room", "general"}, {"text", "counted"}});
        a.sendText("not json");
        a.take("error");
        const Reply r = http(server.port(0), "GET", "/metrics");
        QCOMPARE(r.status, 200);
        QVERIFY(r.head.contains("text/plain; version=0.0.4"));
        QVERIFY(r.body.contains("# TYPE confab_connections gauge\nconfab_connections 1\n"));
        QVERIFY(r.body.contains("confab_rooms 1\n"));
        QVERIFY(r.body.contains("confab_messages_in_total 1\n"));
        QVERIFY(r.body.contains("confab_messages_out_total 1\n"));
        QVERIFY(r.body.contains("confab_frames_in_total 4\n"));
        QVERIFY(r.body.contains("# TYPE confab_closes_total counter"));
        QVERIFY(!r.body.contains("counted")); // never message texts
    }

    void publishReachesTheRoom()
    {
        TestServer server(withApi());
        QVERIFY(server.start());
        TestClient a;
        QVERIFY(a.open(server.port()));
        a.hello("a");
        a.join("general");
        Reply r =
            http(server.port(), "POST", "/api/publish",
                 R"({"room":"general","text":"build 42 is green","from":"deploy-bot"})", bearer);
        QCOMPARE(r.status, 202);
        QCOMPARE(r.json(), (QJsonObject{{"room", "general"}, {"seq", 1}}));
        const QJsonObject m = a.take("message");
        QCOMPARE(m["text"].toString(), "build 42 is green");
        QCOMPARE(m["seq"].toInt(), 1);
        QCOMPARE(m["from"]["nick"].toString(), "deploy-bot");
        const QString apiUser = m["from"]["id"].toString();
        QVERIFY(!QUuid::fromString(apiUser).isNull());

        // `from` defaults to "api"; the id is derived from the token, so it is stable.
        r = http(server.port(), "POST", "/api/publish", R"({"room":"general","text":"again"})",
                 bearer);
        QCOMPARE(r.json()["seq"].toInt(), 2);
        const QJsonObject m2 = a.take("message");
        QCOMPARE(m2["from"]["nick"].toString(), "api");
        QCOMPARE(m2["from"]["id"].toString(), apiUser);

        // It creates the room if needed, and the message is stored like any other.
        r = http(server.port(), "POST", "/api/publish", R"({"room":"releases","text":"v1"})",
                 bearer);
        QCOMPARE(r.status, 202);
        QCOMPARE(r.json()["room"].toString(), "releases");
        QCOMPARE(a.join("releases")["history"][0]["text"].toString(), "v1");
    }

    void theApiUserIdIsAV4FormatIdStableAcrossRestarts()
    {
        const QRegularExpression v4(QStringLiteral(
            "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"));
        TestServer server(withApi());
        QVERIFY(server.start());
        auto publishedBy = [&](const QByteArray &authorization) {
            TestClient a;
            if (!a.open(server.port()))
                return QString();
            a.hello("a");
            a.join("general");
            http(server.port(), "POST", "/api/publish", R"({"room":"general","text":"x"})",
                 authorization);
            return a.take("message")["from"]["id"].toString();
        };
        const QString id = publishedBy(bearer);
        QVERIFY2(v4.match(id).hasMatch(), qPrintable(id));
        QVERIFY(server.restart());
        QCOMPARE(publishedBy(bearer), id);
        // Another token is another user.
        server.config().apiToken = QStringLiteral("another-secret");
        QVERIFY(server.restart());
        const QString other = publishedBy("Authorization: Bearer another-secret\r\n");
        QVERIFY2(v4.match(other).hasMatch(), qPrintable(other));
        QVERIFY(other != id);
    }

    void publishErrors()
    {
        TestServer server(withApi());
        QVERIFY(server.start());
        const quint16 port = server.port();
        QCOMPARE(http(port, "POST", "/api/publish", R"({"room":"g","text":"x"})").status, 401);
        QCOMPARE(http(port, "POST", "/api/publish", R"({"room":"g","text":"x"})",
                      "Authorization: Bearer wrong\r\n")
                     .status,
                 401);
        auto error = [&](const QByteArray &body) {
            const Reply r = http(port, "POST", "/api/publish", body, bearer);
            return std::pair{r.status, r.json()["error"].toString()};
        };
        QCOMPARE(error("{nope"), (std::pair{400, QStringLiteral("bad_json")}));
        QCOMPARE(error("[1]"), (std::pair{400, QStringLiteral("bad_request")}));
        QCOMPARE(error(R"({"room":"g"})"), (std::pair{400, QStringLiteral("bad_request")}));
        QCOMPARE(error(R"({"room":"no room","text":"x"})"),
                 (std::pair{400, QStringLiteral("bad_room")}));
        QCOMPARE(error(R"({"room":"g","text":""})"),
                 (std::pair{400, QStringLiteral("bad_request")}));
        QCOMPARE(error(R"({"room":"g","text":"x","from":" "})"),
                 (std::pair{400, QStringLiteral("bad_nick")}));
        // A JSON escape of a lone surrogate is no Unicode text (live and stored copies would
        // differ).
        QCOMPARE(error(R"({"room":"g","text":"A\ud800B"})"),
                 (std::pair{400, QStringLiteral("bad_request")}));
        QCOMPARE(error(R"({"room":"g","text":"x","from":"bot\udc00"})"),
                 (std::pair{400, QStringLiteral("bad_nick")}));
        QCOMPARE(error(R"({"room":"g\ud800","text":"x"})"),
                 (std::pair{400, QStringLiteral("bad_room")}));
        QCOMPARE(error(QByteArray(R"({"room":"g","text":")") + QByteArray(4097, 'a') + "\"}"),
                 (std::pair{400, QStringLiteral("too_long")}));
        QCOMPARE(http(port, "POST", "/api/publish", QByteArray(64 * 1024 + 1, ' '), bearer).status,
                 413);
        QCOMPARE(http(port, "GET", "/api/publish", {}, bearer).status, 405);
    }

    void anEarlyAnswerReachesAClientStillSending()
    {
        // Issue 22: a POST /api/publish of 65,537 bytes without "Expect: 100-continue" was
        // answered 413 and closed with the body unread: the kernel reset the connection and a
        // client that had not read the 413 yet lost it ("broken pipe", 3 of 10 with Go's
        // client). Now the server half-closes after the answer and reads the rest away.
        TestServer server(withApi());
        QVERIFY(server.start());
        for (int attempt = 0; attempt < 3; ++attempt) {
            QTcpSocket s;
            s.connectToHost(QHostAddress::LocalHost, server.port());
            QVERIFY(s.waitForConnected(waitMs()));
            // The head first (the answer goes out on it), then the body, as a client that sends
            // a body without waiting for "100 Continue" does; it reads when it has sent all.
            const QByteArray body(64 * 1024 + 1, ' ');
            s.write("POST /api/publish HTTP/1.1\r\nHost: localhost\r\n" + bearer
                    + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n");
            QVERIFY(s.waitForBytesWritten(waitMs()));
            QTest::qWait(100);
            s.write(body);
            (void)s.waitForBytesWritten(waitMs());
            QTest::qWait(300); // a reset would have come by now
            QByteArray raw;
            (void)QTest::qWaitFor(
                [&] {
                    raw += s.readAll();
                    return s.state() == QAbstractSocket::UnconnectedState
                           || raw.contains("\r\n\r\n");
                },
                waitMs());
            raw += s.readAll();
            QVERIFY2(raw.startsWith("HTTP/1.1 413"),
                     qPrintable(QStringLiteral("attempt %1: %2 (%3)")
                                    .arg(attempt)
                                    .arg(QString::fromLatin1(raw.left(40)), s.errorString())));
        }
        // A client that keeps on sending after the answer is cut off, in bytes or in time.
        QTcpSocket endless;
        endless.connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(endless.waitForConnected(waitMs()));
        endless.write("POST /api/publish HTTP/1.1\r\nHost: localhost\r\n" + bearer
                      + "Content-Length: 999999999\r\n\r\n");
        QElapsedTimer clock;
        clock.start();
        QByteArray answer;
        QTimer feeder;
        QObject::connect(&feeder, &QTimer::timeout, [&] {
            if (endless.state() == QAbstractSocket::ConnectedState)
                endless.write(QByteArray(16 * 1024, 'x'));
        });
        feeder.start(5);
        QVERIFY(QTest::qWaitFor(
            [&] {
                answer += endless.readAll();
                return endless.state() == QAbstractSocket::UnconnectedState;
            },
            FrontDoor::LingerMs + waitMs()));
        QVERIFY2(answer.startsWith("HTTP/1.1 413"), answer.left(40).constData());
        QVERIFY2(clock.elapsed() < FrontDoor::LingerMs + 2000,
                 qPrintable(QString::number(clock.elapsed())));
    }

    void publishIsRateLimitedPerToken()
    {
        // An API token's bucket is one server's: in cluster mode every request goes to the first.
        ServerConfig config = withApi();
        config.limits.ratePerSec = 0.1; // slow refill: the burst of 8 is what counts here
        config.limits.burst = 8;
        TestServer server(config);
        QVERIFY(server.start());
        int accepted = 0;
        Reply limited;
        for (int i = 0; i < 12; ++i) {
            const Reply r =
                http(server.port(0), "POST", "/api/publish", R"({"room":"g","text":"x"})", bearer);
            if (r.status == 202)
                ++accepted;
            else
                limited = r;
        }
        QCOMPARE(accepted, 8);
        QCOMPARE(limited.status, 429);
        QCOMPARE(limited.json()["error"].toString(), "rate_limited");
        QVERIFY(limited.json()["retry_ms"].toInt() > 0);
    }

    void wrongApiTokensAreThrottledPerValueAndPerAddress()
    {
        // Failed passwords are throttled per server: in cluster mode every attempt goes to the
        // first.
        LogCapture log;
        ServerConfig config = withApi();
        config.authFailureBurst = 3;
        config.authRetryMs = 1000;
        TestServer server(config);
        QVERIFY(server.start());
        const QByteArray body = R"({"room":"g","text":"x"})";
        const QByteArray wrong = "Authorization: Bearer wrong-token\r\n";
        for (int i = 0; i < 3; ++i) {
            const Reply r = http(server.port(0), "POST", "/api/publish", body, wrong);
            QCOMPARE(r.status, 401);
            QVERIFY(!r.json().contains("retry_ms"));
        }
        const Reply throttled = http(server.port(0), "POST", "/api/publish", body, wrong);
        QCOMPARE(throttled.status, 401);
        QCOMPARE(throttled.json()["error"].toString(), "unauthorized");
        const int retry = throttled.json()["retry_ms"].toInt();
        QVERIFY2(retry > 0 && retry <= 1000, qPrintable(QString::number(retry)));
        QVERIFY(throttled.head.toLower().contains("retry-after: 1"));
        // Another wrong value from the same address is refused unchecked too (issue 19: 300
        // different wrong values were all checked): the address has used its budget. So is the
        // right one from there, for now (checking it would tell a guesser right from wrong).
        const Reply other =
            http(server.port(0), "POST", "/api/publish", body, "Authorization: Bearer other\r\n");
        QCOMPARE(other.status, 401);
        QVERIFY(other.json()["retry_ms"].toInt() > 0);
        QCOMPARE(http(server.port(0), "POST", "/api/publish", body, bearer).status, 401);
        // Once the address may try again, the right token works.
        QTest::qWait(config.authRetryMs + 50);
        QCOMPARE(http(server.port(0), "POST", "/api/publish", body, bearer).status, 202);
        // Six refusals, one log line.
        QCOMPARE(log.matching("API token").size(), 1);
    }

    void publishIsDisabledWithoutAnApiToken()
    {
        TestServer server;
        QVERIFY(server.start());
        QCOMPARE(http(server.port(), "POST", "/api/publish", R"({"room":"g","text":"x"})", bearer)
                     .status,
                 404);
    }

    void otherRequests()
    {
        TestServer server;
        QVERIFY(server.start());
        const quint16 port = server.port();
        QCOMPARE(http(port, "GET", "/nothing-here").status, 404);
        QCOMPARE(http(port, "GET", "/ws").status, 426);
        QCOMPARE(http(port, "POST", "/healthz", "").status, 405);
        QCOMPARE(rawHttp(port, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: "
                               "Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                               "Sec-WebSocket-Version: 13\r\n\r\n")
                     .status,
                 404); // an upgrade on a path that is not a chat socket
        const Reply hello = http(port, "GET", "/");
        QCOMPARE(hello.status, 200);
        QCOMPARE(hello.body, "Hello Chat!\n");

        QTcpSocket garbage;
        garbage.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(garbage.waitForConnected(waitMs()));
        garbage.write("NONSENSE\r\n\r\n");
        QVERIFY(QTest::qWaitFor(
            [&] { return garbage.state() == QAbstractSocket::UnconnectedState; }, waitMs()));
        QVERIFY(garbage.readAll().startsWith("HTTP/1.1 400"));
    }

    void aStalledRequestTimesOut()
    {
        ServerConfig config = testConfig();
        config.requestTimeoutMs = 150;
        TestServer server(config);
        QVERIFY(server.start());
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(s.waitForConnected(waitMs()));
        s.write("GET /healthz HTTP/1.1\r\n"); // and nothing more
        QVERIFY(QTest::qWaitFor([&] { return s.state() == QAbstractSocket::UnconnectedState; },
                                waitMs()));
        QVERIFY(s.readAll().startsWith("HTTP/1.1 408"));
    }

    // Found from outside (issue 9): each of these was answered differently before.
    void headIsAnsweredWithoutABody()
    {
        TestServer server;
        QVERIFY(server.start());
        const Reply r = rawHttp(server.port(), "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
        QCOMPARE(r.status, 200);
        QVERIFY(r.head.contains("Content-Length: 12"));
        QCOMPARE(r.body, QByteArray());
    }

    void bareLfLineEndsAreAccepted()
    {
        ServerConfig config = testConfig();
        config.requestTimeoutMs = 30000; // before, the request hung until this timeout
        TestServer server(config);
        QVERIFY(server.start());
        QCOMPARE(rawHttp(server.port(), "GET /healthz HTTP/1.1\nHost: x\n\n").status, 200);
        QCOMPARE(rawHttp(server.port(), "\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status,
                 200); // an empty line before the request line is ignored (RFC 9112 2.2)
        QCOMPARE(rawHttp(server.port(), "GET /healthz HTTP/1.1\rHost: x\r\n\r\n").status, 400);
    }

    void requestsAProxyCouldReadTwoWaysAre400_data()
    {
        // N is the body's true length: a lax server takes each of these requests (202).
        QTest::addColumn<QByteArray>("headers");
        QTest::newRow("duplicate Content-Length")
            << QByteArray("Content-Length: N\r\nContent-Length: N\r\n");
        QTest::newRow("conflicting Content-Length")
            << QByteArray("Content-Length: 2\r\nContent-Length: N\r\n");
        QTest::newRow("space before colon") << QByteArray("Content-Length : N\r\n");
        QTest::newRow("signed length") << QByteArray("Content-Length: +N\r\n");
        QTest::newRow("length list") << QByteArray("Content-Length: N, N\r\n");
        QTest::newRow("length and chunked")
            << QByteArray("Content-Length: N\r\nTransfer-Encoding: chunked\r\n");
        QTest::newRow("two Authorization")
            << QByteArray("Content-Length: N\r\nAuthorization: Bearer deploy-secret\r\n");
        QTest::newRow("two Host") << QByteArray("Content-Length: N\r\nHost: y\r\n");
        QTest::newRow("obs-fold") << QByteArray("Content-Length: N\r\nX-A: b\r\n c\r\n");
        QTest::newRow("space in a name") << QByteArray("Content-Length: N\r\nX A: b\r\n");
    }

    void requestsAProxyCouldReadTwoWaysAre400()
    {
        QFETCH(QByteArray, headers);
        TestServer server(withApi());
        QVERIFY(server.start());
        const QByteArray body = R"({"room":"general","text":"smuggled"})";
        headers.replace("N", QByteArray::number(body.size()));
        const Reply r = rawHttp(server.port(), "POST /api/publish HTTP/1.1\r\nHost: x\r\n" + bearer
                                                   + headers + "\r\n" + body);
        QCOMPARE(r.status, 400);
        // The same request framed once is taken: the rows above fail for their framing only.
        QCOMPARE(http(server.port(), "POST", "/api/publish", body, bearer).status, 202);
    }

    void absoluteFormTargetsAreAccepted()
    {
        TestServer server;
        QVERIFY(server.start());
        const QByteArray target = "http://127.0.0.1:" + QByteArray::number(server.port());
        QCOMPARE(
            rawHttp(server.port(), "GET " + target + "/healthz HTTP/1.1\r\nHost: x\r\n\r\n").status,
            200);
        QCOMPARE(rawHttp(server.port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").body,
                 "Hello Chat!\n");
    }

    void aScalarJsonBodyIsABadRequest()
    {
        TestServer server(withApi());
        QVERIFY(server.start());
        for (const QByteArray &body :
             {QByteArray("42"), QByteArray("\"hi\""), QByteArray("null")}) {
            const Reply r = http(server.port(), "POST", "/api/publish", body, bearer);
            QCOMPARE(r.status, 400);
            QCOMPARE(r.json()["error"].toString(), "bad_request");
        }
    }

    void malformedUpgradesGet400WithTheVersion_data()
    {
        QTest::addColumn<QByteArray>("headers");
        const QByteArray key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        const QByteArray upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
        QTest::newRow("no key") << upgrade + "Sec-WebSocket-Version: 13\r\n";
        QTest::newRow("bad key") << upgrade + "Sec-WebSocket-Key: short\r\n"
                                        + "Sec-WebSocket-Version: 13\r\n";
        QTest::newRow("version 8") << upgrade + key + "Sec-WebSocket-Version: 8\r\n";
        QTest::newRow("no version") << upgrade + key;
        QTest::newRow("no Connection: Upgrade")
            << "Upgrade: websocket\r\n" + key + "Sec-WebSocket-Version: 13\r\n";
        QTest::newRow("no Upgrade")
            << "Connection: Upgrade\r\n" + key + "Sec-WebSocket-Version: 13\r\n";
    }

    void malformedUpgradesGet400WithTheVersion()
    {
        QFETCH(QByteArray, headers);
        TestServer server;
        QVERIFY(server.start());
        const Reply r =
            rawHttp(server.port(), "GET /ws HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");
        QCOMPARE(r.status, 400);
        QVERIFY2(r.head.contains("Sec-WebSocket-Version: 13"), r.head.constData());
    }

    // The web client (issue 12): GET / for a browser, assets with types, ETags and a strict CSP.
    void aBrowserGetsTheWebClient()
    {
        TestServer server;
        QVERIFY(server.start());
        const quint16 port = server.port();
        const Reply page =
            rawHttp(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port)
                              + "\r\nAccept: text/html,application/xhtml+xml\r\n\r\n");
        QCOMPARE(page.status, 200);
        QVERIFY(page.head.contains("Content-Type: text/html; charset=utf-8"));
        QVERIFY(page.body.contains("<script type=\"module\" src=\"/assets/app.js\">"));
        QVERIFY2(!page.body.contains("<script>"), "no inline script");
        QVERIFY(!page.body.contains("http://")
                && !page.body.contains("https://")); // nothing outside
        const QByteArray csp = "Content-Security-Policy: default-src 'self'; script-src 'self';";
        QVERIFY2(page.head.contains(csp), page.head.constData());
        QVERIFY(
            page.head.contains("connect-src 'self' ws://127.0.0.1:" + QByteArray::number(port)));
        QVERIFY(page.head.contains("ETag: \""));
        // Anything else asking for / still gets the tutorial's answer.
        QCOMPARE(http(port, "GET", "/").body, "Hello Chat!\n");
        QCOMPARE(
            rawHttp(port, "GET / HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n").body,
            "Hello Chat!\n");
    }

    void assetsHaveTypesAndRevalidate_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("type");
        QTest::newRow("script") << QByteArray("/assets/app.js")
                                << QByteArray("text/javascript; charset=utf-8");
        QTest::newRow("style") << QByteArray("/assets/app.css")
                               << QByteArray("text/css; charset=utf-8");
        QTest::newRow("icon") << QByteArray("/assets/icon.svg") << QByteArray("image/svg+xml");
    }

    void assetsHaveTypesAndRevalidate()
    {
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, type);
        TestServer server;
        QVERIFY(server.start());
        const Reply r = http(server.port(), "GET", path);
        QCOMPARE(r.status, 200);
        QVERIFY2(r.head.contains("Content-Type: " + type), r.head.constData());
        QVERIFY(r.head.contains("X-Content-Type-Options: nosniff"));
        QVERIFY(!r.body.isEmpty());
        const qsizetype at = r.head.indexOf("ETag: ");
        QVERIFY(at >= 0);
        const QByteArray etag = r.head.mid(at + 6, r.head.indexOf("\r\n", at) - at - 6);
        const Reply again = http(server.port(), "GET", path, {}, "If-None-Match: " + etag + "\r\n");
        QCOMPARE(again.status, 304);
        QCOMPARE(again.body, QByteArray());
        const Reply head = rawHttp(server.port(), "HEAD " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
        QCOMPARE(head.status, 200);
        QVERIFY(head.head.contains("Content-Length: " + QByteArray::number(r.body.size())));
        QCOMPARE(head.body, QByteArray());
    }

    void unknownAssetsAre404()
    {
        TestServer server;
        QVERIFY(server.start());
        QCOMPARE(http(server.port(), "GET", "/assets/nope.js").status, 404);
        QCOMPARE(http(server.port(), "GET", "/assets/").status, 404);
        QCOMPARE(http(server.port(), "GET", "/assets/index.html").status, 404);
        QCOMPARE(http(server.port(), "GET", "/assets/../confab.db").status, 404);
        QCOMPARE(http(server.port(), "POST", "/assets/app.js", "").status, 405);
    }
};

CONFAB_SERVER_TEST_MAIN(TestHttp)
#include "tst_http.moc"
