// The server's one clock for intervals and deadlines: never jumps with the wall clock.
#pragma once

#include <QtGlobal>
#include <chrono>

namespace confab {

inline constexpr qint64 NsPerMs = 1000000;

// Nanoseconds on a monotonic clock (CLOCK_MONOTONIC).
inline qint64 monotonicNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace confab
