// The one listening port. Each accepted TCP connection is either a WebSocket upgrade on /ws
// (handed to QWebSocketServer::handleConnection, so the project keeps the QTcpSocket) or one
// plain HTTP request, answered by the HTTP handler. Keeping the accept loop in our hands is what
// later lets sockets be spread over worker threads.
#pragma once

#include "http.h"
#include "serverconfig.h"

#include <QHash>
#include <QObject>
#include <QTcpServer>
#include <QWebSocketServer>
#include <functional>

class QTcpSocket;

namespace confab {

class FrontDoor : public QObject
{
    Q_OBJECT
public:
    using HttpHandler = std::function<HttpResponse(const HttpRequest &)>;

    FrontDoor(const ServerConfig &config, HttpHandler handler, QObject *parent = nullptr);

    // Returns an error message on failure.
    std::optional<QString> listen(const QHostAddress &address, quint16 port);
    quint16 port() const { return m_tcp.serverPort(); }
    void close();

    // The largest HTTP body accepted (413 beyond).
    static constexpr qsizetype MaxBodyBytes = 64 * 1024;
    static constexpr qsizetype MaxHeadBytes = 16 * 1024;

Q_SIGNALS:
    // tcp is the socket under the QWebSocket (its child); null if it could not be matched.
    void webSocketConnected(QWebSocket *socket, QTcpSocket *tcp);

private:
    void onNewConnection();
    void handOver(QTcpSocket *socket);
    void adopt(QWebSocket *webSocket);

    using PeerKey = std::pair<QString, quint16>;

    const ServerConfig &m_config;
    HttpHandler m_handler;
    QTcpServer m_tcp;
    QWebSocketServer m_ws;
    QHash<PeerKey, QTcpSocket *> m_handshaking; // upgrades handed to m_ws, not yet done
};

} // namespace confab
