// Counters behind GET /metrics, rendered in the Prometheus text format.
#pragma once

#include <QByteArray>
#include <QMap>
#include <QString>

namespace confab {

struct Metrics {
    quint64 framesIn = 0;      // data frames received
    quint64 framesOut = 0;     // frames queued for sending
    quint64 messagesIn = 0;    // messages accepted (room, direct, HTTP publish)
    quint64 messagesOut = 0;   // message frames queued for recipients
    quint64 framesDropped = 0; // dropped by the rate limiter
    quint64 httpRequests = 0;
    quint64 directoryReads = 0;    // the room directory built anew (not served from its cache)
    QMap<QString, quint64> closes; // by reason: "slow", "flood", "too_big", "idle", ...

    void countClose(const QString &reason) { ++closes[reason]; }
    QByteArray render(qsizetype connections, qsizetype rooms) const;
};

} // namespace confab
