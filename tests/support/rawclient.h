// A hand-made WebSocket client over a plain QTcpSocket, for peers a well-behaved QWebSocket
// cannot imitate: one that stops reading (a slow consumer), never answers pings (a dead peer),
// sends control frames, fragments, unmasked frames, or its hello in the same segment as the
// upgrade. It writes masked frames and reads only when asked. It frames by hand, on purpose: it
// must not share the server's code it tests.
#pragma once

#include <QByteArray>
#include <QTcpSocket>
#include <optional>

namespace confab::test {

class RawClient
{
public:
    // The upgrade request on /ws this client sends.
    static QByteArray upgradeRequest();
    // A masked (or, to misbehave, unmasked) frame as a client sends it.
    static QByteArray frame(quint8 opcode, const QByteArray &payload, bool fin = true,
                            bool masked = true);

    // Connects, completes the upgrade on /ws (sending `afterRequest` in the same write as the
    // request). Returns false on failure.
    bool open(quint16 port, const QByteArray &afterRequest = {});
    void sendText(const QByteArray &json);
    void sendRaw(const QByteArray &bytes);
    // Stops taking data from the kernel: the server's writes back up.
    void stopReading();
    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    QTcpSocket &socket() { return m_socket; }

    struct ServerFrame {
        quint8 opcode;
        QByteArray payload;
    };
    // The next whole frame from the server, reading what has arrived; nothing if none yet.
    std::optional<ServerFrame> nextFrame();
    // Waits for the next frame with this opcode (1 text, 8 close, 9 ping), skipping others.
    std::optional<ServerFrame> waitFrame(quint8 opcode, int timeoutMs = -1);
    // The code of the server's close frame, waiting for it; -1 if none came.
    int waitCloseCode(int timeoutMs = -1);

private:
    QTcpSocket m_socket;
    QByteArray m_in; // bytes after the 101 response
};

} // namespace confab::test
