// A connected TCP socket that the server reads and writes itself, with no buffer of its own.
//
// QTcpSocket keeps a 16 KiB read block per socket between reads (Qt's QRingBuffer keeps one
// block of its chunk size so as not to allocate again): with 5,000 members that was 82 MB of a
// joined room's 85 MB heap. A WebSocket connection needs none of it: its frame decoder keeps
// only an incomplete frame, and what the kernel does not take at once waits in the connection's
// OutQueue, which shares the frames instead of copying them. So the connection reads into a
// per-thread scratch buffer and writes with sendmsg() through this class, which only watches the
// descriptor and closes it.
#pragma once

#include <QObject>
#include <QtGlobal>

class QSocketNotifier;

namespace confab {

class StreamSocket : public QObject
{
    Q_OBJECT
public:
    // Takes ownership of a connected, non-blocking descriptor.
    explicit StreamSocket(int fd, QObject *parent = nullptr);
    ~StreamSocket() override;

    int descriptor() const { return m_fd; }
    bool isOpen() const { return m_fd >= 0; }

    // Reads at most `max` bytes: the count read, 0 when nothing is there now, or -1 when the
    // peer has closed or the socket failed (the socket is then closed and closed() emitted).
    qsizetype read(char *into, qsizetype max);
    // Reports writable() whenever the kernel takes more (while on).
    void watchWritable(bool on);
    // Closes the descriptor at once; closed() is emitted once, from here.
    void close();

Q_SIGNALS:
    void readable();
    void writable();
    void closed();

private:
    int m_fd;
    QSocketNotifier *m_read;
    QSocketNotifier *m_write = nullptr; // made the first time the kernel's buffer fills
};

} // namespace confab
