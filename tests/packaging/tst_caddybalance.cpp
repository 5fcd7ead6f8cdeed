// The shipped Caddyfile in front of two servers, as compose.yaml runs it: Debian's caddy with
// CONFAB_UPSTREAM naming two real confab-server processes (the built binary, on loopback). Caddy
// must spread WebSocket clients over both (least_conn), pass chat through to each, and send new
// clients to the one left when the other stops.
//
// The servers run in cluster mode on a real redis-server when the built confab-server accepts
// --redis (issue 11); then clients on different servers must chat with each other. Until then each
// is a single server, so what is tested is the balancing; the output says which mode ran.
#include "caddyrun.h"
#include "testclient.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QtTest>

#include <memory>

using namespace confab::test;

namespace {

// A child process that logs "... port N ..." once it listens (confab-server, redis-server's
// "Ready to accept" is checked by its port instead).
class Child
{
public:
    bool start(const QString &program, const QStringList &args)
    {
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start(program, args);
        return m_process.waitForStarted();
    }
    // The port confab-server reports in its "listening on ... port N" line.
    quint16 waitListening()
    {
        static const QRegularExpression listening(QStringLiteral("listening on \\S+ port (\\d+)"));
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < waitMs() && m_process.state() == QProcess::Running) {
            m_process.waitForReadyRead(100);
            m_log += m_process.readAll();
            const auto match = listening.match(QString::fromUtf8(m_log));
            if (match.hasMatch())
                return quint16(match.captured(1).toUInt());
        }
        return 0;
    }
    QByteArray log()
    {
        m_log += m_process.readAll();
        return m_log;
    }
    QProcess &process() { return m_process; }
    ~Child() { stopProcess(m_process); }

private:
    QProcess m_process;
    QByteArray m_log;
};

QString serverBinary()
{
    return QStringLiteral(CONFAB_SERVER_BIN);
}

// Cluster mode is there when the server's --help lists --redis (the same rule as the image test).
bool serverHasRedis()
{
    QProcess help;
    help.start(serverBinary(), {QStringLiteral("--help")});
    help.waitForFinished(10000);
    return help.readAllStandardOutput().contains("--redis");
}

} // namespace

