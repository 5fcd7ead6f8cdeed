// One client's WebSocket, framed by the project itself (server/protocol/websocket.h) over the
// accepted socket, which it reads and writes itself (streamsocket.h): what the client may send
// (rate limit, flood window, a budget for control frames, frame size), what waits to be written to
// it (every byte, control frames included, bounded by max_queue_bytes), and how it ends (close
// handshake, close codes, keep-alive). It carries frames; their meaning lives in Hub.
#pragma once

#include "outqueue.h"
#include "ratelimiter.h"
#include "serverconfig.h"
#include "streamsocket.h"
#include "websocket.h"

#include <QHostAddress>
#include <QObject>
#include <QSet>
#include <QTimer>

namespace confab {

struct Metrics;
struct User;
class WriteBatch;

class Connection : public QObject
{
    Q_OBJECT
public:
    // Takes ownership of the connected, non-blocking descriptor whose opening handshake the
    // front door has read, and queues the handshake's 101 response as the first bytes to write.
    Connection(int fd, const QByteArray &handshakeResponse, const ServerConfig &config,
               Metrics &metrics, WriteBatch &batch, QObject *parent = nullptr);
    ~Connection() override;

    // Starts reading: `early` holds the bytes that arrived with the handshake (a client may send
    // its hello in the same segment). Call once the hub has attached the connection.
    void start(const QByteArray &early);

    quint64 serial() const { return m_serial; }
    bool isOpen() const { return !m_closing; }
    // The client's address: the TCP peer's, or the one a trusted proxy forwarded
    // (clientaddress.h), as the front door found it and set it.
    QHostAddress peerAddress() const { return m_peer; }
    void setClientAddress(const QHostAddress &address) { m_peer = address; }

    // Queues one complete WebSocket frame (protocol::textFrame); it is written at the end of
    // the event-loop turn. What the kernel does not take waits in the same queue until the
    // socket is writable; a connection whose queue grows past max_queue_bytes is closed as too
    // slow; nothing waits for it.
    void send(const QByteArray &frame);
    void send(const OutFrame &frame);
    // Hands the frames queued this turn to the kernel.
    void flushOut();
    // The same, called by WriteBatch as it takes the connection off its list.
    void flushFromBatch();
    // Sends a close frame, then aborts if the peer has not finished closing within the grace.
    void closeWith(quint16 code, const QString &reason, const QString &metricReason);
    // Drops the TCP connection at once (dead peer).
    void abort(const QString &metricReason);

    // Charges one frame to the token bucket. Returns true when the frame may be handled.
    // On false, retryMs() says when the next token comes; the connection may have been
    // closed for flooding.
    bool admit();
    qint64 retryMs();

    // The hub has forgotten this connection: it may be deleted once its socket is closed.
    // (The hub, not the socket's disconnected signal, decides, so that a queued gone() never
    // reaches a deleted connection.)
    void release();

    // Keep-alive, driven by the server's timer.
    qint64 lastHeardNs() const { return m_lastHeardNs; }
    qint64 lastPingNs() const { return m_lastPingNs; }
    void ping();

    // Control frames (ping, pong) and message fragments cost nothing from the rate bucket but
    // come out of this budget: a peer past it is closed with 1008, so that a flood of tiny
    // frames costs neither memory nor a core.
    static constexpr double ControlFramesPerSec = 100;
    static constexpr double ControlFrameBurst = 1000;

    // Session state, owned by the hub.
    User *user = nullptr;
    bool helloSeen = false; // the first hello is free of the rate limit, later ones are not
    QSet<QString> rooms;
    // Its join or hello waits for the store (a cluster): later frames wait behind it (Hub).
    int storeWaits = 0;

Q_SIGNALS:
    void textReceived(confab::Connection *connection, const QByteArray &utf8);
    void binaryReceived(confab::Connection *connection);
    // Emitted once, when the connection starts closing or is gone: the hub detaches it.
    void gone(confab::Connection *connection);

private:
    void onReadable();
    void onWritable();
    void writeOut();
    void closeOnceWritten();
    void decode();
    void onCloseFrame(quint16 code);
    void queue(const QByteArray &bytes);
    void queue(const OutFrame &frame);
    void queuePong(const QByteArray &payload);
    bool closeIfTooSlow();
    void markGone();
    void onDisconnected();

    StreamSocket m_socket;
    const ServerConfig &m_config;
    Metrics &m_metrics;
    WriteBatch &m_batch;
    ws::FrameDecoder m_decoder;
    QHostAddress m_peer;
    OutQueue m_out;            // frames not yet taken by the kernel, in order
    qint64 m_largestFrame = 0; // since the queue was last empty: not counted against the bound
    QByteArray m_pongPayload;  // only the newest ping is answered (RFC 6455 section 5.5.3)
    bool m_pongPending = false;
    bool m_inBatch = false;
    bool m_waitingWritable = false; // the kernel's buffer was full: writes wait for writable()
    bool m_closeOnceWritten = false;
    bool m_started = false;
    quint64 m_serial;
    TokenBucket m_bucket;
    TokenBucket m_controlBucket;
    FloodWindow m_flood;
    qint64 m_lastHeardNs;
    qint64 m_lastPingNs;
    QTimer m_helloTimer;
    QTimer m_graceTimer;
    bool m_closing = false;   // a close frame was sent or received, or the socket aborted
    bool m_closeSent = false; // our close frame is queued
    bool m_closeReceived = false;
    bool m_goneEmitted = false;
    bool m_released = false;
    bool m_disconnected = false;
    QString m_closeReason; // for metrics, set by whoever closed first
};

} // namespace confab
