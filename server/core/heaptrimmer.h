// Gives back to the system the memory a burst leaves behind.
//
// In a reconnect storm of 5,000 into one room every join's presence is queued to every member
// within a few turns: the queues' piece lists (OutQueue) grow to tens of megabytes and are freed
// a moment later, but glibc keeps the freed pages, scattered between live blocks, in the process
// for good. Measured: 65.9 MB of RSS with the 5,000 joined, 20.0 MB after one malloc_trim(0).
// So once the queues have released a few megabytes and then gone quiet (checked four times a
// second: a quarter second with less than a sixteenth of that released), the server trims its
// heap, at most once a second and never sooner than a thousand times the last trim's cost
// after it (a trim walks the free lists: a heap shredded by two million frees took 126 ms
// here), so that trimming costs the event loop at most a thousandth of its time.
#pragma once

#include <QObject>
#include <QTimer>

namespace confab {

class HeapTrimmer : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 ReleasedBytesBeforeTrim = 4 * 1024 * 1024;
    static constexpr qint64 MinSpacingMs = 1000;
    static constexpr qint64 MaxSpacingMs = 600'000;
    static constexpr qint64 CostFactor = 1000;
    static constexpr int CheckIntervalMs = 250;

    explicit HeapTrimmer(QObject *parent = nullptr);

    // Counts bytes released by this thread's queues since the last look, and trims when due
    // and the burst is over (this look found little new).
    void check();
    // The rule, on its own: whether a trim is due with this much released at this time.
    bool due(qint64 releasedBytes, qint64 nowNs) const;
    // Trims now; returns what it cost in nanoseconds and spaces the next trim by it.
    qint64 trim();

    int trims() const { return m_trims; }
    qint64 notBeforeNs() const { return m_notBeforeNs; }

private:
    QTimer m_timer;
    qint64 m_released = 0;
    qint64 m_notBeforeNs = 0;
    int m_trims = 0;
};

} // namespace confab
