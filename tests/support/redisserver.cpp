#include "redisserver.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <csignal>

namespace confab::test {

namespace {

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

QByteArray resp(const QList<QByteArray> &args)
{
    QByteArray out = "*" + QByteArray::number(args.size()) + "\r\n";
    for (const QByteArray &a : args)
        out += "$" + QByteArray::number(a.size()) + "\r\n" + a + "\r\n";
    return out;
}

} // namespace

QString RedisServer::redisDirTemplate()
{
    const QFileInfo shm(QStringLiteral("/dev/shm"));
    if (shm.isDir() && shm.isWritable())
        return QStringLiteral("/dev/shm/confab-redis-XXXXXX");
    return QDir::temp().filePath(QStringLiteral("confab-redis-XXXXXX"));
}

RedisServer::RedisServer()
    : m_dir(redisDirTemplate())
    , m_port(freePort())
{}

RedisServer::~RedisServer()
{
    if (m_process.state() != QProcess::NotRunning) {
        resume();
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

QString RedisServer::binary()
{
    return QStandardPaths::findExecutable(QStringLiteral("redis-server"));
}

bool RedisServer::start()
{
    m_process.setProgram(binary());
    m_process.setArguments({QStringLiteral("--port"), QString::number(m_port),
                            QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                            QStringLiteral("--dir"), m_dir.path(), QStringLiteral("--save"),
                            QString(), QStringLiteral("--appendonly"), QStringLiteral("yes"),
                            QStringLiteral("--appendfsync"), QStringLiteral("always"),
                            QStringLiteral("--aof-use-rdb-preamble"), QStringLiteral("no"),
                            QStringLiteral("--daemonize"), QStringLiteral("no")});
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.setStandardOutputFile(QDir(m_dir.path()).filePath(QStringLiteral("redis.log")),
                                    QIODevice::Append);
    m_process.start();
    if (!m_process.waitForStarted(5000))
        return false;
    for (int i = 0; i < 200; ++i) {
        if (command({"PING"}).startsWith("+PONG"))
            return true;
        QThread::msleep(25);
    }
    return false;
}

void RedisServer::kill()
{
    ::kill(pid_t(m_process.processId()), SIGKILL);
    m_process.waitForFinished(5000);
}

void RedisServer::pause()
{
    ::kill(pid_t(m_process.processId()), SIGSTOP);
}

void RedisServer::resume()
{
    if (m_process.state() != QProcess::NotRunning)
        ::kill(pid_t(m_process.processId()), SIGCONT);
}

bool RedisServer::restartEmpty()
{
    kill();
    QDir(m_dir.path()).removeRecursively();
    QDir().mkpath(m_dir.path());
    return start();
}

RedisUrl RedisServer::url() const
{
    RedisUrl u;
    u.host = QStringLiteral("127.0.0.1");
    u.port = m_port;
    return u;
}

QString RedisServer::urlText() const
{
    return QStringLiteral("redis://127.0.0.1:%1").arg(m_port);
}

QByteArray RedisServer::command(const QList<QByteArray> &args) const
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, m_port);
    if (!s.waitForConnected(1000))
        return {};
    s.write(resp(args));
    s.waitForBytesWritten(1000);
    QByteArray reply;
    // One reply: good enough for the small checks tests make (waits for a quiet 50 ms).
    while (s.waitForReadyRead(reply.isEmpty() ? 2000 : 50))
        reply += s.readAll();
    return reply;
}

} // namespace confab::test
