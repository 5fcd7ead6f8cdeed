// HeapTrimmer: after a burst of queued frames the heap is trimmed, with trims spaced by their
// cost; and a trim really gives back what freed blocks held (RSS of this process).
#include "heaptrimmer.h"
#include "monotonicclock.h"
#include "outqueue.h"

#include <QFile>
#include <QTest>
#include <cstring>
#include <vector>

using namespace confab;

namespace {

qint64 rssKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

// Queues `frames` pieces on one queue and empties it, as a storm's member queue does.
void burst(int frames)
{
    OutQueue queue;
    const QByteArray frame("presence");
    for (int i = 0; i < frames; ++i)
        queue.append(frame);
    queue.clear();
}

} // namespace

class TestHeapTrimmer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aQueueEmptiedAfterABurstCountsWhatItGaveBack()
    {
        OutQueue::takeReleasedBytes();
        burst(10); // a queue of a few frames keeps its room: nothing given back
        QCOMPARE(OutQueue::takeReleasedBytes(), 0);
        burst(1000);
        QVERIFY(OutQueue::takeReleasedBytes() >= 1000 * qint64(sizeof(QByteArray)));
        QCOMPARE(OutQueue::takeReleasedBytes(), 0); // taken once
    }

    void trimsAfterABurstThenWaitsByItsCost()
    {
        HeapTrimmer trimmer;
        const qint64 now = monotonicNs();
        QVERIFY(!trimmer.due(HeapTrimmer::ReleasedBytesBeforeTrim - 1, now));
        QVERIFY(trimmer.due(HeapTrimmer::ReleasedBytesBeforeTrim, now));

        OutQueue::takeReleasedBytes();
        trimmer.check();
        QCOMPARE(trimmer.trims(), 0); // nothing released: nothing to do
        burst(200'000);               // several megabytes of piece lists
        trimmer.check();
        QCOMPARE(trimmer.trims(), 0); // the burst may go on: not yet
        trimmer.check();
        QCOMPARE(trimmer.trims(), 1); // a second later nothing more came: now
        QVERIFY(trimmer.notBeforeNs() >= now + HeapTrimmer::MinSpacingMs * NsPerMs);

        burst(200'000);
        trimmer.check();
        trimmer.check();
        QCOMPARE(trimmer.trims(), 1); // too soon after the last
        QVERIFY(!trimmer.due(qint64(1) << 40, trimmer.notBeforeNs() - 1));
        QVERIFY(trimmer.due(HeapTrimmer::ReleasedBytesBeforeTrim, trimmer.notBeforeNs()));
    }

    void aTrimGivesBackWhatFreedBlocksHeld()
    {
#if defined(__SANITIZE_ADDRESS__)
        QSKIP("AddressSanitizer keeps its own heap, which malloc_trim does not reach");
#endif
        // 48 MB in small blocks, then all freed but every 256th: the survivors pin the heap's
        // top, so only a trim can give the holes back.
        std::vector<char *> blocks(480'000);
        for (char *&b : blocks) {
            b = new char[100];
            std::memset(b, 1, 100);
        }
        for (size_t i = 0; i < blocks.size(); ++i) {
            if (i % 256) {
                delete[] blocks[i];
                blocks[i] = nullptr;
            }
        }
        const qint64 before = rssKiB();
        HeapTrimmer trimmer;
        trimmer.trim();
        const qint64 after = rssKiB();
        for (char *b : blocks)
            delete[] b;
        QVERIFY2(
            before > 0 && after < before - 16 * 1024,
            qPrintable(
                QStringLiteral("RSS %1 KiB before the trim, %2 KiB after").arg(before).arg(after)));
    }
};

QTEST_GUILESS_MAIN(TestHeapTrimmer)
#include "tst_heaptrimmer.moc"
