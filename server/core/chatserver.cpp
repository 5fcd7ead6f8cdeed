#include "chatserver.h"

#include "connection.h"
#include "frontdoor.h"
#include "httpapi.h"
#include "hub.h"
#include "logging.h"
#include "metrics.h"
#include "store.h"
#include "writebatch.h"

namespace confab {

namespace {
constexpr qint64 NsPerMs = 1000000;
constexpr int StopGraceMs = 2000;
} // namespace

ChatServer::ChatServer(ServerConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_metrics(std::make_unique<Metrics>())
    , m_store(std::make_unique<Store>())
    , m_writes(new WriteBatch(this))
{
    m_hub = std::make_unique<Hub>(m_config, *m_store, *m_metrics);
    m_http = std::make_unique<HttpApi>(m_config, *m_hub, *m_metrics);
    m_door = new FrontDoor(
        m_config, [this](const HttpRequest &r) { return m_http->handle(r); }, this);
    connect(m_door, &FrontDoor::webSocketConnected, this,
            [this](QWebSocket *socket, QTcpSocket *tcp) {
                if (m_stopping) {
                    socket->close(QWebSocketProtocol::CloseCodeGoingAway);
                    socket->deleteLater();
                    return;
                }
                m_hub->attach(new Connection(socket, tcp, m_config, *m_metrics, *m_writes));
            });
    connect(&m_keepAlive, &QTimer::timeout, this, &ChatServer::keepAlive);
    m_stopGrace.setSingleShot(true);
    connect(&m_stopGrace, &QTimer::timeout, this, &ChatServer::finishStop);
    // Stopped as soon as every connection object is gone (they delete themselves once closed).
    connect(m_hub.get(), &Hub::connectionsReleased, this, [this] {
        if (m_stopping)
            finishStop();
    });
}

ChatServer::~ChatServer()
{
    delete m_door; // no new connections while the rest goes
    m_hub.reset();
    m_store->close();
}

std::optional<QString> ChatServer::start()
{
    if (m_config.dataDir.isEmpty())
        return QStringLiteral("no data directory set");
    if (auto error = m_store->open(m_config.dataDir))
        return error;
    m_hub->loadRooms();
    if (auto error = m_door->listen(m_config.bind, m_config.port))
        return error;
    // Check often enough that a silent peer goes within a fraction of the idle timeout.
    m_keepAlive.start(std::max(10, std::min(m_config.pingIntervalMs, m_config.idleTimeoutMs) / 4));
    qCInfo(lcServer).noquote() << "listening on" << m_config.bind.toString() << "port" << port()
                               << "(WebSocket path /ws), data in" << m_config.dataDir;
    return std::nullopt;
}

quint16 ChatServer::port() const
{
    return m_door->port();
}

void ChatServer::keepAlive()
{
    const qint64 now = monotonicNs();
    const qint64 idleNs = qint64(m_config.idleTimeoutMs) * NsPerMs;
    const qint64 pingNs = qint64(m_config.pingIntervalMs) * NsPerMs;
    const auto all = m_hub->connections();
    for (Connection *c : all) {
        if (now - c->lastHeardNs() > idleNs) {
            qCInfo(lcConnection) << "connection" << c->serial() << "silent for"
                                 << (now - c->lastHeardNs()) / NsPerMs << "ms: dropped";
            c->abort(QStringLiteral("idle"));
        } else if (now - c->lastPingNs() >= pingNs) {
            c->ping();
        }
    }
}

void ChatServer::stop()
{
    if (m_stopping)
        return;
    m_stopping = true;
    qCInfo(lcServer) << "stopping: closing" << m_hub->connectionCount() << "connections";
    m_door->close();
    m_keepAlive.stop();
    m_hub->shutdown();
    m_stopGrace.start(StopGraceMs);
    // With no connection object left, connectionsReleased() will not come: finish on the next
    // turn, after the writes shutdown() started.
    if (m_hub->connectionObjects() == 0)
        QMetaObject::invokeMethod(this, &ChatServer::finishStop, Qt::QueuedConnection);
}

void ChatServer::finishStop()
{
    if (m_stopped)
        return;
    m_stopped = true;
    m_stopGrace.stop();
    m_store->commit();
    qCInfo(lcServer) << "stopped";
    Q_EMIT stopped();
}

} // namespace confab
