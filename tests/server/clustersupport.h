// Shared by the cluster tests: a cluster config for in-process servers on one real Redis, an
// HTTP request that does not block the loop the in-process servers run on, and the real
// confab-server binary in cluster mode (to SIGKILL it).
#pragma once

#include "redisserver.h"
#include "storage.h"
#include "testserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>
#include <csignal>

namespace confab::test {

inline constexpr const char *ClusterApiToken = "cluster-api-token-0123";

inline ServerConfig clusterConfig(const RedisServer &redis)
{
    ServerConfig c = testConfig();
    c.redis = redis.url();
    c.redisCommandTimeoutMs = 500;
    c.redisRetryMs = 200;
    c.redisGraceMs = 1500;
    c.heartbeatMs = 200;
    c.serverTtlMs = 1000;
    c.apiToken = QString::fromLatin1(ClusterApiToken);
    return c;
}

inline bool clusterReady(TestServer &server)
{
    return QTest::qWaitFor([&] { return server.server().hub().storage().available(); }, waitMs());
}

struct HttpAnswer {
    int status = 0;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

// One request over a socket of its own; waits with the event loop turning.
inline HttpAnswer http(quint16 port, const QByteArray &method, const QByteArray &path,
                       const QByteArray &body = {}, const QByteArray &headers = {})
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!QTest::qWaitFor([&] { return s.state() == QAbstractSocket::ConnectedState; }, waitMs()))
        return {};
    s.write(method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + headers
            + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QByteArray in;
    (void)QTest::qWaitFor(
        [&] {
            in += s.readAll();
            return s.state() == QAbstractSocket::UnconnectedState;
        },
        waitMs());
    in += s.readAll();
    HttpAnswer a;
    const qsizetype space = in.indexOf(' ');
    a.status = in.mid(space + 1, 3).toInt();
    a.body = in.mid(in.indexOf("\r\n\r\n") + 4);
    return a;
}

inline HttpAnswer publish(quint16 port, const QJsonObject &body)
{
    return http(port, "POST", "/api/publish", QJsonDocument(body).toJson(QJsonDocument::Compact),
                "Authorization: Bearer " + QByteArray(ClusterApiToken) + "\r\n");
}

// The confab-server binary in cluster mode, on a port of its own choosing.
class ClusterProcess
{
public:
    ClusterProcess(const RedisServer &redis, const QString &dataDir, QString serverTtlMs = "1000")
        : m_redis(redis.urlText())
        , m_dataDir(dataDir)
        , m_ttl(std::move(serverTtlMs))
    {}
    ~ClusterProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }
    bool start()
    {
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        if (env.contains("ASAN_OPTIONS"))
            env.insert("ASAN_OPTIONS", "detect_leaks=0");
        m_process.setProcessEnvironment(env);
        m_process.start(QStringLiteral(CONFAB_SERVER_BINARY),
                        {"--bind", "127.0.0.1", "--port", "0", "--data-dir", m_dataDir, "--rate",
                         "100000", "--burst", "100000", "--redis", m_redis, "--heartbeat-ms", "200",
                         "--server-ttl-ms", "1000", "--redis-timeout-ms", "500"});
        static const QRegularExpression listening(QStringLiteral("port (\\d+) "));
        return QTest::qWaitFor(
                   [&] {
                       m_output += m_process.readAll();
                       const auto match = listening.match(QString::fromUtf8(m_output));
                       if (match.hasMatch())
                           m_port = quint16(match.captured(1).toUInt());
                       return m_port != 0 || m_process.state() == QProcess::NotRunning;
                   },
                   waitMs())
               && m_port != 0;
    }
    void kill9()
    {
        ::kill(pid_t(m_process.processId()), SIGKILL);
        m_process.waitForFinished(waitMs());
    }
    // A graceful stop (SIGTERM), waiting for the process to exit.
    bool terminate()
    {
        m_process.terminate();
        return QTest::qWaitFor([&] { return m_process.state() == QProcess::NotRunning; }, waitMs());
    }
    quint16 port() const { return m_port; }
    QByteArray output() { return m_output += m_process.readAll(); }

private:
    QString m_redis;
    QString m_dataDir;
    QString m_ttl;
    QProcess m_process;
    QByteArray m_output;
    quint16 m_port = 0;
};

// Every seq from 1 to the room's last, each once, in the room's history as `client` pages it.
inline QList<QJsonObject> wholeHistory(TestClient &client, const QString &room)
{
    QList<QJsonObject> all;
    qint64 before = -1;
    for (;;) {
        QJsonObject request{{"type", "history"}, {"room", room}, {"limit", 200}};
        if (before > 0)
            request.insert("before", before);
        const QJsonArray page = client.request(request).value("messages").toArray();
        if (page.isEmpty())
            break;
        QList<QJsonObject> got;
        for (const auto &m : page)
            got.append(m.toObject());
        all = got + all;
        before = got.constFirst().value("seq").toInteger();
        if (before <= 1)
            break;
    }
    return all;
}

} // namespace confab::test
