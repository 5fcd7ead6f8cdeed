#include "connection.h"

#include "logging.h"
#include "metrics.h"
#include "protocol.h"
#include "writebatch.h"

#include <algorithm>

namespace confab {

namespace {
quint64 nextSerial = 0;
// What one read takes from the socket: a whole frame of the largest size plus its header. The
// bytes land in one buffer per thread; the decoder keeps only what is left of an incomplete frame.
constexpr qint64 ReadChunkBytes = 64 * 1024 + 16;
thread_local char readScratch[ReadChunkBytes];
} // namespace

Connection::Connection(int fd, const QByteArray &handshakeResponse, const ServerConfig &config,
                       Metrics &metrics, WriteBatch &batch, QObject *parent)
    : QObject(parent)
    , m_socket(fd)
    , m_config(config)
    , m_metrics(metrics)
    , m_batch(batch)
    , m_decoder(config.limits.maxFrameBytes)
    , m_serial(++nextSerial)
    , m_bucket(config.limits.ratePerSec, config.limits.burst, monotonicNs())
    , m_controlBucket(ControlFramesPerSec, ControlFrameBurst, monotonicNs())
    , m_flood(config.floodMaxDrops, qint64(config.floodWindowMs) * NsPerMs)
    , m_lastHeardNs(monotonicNs())
    , m_lastPingNs(m_lastHeardNs)
{
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
    connect(&m_graceTimer, &QTimer::timeout, this, [this] { m_socket.close(); });
    qCDebug(lcConnection) << "connection" << m_serial << "on descriptor" << fd;
    // The 101 is the first thing written, whatever the hub does next (even a server_full).
    queue(handshakeResponse);
}

Connection::~Connection()
{
    // The socket closes after this, with its signals blocked: nothing reaches a half-destroyed
    // connection.
    if (m_inBatch)
        m_batch.forget(this);
}

void Connection::start(const QByteArray &early)
{
    if (m_started)
        return;
    m_started = true;
    connect(&m_socket, &StreamSocket::readable, this, &Connection::onReadable);
    connect(&m_socket, &StreamSocket::writable, this, &Connection::onWritable);
    connect(&m_socket, &StreamSocket::closed, this, &Connection::onDisconnected);
    if (!m_socket.isOpen()) {
        onDisconnected();
        return;
    }
    m_decoder.feed(early);
    decode();
}

void Connection::onReadable()
{
    // One read a wake-up: with many clients busy, each gets its turn (the descriptor stays
    // readable while more waits).
    const qsizetype n = m_socket.read(readScratch, ReadChunkBytes);
    if (n <= 0 || m_closeReceived)
        return; // closed (onDisconnected has run), nothing yet, or after a close frame: ignored
    m_decoder.feed(QByteArrayView(readScratch, n));
    decode();
}

void Connection::decode()
{
    while (!m_disconnected) {
        std::optional<ws::Event> event = m_decoder.next();
        if (!event)
            break;
        const qint64 now = monotonicNs();
        m_lastHeardNs = now;
        using Kind = ws::Event::Kind;
        switch (event->kind) {
        case Kind::Text:
            if (!m_closing) {
                ++m_metrics.framesIn;
                Q_EMIT textReceived(this, event->payload);
            }
            break;
        case Kind::Binary:
            if (!m_closing) {
                ++m_metrics.framesIn;
                Q_EMIT binaryReceived(this);
            }
            break;
        case Kind::Fragment:
        case Kind::Ping:
        case Kind::Pong:
            if (m_closing)
                break; // once closing, only the peer's close frame matters
            if (!m_controlBucket.tryTake(now)) {
                qCInfo(lcConnection) << "connection" << m_serial << "closed: too many control"
                                     << "frames or fragments";
                closeWith(protocol::ClosePolicy, QStringLiteral("flooding"),
                          QStringLiteral("flood"));
                break;
            }
            if (event->kind == Kind::Ping)
                queuePong(event->payload);
            break;
        case Kind::Close:
            onCloseFrame(event->closeCode);
            return;
        }
    }
    if (const auto &failure = m_decoder.failure(); failure && !m_closing) {
        qCInfo(lcConnection) << "connection" << m_serial << "framing error:" << failure->reason;
        closeWith(failure->code, failure->reason,
                  failure->code == ws::CloseTooBig ? QStringLiteral("too_big")
                                                   : QStringLiteral("protocol"));
    }
}

void Connection::onCloseFrame(quint16 code)
{
    m_closeReceived = true;
    if (!m_closeSent) {
        // The peer starts the close: answer with the same code, then close TCP (the server
        // closes first, RFC 6455 section 7.1.1).
        if (m_closeReason.isEmpty())
            m_closeReason = QStringLiteral("peer");
        m_closeSent = true;
        m_closing = true;
        m_pongPending = false;
        m_out.append(code == ws::CloseNoStatus ? ws::serverFrame(ws::Opcode::Close, {})
                                               : ws::closeFrame(code, {}));
        flushOut();
        markGone();
    }
    // Either way the close handshake is complete: what is queued is written, then TCP closes.
    closeOnceWritten();
    if (!m_graceTimer.isActive() && !m_disconnected)
        m_graceTimer.start();
}

void Connection::queue(const QByteArray &bytes)
{
    m_out.append(bytes);
    if (!m_batch.enabled()) { // written at once, one frame at a time
        m_largestFrame = std::max<qint64>(m_largestFrame, bytes.size());
        writeOut();
        return;
    }
    m_largestFrame = std::max<qint64>(m_largestFrame, bytes.size());
    if (!m_inBatch) {
        m_inBatch = true;
        m_batch.enqueue(this);
    }
    if (m_out.size() > m_config.limits.maxQueueBytes + m_largestFrame)
        closeIfTooSlow();
}

void Connection::queue(const OutFrame &frame)
{
    if (!m_batch.enabled()) {
        queue(frame.head);
        if (frame.middle.size > 0)
            queue(QByteArray(frame.middle.data(), frame.middle.size));
        queue(frame.tail);
        return;
    }
    m_out.append(frame);
    m_largestFrame = std::max<qint64>(m_largestFrame, frame.size());
    if (!m_inBatch) {
        m_inBatch = true;
        m_batch.enqueue(this);
    }
    if (m_out.size() > m_config.limits.maxQueueBytes + m_largestFrame)
        closeIfTooSlow();
}

void Connection::send(const OutFrame &frame)
{
    if (m_closing)
        return;
    ++m_metrics.framesOut;
    queue(frame);
}

void Connection::send(const QByteArray &frame)
{
    if (m_closing)
        return;
    ++m_metrics.framesOut;
    queue(frame); // a server never masks, so the same frame bytes serve every recipient
}

void Connection::queuePong(const QByteArray &payload)
{
    // One pong per turn, for the newest ping: a peer that pings and never reads gains nothing
    // by pinging faster, and what does wait is counted in the queue like everything else.
    m_pongPayload = payload;
    if (!m_batch.enabled()) {
        queue(ws::serverFrame(ws::Opcode::Pong, payload));
        return;
    }
    m_pongPending = true;
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
    if (m_pongPending) {
        m_pongPending = false;
        m_out.append(ws::serverFrame(ws::Opcode::Pong, m_pongPayload));
        m_pongPayload = QByteArray();
    }
    writeOut();
}

void Connection::writeOut()
{
    if (m_disconnected || !m_socket.isOpen()) {
        m_out.clear(); // nothing is written to a socket that has closed
        return;
    }
    // The frames go straight to the kernel in one gather write, no copy. What it does not take
    // stays queued, in order, until the socket is writable again; later frames queue behind.
    if (!m_waitingWritable && !m_out.isEmpty() && !m_out.sendTo(m_socket.descriptor())) {
        m_socket.close(); // the connection failed (reset by the peer): onDisconnected has run
        return;
    }
    if (m_out.isEmpty()) {
        m_largestFrame = 0; // all written: the next big answer gets its allowance anew
        if (m_closeOnceWritten)
            m_socket.close();
        return;
    }
    if (!m_waitingWritable) {
        m_waitingWritable = true;
        m_socket.watchWritable(true);
    }
    closeIfTooSlow();
}

void Connection::onWritable()
{
    m_waitingWritable = false;
    m_socket.watchWritable(false);
    writeOut();
}

void Connection::closeOnceWritten()
{
    m_closeOnceWritten = true;
    if (m_out.isEmpty())
        m_socket.close();
}

bool Connection::closeIfTooSlow()
{
    // What the kernel would not take waits in the queue; past the bound, nobody waits for it.
    // The bound is there for readers that fall behind, not for one answer the server chose to
    // send: the largest frame queued since the queue was last empty is not counted against it
    // (answers are bounded in bytes themselves: protocol.h, MaxAnswerBytes).
    const qint64 waiting = m_out.size();
    if (m_closing || waiting <= m_config.limits.maxQueueBytes + m_largestFrame)
        return false;
    qCInfo(lcConnection) << "connection" << m_serial << "too slow:" << waiting << "bytes waiting";
    closeWith(protocol::ClosePolicy, QStringLiteral("too slow"), QStringLiteral("slow"));
    return true;
}

void Connection::closeWith(quint16 code, const QString &reason, const QString &metricReason)
{
    if (m_closing)
        return;
    qCDebug(lcConnection) << "closing" << m_serial << code << reason;
    m_closeReason = metricReason;
    m_closing = true;
    m_closeSent = true;
    m_pongPending = false; // nothing follows a close frame
    // What was queued before the close goes before the close frame.
    m_out.append(ws::closeFrame(code, reason.toUtf8()));
    flushOut();
    m_graceTimer.start();
    markGone();
}

void Connection::abort(const QString &metricReason)
{
    if (m_closeReason.isEmpty())
        m_closeReason = metricReason;
    m_closing = true;
    markGone();
    m_socket.close();
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
        queue(ws::serverFrame(ws::Opcode::Ping, {}));
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
    if (m_disconnected)
        return;
    if (m_closeReason.isEmpty())
        m_closeReason = QStringLiteral("peer"); // closed by the peer without a close frame
    m_metrics.countClose(m_closeReason);
    m_closing = true;
    m_disconnected = true;
    m_out.clear();
    m_waitingWritable = false;
    m_pongPending = false;
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
