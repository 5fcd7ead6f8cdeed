// Slows down password guessing: failed authentications are counted per key (a client address,
// a known token, a presented API token) in a token bucket. A few failures in a row are all
// checked; after that a key gets one more try per interval, and tries in between are refused
// without the secret being checked. Success costs nothing, so a key only slows down by failing.
//
// It also keeps the log short: the first failure of a subject ("who": an address, or one line
// for all wrong API tokens) is logged at once, later ones as one summary line per subject per
// log interval (3,000 wrong passwords a second were 3,000 log lines a second).
#pragma once

#include "ratelimiter.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QObject>
#include <QTimer>
#include <algorithm>

namespace confab {

class AuthThrottle : public QObject
{
    Q_OBJECT
public:
    struct Settings {
        int burst = 10;             // failures in a row that are all checked
        int retryMs = 1000;         // after them, one more try per this
        int logIntervalMs = 60000;  // at most one summary line per subject per this
        qsizetype maxKeys = 100000; // memory bound: beyond it, keys at rest are forgotten
    };

    // The settings of the one bucket every guess also draws from, whatever its key (issue 19:
    // fresh tokens and addresses cost an attacker nothing): ten times the burst, ten tries per
    // retry interval.
    static Settings globalFrom(const Settings &perKey)
    {
        return {perKey.burst * 10, std::max(1, perKey.retryMs / 10), perKey.logIntervalMs, 1};
    }
    static constexpr const char *GlobalKey = "g";

    using Category = const QLoggingCategory &(*)();

    // `what` names the secret in log lines ("password", "API token"), logged in `category`.
    AuthThrottle(QString what, Category category, Settings settings, QObject *parent = nullptr);

    // The key of a client address: an IPv4 address, or an IPv6 address's /64 (one host
    // usually holds a whole /64, so per address would be no limit at all).
    static QByteArray addressKey(const QHostAddress &address);

    // Milliseconds until this key may be checked again; 0 when it may be now.
    qint64 retryMs(const QByteArray &key, qint64 nowNs);
    // A check failed: one try used up.
    void failed(const QByteArray &key, const QString &who, qint64 nowNs);
    // The same failure counted under another key as well, without a log line of its own.
    void alsoFailed(const QByteArray &key, qint64 nowNs) { bucket(key, nowNs).tryTake(nowNs); }
    // A try was refused unchecked (retryMs() was not 0).
    void refused(const QString &who);
    // Logs the summaries due and forgets keys at rest; a timer calls it every log interval.
    void flush(qint64 nowNs);

    qsizetype keyCount() const { return m_buckets.size(); }

private:
    struct Subject {
        qint64 lastLogNs = 0;
        qint64 failed = 0;
        qint64 refused = 0;
    };

    TokenBucket &bucket(const QByteArray &key, qint64 nowNs);

    const QString m_what;
    const Category m_category;
    const Settings m_settings;
    QHash<QByteArray, TokenBucket> m_buckets;
    QHash<QString, Subject> m_subjects;
    QTimer m_timer;
};

} // namespace confab
