// Per-connection rate limiting on a monotonic clock: a token bucket for frames, and a window
// that notices a peer that keeps flooding after it was told to slow down.
#pragma once

#include "monotonicclock.h"

#include <QtGlobal>
#include <vector>

namespace confab {

class TokenBucket
{
public:
    TokenBucket(double ratePerSec, double burst, qint64 nowNs);

    // Takes one token if there is one.
    bool tryTake(qint64 nowNs);
    // Milliseconds until the next token is available (0 when one is there now).
    qint64 msUntilNext(qint64 nowNs);
    // True when the bucket has refilled to its burst (nothing to remember about it).
    bool isFull(qint64 nowNs);

private:
    void refill(qint64 nowNs);

    double m_ratePerNs;
    double m_burst;
    double m_tokens;
    qint64 m_lastNs;
};

// Remembers the times of the last maxDrops+1 drops; flooding is more than maxDrops drops within
// the window.
class FloodWindow
{
public:
    FloodWindow(int maxDrops, qint64 windowNs);

    // Records one drop; returns true when that makes the peer a flooder.
    bool recordDrop(qint64 nowNs);

private:
    std::vector<qint64> m_ring;
    size_t m_next = 0;
    size_t m_count = 0;
    qint64 m_windowNs;
};

} // namespace confab
