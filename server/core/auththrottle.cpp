#include "auththrottle.h"

#include "monotonicclock.h"

namespace confab {

AuthThrottle::AuthThrottle(QString what, Category category, Settings settings, QObject *parent)
    : QObject(parent)
    , m_what(std::move(what))
    , m_category(category)
    , m_settings(settings)
{
    m_timer.setInterval(m_settings.logIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, [this] { flush(monotonicNs()); });
    m_timer.start();
}

QByteArray AuthThrottle::addressKey(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4); // also for ::ffff:a.b.c.d
    if (isV4) {
        const char bytes[4] = {char(v4 >> 24), char(v4 >> 16), char(v4 >> 8), char(v4)};
        return QByteArray(bytes, 4);
    }
    const Q_IPV6ADDR v6 = address.toIPv6Address();
    return QByteArray(reinterpret_cast<const char *>(v6.c), 8);
}

TokenBucket &AuthThrottle::bucket(const QByteArray &key, qint64 nowNs)
{
    auto it = m_buckets.find(key);
    if (it != m_buckets.end())
        return *it;
    if (m_buckets.size() >= m_settings.maxKeys) {
        flush(nowNs); // forgets the keys at rest
        if (m_buckets.size() >= m_settings.maxKeys) {
            qCWarning(m_category).noquote()
                << QStringLiteral("more than %1 clients fail %2 checks: forgetting them all")
                       .arg(m_settings.maxKeys)
                       .arg(m_what);
            m_buckets.clear();
        }
    }
    return *m_buckets.insert(key,
                             TokenBucket(1000.0 / m_settings.retryMs, m_settings.burst, nowNs));
}

qint64 AuthThrottle::retryMs(const QByteArray &key, qint64 nowNs)
{
    const auto it = m_buckets.find(key);
    return it == m_buckets.end() ? 0 : it->msUntilNext(nowNs);
}

void AuthThrottle::failed(const QByteArray &key, const QString &who, qint64 nowNs)
{
    bucket(key, nowNs).tryTake(nowNs);
    const auto it = m_subjects.find(who);
    if (it == m_subjects.end()) {
        qCInfo(m_category).noquote()
            << QStringLiteral("authentication failed (wrong %1) from %2").arg(m_what, who);
        m_subjects.insert(who, {nowNs, 0, 0});
    } else {
        ++it->failed;
    }
}

void AuthThrottle::refused(const QString &who)
{
    ++m_subjects[who].refused;
}

void AuthThrottle::flush(qint64 nowNs)
{
    const qint64 intervalNs = qint64(m_settings.logIntervalMs) * NsPerMs;
    for (auto it = m_subjects.begin(); it != m_subjects.end();) {
        Subject &s = *it;
        if (s.failed == 0 && s.refused == 0) {
            // Quiet for an interval: its next failure is news again.
            if (nowNs - s.lastLogNs >= intervalNs) {
                it = m_subjects.erase(it);
                continue;
            }
        } else if (nowNs - s.lastLogNs >= intervalNs) {
            qCInfo(m_category).noquote()
                << QStringLiteral("authentication failed (wrong %1) from %2 %3 more times, and %4 "
                                  "tries were refused unchecked, in the last %5 s")
                       .arg(m_what, it.key())
                       .arg(s.failed)
                       .arg(s.refused)
                       .arg((nowNs - s.lastLogNs) / (1000 * NsPerMs));
            s = {nowNs, 0, 0};
        }
        ++it;
    }
    m_buckets.removeIf([nowNs](auto it) { return it.value().isFull(nowNs); });
}

} // namespace confab
