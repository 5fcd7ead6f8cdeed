#include "outqueue.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <sys/socket.h>
#include <sys/uio.h>
#include <utility>

namespace confab {

namespace {
// sendmsg() takes at most IOV_MAX pieces at a time.
constexpr size_t MaxPieces = IOV_MAX;
// A queue keeps room for this many frames between turns (no allocation per turn for most).
constexpr size_t KeptCapacity = 16;
thread_local qint64 releasedBytes = 0;
} // namespace

qint64 OutQueue::takeReleasedBytes()
{
    return std::exchange(releasedBytes, 0);
}

void OutQueue::append(const QByteArray &frame)
{
    if (frame.isEmpty())
        return;
    m_frames.push_back({frame, {}, 0}); // shares the bytes
    m_bytes += frame.size();
}

void OutQueue::append(const OutFrame &frame)
{
    append(frame.head);
    if (frame.middle.size > 0) {
        m_frames.push_back({{}, frame.middle.block, frame.middle.size});
        m_bytes += frame.middle.size;
    }
    append(frame.tail);
}

void OutQueue::clear()
{
    m_frames.clear();
    if (m_frames.capacity() > KeptCapacity) {
        releasedBytes += qint64(m_frames.capacity() * sizeof(Piece));
        m_frames.shrink_to_fit(); // after a burst, an idle connection keeps little
    }
    m_first = 0;
    m_frontOffset = 0;
    m_bytes = 0;
}

bool OutQueue::sendTo(int fd)
{
    iovec pieces[MaxPieces];
    while (m_bytes > 0) {
        const size_t n = std::min(m_frames.size() - m_first, MaxPieces);
        qsizetype offered = 0;
        for (size_t i = 0; i < n; ++i) {
            const Piece &frame = m_frames[m_first + i];
            const qsizetype skip = i == 0 ? m_frontOffset : 0;
            pieces[i].iov_base = const_cast<char *>(frame.data() + skip);
            pieces[i].iov_len = size_t(frame.size() - skip);
            offered += qsizetype(pieces[i].iov_len);
        }
        msghdr message{};
        message.msg_iov = pieces;
        message.msg_iovlen = n;
        const ssize_t sent = ::sendmsg(fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN || errno == EWOULDBLOCK;
        }
        dropWritten(sent);
        if (sent < offered)
            return true; // the kernel's buffer is full
    }
    return true;
}

void OutQueue::dropWritten(qsizetype n)
{
    m_bytes -= n;
    while (n > 0) {
        const qsizetype left = m_frames[m_first].size() - m_frontOffset;
        if (n < left) {
            m_frontOffset += n;
            return;
        }
        n -= left;
        m_frontOffset = 0;
        m_frames[m_first] = Piece(); // its bytes may go now
        ++m_first;
    }
    if (m_bytes == 0)
        clear();
}

} // namespace confab
