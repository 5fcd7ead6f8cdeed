// A real ChatServer for tests: port 0 on loopback, its own temporary data directory, and
// short timings so that no test sleeps long.
//
// Two storage modes, one set of tests: with CONFAB_TEST_STORAGE=cluster (CTest runs every
// protocol test a second time so, as `<test>_cluster`), a TestServer is two ChatServers sharing
// one real redis-server of its own, and port() names them in turn, so that a test's clients
// alternate between the two servers with the same test code. Without it, one server on SQLite.
#pragma once

#include "chatserver.h"
#include "hub.h"
#include "metrics.h"
#include "testclient.h"

#include <QTemporaryDir>
#include <array>
#include <memory>

namespace confab::test {

class RedisServer;

enum class StorageMode { Sqlite, Cluster };
// The mode of this test process (CONFAB_TEST_STORAGE: "sqlite", the default, or "cluster").
StorageMode storageMode();
inline bool clusterMode()
{
    return storageMode() == StorageMode::Cluster;
}

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
    // the same port, so that clients can reconnect to it. In cluster mode both servers restart
    // (Redis keeps running: the chat's record).
    bool restart();
    // Graceful stop (1001 to every client); waits until it has finished. A later start()
    // listens on the same port again.
    void stop();

    // The port for the next client: in cluster mode the two servers' ports in turn.
    quint16 port() const;
    // The port of server i modulo the servers there are: in cluster mode 0 and 1 are the two
    // servers (TwoUsers: alice is on 0, bob on 1); on one server, that one.
    quint16 port(int i) const { return m_servers[size_t(i % serverCount())]->port(); }
    // The first server (in cluster mode the one of the two that port() names first).
    ChatServer &server() { return *m_servers[0]; }
    ChatServer &server(int i) { return *m_servers[size_t(i)]; }
    int serverCount() const { return clusterMode() ? 2 : 1; }
    ServerConfig &config() { return m_config; }
    QString dataDir() const { return m_dirs[0].path(); }
    // Open connections on every server of the chat.
    int connectionCount();
    // A close reason counted on every server (metrics().closes).
    quint64 closes(const QString &reason);
    // In cluster mode, the chat's Redis (nullptr on one server).
    RedisServer *redis() { return m_redis.get(); }

private:
    bool startOne(int i);

    std::array<QTemporaryDir, 2> m_dirs;
    ServerConfig m_config;
    std::array<quint16, 2> m_ports{};
    std::array<std::unique_ptr<ChatServer>, 2> m_servers;
    std::unique_ptr<RedisServer> m_redis;
    mutable int m_next = 0;
};

// A server with alice (a token user) and bob (a guest), both in "general"; alice has taken
// bob's join presence. In cluster mode alice is on one server and bob on the other.
struct TwoUsers {
    explicit TwoUsers(ServerConfig config = testConfig());
    bool start();

    TestServer server;
    TestClient alice;
    TestClient bob;
    static constexpr const char *aliceToken = "alice-token-0123456789";
};

} // namespace confab::test

// A test whose rule is about one SQLite server's internals (its files, its schema), not about
// the protocol, says so by name and is skipped in cluster mode.
#define CONFAB_SQLITE_ONLY(why)                                                                    \
    do {                                                                                           \
        if (confab::test::clusterMode())                                                           \
            QSKIP("one SQLite server only: " why);                                                 \
    } while (false)
