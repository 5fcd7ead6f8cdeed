// The load generator: N members over R rooms speaking PROTOCOL v1, P of them publishing, paced
// or saturating with a bounded in-flight window. Every payload carries its room, publisher,
// sequence number and send time, so each delivery is checked for loss, order, duplicates and
// room, and its latency measured (publish to delivery, on the system-wide monotonic clock).
#pragma once

#include "histogram.h"
#include "procstats.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>
#include <memory>
#include <vector>

namespace confab::bench {

struct LoadConfig {
    QUrl url{QStringLiteral("ws://127.0.0.1:7300/ws")};
    int members = 100;
    int rooms = 1;
    int publishers = 10;
    double rate = 100;    // messages per second in total; 0 saturates
    int window = 16;      // in flight per publisher when saturating
    double duration = 10; // seconds measured
    double warmup = 1;    // seconds of load before measuring
    int size = 100;       // payload text bytes
    int connectBatch = 200;
    qint64 serverPid = 0;
    bool idle = false;   // connect and hello only
    double timeout = 60; // give up after this long connecting
};

struct LoadResult {
    qint64 sent = 0;
    qint64 expected = 0;
    qint64 delivered = 0;
    qint64 outOfOrder = 0; // includes duplicates
    qint64 wrongRoom = 0;
    qint64 errors = 0; // error frames received
    qint64 closed = 0; // connections lost during the run
    double seconds = 0;
    double connectSeconds = 0;
    Histogram latencyUs;
    ProcStats serverBefore, serverAfter;
    int connected = 0;

    QJsonObject toJson(const LoadConfig &config) const;
    QString toText(const LoadConfig &config) const;
};

class LoadGenerator : public QObject
{
    Q_OBJECT
public:
    explicit LoadGenerator(LoadConfig config, QObject *parent = nullptr);
    void start();
    const LoadResult &result() const { return m_result; }

Q_SIGNALS:
    void finished(bool ok);

private:
    struct Member {
        std::unique_ptr<QWebSocket> socket;
        int room = 0;
        int publisher = -1; // index among publishers, or -1
        bool ready = false;
        std::vector<qint64> lastSeq; // per publisher
    };
    struct Publisher {
        int member = 0;
        int room = 0;
        qint64 nextSeq = 1;
        int inFlight = 0;
    };

    void openBatch();
    void onText(int member, const QString &text);
    void memberReady();
    void beginLoad();
    void beginMeasuring();
    void tick();
    void publish(int publisher);
    void stopSending();
    void finish();

    LoadConfig m_config;
    LoadResult m_result;
    std::vector<Member> m_members;
    std::vector<Publisher> m_publishers;
    std::vector<int> m_roomSize;
    int m_opened = 0;
    int m_ready = 0;
    bool m_sending = false;
    bool m_measuring = false;
    qint64 m_measureStartNs = 0;
    qint64 m_loadStartNs = 0;
    qint64 m_paced = 0;
    int m_nextPublisher = 0;
    QElapsedTimer m_clock;
    QTimer m_ticker;
    QTimer m_deadline;
};

} // namespace confab::bench
