#include "frontdoor.h"

#include <QPointer>

#include "auththrottle.h"
#include "clientaddress.h"
#include "logging.h"
#include "monotonicclock.h"
#include "upgrade.h"

#include <QPointer>
#include <QSocketNotifier>
#include <QTcpSocket>
#include <QTimer>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace confab {

namespace {
constexpr int MinBackoffMs = 50;
constexpr int MaxBackoffMs = 1000;
// With every reading slot taken by sockets heard from in the last second, accepting waits this
// long before it looks again.
constexpr int FullPauseMs = 20;

// The lowest descriptor number an accepted socket may not have (descriptors are handed out
// lowest first, so one at or above it means fewer than ReservedDescriptors are left).
constexpr int ReservedDescriptors = 16;
int descriptorCeiling()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return std::numeric_limits<int>::max();
    const rlim_t cap = std::min<rlim_t>(limit.rlim_cur, rlim_t(std::numeric_limits<int>::max()));
    return int(
        std::max<rlim_t>(cap / 2, cap > ReservedDescriptors ? cap - ReservedDescriptors : 0));
}

int openSpareFd()
{
    return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}
} // namespace

// Reads one HTTP request from a fresh socket and decides what it is. A child of its socket until
// it is done.
class RequestReader : public QObject
{
public:
    RequestReader(QTcpSocket *socket, FrontDoor &door)
        : QObject(socket)
        , m_socket(socket)
        , m_door(door)
        , m_heardNs(monotonicNs())
        , m_acceptedNs(m_heardNs)
    {
        connect(socket, &QTcpSocket::readyRead, this, &RequestReader::onReadyRead);
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        m_timer.setSingleShot(true);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            if (m_lingering)
                return m_socket->abort(); // the linger is over
            respond(HttpResponse::text(408, "request timeout\n"));
        });
        m_timer.start(door.config().requestTimeoutMs);
        if (socket->bytesAvailable())
            QTimer::singleShot(0, this, &RequestReader::onReadyRead);
    }

    ~RequestReader() override { m_door.readerDone(this); }

    // Makes room for a newer socket.
    void drop() { m_socket->abort(); }
    QTcpSocket *socket() const { return m_socket; }

    // Nothing came from this socket for `graceNs` and nothing is waiting to be read: a socket
    // whose request sits unread in the kernel is waiting for us, not silent (in a reconnect
    // storm the server accepts faster than a busy loop reads).
    // Its request head has not come whole within `graceNs` of the accept: a socket that sends a
    // header line now and then is not silent, but it holds a slot all the same.
    bool headLate(qint64 nowNs, qint64 graceNs) const
    {
        return !m_headDone && nowNs - m_acceptedNs >= graceNs;
    }
    // Answered, and reading what the client still sends only so that it gets the answer.
    bool lingering() const { return m_lingering; }

    bool silentFor(qint64 nowNs, qint64 graceNs) const
    {
        if (nowNs - m_heardNs < graceNs || m_socket->bytesAvailable() > 0)
            return false;
        int unread = 0;
        return ::ioctl(int(m_socket->socketDescriptor()), FIONREAD, &unread) != 0 || unread == 0;
    }

