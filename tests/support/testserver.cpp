#include "testserver.h"

#include "redisserver.h"
#include "storage.h"
#include "testclient.h"

#include <QSignalSpy>
#include <QTest>

namespace confab::test {

StorageMode storageMode()
{
    static const StorageMode mode =
        qgetenv("CONFAB_TEST_STORAGE") == "cluster" ? StorageMode::Cluster : StorageMode::Sqlite;
    return mode;
}

ServerConfig testConfig()
{
    ServerConfig c;
    c.bind = QHostAddress::LocalHost;
    c.port = 0;
    c.name = QStringLiteral("test");
    c.limits.ratePerSec = 1000; // tests that are not about rate limits send freely
    c.limits.burst = 1000;
    if (clusterMode()) {
        // Short timings, as the cluster tests use: a dead peer is noticed within a second.
        c.redisCommandTimeoutMs = 2000;
        c.redisRetryMs = 200;
        c.redisGraceMs = 3000;
        c.heartbeatMs = 200;
        c.serverTtlMs = 1000;
    }
    return c;
}

ServerConfig protocolLimitsConfig()
{
    ServerConfig c = testConfig();
    c.limits = protocol::Limits{};
    return c;
}

TestServer::TestServer(ServerConfig config)
    : m_config(std::move(config))
{
    m_config.dataDir = m_dirs[0].path();
}

TestServer::~TestServer()
{
    m_servers[1].reset();
    m_servers[0].reset();
}

bool TestServer::startOne(int i)
{
    ServerConfig c = m_config;
    c.dataDir = m_dirs[size_t(i)].path();
    // A restart comes back on the port its clients know.
    c.port = m_ports[size_t(i)] ? m_ports[size_t(i)] : m_config.port;
    m_servers[size_t(i)] = std::make_unique<ChatServer>(c);
    if (auto error = m_servers[size_t(i)]->start()) {
        qWarning("test server %d failed to start: %s", i, qPrintable(*error));
        return false;
    }
    m_ports[size_t(i)] = m_servers[size_t(i)]->port();
    return true;
}

bool TestServer::start()
{
    if (!clusterMode())
        return startOne(0);
    if (!m_redis) {
        if (RedisServer::binary().isEmpty()) {
            qWarning("cluster mode needs redis-server (scripts/install-deps.sh installs it)");
            return false;
        }
        m_redis = std::make_unique<RedisServer>();
        if (!m_redis->start()) {
            qWarning("the test's redis-server did not start");
            return false;
        }
    }
    m_config.redis = m_redis->url();
    if (!startOne(0) || !startOne(1))
        return false;
    // Both servers have reached Redis (registered, scripts loaded) before a client arrives.
    return QTest::qWaitFor(
        [&] {
            return m_servers[0]->hub().storage().available()
                   && m_servers[1]->hub().storage().available();
        },
        waitMs());
}

quint16 TestServer::port() const
{
    if (!clusterMode())
        return m_servers[0]->port();
    const int i = m_next;
    m_next ^= 1;
    return m_servers[size_t(i)]->port();
}

int TestServer::connectionCount()
{
    int n = 0;
    for (auto &s : m_servers)
        if (s)
            n += s->hub().connectionCount();
    return n;
}

quint64 TestServer::closes(const QString &reason)
{
    quint64 n = 0;
    for (auto &s : m_servers)
        if (s)
            n += s->metrics().closes.value(reason);
    return n;
}

void TestServer::stop()
{
    for (auto &s : m_servers) {
        if (!s)
            continue;
        QSignalSpy stopped(s.get(), &ChatServer::stopped);
        s->stop();
        stopped.wait(waitMs());
        s.reset();
    }
}

bool TestServer::restart()
{
    stop();
    return start();
}

TwoUsers::TwoUsers(ServerConfig config)
    : server(std::move(config))
{}

bool TwoUsers::start()
{
    if (!server.start() || !alice.open(server.port()) || !bob.open(server.port()))
        return false;
    alice.hello(QStringLiteral("alice"),
                {{QStringLiteral("token"), QLatin1StringView(aliceToken)}});
    bob.hello(QStringLiteral("bob"));
    alice.join(QStringLiteral("general"));
    bob.join(QStringLiteral("general"));
    return !alice.take(QStringLiteral("presence")).isEmpty();
}

} // namespace confab::test
