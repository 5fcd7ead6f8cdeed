#include "loadgenerator.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <chrono>
#include <cstdio>

namespace confab::bench {

namespace {

qint64 nowNs()
{
    // steady_clock is CLOCK_MONOTONIC: one clock for every process on the machine.
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

QString roomName(int room)
{
    return QStringLiteral("bench%1").arg(room);
}

// Parses the payload "lg|room|publisher|seq|sendNs|padding" out of a message frame without a
// JSON parser (the generator must not be the bottleneck).
bool parsePayload(const QString &frame, int &room, int &publisher, qint64 &seq, qint64 &sentNs)
{
    static const QString marker = QStringLiteral("\"text\":\"lg|");
    const qsizetype at = frame.indexOf(marker);
    if (at < 0)
        return false;
    qsizetype pos = at + marker.size();
    qint64 values[4];
    for (qint64 &v : values) {
        v = 0;
        bool digit = false;
        while (pos < frame.size() && frame[pos].isDigit()) {
            v = v * 10 + frame[pos].digitValue();
            ++pos;
            digit = true;
        }
        if (!digit || pos >= frame.size() || frame[pos] != u'|')
            return false;
        ++pos;
    }
    room = int(values[0]);
    publisher = int(values[1]);
    seq = values[2];
    sentNs = values[3];
    return true;
}

} // namespace

LoadGenerator::LoadGenerator(LoadConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
    m_ticker.setTimerType(Qt::PreciseTimer);
    connect(&m_ticker, &QTimer::timeout, this, &LoadGenerator::tick);
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        std::fprintf(stderr, "loadgen: gave up: %d of %d members ready\n", m_ready,
                     m_config.members);
        Q_EMIT finished(false);
    });
}

void LoadGenerator::start()
{
    const int rooms = std::max(1, m_config.rooms);
    const int publishers = m_config.idle ? 0 : std::min(m_config.publishers, m_config.members);
    m_members.resize(size_t(m_config.members));
    m_roomSize.assign(size_t(rooms), 0);
    for (int i = 0; i < m_config.members; ++i) {
        m_members[size_t(i)].room = i % rooms;
        ++m_roomSize[size_t(i % rooms)];
    }
    // Publishers spread over the rooms: member i is in room i % rooms.
    for (int p = 0; p < publishers; ++p) {
        m_members[size_t(p)].publisher = p;
        m_publishers.push_back({p, p % rooms, 1, 0});
    }
    for (Member &m : m_members)
        m.lastSeq.assign(size_t(publishers), 0);
    if (m_config.serverPid > 0)
        m_result.serverBefore = readProcStats(m_config.serverPid);
    m_clock.start();
    m_deadline.start(int(m_config.timeout * 1000));
    openBatch();
}

void LoadGenerator::openBatch()
{
    // Keep at most connectBatch handshakes under way at once.
    while (m_opened < m_config.members && m_opened - m_ready < m_config.connectBatch) {
        const int i = m_opened++;
        Member &m = m_members[size_t(i)];
        m.socket = std::make_unique<QWebSocket>();
        m.socket->setMaxAllowedIncomingMessageSize(16 * 1024 * 1024);
        QWebSocket *socket = m.socket.get();
        connect(socket, &QWebSocket::connected, this, [this, socket, i] {
            socket->sendTextMessage(
                QStringLiteral("{\"type\":\"hello\",\"nick\":\"lg%1\"}").arg(i));
        });
        connect(socket, &QWebSocket::textMessageReceived, this,
                [this, i](const QString &text) { onText(i, text); });
        connect(socket, &QWebSocket::disconnected, this, [this] { ++m_result.closed; });
        socket->open(m_config.url);
    }
}

void LoadGenerator::onText(int index, const QString &text)
{
    Member &m = m_members[size_t(index)];
    // The frame's own type, cheaply: Confab sorts keys (type comes last), the peers put it
    // first; anything else is parsed properly. (A joined frame holds messages in its history.)
    QString type;
    if (text.endsWith(QLatin1String("\"type\":\"message\"}"))
        || text.startsWith(QLatin1String("{\"type\":\"message\"")))
        type = QStringLiteral("message");
    else
        type =
            QJsonDocument::fromJson(text.toUtf8()).object().value(QLatin1String("type")).toString();
    if (type == u"message") {
        int room = 0, publisher = 0;
        qint64 seq = 0, sentNs = 0;
        if (!parsePayload(text, room, publisher, seq, sentNs))
            return;
        if (publisher == m.publisher && publisher >= 0) {
            Publisher &p = m_publishers[size_t(publisher)];
            p.inFlight = std::max(0, p.inFlight - 1);
            if (m_sending && m_config.rate <= 0)
                publish(publisher);
        }
        if (!m_measuring || sentNs < m_measureStartNs)
            return;
        ++m_result.delivered;
        if (room != m.room)
            ++m_result.wrongRoom;
        qint64 &last = m.lastSeq[size_t(publisher)];
        if (seq <= last)
            ++m_result.outOfOrder;
        else
            last = seq;
        m_result.latencyUs.add(uint64_t(std::max<qint64>(0, nowNs() - sentNs) / 1000));
        return;
    }
    if (m.ready)
        return;
    if (type == u"welcome") {
        if (m_config.idle) {
            m.ready = true;
            memberReady();
        } else {
            m.socket->sendTextMessage(
                QStringLiteral("{\"type\":\"join\",\"room\":\"%1\"}").arg(roomName(m.room)));
        }
    } else if (type == u"joined") {
        m.ready = true;
        memberReady();
    } else if (type == u"error") {
        ++m_result.errors;
    }
}