class CaddyBalance : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        if (caddyExecutable().isEmpty())
            QSKIP("caddy is not installed (scripts/install-deps.sh installs it)");
        QVERIFY(m_home.isValid());
        m_cluster = serverHasRedis();
        QStringList common{QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                           QStringLiteral("--port"), QStringLiteral("0")};
        if (m_cluster) {
            const QString redis = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
            QVERIFY2(!redis.isEmpty(), "confab-server has --redis but redis-server is missing "
                                       "(scripts/install-deps.sh installs it)");
            const quint16 redisPort = freePort();
            QVERIFY(QDir(m_home.path()).mkpath(QStringLiteral("redis")));
            QVERIFY(m_redis.start(
                redis,
                {QStringLiteral("--bind"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
                 QString::number(redisPort), QStringLiteral("--dir"),
                 m_home.filePath(QStringLiteral("redis")), QStringLiteral("--save"), QString(),
                 QStringLiteral("--appendonly"), QStringLiteral("yes"),
                 QStringLiteral("--appendfsync"), QStringLiteral("always")}));
            QTRY_VERIFY_WITH_TIMEOUT(portAnswers(redisPort), waitMs());
            common << QStringLiteral("--redis")
                   << QStringLiteral("redis://127.0.0.1:%1").arg(redisPort);
        }
        qInfo().noquote() << (m_cluster ? "mode: two servers in cluster mode on one redis-server"
                                        : "mode: two single servers (this confab-server has no "
                                          "--redis yet): balancing only, no chat across them");

        QStringList upstreams;
        for (int i = 0; i < 2; ++i) {
            m_servers[i] = std::make_unique<Child>();
            QVERIFY(m_servers[i]->start(serverBinary(),
                                        QStringList(common)
                                            << QStringLiteral("--data-dir")
                                            << m_home.filePath(QStringLiteral("data%1").arg(i))));
            m_ports[i] = m_servers[i]->waitListening();
            QVERIFY2(m_ports[i], m_servers[i]->log().constData());
            upstreams << QStringLiteral("127.0.0.1:%1").arg(m_ports[i]);
        }

        // Plain HTTP on one port: what is tested is the balancing, TLS is tst_caddyproxy's.
        m_caddyPort = freePort();
        QVERIFY(startCaddy(m_caddy, m_home,
                           {QStringLiteral("http://localhost:%1").arg(m_caddyPort),
                            upstreams.join(u' '), m_caddyPort, freePort()}));
        QTRY_VERIFY_WITH_TIMEOUT(portAnswers(m_caddyPort), std::max(waitMs(), 20000));
    }

    void cleanupTestCase()
    {
        stopProcess(m_caddy);
        if (QTest::currentTestFailed())
            qWarning().noquote() << "caddy said:\n" << m_caddy.readAll();
    }

    void clientsAreSpreadOverBothServers()
    {
        // least_conn: each new WebSocket goes to the server with fewer open ones, so four clients
        // end up two and two. Which server each one reached is read from the servers' /healthz.
        for (int i = 0; i < 4; ++i) {
            const std::array<int, 2> before{connections(0), connections(1)};
            auto client = std::make_unique<TestClient>();
            QVERIFY(client->open(QUrl(QStringLiteral("ws://localhost:%1/ws").arg(m_caddyPort))));
            QVERIFY(!client->hello(QStringLiteral("user%1").arg(i)).isEmpty());
            int on = -1;
            QTRY_VERIFY_WITH_TIMEOUT((on = serverGained(before)) >= 0, waitMs());
            m_on.push_back(on);
            m_clients.push_back(std::move(client));
        }
        QCOMPARE(connections(0), 2);
        QCOMPARE(connections(1), 2);
        QCOMPARE(std::count(m_on.begin(), m_on.end(), 0), 2);
    }

    void httpRoutesPassThrough()
    {
        const auto [status, body] =
            get(QStringLiteral("http://localhost:%1/healthz").arg(m_caddyPort));
        QCOMPARE(status, 200);
        QCOMPARE(QJsonDocument::fromJson(body).object().value(u"status").toString(), u"ok");
    }

    void chatReachesTheRoomThroughTheBalancer()
    {
        QCOMPARE(m_clients.size(), size_t(4));
        // A pair on different servers in cluster mode (one chat), on the same server otherwise.
        const size_t a = 0;
        size_t b = 1;
        while (b < m_on.size() && ((m_on[b] != m_on[a]) != m_cluster))
            ++b;
        QVERIFY(b < m_on.size());
        TestClient &alice = *m_clients[a];
        TestClient &bob = *m_clients[b];
        QCOMPARE(alice.join(QStringLiteral("lobby")).value(u"type").toString(), u"joined");
        QCOMPARE(bob.join(QStringLiteral("lobby")).value(u"type").toString(), u"joined");
        QVERIFY(!alice.take(QStringLiteral("presence")).isEmpty());
        const QJsonObject sent =
            alice.request({{"type", "send"}, {"room", "lobby"}, {"text", "balanced"}});
        QCOMPARE(sent.value(u"type").toString(), u"message");
        const QJsonObject got = bob.take(QStringLiteral("message"));
        QCOMPARE(got.value(u"text").toString(), u"balanced");
        QCOMPARE(got.value(u"id").toString(), sent.value(u"id").toString());
        qInfo().noquote() << "chat between a client on server" << m_on[a] << "and one on server"
                          << m_on[b];
    }

    void aStoppedServersClientsReconnectToTheOther()
    {
        // Last: stops server 0. Its clients get 1001 through Caddy; a client that connects now
        // lands on server 1 (Caddy retries a failed dial on the other upstream).
        m_servers[0]->process().terminate();
        QVERIFY(m_servers[0]->process().waitForFinished(waitMs()));
        for (size_t i = 0; i < m_clients.size(); ++i) {
            if (m_on[i] != 0)
                continue;
            QVERIFY(m_clients[i]->waitClosed());
            QCOMPARE(m_clients[i]->closeCode(), 1001);
        }
        const int before = connections(1);
        std::vector<std::unique_ptr<TestClient>> late;
        for (int i = 0; i < 3; ++i) {
            late.push_back(std::make_unique<TestClient>());
            QVERIFY(
                late.back()->open(QUrl(QStringLiteral("ws://localhost:%1/ws").arg(m_caddyPort))));
            QVERIFY(!late.back()->hello(QStringLiteral("late%1").arg(i)).isEmpty());
            QCOMPARE(connections(1), before + i + 1);
        }
    }

private:
    // -1 until exactly one server has one more connection than before.
    int serverGained(const std::array<int, 2> &before)
    {
        const int d0 = connections(0) - before[0];
        const int d1 = connections(1) - before[1];
        if (d0 == 1 && d1 == 0)
            return 0;
        if (d0 == 0 && d1 == 1)
            return 1;
        return -1;
    }

    int connections(int server)
    {
        const auto [status, body] =
            get(QStringLiteral("http://127.0.0.1:%1/healthz").arg(m_ports[server]));
        return status == 200 ? QJsonDocument::fromJson(body).object().value(u"connections").toInt()
                             : -1;
    }

    std::pair<int, QByteArray> get(const QString &url)
    {
        QNetworkReply *reply = m_net.get(QNetworkRequest(QUrl(url)));
        if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, waitMs()))
            return {0, {}};
        reply->deleteLater();
        return {reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                reply->readAll()};
    }

    QTemporaryDir m_home;
    bool m_cluster = false;
    Child m_redis;
    std::unique_ptr<Child> m_servers[2];
    quint16 m_ports[2] = {0, 0};
    QProcess m_caddy;
    quint16 m_caddyPort = 0;
    QNetworkAccessManager m_net;
    std::vector<std::unique_ptr<TestClient>> m_clients;
    std::vector<int> m_on; // the server each of m_clients reached
};

QTEST_GUILESS_MAIN(CaddyBalance)
#include "tst_caddybalance.moc"
