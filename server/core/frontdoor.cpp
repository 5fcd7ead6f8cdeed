#include "frontdoor.h"

#include "logging.h"

#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>

namespace confab {

namespace {

bool isWebSocketPath(const QByteArray &path)
{
    // /ws is the protocol's path; /subscribe is where the Go tutorial's clients connect.
    return path == "/ws" || path == "/subscribe";
}

// Reads one HTTP request from a fresh socket and decides what it is. Deletes itself.
class RequestReader : public QObject
{
public:
    RequestReader(QTcpSocket *socket, const ServerConfig &config,
                  const FrontDoor::HttpHandler &handler, std::function<void(QTcpSocket *)> upgrade)
        : QObject(socket)
        , m_socket(socket)
        , m_handler(handler)
        , m_upgrade(std::move(upgrade))
    {
        connect(socket, &QTcpSocket::readyRead, this, &RequestReader::onReadyRead);
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        m_timer.setSingleShot(true);
        connect(&m_timer, &QTimer::timeout, this,
                [this] { respond(HttpResponse::text(408, "request timeout\n")); });
        m_timer.start(config.requestTimeoutMs);
        if (socket->bytesAvailable())
            QTimer::singleShot(0, this, &RequestReader::onReadyRead);
    }

private:
    void onReadyRead()
    {
        if (m_answered)
            return;
        if (!m_headDone && !readHead())
            return;
        m_request.body += m_socket->read(m_bodyLength - m_request.body.size());
        if (m_request.body.size() < m_bodyLength)
            return;
        respond(m_handler(m_request));
    }

    // Returns true once the head is read and a body (possibly empty) is expected.
    bool readHead()
    {
        const QByteArray peeked = m_socket->peek(FrontDoor::MaxHeadBytes);
        const qsizetype end = peeked.indexOf("\r\n\r\n");
        if (end < 0) {
            if (peeked.size() >= FrontDoor::MaxHeadBytes)
                respond(HttpResponse::text(431, "request head too large\n"));
            return false;
        }
        if (!parseRequestHead(peeked.left(end), m_request)) {
            respond(HttpResponse::text(400, "malformed HTTP request\n"));
            return false;
        }
        const bool upgrade = m_request.header("upgrade").toLower().contains("websocket");
        if (upgrade && isWebSocketPath(m_request.path) && m_request.method == "GET") {
            // The handshake bytes stay unread in the socket for QWebSocketServer to parse.
            m_timer.stop();
            disconnect(m_socket, nullptr, this, nullptr);
            disconnect(m_socket, &QTcpSocket::disconnected, m_socket, &QObject::deleteLater);
            auto upgradeFn = m_upgrade;
            QTcpSocket *socket = m_socket;
            deleteLater();
            upgradeFn(socket);
            return false;
        }
        m_socket->read(end + 4);
        m_headDone = true;
        if (m_request.header("transfer-encoding").size()) {
            respond(HttpResponse::text(411, "send a Content-Length\n"));
            return false;
        }
        bool ok = true;
        const QByteArray length = m_request.header("content-length");
        m_bodyLength = length.isEmpty() ? 0 : length.toLongLong(&ok);
        if (!ok || m_bodyLength < 0) {
            respond(HttpResponse::text(400, "bad Content-Length\n"));
            return false;
        }
        if (m_bodyLength > FrontDoor::MaxBodyBytes) {
            respond(
                HttpResponse::json(413, {{QStringLiteral("error"), QStringLiteral("too_large")}}));
            return false;
        }
        return true;
    }

    void respond(const HttpResponse &response)
    {
        if (m_answered)
            return;
        m_answered = true;
        m_timer.stop();
        m_socket->write(response.serialize());
        m_socket->disconnectFromHost();
    }

    QTcpSocket *m_socket;
    const FrontDoor::HttpHandler &m_handler;
    std::function<void(QTcpSocket *)> m_upgrade;
    QTimer m_timer;
    HttpRequest m_request;
    qint64 m_bodyLength = 0;
    bool m_headDone = false;
    bool m_answered = false;
};

} // namespace

FrontDoor::FrontDoor(const ServerConfig &config, HttpHandler handler, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_handler(std::move(handler))
    , m_ws(QStringLiteral("confab/") + QStringLiteral(CONFAB_VERSION),
           QWebSocketServer::NonSecureMode)
{
    m_tcp.setListenBacklogSize(4096);
    m_tcp.setMaxPendingConnections(4096);
    m_ws.setMaxPendingConnections(4096);
    m_ws.setHandshakeTimeout(config.requestTimeoutMs);
    connect(&m_tcp, &QTcpServer::newConnection, this, &FrontDoor::onNewConnection);
    connect(&m_ws, &QWebSocketServer::newConnection, this, [this] {
        while (QWebSocket *socket = m_ws.nextPendingConnection())
            adopt(socket);
    });
}

std::optional<QString> FrontDoor::listen(const QHostAddress &address, quint16 port)
{
    if (!m_tcp.listen(address, port))
        return QStringLiteral("cannot listen on %1 port %2: %3")
            .arg(address.toString())
            .arg(port)
            .arg(m_tcp.errorString());
    return std::nullopt;
}

void FrontDoor::close()
{
    m_tcp.close();
}

void FrontDoor::onNewConnection()
{
    while (QTcpSocket *socket = m_tcp.nextPendingConnection()) {
        // Chat frames are small and latency matters more than packet count.
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        new RequestReader(socket, m_config, m_handler, [this](QTcpSocket *s) { handOver(s); });
    }
}

void FrontDoor::handOver(QTcpSocket *socket)
{
    // Qt 6.4 gives nobody the ownership of an upgraded socket. Until the handshake is done it
    // is ours: a socket that disconnects first (failed handshake) is deleted here.
    const PeerKey key{socket->peerAddress().toString(), socket->peerPort()};
    m_handshaking.insert(key, socket);
    socket->setParent(this);
    connect(socket, &QTcpSocket::disconnected, this, [this, socket, key] {
        if (m_handshaking.value(key) == socket) {
            m_handshaking.remove(key);
            socket->deleteLater();
        }
    });
    m_ws.handleConnection(socket);
}

void FrontDoor::adopt(QWebSocket *webSocket)
{
    // The peer's address and port name exactly one connected TCP socket.
    QTcpSocket *socket =
        m_handshaking.take({webSocket->peerAddress().toString(), webSocket->peerPort()});
    if (socket) {
        disconnect(socket, &QTcpSocket::disconnected, this, nullptr);
        // The QWebSocket uses the socket until its destructor has run; as its child, the socket
        // is deleted right after that.
        socket->setParent(webSocket);
    } else {
        qCWarning(lcConnection) << "no TCP socket found for an upgraded connection";
    }
    Q_EMIT webSocketConnected(webSocket, socket);
}

} // namespace confab
