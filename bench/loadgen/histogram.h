// Latency histogram with log-linear buckets (16 per power of two): constant memory, about 4%
// resolution, exact maximum. Enough for p50/p90/p99 over millions of samples.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace confab::bench {

class Histogram
{
public:
    void add(uint64_t micros)
    {
        ++m_buckets[bucketOf(micros)];
        ++m_count;
        if (micros > m_max)
            m_max = micros;
    }
    uint64_t count() const { return m_count; }
    uint64_t max() const { return m_max; }
    // The value below which the fraction q of the samples lie (upper bucket bound).
    uint64_t quantile(double q) const
    {
        if (m_count == 0)
            return 0;
        const auto target = uint64_t(q * double(m_count - 1)) + 1;
        uint64_t seen = 0;
        for (std::size_t i = 0; i < m_buckets.size(); ++i) {
            seen += m_buckets[i];
            if (seen >= target)
                return upperBound(i) < m_max ? upperBound(i) : m_max;
        }
        return m_max;
    }

private:
    static constexpr int Sub = 16;
    static std::size_t bucketOf(uint64_t v)
    {
        if (v < Sub)
            return std::size_t(v);
        const int exponent = 63 - std::countl_zero(v); // >= 4
        const auto mantissa = std::size_t((v >> (exponent - 4)) & (Sub - 1));
        return std::size_t(exponent - 3) * Sub + mantissa;
    }
    static uint64_t upperBound(std::size_t bucket)
    {
        if (bucket < Sub)
            return bucket;
        const int exponent = int(bucket / Sub) + 3;
        const uint64_t mantissa = bucket % Sub;
        return ((Sub + mantissa + 1) << (exponent - 4)) - 1;
    }

    std::array<uint64_t, 64 * Sub> m_buckets{};
    uint64_t m_count = 0;
    uint64_t m_max = 0;
};

} // namespace confab::bench
