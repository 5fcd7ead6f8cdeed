#include "ratelimiter.h"

#include <algorithm>
#include <cmath>

namespace confab {

TokenBucket::TokenBucket(double ratePerSec, double burst, qint64 nowNs)
    : m_ratePerNs(ratePerSec / 1e9)
    , m_burst(burst)
    , m_tokens(burst)
    , m_lastNs(nowNs)
{}

void TokenBucket::refill(qint64 nowNs)
{
    if (nowNs > m_lastNs) {
        m_tokens = std::min(m_burst, m_tokens + double(nowNs - m_lastNs) * m_ratePerNs);
        m_lastNs = nowNs;
    }
}

bool TokenBucket::tryTake(qint64 nowNs)
{
    refill(nowNs);
    if (m_tokens < 1.0)
        return false;
    m_tokens -= 1.0;
    return true;
}

qint64 TokenBucket::msUntilNext(qint64 nowNs)
{
    refill(nowNs);
    if (m_tokens >= 1.0)
        return 0;
    return qint64(std::ceil((1.0 - m_tokens) / m_ratePerNs / 1e6));
}

bool TokenBucket::isFull(qint64 nowNs)
{
    refill(nowNs);
    return m_tokens >= m_burst;
}

FloodWindow::FloodWindow(int maxDrops, qint64 windowNs)
    : m_ring(size_t(std::max(maxDrops, 0)) + 1, 0)
    , m_windowNs(windowNs)
{}

bool FloodWindow::recordDrop(qint64 nowNs)
{
    m_ring[m_next] = nowNs;
    m_next = (m_next + 1) % m_ring.size();
    m_count = std::min(m_count + 1, m_ring.size());
    // With the ring full, m_next now points at the oldest of the last maxDrops+1 drops.
    return m_count == m_ring.size() && nowNs - m_ring[m_next] <= m_windowNs;
}

} // namespace confab
