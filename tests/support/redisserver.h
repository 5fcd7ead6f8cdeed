// A real redis-server for tests: a free loopback port, a temporary directory of its own, the AOF
// on with appendfsync always and without the RDB preamble (as Confab ships it: docs/cluster.md).
// Killed (SIGKILL), stopped (SIGSTOP) and resumed by its PID, and restarted on the same port and
// directory, so its AOF is what comes back.
#pragma once

#include "redis/redisurl.h"

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

namespace confab::test {

class RedisServer
{
public:
    RedisServer();
    ~RedisServer();

    // The redis-server binary, or empty when it is not installed (tests skip, saying so).
    static QString binary();
    // Starts it (again, on the same port and directory) and waits until it answers PING.
    bool start();
    void kill();   // SIGKILL, waits until it is gone
    void pause();  // SIGSTOP
    void resume(); // SIGCONT
    // Wipes its data: stops it, removes the AOF, starts it empty (Redis that lost everything).
    bool restartEmpty();

    quint16 port() const { return m_port; }
    RedisUrl url() const;
    QString urlText() const;
    // A blocking command over a socket of the test's own (not the server's client), for checks
    // of what Redis holds. Returns the raw RESP reply.
    QByteArray command(const QList<QByteArray> &args) const;

private:
    // In memory (/dev/shm) where there is one: the AOF is fsynced on every write (as a durable
    // deployment would), and on a disk shared with a build a single fsync stalled Redis past
    // the servers' command deadline (2 s), which tests then saw as Redis going away. A killed
    // redis-server loses nothing either way; the machine is not what the tests crash.
    QTemporaryDir m_dir;
    static QString redisDirTemplate();
    quint16 m_port = 0;
    QProcess m_process;
};

} // namespace confab::test

#define CONFAB_REQUIRE_REDIS()                                                                     \
    do {                                                                                           \
        if (confab::test::RedisServer::binary().isEmpty())                                         \
            QSKIP("redis-server is not installed (scripts/install-deps.sh installs it)");          \
    } while (false)