void LoadGenerator::memberReady()
{
    ++m_ready;
    if (m_opened < m_config.members)
        openBatch();
    if (m_ready < m_config.members)
        return;
    m_deadline.stop();
    m_result.connected = m_ready;
    m_result.connectSeconds = double(m_clock.nsecsElapsed()) / 1e9;
    if (m_config.idle) {
        // Let the server settle, then read its memory.
        QTimer::singleShot(1000, this, &LoadGenerator::finish);
        return;
    }
    beginLoad();
}

void LoadGenerator::beginLoad()
{
    m_sending = true;
    m_loadStartNs = nowNs();
    if (m_config.rate > 0) {
        m_ticker.start(1);
    } else {
        for (size_t p = 0; p < m_publishers.size(); ++p) {
            for (int w = 0; w < m_config.window; ++w)
                publish(int(p));
        }
    }
    QTimer::singleShot(int(m_config.warmup * 1000), this, &LoadGenerator::beginMeasuring);
}

void LoadGenerator::beginMeasuring()
{
    if (m_config.serverPid > 0)
        m_result.serverBefore = readProcStats(m_config.serverPid);
    m_measureStartNs = nowNs();
    m_measuring = true;
    QTimer::singleShot(int(m_config.duration * 1000), this, &LoadGenerator::stopSending);
}

void LoadGenerator::tick()
{
    const double elapsed = double(nowNs() - m_loadStartNs) / 1e9;
    const auto due = qint64(elapsed * m_config.rate);
    while (m_paced < due && !m_publishers.empty()) {
        publish(m_nextPublisher);
        m_nextPublisher = (m_nextPublisher + 1) % int(m_publishers.size());
        ++m_paced;
    }
}

void LoadGenerator::publish(int index)
{
    Publisher &p = m_publishers[size_t(index)];
    const qint64 sent = nowNs();
    QString text =
        QStringLiteral("lg|%1|%2|%3|%4|").arg(p.room).arg(index).arg(p.nextSeq++).arg(sent);
    if (text.size() < m_config.size)
        text += QString(m_config.size - text.size(), u'x');
    ++p.inFlight;
    if (m_measuring) {
        ++m_result.sent;
        m_result.expected += m_roomSize[size_t(p.room)];
    }
    m_members[size_t(p.member)].socket->sendTextMessage(
        QStringLiteral("{\"type\":\"send\",\"room\":\"%1\",\"text\":\"%2\"}")
            .arg(roomName(p.room), text));
}

void LoadGenerator::stopSending()
{
    m_sending = false;
    m_ticker.stop();
    m_result.seconds = double(nowNs() - m_measureStartNs) / 1e9;
    if (m_config.serverPid > 0)
        m_result.serverAfter = readProcStats(m_config.serverPid);
    // Drain: wait until everything expected arrived, at most 5 s.
    auto *drain = new QTimer(this);
    QElapsedTimer waited;
    waited.start();
    connect(drain, &QTimer::timeout, this, [this, drain, waited] {
        if (m_result.delivered >= m_result.expected || waited.elapsed() > 5000) {
            drain->stop();
            finish();
        }
    });
    drain->start(20);
}

void LoadGenerator::finish()
{
    if (m_config.serverPid > 0 && !m_result.serverAfter.ok)
        m_result.serverAfter = readProcStats(m_config.serverPid);
    m_measuring = false;
    Q_EMIT finished(true);
}

QJsonObject LoadResult::toJson(const LoadConfig &c) const
{
    const double perSec = seconds > 0 ? double(delivered) / seconds : 0;
    QJsonObject o{{"members", c.members},
                  {"rooms", c.rooms},
                  {"publishers", c.publishers},
                  {"rate", c.rate},
                  {"connected", connected},
                  {"connect_s", connectSeconds},
                  {"sent", double(sent)},
                  {"expected", double(expected)},
                  {"delivered", double(delivered)},
                  {"lost", double(std::max<qint64>(0, expected - delivered))},
                  {"out_of_order", double(outOfOrder)},
                  {"wrong_room", double(wrongRoom)},
                  {"errors", double(errors)},
                  {"closed", double(closed)},
                  {"delivered_per_s", perSec},
                  {"p50_ms", double(latencyUs.quantile(0.50)) / 1000},
                  {"p90_ms", double(latencyUs.quantile(0.90)) / 1000},
                  {"p99_ms", double(latencyUs.quantile(0.99)) / 1000},
                  {"max_ms", double(latencyUs.max()) / 1000}};
    if (serverAfter.ok) {
        o.insert("server_cpu_s", serverAfter.cpuSeconds - serverBefore.cpuSeconds);
        o.insert("server_peak_rss_kib", double(serverAfter.peakRssKiB));
        o.insert("server_rss_kib", double(serverAfter.rssKiB));
    }
    return o;
}

QString LoadResult::toText(const LoadConfig &c) const
{
    const QJsonObject o = toJson(c);
    QString out;
    for (auto it = o.begin(); it != o.end(); ++it)
        out += QStringLiteral("%1: %2\n").arg(it.key(), -22).arg(it.value().toVariant().toString());
    return out;
}

} // namespace confab::bench
