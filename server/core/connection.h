// One client's WebSocket: what it is allowed to send (rate limit, flood window, frame size),
// what waits to be written to it (bounded), and how it ends (close codes, keep-alive).
// The protocol itself lives in Hub; a Connection only carries frames.
#pragma once

#include "ratelimiter.h"
#include "serverconfig.h"

#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>
#include <memory>

namespace confab {

struct Metrics;
struct User;
class WriteBatch;

class Connection : public QObject
{
    Q_OBJECT
public:
    // Takes ownership of the socket. tcp is the QWebSocket's own TCP socket (owned by it):
    // ready frames are written to it directly, gathered per event-loop turn by batch.
    Connection(QWebSocket *socket, QTcpSocket *tcp, const ServerConfig &config, Metrics &metrics,
               WriteBatch &batch, QObject *parent = nullptr);
    ~Connection() override;

    quint64 serial() const { return m_serial; }
    QHostAddress peerAddress() const { return m_socket->peerAddress(); }
    bool isOpen() const { return !m_closing; }

    // Queues one complete WebSocket frame (protocol::textFrame); it is written at the end of
    // the event-loop turn. A connection whose queue grows past max_queue_bytes is closed as too
    // slow; nothing waits for it.
    void send(const QByteArray &frame);
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

    // Session state, owned by the hub.
    User *user = nullptr;
    bool helloSeen = false; // the first hello is free of the rate limit, later ones are not
    QSet<QString> rooms;

Q_SIGNALS:
    void textReceived(confab::Connection *connection, const QByteArray &utf8);
    void binaryReceived(confab::Connection *connection);
    // Emitted once, when the connection starts closing or is gone: the hub detaches it.
    void gone(confab::Connection *connection);

private:
    void closeIfTooSlow();
    void markGone();
    void onDisconnected();

    std::unique_ptr<QWebSocket> m_socket;
    QPointer<QTcpSocket> m_tcp;
    const ServerConfig &m_config;
    Metrics &m_metrics;
    WriteBatch &m_batch;
    QByteArray m_out; // frames queued this turn
    bool m_inBatch = false;
    quint64 m_serial;
    TokenBucket m_bucket;
    FloodWindow m_flood;
    qint64 m_lastHeardNs;
    qint64 m_lastPingNs;
    QTimer m_helloTimer;
    QTimer m_graceTimer;
    bool m_closing = false;
    bool m_goneEmitted = false;
    bool m_released = false;
    bool m_disconnected = false;
    QString m_closeReason; // for metrics, set by whoever closed first
};

} // namespace confab
