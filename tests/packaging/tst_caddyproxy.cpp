// The shipped Caddyfile (packaging/docker/Caddyfile), run for real: Debian's caddy in front of a
// real Confab server on loopback, TLS from Caddy's own CA, and a WebSocket chat through it.
// Docker cannot run on our machines; this is the part of the compose setup that can.
#include "servertestmain.h"
#include "testclient.h"
#include "testserver.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

using namespace confab;
using namespace confab::test;

namespace {

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

} // namespace

class CaddyProxy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        const QString caddy = QStandardPaths::findExecutable(QStringLiteral("caddy"));
        if (caddy.isEmpty())
            QSKIP("caddy is not installed (scripts/install-deps.sh installs it)");
        QVERIFY(m_home.isValid());
        QVERIFY(m_server.start());
        m_httpPort = freePort();
        m_httpsPort = freePort();
        QVERIFY(m_httpPort && m_httpsPort && m_httpPort != m_httpsPort);

        // Everything the Caddyfile leaves open is set through its environment placeholders.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("CONFAB_SITE"), QStringLiteral("localhost"));
        env.insert(QStringLiteral("CONFAB_UPSTREAM"),
                   QStringLiteral("127.0.0.1:%1").arg(m_server.port()));
        env.insert(QStringLiteral("CADDY_ADMIN"), QStringLiteral("off"));
        env.insert(QStringLiteral("CADDY_HTTP_PORT"), QString::number(m_httpPort));
        env.insert(QStringLiteral("CADDY_HTTPS_PORT"), QString::number(m_httpsPort));
        env.insert(QStringLiteral("HOME"), m_home.path());
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_home.filePath(QStringLiteral("data")));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.filePath(QStringLiteral("config")));
        m_caddy.setProcessEnvironment(env);
        m_caddy.setProcessChannelMode(QProcess::MergedChannels);
        m_caddy.start(caddy, {QStringLiteral("run"), QStringLiteral("--config"),
                              QStringLiteral(CONFAB_CADDYFILE), QStringLiteral("--adapter"),
                              QStringLiteral("caddyfile")});
        QVERIFY2(m_caddy.waitForStarted(), qPrintable(m_caddy.errorString()));

        // Caddy makes its CA on first start; then the HTTPS port answers.
        const QString root =
            m_home.filePath(QStringLiteral("data/caddy/pki/authorities/local/root.crt"));
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(root) && portAnswers(m_httpsPort),
                                 std::max(waitMs(), 20000));
        const auto certificates = QSslCertificate::fromPath(root);
        QCOMPARE(certificates.size(), 1);
        m_tls = QSslConfiguration::defaultConfiguration();
        m_tls.setCaCertificates(certificates); // Caddy's CA and nothing else
    }

    void cleanupTestCase()
    {
        if (m_caddy.state() != QProcess::NotRunning) {
            m_caddy.terminate();
            if (!m_caddy.waitForFinished(5000))
                m_caddy.kill();
        }
        if (QTest::currentTestFailed())
            qWarning().noquote() << "caddy said:\n" << m_caddy.readAll();
    }

    void healthzIsServedOverTls()
    {
        const auto [status, body] =
            get(QStringLiteral("https://localhost:%1/healthz").arg(m_httpsPort));
        QCOMPARE(status, 200);
        QCOMPARE(QJsonDocument::fromJson(body).object().value(u"status").toString(), u"ok");
    }

    void plainHttpIsRedirectedToHttps()
    {
        const auto [status, body] =
            get(QStringLiteral("http://localhost:%1/healthz").arg(m_httpPort));
        QCOMPARE(status, 308);
        QVERIFY(m_lastLocation.startsWith(u"https://localhost"));
    }

    void chatGoesThroughTheProxy()
    {
        const QUrl url(QStringLiteral("wss://localhost:%1/ws").arg(m_httpsPort));
        TestClient alice, bob;
        alice.socket().setSslConfiguration(m_tls);
        bob.socket().setSslConfiguration(m_tls);
        QVERIFY(alice.open(url));
        QVERIFY(!alice.hello(QStringLiteral("alice")).isEmpty());
        QCOMPARE(alice.join(QStringLiteral("lobby")).value(u"type").toString(), u"joined");
        QVERIFY(bob.open(url));
        QVERIFY(!bob.hello(QStringLiteral("bob")).isEmpty());
        QCOMPARE(bob.join(QStringLiteral("lobby")).value(u"type").toString(), u"joined");
        QVERIFY(!alice.take(QStringLiteral("presence")).isEmpty()); // bob came in

        const QJsonObject sent = alice.request(
            {{"type", "send"}, {"room", "lobby"}, {"text", "through Caddy, with TLS"}});
        QCOMPARE(sent.value(u"type").toString(), u"message");
        const QJsonObject got = bob.take(QStringLiteral("message"));
        QCOMPARE(got.value(u"text").toString(), u"through Caddy, with TLS");
        QCOMPARE(got.value(u"id").toString(), sent.value(u"id").toString());
        QCOMPARE(got.value(u"room").toString(), u"lobby");
        QVERIFY(got.value(u"ts").toDouble() > 0);

        // Both ends are really behind the proxy: the server sees two connections.
        const auto [status, body] =
            get(QStringLiteral("https://localhost:%1/healthz").arg(m_httpsPort));
        QCOMPARE(status, 200);
        QCOMPARE(QJsonDocument::fromJson(body).object().value(u"connections").toInt(), 2);
    }

    void aServerStopReachesClientsThroughTheProxy()
    {
        // Last: stops the server. The close frame (1001, going away) passes Caddy unchanged.
        TestClient carol;
        carol.socket().setSslConfiguration(m_tls);
        QVERIFY(carol.open(QUrl(QStringLiteral("wss://localhost:%1/ws").arg(m_httpsPort))));
        QVERIFY(!carol.hello(QStringLiteral("carol")).isEmpty());
        m_server.stop();
        QVERIFY(carol.waitClosed());
        QCOMPARE(carol.closeCode(), 1001);
    }

private:
    static bool portAnswers(quint16 port)
    {
        QTcpSocket probe;
        probe.connectToHost(QHostAddress::LocalHost, port);
        return probe.waitForConnected(200);
    }

    std::pair<int, QByteArray> get(const QString &url)
    {
        QNetworkRequest request{QUrl(url)};
        request.setSslConfiguration(m_tls);
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                             QNetworkRequest::ManualRedirectPolicy);
        QNetworkReply *reply = m_net.get(request);
        if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, waitMs()))
            return {0, {}};
        reply->deleteLater();
        if (reply->error() != QNetworkReply::NoError
            && reply->error() < QNetworkReply::ContentAccessDenied)
            qWarning() << url << reply->errorString();
        m_lastLocation = reply->header(QNetworkRequest::LocationHeader).toUrl().toString();
        return {reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                reply->readAll()};
    }

    TestServer m_server;
    QTemporaryDir m_home;
    QProcess m_caddy;
    quint16 m_httpPort = 0;
    quint16 m_httpsPort = 0;
    QSslConfiguration m_tls;
    QNetworkAccessManager m_net;
    QString m_lastLocation;
};

CONFAB_SERVER_TEST_MAIN(CaddyProxy)
#include "tst_caddyproxy.moc"