private:
    void onReadyRead()
    {
        if (m_lingering)
            return discardUnread();
        if (m_answered)
            return;
        m_heardNs = monotonicNs();
        if (!m_headDone) {
            m_buffer += m_socket->read(FrontDoor::MaxHeadBytes - m_buffer.size());
            const HeadParse head = parseRequestHead(m_buffer, FrontDoor::MaxHeadBytes, m_request);
            if (head.state == HeadParse::State::Incomplete)
                return;
            if (head.state == HeadParse::State::Invalid)
                return respond(HttpResponse::text(head.status, head.reason));
            m_headDone = true;
            m_headBytes = head.headBytes;
            if (wantsWebSocket(m_request)) {
                if (!isWebSocketPath(m_request.path))
                    return respond(HttpResponse::json(
                        404, {{QStringLiteral("error"), QStringLiteral("not_found")}}));
                return upgrade();
            }
            if (m_request.contentLength > FrontDoor::MaxBodyBytes)
                return respond(HttpResponse::json(
                    413, {{QStringLiteral("error"), QStringLiteral("too_large")}}));
        }
        const qsizetype want = m_headBytes + qsizetype(m_request.contentLength);
        if (m_buffer.size() < want)
            m_buffer += m_socket->read(want - m_buffer.size());
        if (m_buffer.size() < want)
            return;
        m_request.body = m_buffer.sliced(m_headBytes, qsizetype(m_request.contentLength));
        m_request.clientKey = AuthThrottle::addressKey(
            clientAddress(m_socket->peerAddress(), m_request.header("x-forwarded-for"),
                          m_door.config().trustedProxies));
        m_door.handler()(m_request, [self = QPointer<RequestReader>(this)](const HttpResponse &r) {
            if (self)
                self->respond(r);
        });
    }

    void upgrade()
    {
        auto answer = answerUpgrade(m_request);
        if (auto *refusal = std::get_if<HttpResponse>(&answer))
            return respond(*refusal);
        m_answered = true;
        m_timer.stop();
        disconnect(m_socket, nullptr, this, nullptr);
        // The WebSocket reads its descriptor itself (streamsocket.h): it gets a duplicate, and the
        // QTcpSocket, with its read block, goes. What Qt had read past the head comes along.
        const QByteArray early = m_buffer.sliced(m_headBytes) + m_socket->readAll();
        const int fd = ::fcntl(int(m_socket->socketDescriptor()), F_DUPFD_CLOEXEC, 0);
        const QHostAddress client =
            clientAddress(m_socket->peerAddress(), m_request.header("x-forwarded-for"),
                          m_door.config().trustedProxies);
        m_socket->abort(); // closes Qt's descriptor only; the connection lives on in the duplicate
        m_socket->deleteLater(); // and this reader with it, its child
        if (fd < 0) {
            qCWarning(lcConnection) << "no descriptor for a WebSocket:" << strerror(errno);
            m_door.readerDone(this);
            return;
        }
        m_door.upgraded(this, fd, std::get<QByteArray>(answer), early, client);
    }

    void respond(const HttpResponse &response)
    {
        if (m_answered)
            return;
        m_answered = true;
        m_timer.stop();
        m_socket->write(response.serialize(m_request.method == "HEAD"));
        if (!unreadMayFollow())
            return m_socket->disconnectFromHost();
        // Answered early: the rest of the request is still coming (see MaxLingerBytes).
        m_lingering = true;
        connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
            if (m_socket->bytesToWrite() == 0)
                halfClose();
        });
        m_timer.start(FrontDoor::LingerMs);
        discardUnread();
    }

    // Whether the client may still be sending this request: its head or body not read whole.
    bool unreadMayFollow() const
    {
        if (m_socket->bytesAvailable() > 0 || !m_headDone)
            return true;
        return m_buffer.size() < m_headBytes + qsizetype(m_request.contentLength);
    }

    // The answer is out: tell the client nothing more comes (it reads the answer, then the end).
    void halfClose()
    {
        if (!m_halfClosed && m_socket->state() == QAbstractSocket::ConnectedState) {
            m_halfClosed = true;
            ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
        }
    }

    void discardUnread()
    {
        char sink[16384];
        qint64 n = 0;
        while ((n = m_socket->read(sink, sizeof sink)) > 0)
            m_lingered += n;
        if (m_lingered > FrontDoor::MaxLingerBytes)
            m_socket->abort();
    }

    QTcpSocket *m_socket;
    FrontDoor &m_door;
    qint64 m_heardNs; // when bytes last came
    qint64 m_acceptedNs;
    QTimer m_timer;
    QByteArray m_buffer;
    HttpRequest m_request;
    qsizetype m_headBytes = 0;
    bool m_headDone = false;
    bool m_answered = false;
    bool m_lingering = false;
    bool m_halfClosed = false;
    qint64 m_lingered = 0; // bytes read and dropped after the answer
};

