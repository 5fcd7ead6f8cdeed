// A hand-made WebSocket client over a plain QTcpSocket, for peers a well-behaved QWebSocket
// cannot imitate: one that stops reading (a slow consumer) or never answers pings (a dead
// peer). It writes masked text frames and never reads after the handshake unless asked.
#pragma once

#include <QTcpSocket>

namespace confab::test {

class RawClient
{
public:
    // Connects, completes the upgrade on /ws. Returns false on failure.
    bool open(quint16 port);
    void sendText(const QByteArray &json);
    // Stops taking data from the kernel: the server's writes back up.
    void stopReading();
    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    QTcpSocket &socket() { return m_socket; }

private:
    QTcpSocket m_socket;
};

} // namespace confab::test
