#include "streamsocket.h"

#include <QSocketNotifier>
#include <cerrno>
#include <unistd.h>

namespace confab {

StreamSocket::StreamSocket(int fd, QObject *parent)
    : QObject(parent)
    , m_fd(fd)
    , m_read(new QSocketNotifier(fd, QSocketNotifier::Read, this))
{
    connect(m_read, &QSocketNotifier::activated, this, &StreamSocket::readable);
}

StreamSocket::~StreamSocket()
{
    // No signal from a half-destroyed object: the owner is going too.
    blockSignals(true);
    close();
}

qsizetype StreamSocket::read(char *into, qsizetype max)
{
    if (m_fd < 0)
        return -1;
    for (;;) {
        const ssize_t n = ::read(m_fd, into, size_t(max));
        if (n > 0)
            return n;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        close(); // 0: the peer has closed; anything else: the connection failed
        return -1;
    }
}

void StreamSocket::watchWritable(bool on)
{
    if (m_fd < 0)
        return;
    if (!m_write) {
        if (!on)
            return;
        m_write = new QSocketNotifier(m_fd, QSocketNotifier::Write, this);
        connect(m_write, &QSocketNotifier::activated, this, &StreamSocket::writable);
    }
    m_write->setEnabled(on);
}

void StreamSocket::close()
{
    if (m_fd < 0)
        return;
    // The event dispatcher forgets the descriptor before it is closed (and perhaps reused); the
    // notifiers go later, since this may run inside one of their signals.
    for (QSocketNotifier **n : {&m_read, &m_write}) {
        if (*n) {
            (*n)->setEnabled(false);
            (*n)->deleteLater();
            *n = nullptr;
        }
    }
    ::close(m_fd);
    m_fd = -1;
    Q_EMIT closed();
}

} // namespace confab
