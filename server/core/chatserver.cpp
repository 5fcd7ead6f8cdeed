#include "chatserver.h"

#include "connection.h"
#include "frontdoor.h"
#include "heaptrimmer.h"
#include "httpapi.h"
#include "hub.h"
#include "logging.h"
#include "metrics.h"
#include "redis/redisstorage.h"
#include "store.h"
#include "writebatch.h"

#include <QNetworkInterface>

namespace confab {

namespace {
constexpr int StopGraceMs = 2000;
constexpr int KeepAliveTickMs = 1000;
} // namespace

ChatServer::ChatServer(ServerConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_metrics(std::make_unique<Metrics>())
    , m_writes(new WriteBatch(this))
{
    if (m_config.redis) {
        m_redis = std::make_unique<RedisStorage>(m_config);
        m_store = m_redis.get();
    } else {
        m_sqlite = std::make_unique<Store>();
        m_store = m_sqlite.get();
    }
    m_hub = std::make_unique<Hub>(m_config, *m_store, *m_metrics);
    m_http = std::make_unique<HttpApi>(m_config, *m_hub, *m_metrics);
    m_door = new FrontDoor(
        m_config,
        [this](const HttpRequest &r, FrontDoor::HttpResponder respond) {
            m_http->handle(r, std::move(respond));
        },
        this);
    connect(m_door, &FrontDoor::webSocketConnected, this,
            [this](int fd, const QByteArray &response, const QByteArray &early,
                   const QHostAddress &client) {
                auto *c = new Connection(fd, response, m_config, *m_metrics, *m_writes);
                c->setClientAddress(client);
                if (m_stopping) {
                    c->setParent(this);
                    c->closeWith(protocol::CloseGoingAway, QStringLiteral("server shutting down"),
                                 QStringLiteral("shutdown"));
                    c->release();
                } else {
                    m_hub->attach(c);
                }
                c->start(early);
            });
    m_trimmer = new HeapTrimmer(this);
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
    if (m_sqlite)
        m_sqlite->close();
    m_redis.reset();
}

std::optional<QString> ChatServer::start()
{
    if (m_config.dataDir.isEmpty())
        return QStringLiteral("no data directory set");
    if (auto error = m_sqlite ? m_sqlite->open(m_config.dataDir) : m_redis->open())
        return error;
    m_hub->loadRooms();
    if (auto error = m_door->listen(m_config.bind, m_config.port))
        return error;
    // Tick often enough that each ping goes out at most a thirtieth of the interval (and never
    // more than a second) late: the protocol says every 30 s. A silent peer goes as soon after
    // the idle timeout. One tick looks at every connection: 10,000 of them take well under 1 ms.
    m_keepAlive.start(std::clamp(std::min(m_config.pingIntervalMs, m_config.idleTimeoutMs) / 30, 10,
                                 KeepAliveTickMs));
    qCInfo(lcServer).noquote() << "listening on" << m_config.bind.toString() << "port" << port()
                               << "(WebSocket path /ws), data in" << m_config.dataDir;
    // Where a person points a browser (or a phone's camera, at the app's QR code).
    for (const QString &link : webLinks(m_config.bind, port()))
        qCInfo(lcServer).noquote() << "web client:" << link;
    return std::nullopt;
}

QList<QHostAddress> ChatServer::reachableAddresses(const QHostAddress &bind)
{
    if (bind != QHostAddress::Any && bind != QHostAddress::AnyIPv4 && bind != QHostAddress::AnyIPv6)
        return {bind};
    QList<QHostAddress> addresses;
    for (const QHostAddress &a : QNetworkInterface::allAddresses()) {
        if (a.protocol() == QAbstractSocket::IPv4Protocol && !a.isLoopback() && !a.isLinkLocal())
            addresses.append(a);
    }
    if (addresses.isEmpty())
        addresses.append(QHostAddress(QHostAddress::LocalHost));
    return addresses;
}

QString ChatServer::hostAndPort(const QHostAddress &address, quint16 port)
{
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
                             : address.toString();
    return QStringLiteral("%1:%2").arg(host).arg(port);
}

QStringList ChatServer::webLinks(const QHostAddress &bind, quint16 port)
{
    QStringList links;
    for (const QHostAddress &a : reachableAddresses(bind))
        links.append(QStringLiteral("http://%1/").arg(hostAndPort(a, port)));
    return links;
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
    if (m_redis && !m_redisRetired) {
        // Cluster mode: the closed clients' leaves reach Redis before the process may exit.
        m_redisRetired = true;
        m_stopGrace.stop();
        m_redis->retire(StopGraceMs, [this] { finishStop(); });
        return;
    }
    m_stopped = true;
    m_stopGrace.stop();
    m_store->commit();
    qCInfo(lcServer) << "stopped";
    Q_EMIT stopped();
}

} // namespace confab
