#include "hostcontroller.h"

#include "chatserver.h"
#include "epolldispatcher.h"

#include <QStandardPaths>
#include <QThread>
#include <QUuid>
#include <functional>

namespace confab::client {

// The host thread's side: the server, and a start that waits for the previous server's stop.
struct HostController::Worker {
    ChatServer *server = nullptr;
    bool stopping = false;
    std::function<void()> afterStop;
};

HostController::HostController(QObject *parent)
    : QObject(parent)
    , m_dataDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
                + QStringLiteral("/host"))
{}

HostController::~HostController()
{
    m_beacon.stop();
    m_dnssd.withdraw();
    if (!m_thread)
        return;
    // The app is quitting: the server stops gracefully (every client is told 1001 and its data
    // is written), and this is the one wait for the host thread, bounded as the server's grace
    // is. Nothing can be posted to this object after it.
    QMetaObject::invokeMethod(m_context, [worker = m_worker, thread = m_thread] {
        worker->afterStop = {};
        ChatServer *server = worker->server;
        if (!server) {
            thread->quit();
            return;
        }
        // Deleted once the loop has ended (the thread deletes what deleteLater() left).
        QObject::connect(server, &ChatServer::stopped, server, [server, worker, thread] {
            worker->server = nullptr;
            server->deleteLater();
            thread->quit();
        });
        if (!worker->stopping)
            server->stop();
    });
    m_thread->wait(5000);
}

void HostController::setDataDir(const QString &dir)
{
    if (dir == m_dataDir)
        return;
    m_dataDir = dir;
    Q_EMIT dataDirChanged();
}

void HostController::ensureThread()
{
    if (m_thread)
        return;
    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("confab-host"));
    // The server's thread has no GUI: it gets the epoll dispatcher, like confab-server.
    if (epollDispatcherWanted())
        m_thread->setEventDispatcher(new EpollEventDispatcher);
    m_context = new QObject;
    m_context->moveToThread(m_thread);
    m_worker = std::make_shared<Worker>();
    connect(m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread->start();
}

void HostController::start(int port, const QString &password, const QString &serverName)
{
    if (m_running || m_starting)
        return;
    ServerConfig config;
    config.port = quint16(port);
    config.password = password;
    // A new one for each hosting session: known only to this app.
    m_opPassword = QUuid::createUuid().toString(QUuid::WithoutBraces);
    config.opPassword = m_opPassword;
    if (!serverName.trimmed().isEmpty())
        config.name = serverName.trimmed();
    config.dataDir = m_dataDir;
    if (!m_bindAddress.isEmpty())
        config.bind = QHostAddress(m_bindAddress);

    ensureThread();
    m_wanted = true;
    m_starting = true;
    Q_EMIT startingChanged();
    // The server and all its sockets are created on, and belong to, the host thread; the
    // outcome comes back to this thread as a queued call.
    QMetaObject::invokeMethod(m_context, [this, worker = m_worker, config] {
        auto run = [this, worker, config] {
            auto *server = new ChatServer(config);
            const std::optional<QString> error = server->start();
            int bound = 0;
            if (error)
                delete server;
            else
                bound = (worker->server = server)->port();
            QMetaObject::invokeMethod(
                this,
                [this, error, bound, config] {
                    started(error, bound, config.bind.isLoopback(), !config.password.isEmpty(),
                            config.name);
                },
                Qt::QueuedConnection);
        };
        if (worker->stopping)
            worker->afterStop = run; // the old server still holds the port
        else
            run();
    });
}

void HostController::started(const std::optional<QString> &error, int port, bool loopbackOnly,
                             bool password, const QString &name)
{
    m_starting = false;
    Q_EMIT startingChanged();
    if (error) {
        m_error = *error;
        Q_EMIT errorChanged();
        return;
    }
    if (!m_wanted)
        return; // stop() came first; its stop is already queued behind this start
    m_running = true;
    m_port = port;
    m_error.clear();
    if (m_announce) {
        // A host that only listens on loopback is only worth announcing on loopback.
        m_beacon.setTargets(loopbackOnly
                                ? QList<QHostAddress>{QHostAddress(QHostAddress::LocalHost)}
                                : LanBeacon::broadcastTargets(),
                            m_discoveryPort > 0 ? quint16(m_discoveryPort) : DiscoveryPort);
        m_beacon.start({{}, name, quint16(m_port), password});
        if (!loopbackOnly)
            m_dnssd.publish(name, quint16(m_port), password);
    }
    Q_EMIT errorChanged();
    Q_EMIT runningChanged();
}

void HostController::stop()
{
    if (!m_running && !m_starting)
        return;
    m_wanted = false;
    m_beacon.stop();
    m_dnssd.withdraw();
    QMetaObject::invokeMethod(m_context, [this, worker = m_worker] {
        if (worker->afterStop) {
            // A start still waiting for the port: it never happens.
            worker->afterStop = {};
            QMetaObject::invokeMethod(
                this,
                [this] {
                    m_starting = false;
                    Q_EMIT startingChanged();
                },
                Qt::QueuedConnection);
        }
        ChatServer *server = worker->server;
        if (!server || worker->stopping)
            return;
        worker->stopping = true;
        QObject::connect(server, &ChatServer::stopped, server, [this, worker, server] {
            server->deleteLater();
            worker->server = nullptr;
            worker->stopping = false;
            QMetaObject::invokeMethod(this, &HostController::stopped, Qt::QueuedConnection);
            if (auto next = std::exchange(worker->afterStop, {}))
                next();
        });
        server->stop();
    });
    if (m_running) {
        m_running = false;
        m_port = 0;
        Q_EMIT runningChanged();
    }
}

QStringList HostController::addresses() const
{
    QStringList out;
    if (!m_running)
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
    return m_running ? QStringLiteral("ws://127.0.0.1:%1/ws").arg(m_port) : QString();
}

} // namespace confab::client
