#include "hostcontroller.h"

#include "chatserver.h"
#include "epolldispatcher.h"

#include <QStandardPaths>
#include <QThread>

namespace confab::client {

HostController::HostController(QObject *parent)
    : QObject(parent)
    , m_dataDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
                + QStringLiteral("/host"))
{}

HostController::~HostController()
{
    stop();
}

void HostController::setDataDir(const QString &dir)
{
    if (dir == m_dataDir)
        return;
    m_dataDir = dir;
    Q_EMIT dataDirChanged();
}

bool HostController::start(int port, const QString &password, const QString &serverName)
{
    if (m_server)
        return true;
    ServerConfig config;
    config.port = quint16(port);
    config.password = password;
    if (!serverName.trimmed().isEmpty())
        config.name = serverName.trimmed();
    config.dataDir = m_dataDir;
    if (!m_bindAddress.isEmpty())
        config.bind = QHostAddress(m_bindAddress);

    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("confab-host"));
    // The server's thread has no GUI: it gets the epoll dispatcher, like confab-server.
    if (epollDispatcherWanted())
        m_thread->setEventDispatcher(new EpollEventDispatcher);
    m_context = new QObject;
    m_context->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread->start();

    std::optional<QString> error;
    ChatServer *server = nullptr;
    // The server and all its sockets are created on, and belong to, the host thread.
    QMetaObject::invokeMethod(
        m_context,
        [&] {
            server = new ChatServer(config);
            error = server->start();
            if (error) {
                delete server;
                server = nullptr;
            }
        },
        Qt::BlockingQueuedConnection);
    if (!server) {
        m_thread->quit();
        m_thread->wait();
        delete m_thread;
        m_thread = nullptr;
        m_error = error.value_or(tr("The server could not start"));
        Q_EMIT errorChanged();
        return false;
    }
    m_server = server;
    QMetaObject::invokeMethod(
        m_context, [&] { m_port = m_server->port(); }, Qt::BlockingQueuedConnection);
    m_error.clear();
    if (m_announce) {
        // A host that only listens on loopback is only worth announcing on loopback.
        const bool loopbackOnly = config.bind.isLoopback();
        m_beacon.setTargets(loopbackOnly
                                ? QList<QHostAddress>{QHostAddress(QHostAddress::LocalHost)}
                                : LanBeacon::broadcastTargets(),
                            m_discoveryPort > 0 ? quint16(m_discoveryPort) : DiscoveryPort);
        m_beacon.start({{}, config.name, quint16(m_port), !password.isEmpty()});
        if (!loopbackOnly)
            m_dnssd.publish(config.name, quint16(m_port), !password.isEmpty());
    }
    Q_EMIT errorChanged();
    Q_EMIT runningChanged();
    return true;
}

void HostController::stop()
{
    if (!m_server)
        return;
    m_beacon.stop();
    m_dnssd.withdraw();
    ChatServer *server = std::exchange(m_server, nullptr);
    QThread *thread = std::exchange(m_thread, nullptr);
    QMetaObject::invokeMethod(m_context, [server, thread] {
        QObject::connect(server, &ChatServer::stopped, server, [server, thread] {
            server->deleteLater();
            thread->quit();
        });
        server->stop();
    });
    thread->wait(5000);
    delete thread;
    m_context = nullptr;
    m_port = 0;
    Q_EMIT runningChanged();
}

QStringList HostController::addresses() const
{
    QStringList out;
    if (!m_server)
        return out;
    const QHostAddress bind =
        m_bindAddress.isEmpty() ? QHostAddress(QHostAddress::Any) : QHostAddress(m_bindAddress);
    for (const QHostAddress &a : ChatServer::reachableAddresses(bind))
        out.append(ChatServer::hostAndPort(a, quint16(m_port)));
    return out;
}

QStringList HostController::webLinks() const
{
    QStringList links;
    for (const QString &address : addresses())
        links.append(QStringLiteral("http://%1/").arg(address));
    return links;
}

QString HostController::localAddress() const
{
    return m_server ? QStringLiteral("ws://127.0.0.1:%1/ws").arg(m_port) : QString();
}

} // namespace confab::client
