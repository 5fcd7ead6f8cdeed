#include "connection.h"

#include "logging.h"
#include "metrics.h"
#include "protocol.h"
#include "writebatch.h"

#include <sys/socket.h>

namespace confab {

namespace {
quint64 nextSerial = 0;
constexpr qint64 NsPerMs = 1000000;
} // namespace

Connection::Connection(QWebSocket *socket, QTcpSocket *tcp, const ServerConfig &config,
                       Metrics &metrics, WriteBatch &batch, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_tcp(tcp)
    , m_config(config)
    , m_metrics(metrics)
    , m_batch(batch)
    , m_serial(++nextSerial)
    , m_bucket(config.limits.ratePerSec, config.limits.burst, monotonicNs())
    , m_flood(config.floodMaxDrops, qint64(config.floodWindowMs) * NsPerMs)
    , m_lastHeardNs(monotonicNs())
    , m_lastPingNs(m_lastHeardNs)
{
    m_socket->setParent(nullptr);
    // Qt's defaults accept messages of about 2 GiB; the protocol allows max_frame_bytes.
    const auto maxBytes = quint64(config.limits.maxFrameBytes);
    m_socket->setMaxAllowedIncomingFrameSize(maxBytes);
    m_socket->setMaxAllowedIncomingMessageSize(maxBytes);
    m_socket->setReadBufferSize(qMax<qint64>(64 * 1024, qint64(maxBytes) + 16));

    connect(m_socket.get(), &QWebSocket::textMessageReceived, this, [this](const QString &text) {
        m_lastHeardNs = monotonicNs();
        if (!m_closing) {
            ++m_metrics.framesIn;
            Q_EMIT textReceived(this, text.toUtf8());
        }
    });
    connect(m_socket.get(), &QWebSocket::binaryMessageReceived, this, [this] {
        m_lastHeardNs = monotonicNs();
        if (!m_closing) {
            ++m_metrics.framesIn;
            Q_EMIT binaryReceived(this);
        }
    });
    connect(m_socket.get(), &QWebSocket::pong, this, [this] { m_lastHeardNs = monotonicNs(); });
    connect(m_socket.get(), &QWebSocket::disconnected, this, &Connection::onDisconnected);

    m_helloTimer.setSingleShot(true);
    m_helloTimer.setInterval(config.helloTimeoutMs);
    connect(&m_helloTimer, &QTimer::timeout, this, [this] {
        if (!user)
            closeWith(protocol::CloseHelloTimeout, QStringLiteral("no hello in time"),
                      QStringLiteral("hello_timeout"));
    });
    m_helloTimer.start();

    m_graceTimer.setSingleShot(true);
    m_graceTimer.setInterval(config.slowCloseGraceMs);
    connect(&m_graceTimer, &QTimer::timeout, this, [this] { m_socket->abort(); });
    qCDebug(lcConnection) << "connection" << m_serial << "from"
                          << m_socket->peerAddress().toString();
}

Connection::~Connection()
{
    // The socket outlives this object's other members during destruction; keep its last
    // signals (disconnected, from QWebSocket's destructor) away from them.
    m_socket->disconnect(this);
    if (m_inBatch)
        m_batch.forget(this);
}

void Connection::send(const QByteArray &frame)
{
    if (m_closing)
        return;
    ++m_metrics.framesOut;
    if (!m_tcp) {
        // Not expected (the front door always finds the socket); correct, only slower.
        const int lengthCode = frame.size() > 1 ? frame[1] & 0x7F : 0;
        const int header = lengthCode < 126 ? 2 : lengthCode == 126 ? 4 : 10;
        m_socket->sendTextMessage(QString::fromUtf8(frame.mid(header)));
        return;
    }
    // A server never masks, so the same frame bytes serve every recipient.
    if (!m_batch.enabled()) {
        m_tcp->write(frame); // through Qt's buffer, one frame at a time
        closeIfTooSlow();
        return;
    }
    m_out.append(frame);
    if (!m_inBatch) {
        m_inBatch = true;
        m_batch.enqueue(this);
    }
}

void Connection::flushFromBatch()
{
    m_inBatch = false; // the batch has dropped it: from here on it may be deleted freely
    flushOut();
}

void Connection::flushOut()
{
    // Called by the batch, and directly before a close; m_inBatch stays as it is, so that a
    // connection still listed in the batch is always forgotten by it before it goes.
    if (m_out.isEmpty() || !m_tcp)
        return;
    const QByteArray out = std::exchange(m_out, {});
    qsizetype written = 0;
    // When Qt holds nothing for this socket, give the bytes straight to the kernel: no ring
    // buffer, no write notifier. Whatever the kernel does not take goes to Qt's buffer, which
    // then keeps the order. QWebSocket's own frames (pong, close) also go through Qt's buffer,
    // whole, on this thread: they never land inside one of ours.
    if (m_tcp->bytesToWrite() == 0 && m_tcp->state() == QAbstractSocket::ConnectedState) {
        const ssize_t n = ::send(int(m_tcp->socketDescriptor()), out.constData(),
                                 size_t(out.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0)
            written = n;
    }
    if (written < out.size())
        m_tcp->write(out.constData() + written, out.size() - written);
    closeIfTooSlow();
}

void Connection::closeIfTooSlow()
{
    // What the kernel would not take waits in Qt's buffer; past the bound, nobody waits for it.
    if (m_tcp->bytesToWrite() <= m_config.limits.maxQueueBytes)
        return;
    qCInfo(lcConnection) << "connection" << m_serial << "too slow:" << m_tcp->bytesToWrite()
                         << "bytes waiting";
    closeWith(protocol::ClosePolicy, QStringLiteral("too slow"), QStringLiteral("slow"));
}

void Connection::closeWith(quint16 code, const QString &reason, const QString &metricReason)
{
    if (m_closing)
        return;
    qCDebug(lcConnection) << "closing" << m_serial << code << reason;
    m_closeReason = metricReason;
    flushOut(); // what was queued before the close goes before the close frame
    m_closing = true;
    m_socket->close(QWebSocketProtocol::CloseCode(code), reason);
    m_graceTimer.start();
    markGone();
}

void Connection::abort(const QString &metricReason)
{
    if (m_closeReason.isEmpty())
        m_closeReason = metricReason;
    m_closing = true;
    markGone();
    m_socket->abort();
}

bool Connection::admit()
{
    const qint64 now = monotonicNs();
    if (m_bucket.tryTake(now))
        return true;
    ++m_metrics.framesDropped;
    if (m_flood.recordDrop(now)) {
        qCInfo(lcConnection) << "connection" << m_serial << "closed for flooding";
        closeWith(protocol::ClosePolicy, QStringLiteral("flooding"), QStringLiteral("flood"));
    }
    return false;
}

qint64 Connection::retryMs()
{
    return qMax<qint64>(1, m_bucket.msUntilNext(monotonicNs()));
}

void Connection::ping()
{
    m_lastPingNs = monotonicNs();
    if (!m_closing)
        m_socket->ping();
}

void Connection::markGone()
{
    m_helloTimer.stop();
    if (m_goneEmitted)
        return;
    m_goneEmitted = true;
    Q_EMIT gone(this);
}

void Connection::onDisconnected()
{
    if (m_closeReason.isEmpty()) {
        // Closed by the peer, or by QWebSocket itself for an oversized message (1009).
        const auto code = m_socket->closeCode();
        m_closeReason = code == QWebSocketProtocol::CloseCodeTooMuchData ? QStringLiteral("too_big")
                                                                         : QStringLiteral("peer");
    }
    m_metrics.countClose(m_closeReason);
    m_closing = true;
    m_disconnected = true;
    m_graceTimer.stop();
    markGone();
    if (m_released)
        deleteLater();
}

void Connection::release()
{
    m_released = true;
    if (m_disconnected)
        deleteLater();
}

} // namespace confab
