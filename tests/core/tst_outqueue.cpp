// OutQueue: frames given to the kernel in one gather write, the rest kept and sent on in order,
// over a real socket pair whose send buffer is small enough that the kernel takes only part.
#include "outqueue.h"

#include <QTest>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace confab;

namespace {

QByteArray frameNumber(int i)
{
    return QByteArray::number(i).rightJustified(6, '0') + QByteArray(94 + i % 7, 'x');
}

QByteArray readAll(int fd)
{
    QByteArray all;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n <= 0)
            return all;
        all.append(buffer, n);
    }
}

} // namespace

class TestOutQueue : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void writesWhatTheKernelTakesAndHandsOnTheRestInOrder()
    {
        int pair[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
        const int small = 16 * 1024;
        ::setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        ::fcntl(pair[0], F_SETFL, O_NONBLOCK);

        OutQueue out;
        QByteArray expected;
        const QByteArray shared = frameNumber(-1); // one frame queued many times
        for (int i = 0; i < 3000; ++i) {           // more than IOV_MAX pieces
            const QByteArray frame = i % 3 ? frameNumber(i) : shared;
            out.append(frame);
            expected += frame;
        }
        out.append(QByteArray()); // nothing to write: not a piece
        QCOMPARE(out.size(), expected.size());

        QVERIFY(out.sendTo(pair[0]));
        const qsizetype taken = expected.size() - out.size();
        QVERIFY2(taken > 0 && taken < expected.size(), QByteArray::number(taken));
        // What the kernel left stays queued, in order: the peer reads, the queue writes on.
        QByteArray received = readAll(pair[1]);
        QCOMPARE(received.size(), taken);
        while (!out.isEmpty()) {
            QVERIFY(out.sendTo(pair[0]));
            received += readAll(pair[1]);
        }
        QCOMPARE(out.size(), 0);
        QCOMPARE(received, expected);
        ::close(pair[0]);
        ::close(pair[1]);
    }

    void aFullQueueGoesInOneCallWhenTheKernelHasRoom()
    {
        int pair[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
        OutQueue out;
        QByteArray expected;
        for (int i = 0; i < 50; ++i) {
            out.append(frameNumber(i));
            expected += frameNumber(i);
        }
        QVERIFY(out.sendTo(pair[0]));
        QVERIFY(out.isEmpty());
        QCOMPARE(readAll(pair[1]), expected);
        ::close(pair[0]);
        ::close(pair[1]);
    }

    void aClosedPeerIsAFailure()
    {
        int pair[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
        ::close(pair[1]);
        OutQueue out;
        out.append("frame");
        QVERIFY(!out.sendTo(pair[0]));
        QCOMPARE(out.size(), 5); // nothing was written: the caller hands it to Qt, which closes
        ::close(pair[0]);
    }
};

QTEST_APPLESS_MAIN(TestOutQueue)
#include "tst_outqueue.moc"