FrontDoor::FrontDoor(const ServerConfig &config, HttpHandler handler, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_handler(std::move(handler))
    , m_spareFd(openSpareFd())
    , m_descriptorCeiling(descriptorCeiling())
{
    m_tcp.setListenBacklogSize(4096);
    m_tcp.setMaxPendingConnections(4096);
    m_acceptBackoff.setSingleShot(true);
    connect(&m_acceptBackoff, &QTimer::timeout, this, [this] {
        if (m_acceptNotifier)
            m_acceptNotifier->setEnabled(true);
    });
}

FrontDoor::~FrontDoor()
{
    // Readers are children of their sockets, which are children of this: delete them while
    // this object is whole (each reader's destructor takes itself off m_reading).
    while (!m_reading.isEmpty())
        delete m_reading.first()->socket();
    if (m_spareFd >= 0)
        ::close(m_spareFd);
}

std::optional<QString> FrontDoor::listen(const QHostAddress &address, quint16 port)
{
    if (!m_tcp.listen(address, port))
        return QStringLiteral("cannot listen on %1 port %2: %3")
            .arg(address.toString())
            .arg(port)
            .arg(m_tcp.errorString());
    // QTcpServer binds; we accept. Qt's socket engine records only the first error it ever sees,
    // so once an accept loop has ended on EAGAIN, a later EMFILE is reported as a temporary error:
    // no acceptError, the listening socket stays readable, and the loop spins at a full core.
    // Calling accept4() ourselves lets us read errno.
    m_tcp.pauseAccepting();
    m_acceptNotifier = new QSocketNotifier(m_tcp.socketDescriptor(), QSocketNotifier::Read, this);
    connect(m_acceptNotifier, &QSocketNotifier::activated, this, &FrontDoor::onAcceptable);
    return std::nullopt;
}

void FrontDoor::close()
{
    m_acceptBackoff.stop();
    delete std::exchange(m_acceptNotifier, nullptr);
    m_tcp.close();
}

void FrontDoor::onAcceptable()
{
    const int listening = int(m_tcp.socketDescriptor());
    // A bounded batch per turn, so that a connect storm shares the loop with everyone else.
    for (int i = 0; i < MaxAcceptsPerTurn; ++i) {
        if (!roomForAnother()) {
            m_acceptNotifier->setEnabled(false);
            if (!m_acceptBackoff.isActive())
                m_acceptBackoff.start(FullPauseMs);
            return;
        }
        const int fd = ::accept4(listening, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                return outOfDescriptors();
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                qCWarning(lcConnection) << "accept failed:" << strerror(errno);
            return;
        }
        if (fd >= m_descriptorCeiling) { // the last few are the server's own
            ::close(fd);
            return outOfDescriptors();
        }
        m_backoffMs = 0;
        auto *socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(fd)) {
            ::close(fd);
            delete socket;
            continue;
        }
        // Chat frames are small and latency matters more than packet count.
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        m_reading.append(new RequestReader(socket, *this));
    }
}

bool FrontDoor::roomForAnother()
{
    // At the bound, the oldest socket that is silent, or whose request head has not come whole
    // within the grace (however it trickles), or that has had its answer and lingers only to
    // let the client read it, gives way to a new one; sockets reading a body and still sending
    // keep their slot. Honest heads arrive in one segment.
    const qint64 now = monotonicNs();
    const qint64 graceNs = SilentGraceMs * NsPerMs;
    while (m_reading.size() >= m_config.maxReadingSockets) {
        const auto victim =
            std::find_if(m_reading.cbegin(), m_reading.cend(), [&](const RequestReader *r) {
                return r->lingering() || r->headLate(now, graceNs) || r->silentFor(now, graceNs);
            });
        if (victim == m_reading.cend())
            return false; // the rest wait in the listen backlog
        if (m_droppedLate++ % 1000 == 0)
            qCInfo(lcConnection) << "too many sockets still sending a request: dropping the"
                                 << "oldest silent or late one (" << m_droppedLate
                                 << "so far; logged every 1000th)";
        RequestReader *reader = *victim;
        m_reading.erase(victim);
        reader->drop();
    }
    return true;
}

void FrontDoor::outOfDescriptors()
{
    if (m_backoffMs == 0)
        qCWarning(lcConnection) << "out of file descriptors: refusing connections until some"
                                << "close";
    // Take one waiting connection with the spare descriptor and close it: that client sees its
    // connection end at once instead of waiting in the backlog.
    if (m_spareFd >= 0) {
        ::close(m_spareFd);
        const int fd = ::accept4(int(m_tcp.socketDescriptor()), nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0)
            ::close(fd);
        m_spareFd = openSpareFd();
    }
    m_backoffMs = std::clamp(m_backoffMs * 2, MinBackoffMs, MaxBackoffMs);
    m_acceptNotifier->setEnabled(false);
    m_acceptBackoff.start(m_backoffMs);
}

void FrontDoor::readerDone(RequestReader *reader)
{
    m_reading.removeOne(reader);
}

void FrontDoor::upgraded(RequestReader *reader, int fd, const QByteArray &response,
                         const QByteArray &early, const QHostAddress &client)
{
    m_reading.removeOne(reader);
    Q_EMIT webSocketConnected(fd, response, early, client);
}

} // namespace confab
