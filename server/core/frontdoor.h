// The one listening port. Each accepted TCP connection sends one HTTP request: a WebSocket
// upgrade on /ws is answered here (the handshake is ours, so the bytes that follow it in the
// same segment are kept) and handed over as a socket plus those bytes; anything else is one
// plain HTTP request, answered by the HTTP handler and closed. Keeping the accept loop in our
// hands is what later lets sockets be spread over worker threads.
#pragma once

#include "http.h"
#include "serverconfig.h"

#include <QList>
#include <QObject>
#include <QTcpServer>
#include <QTimer>
#include <functional>

class QSocketNotifier;
class QTcpSocket;

namespace confab {

class RequestReader;

class FrontDoor : public QObject
{
    Q_OBJECT
public:
    // Answers a request, at once or later (a publish in cluster mode waits for Redis): the
    // responder may be called after its client went, and then writes nothing.
    using HttpResponder = std::function<void(const HttpResponse &)>;
    using HttpHandler = std::function<void(const HttpRequest &, HttpResponder)>;

    FrontDoor(const ServerConfig &config, HttpHandler handler, QObject *parent = nullptr);
    ~FrontDoor() override;

    // Returns an error message on failure.
    std::optional<QString> listen(const QHostAddress &address, quint16 port);
    quint16 port() const { return m_tcp.serverPort(); }
    void close();

    // The largest HTTP body accepted (413 beyond).
    static constexpr qsizetype MaxBodyBytes = 64 * 1024;
    static constexpr qsizetype MaxHeadBytes = 16 * 1024;
    // Sockets still sending their request head or body are bounded (config.maxReadingSockets).
    // At the bound the oldest is dropped if it has been silent this long, so a crowd of silent
    // sockets slows nobody else's handshake; otherwise accepting pauses (see roomForAnother).
    static constexpr int SilentGraceMs = 1000;
    // After an answer given before the request was read whole (413, 400, 408), the socket is
    // half-closed and what still comes is read and dropped, at most this many bytes for at
    // most this long, before it closes: closed with bytes unread, the kernel would reset the
    // connection and the client would lose the answer (RFC 9112 9.6).
    static constexpr qint64 MaxLingerBytes = 4 * 1024 * 1024;
    static constexpr int LingerMs = 5000;

    // For RequestReader.
    void readerDone(RequestReader *reader);
    void upgraded(RequestReader *reader, int fd, const QByteArray &response,
                  const QByteArray &early, const QHostAddress &client);
    const ServerConfig &config() const { return m_config; }
    const HttpHandler &handler() const { return m_handler; }

Q_SIGNALS:
    // A WebSocket opening handshake succeeded: the connected, non-blocking descriptor `fd` is
    // the receiver's to close, `response` is the 101 to write first, `early` the bytes that came
    // after the handshake, `client` the client's address (the peer's, or a trusted proxy's
    // X-Forwarded-For: clientaddress.h).
    void webSocketConnected(int fd, const QByteArray &response, const QByteArray &early,
                            const QHostAddress &client);

private:
    void onAcceptable();
    void outOfDescriptors();
    // Whether another socket may start reading its request: true when under the bound, or after
    // dropping the oldest if it is silent. False when the oldest is merely waiting to be read
    // (a connect storm on a busy loop): then accepting pauses briefly and the rest wait in the
    // kernel's backlog instead of being dropped.
    bool roomForAnother();

    static constexpr int MaxAcceptsPerTurn = 256;

    const ServerConfig &m_config;
    HttpHandler m_handler;
    QTcpServer m_tcp;
    QList<RequestReader *> m_reading; // oldest first
    quint64 m_droppedLate = 0;        // sockets dropped to make room (for the log)
    // Out of file descriptors, accept() fails at once and the listening socket stays readable:
    // accepting pauses with a backoff instead of spinning, and a spare descriptor lets the
    // server take one waiting connection and close it, so the client is not left hanging.
    QSocketNotifier *m_acceptNotifier = nullptr; // ours: see listen()
    QTimer m_acceptBackoff;
    int m_backoffMs = 0;
    int m_spareFd = -1;
    // Accepted descriptors stop ReservedDescriptors (frontdoor.cpp) below the process's limit
    // (RLIMIT_NOFILE): the server keeps some for its own needs (a store file, a thread's wake-up
    // pipe). Taking the very last one let a later need fail, and GLib aborts the process when it
    // cannot make a wake-up pipe (seen in CI: "Creating pipes for GWakeup: Too many open
    // files").
    int m_descriptorCeiling = 0; // accepted fds at or above it are closed: out of descriptors
};

} // namespace confab
