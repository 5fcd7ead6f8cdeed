// StreamSocket: a connected descriptor read and watched by the server itself (the WebSocket
// connections' socket), over a real socket pair.
#include "streamsocket.h"

#include <QSignalSpy>
#include <QTest>
#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace confab;

namespace {

struct Pair {
    int ours = -1;
    int theirs = -1;
    Pair()
    {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0) {
            ours = fds[0];
            theirs = fds[1];
        }
    }
    ~Pair()
    {
        if (theirs >= 0)
            ::close(theirs);
    }
};

bool isClosed(int fd)
{
    return ::fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

} // namespace

class TestStreamSocket : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsWhatCameThenReportsThePeersCloseOnce()
    {
        Pair pair;
        QVERIFY(pair.ours >= 0);
        StreamSocket socket(pair.ours);
        QSignalSpy readable(&socket, &StreamSocket::readable);
        QSignalSpy closed(&socket, &StreamSocket::closed);

        QCOMPARE(::write(pair.theirs, "hello", 5), 5);
        QTRY_VERIFY(readable.count() > 0);
        char buffer[64];
        QCOMPARE(socket.read(buffer, sizeof buffer), 5);
        QCOMPARE(QByteArray(buffer, 5), QByteArray("hello"));
        QCOMPARE(socket.read(buffer, sizeof buffer), 0); // nothing more now: not a close
        QVERIFY(socket.isOpen());
        QCOMPARE(closed.count(), 0);

        ::close(pair.theirs);
        pair.theirs = -1;
        readable.clear();
        QTRY_VERIFY(readable.count() > 0);
        QCOMPARE(socket.read(buffer, sizeof buffer), -1);
        QCOMPARE(closed.count(), 1);
        QVERIFY(!socket.isOpen());
        QCOMPARE(socket.descriptor(), -1);
        QVERIFY(isClosed(pair.ours));

        QCOMPARE(socket.read(buffer, sizeof buffer), -1);
        socket.close();
        QCOMPARE(closed.count(), 1); // once, however often it is asked
    }

    void reportsWritableOnlyWhileAsked()
    {
        Pair pair;
        QVERIFY(pair.ours >= 0);
        const int small = 4096;
        ::setsockopt(pair.ours, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        StreamSocket socket(pair.ours);
        QSignalSpy writable(&socket, &StreamSocket::writable);

        const QByteArray chunk(1024, 'x');
        qsizetype written = 0;
        while (::write(pair.ours, chunk.constData(), size_t(chunk.size())) > 0)
            written += chunk.size();
        QVERIFY(written > 0);
        socket.watchWritable(true);

        // The peer reads everything: the kernel takes more, and the socket says so.
        char buffer[65536];
        qsizetype drained = 0;
        while (drained < written) {
            const ssize_t n = ::read(pair.theirs, buffer, sizeof buffer);
            if (n > 0)
                drained += n;
            else
                QTest::qWait(1);
        }
        QTRY_VERIFY(writable.count() > 0);

        socket.watchWritable(false);
        writable.clear();
        QTest::qWait(20); // a few loop turns on a writable socket
        QCOMPARE(writable.count(), 0);
    }

    void closesItsDescriptorWhenClosedOrDestroyed()
    {
        Pair first;
        auto *socket = new StreamSocket(first.ours);
        QSignalSpy closed(socket, &StreamSocket::closed);
        socket->close();
        QCOMPARE(closed.count(), 1);
        QVERIFY(isClosed(first.ours));
        delete socket;

        Pair second;
        auto *other = new StreamSocket(second.ours);
        QSignalSpy otherClosed(other, &StreamSocket::closed);
        delete other;
        QVERIFY(isClosed(second.ours));
        // The owner is going away with it: nothing is reported to it.
        QCOMPARE(otherClosed.count(), 0);
    }
};

QTEST_GUILESS_MAIN(TestStreamSocket)
#include "tst_streamsocket.moc"
