#include "heaptrimmer.h"

#include "logging.h"
#include "monotonicclock.h"
#include "outqueue.h"

#include <algorithm>
#include <malloc.h>

namespace confab {

HeapTrimmer::HeapTrimmer(QObject *parent)
    : QObject(parent)
{
    connect(&m_timer, &QTimer::timeout, this, &HeapTrimmer::check);
    m_timer.start(CheckIntervalMs);
}

void HeapTrimmer::check()
{
    // Trim once the burst is over: while queues still give back megabytes a second the holes
    // fill again, and the trim (its cost grows with the holes) would stall a busy loop.
    const qint64 fresh = OutQueue::takeReleasedBytes();
    m_released += fresh;
    if (fresh < ReleasedBytesBeforeTrim / 16 && due(m_released, monotonicNs()))
        trim();
}

bool HeapTrimmer::due(qint64 releasedBytes, qint64 nowNs) const
{
    return releasedBytes >= ReleasedBytesBeforeTrim && nowNs >= m_notBeforeNs;
}

qint64 HeapTrimmer::trim()
{
    const qint64 start = monotonicNs();
    ::malloc_trim(0);
    const qint64 end = monotonicNs();
    const qint64 cost = end - start;
    m_released = 0;
    ++m_trims;
    m_notBeforeNs =
        end + std::clamp(cost * CostFactor, MinSpacingMs * NsPerMs, MaxSpacingMs * NsPerMs);
    qCDebug(lcServer) << "heap trimmed in" << cost / 1000 << "us";
    return cost;
}

} // namespace confab
