#include "testserver.h"

#include "testclient.h"

#include <QSignalSpy>
#include <QTest>

namespace confab::test {

ServerConfig testConfig()
{
    ServerConfig c;
    c.bind = QHostAddress::LocalHost;
    c.port = 0;
    c.name = QStringLiteral("test");
    c.limits.ratePerSec = 1000; // tests that are not about rate limits send freely
    c.limits.burst = 1000;
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
    m_config.dataDir = m_dir.path();
}

TestServer::~TestServer()
{
    m_server.reset();
}

bool TestServer::start()
{
    m_server = std::make_unique<ChatServer>(m_config);
    if (auto error = m_server->start()) {
        qWarning("test server failed to start: %s", qPrintable(*error));
        return false;
    }
    return true;
}

void TestServer::stop()
{
    if (!m_server)
        return;
    m_config.port = m_server->port(); // a later start() comes back where clients look for it
    QSignalSpy stopped(m_server.get(), &ChatServer::stopped);
    m_server->stop();
    stopped.wait(waitMs());
    m_server.reset();
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
