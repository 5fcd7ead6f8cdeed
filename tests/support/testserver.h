// A real ChatServer for tests: port 0 on loopback, its own temporary data directory, and
// short timings so that no test sleeps long.
#pragma once

#include "chatserver.h"
#include "hub.h"
#include "metrics.h"
#include "testclient.h"

#include <QTemporaryDir>
#include <memory>

namespace confab::test {

// Defaults for a test server; tests adjust what they exercise.
ServerConfig testConfig();
// The same with the protocol's default limits (testConfig's rate limit is generous).
ServerConfig protocolLimitsConfig();

class TestServer
{
public:
    explicit TestServer(ServerConfig config = testConfig());
    ~TestServer();

    bool start();
    // Stops this server and starts a new one on the same data directory (a restart), and on
    // the same port, so that clients can reconnect to it.
    bool restart();
    // Graceful stop (1001 to every client); waits until it has finished. A later start()
    // listens on the same port again.
    void stop();

    quint16 port() const { return m_server->port(); }
    ChatServer &server() { return *m_server; }
    ServerConfig &config() { return m_config; }
    QString dataDir() const { return m_dir.path(); }

private:
    QTemporaryDir m_dir;
    ServerConfig m_config;
    std::unique_ptr<ChatServer> m_server;
};

// A server with alice (a token user) and bob (a guest), both in "general"; alice has taken
// bob's join presence.
struct TwoUsers {
    explicit TwoUsers(ServerConfig config = testConfig());
    bool start();

    TestServer server;
    TestClient alice;
    TestClient bob;
    static constexpr const char *aliceToken = "alice-token-0123456789";
};

} // namespace confab::test
