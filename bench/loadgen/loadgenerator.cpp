#include "loadgenerator.h"

#include "eventframes.h"
#include "frames.h"

#include <QJsonArray>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <string>

namespace confab::bench {

namespace {

qint64 nowNs()
{
    // steady_clock is CLOCK_MONOTONIC: one clock for every process on the machine.
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Room names, nicks and frames are built as UTF-8 bytes: that is what goes on the wire.
std::string roomName(int room)
{
    return "bench" + std::to_string(room);
}

// A frame the generator sends, built by its type (frames.h).
std::string wireText(const QJsonObject &frame)
{
    const QByteArray json = protocol::encode(frame);
    return std::string(json.constData(), size_t(json.size()));
}

// The send frame for a room, cut where its text goes: encoded once through frames.h, and each
// publish puts its payload between the two halves. The payload ("lg|…|xxx") is plain ASCII that
// JSON writes as it is, so the bytes are those encoding every send would give, without a JSON
// encoding per message (the generator must cost far less than the server it measures).
std::pair<std::string, std::string> sendFrameAround(int room)
{
    const QString marker = QStringLiteral("@text@");
    const std::string frame =
        wireText(protocol::SendRequest{QString::fromStdString(roomName(room)), std::nullopt, marker}
                     .toJson());
    const size_t at = frame.find(marker.toStdString());
    return {frame.substr(0, at), frame.substr(at + size_t(marker.size()))};
}

// Parses the payload "lg|room|publisher|seq|sendNs|padding" out of a message frame without a
// JSON parser (the generator must not be the bottleneck). Received frames are read this way and
// by a look at their type, not decoded through frames.h: QJsonDocument per delivered frame made
// the generator, not the server, the bottleneck.
bool parsePayload(std::string_view frame, int &room, int &publisher, qint64 &seq, qint64 &sentNs)
{
    static constexpr std::string_view marker = "\"text\":\"lg|";
    const size_t at = frame.find(marker);
    if (at == std::string_view::npos)
        return false;
    size_t pos = at + marker.size();
    qint64 values[4];
    for (qint64 &v : values) {
        v = 0;
        bool digit = false;
        while (pos < frame.size() && frame[pos] >= '0' && frame[pos] <= '9') {
            v = v * 10 + (frame[pos] - '0');
            ++pos;
            digit = true;
        }
        if (!digit || pos >= frame.size() || frame[pos] != '|')
            return false;
        ++pos;
    }
    room = int(values[0]);
    publisher = int(values[1]);
    seq = values[2];
    sentNs = values[3];
    return true;
}

// A frame's own "type" and, for a `joined`, how many objects its "members" array holds, found in
// one pass over the bytes. A QJsonDocument per frame would make the generator the bottleneck of
// the join storm: a `joined` for 5,000 members is 300 KB, and each member also gets thousands of
// presences.
struct Scanned {
    std::string_view type;
    int members = -1; // -1: no "members" array
};

Scanned scanFrame(std::string_view s)
{
    Scanned out;
    int depth = 0;
    bool expectKey = false; // at depth 1, the next string is a key
    std::string_view key;   // the depth-1 key whose value comes next
    int membersDepth = 0;   // the depth of the members array's elements, 0 outside it
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '"') {
            // To the closing quote: the next one not escaped by an odd run of backslashes.
            const size_t start = ++i;
            for (;; ++i) {
                i = s.find('"', i);
                if (i == s.npos) {
                    i = s.size();
                    break;
                }
                size_t backslashes = 0;
                while (i - backslashes > start && s[i - backslashes - 1] == '\\')
                    ++backslashes;
                if (backslashes % 2 == 0)
                    break;
            }
            const std::string_view str = s.substr(start, i - start);
            if (depth == 1 && expectKey) {
                key = str;
                expectKey = false;
            } else if (depth == 1 && key == "type") {
                out.type = str;
            }
            continue;
        }
        switch (c) {
        case '[':
        case '{':
            if (depth == 1 && c == '[' && key == "members") {
                membersDepth = depth + 1;
                out.members = 0;
            } else if (membersDepth != 0 && depth == membersDepth && c == '{') {
                ++out.members;
            }
            if (++depth == 1)
                expectKey = true;
            break;
        case ']':
        case '}':
            if (--depth < membersDepth)
                membersDepth = 0;
            break;
        case ',':
            if (depth == 1)
                expectKey = true;
            break;
        default:
            break;
        }
    }
    return out;
}

bool isMessageFrame(std::string_view text)
{
    // Confab sorts keys (type comes last), the peers put it first. A joined frame holds
    // messages in its history, so only the frame's own type counts. An edit carries a payload
    // in its text like a message (--events).
    return text.ends_with("\"type\":\"message\"}") || text.starts_with("{\"type\":\"message\"")
           || text.ends_with("\"type\":\"edit\"}");
}

// The room seq of a message frame ("seq":N), 0 when absent.
qint64 frameSeq(std::string_view text)
{
    static constexpr std::string_view key = "\"seq\":";
    const size_t at = text.find(key);
    if (at == std::string_view::npos)
        return 0;
    qint64 seq = 0;
    for (size_t pos = at + key.size(); pos < text.size() && text[pos] >= '0' && text[pos] <= '9';
         ++pos)
        seq = seq * 10 + (text[pos] - '0');
    return seq;
}

constexpr qint64 Ms = 1000000;

} // namespace

LoadGenerator::LoadGenerator(LoadConfig config)
    : m_config(std::move(config))
    , m_clients({[this](int id) {
                     protocol::Hello hello;
                     hello.nick = QStringLiteral("lg%1").arg(id);
                     m_clients.sendText(id, wireText(hello.toJson()));
                 },
                 [this](int id, std::string_view text) { onText(id, text); },
                 [this](int id, const std::string &why) {
                     if (m_result.closed++ == 0)
                         std::fprintf(stderr, "loadgen: a connection was lost: %s\n", why.c_str());
                     ++m_lostWhy[why];
                     memberLost(id);
                 }})
{}

bool LoadGenerator::run()
{
    std::string error;
    for (const QUrl &url : std::as_const(m_config.urls)) {
        const QByteArray path = url.path().isEmpty() ? QByteArray("/") : url.path().toUtf8();
        if (!m_clients.addTarget(url.host().toStdString(), uint16_t(url.port(80)),
                                 path.toStdString(), &error)) {
            std::fprintf(stderr, "loadgen: %s\n", error.c_str());
            return false;
        }
    }
    const size_t servers = size_t(m_config.urls.size());
    const int rooms = std::max(1, m_config.rooms);
    const bool publishing = !m_config.idle && !m_config.joinStorm;
    const int publishers = publishing ? std::min(m_config.publishers, m_config.members) : 0;
    m_members.resize(size_t(m_config.members));
    m_roomSize.assign(size_t(rooms), 0);
    for (int i = 0; i < m_config.members; ++i) {
        m_members[size_t(i)].room = i % rooms;
        // Within a room its members alternate between the servers, and so do the rooms' first
        // members (a room of one is on either).
        m_members[size_t(i)].target = size_t(i % rooms + i / rooms) % servers;
        ++m_roomSize[size_t(i % rooms)];
        if (m_config.killPid > 0 && m_members[size_t(i)].target == servers - 1)
            ++m_doomed;
    }
    // Publishers spread over the rooms: member i is in room i % rooms.
    for (int p = 0; p < publishers; ++p) {
        m_members[size_t(p)].publisher = p;
        auto [sendHead, sendTail] = sendFrameAround(p % rooms);
        m_publishers.push_back({p, p % rooms, 1, 0, std::move(sendHead), std::move(sendTail)});
        // --events: publishers start at different points of their cycle, so that edits and
        // reactions are mixed from the first second on.
        const double owed = double(p) * m_config.events;
        m_publishers.back().eventsOwed = owed - std::floor(owed);
        m_publishers.back().editNext = p % 2 == 0;
    }
    for (Member &m : m_members)
        m.lastSeq.assign(size_t(publishers), 0);
    for (const int size : m_roomSize)
        m_listedCount.emplace_back(size_t(size) + 1, 0);
    if (m_config.serverPid > 0)
        m_result.serverBefore = readProcStats(m_config.serverPid);
    m_startNs = nowNs();
    m_phaseEndNs = m_startNs + qint64(m_config.timeout * 1e9);
    openBatch();
    while (m_phase != Phase::Done) {
        m_clients.poll(pollTimeoutMs(nowNs()));
        onTime(nowNs());
    }
    m_clients.closeAll();
    for (const auto &[why, count] : m_lostWhy)
        std::fprintf(stderr, "loadgen: %d connections lost: %s\n", count, why.c_str());
    return m_ok;
}

int LoadGenerator::pollTimeoutMs(qint64 now) const
{
    if (m_phase == Phase::Warming || m_phase == Phase::Measuring) {
        if (m_config.rate > 0)
            return 1; // pacing ticks
    }
    if (m_phase == Phase::Draining)
        return 5;
    return int(std::clamp<qint64>((m_phaseEndNs - now) / Ms, 0, 50));
}

void LoadGenerator::openBatch()
{
    // Keep at most connectBatch handshakes under way at once.
    while (m_opened < m_config.members && m_opened - m_ready < m_config.connectBatch) {
        m_clients.open(m_members[size_t(m_opened)].target);
        ++m_opened;
    }
}

void LoadGenerator::onText(int index, std::string_view text)
{
    Member &m = m_members[size_t(index)];
    if (isMessageFrame(text)) {
        int room = 0, publisher = 0;
        qint64 seq = 0, sentNs = 0;
        if (!parsePayload(text, room, publisher, seq, sentNs))
            return;
        if (publisher == m.publisher && publisher >= 0) {
            Publisher &p = m_publishers[size_t(publisher)];
            p.inFlight = std::max(0, p.inFlight - 1);
            if (m_config.events > 0 && text.ends_with("\"type\":\"message\"}")) {
                p.ownSeq = frameSeq(text); // a new target for its events
                p.reacted = false;
            }
            const bool sending = m_phase == Phase::Warming || m_phase == Phase::Measuring;
            if (sending && m_config.rate <= 0)
                publish(publisher);
        }
        if (m_phase < Phase::Measuring || sentNs < m_measureStartNs)
            return;
        if (publisher < 0 || size_t(publisher) >= m.lastSeq.size())
            return;
        ++m_result.delivered;
        if (room != m.room)
            ++m_result.wrongRoom;
        qint64 &last = m.lastSeq[size_t(publisher)];
        if (seq <= last)
            ++m_result.outOfOrder;
        else
            last = seq;
        const auto latencyUs = uint64_t(std::max<qint64>(0, nowNs() - sentNs) / 1000);
        m_result.latencyUs.add(latencyUs);
        if (m.target != m_members[size_t(m_publishers[size_t(publisher)].member)].target)
            m_result.crossLatencyUs.add(latencyUs);
        return;
    }
    if (text.ends_with("\"type\":\"reaction\"}")) {
        if (m_phase == Phase::Measuring || m_phase == Phase::Draining)
            ++m_result.reactionsDelivered;
        return;
    }
    if (m_phase == Phase::AwaitingLeaves && text.find("\"event\":\"leave\"") != text.npos
        && scanFrame(text).type == "presence") {
        onPresenceLeave(m);
        return;
    }
    if (m.ready && !m_config.joinStorm)
        return;
    // The join storm's bulk, a presence join (Confab sorts keys: "event" comes first), known
    // without a scan.
    if (m_config.joinStorm && m.ready && text.starts_with("{\"event\":\"join\",")
        && text.find("\"type\":\"presence\"") != text.npos) {
        onPresenceJoin(m);
        return;
    }
    const Scanned frame = scanFrame(text);
    if (frame.type == "presence") {
        if (m_config.joinStorm && m.ready && text.find("\"event\":\"join\"") != text.npos)
            onPresenceJoin(m);
        return;
    }
    if (frame.type == "error") {
        ++m_result.errors;
        return;
    }
    if (m.ready)
        return;
    if (frame.type == "welcome") {
        if (m_config.idle) {
            m.ready = true;
            memberReady();
        } else {
            const protocol::JoinRequest join{QString::fromStdString(roomName(m.room)),
                                             std::nullopt};
            m_clients.sendText(index, wireText(join.toJson()));
        }
    } else if (frame.type == "joined") {
        m.ready = true;
        memberReady();
        if (m_config.joinStorm)
            onJoined(m, frame.members);
    }
}

void LoadGenerator::onJoined(Member &m, int listed)
{
    // Joins are handled one at a time, so the k-th member to join is listed with k members:
    // every count from 1 to the room's size once.
    m.listed = listed;
    auto &counts = m_listedCount[size_t(m.room)];
    if (listed < 1 || size_t(listed) >= counts.size() || ++counts[size_t(listed)] > 1)
        ++m_result.badMembers;
    checkComplete(m);
}

void LoadGenerator::onPresenceJoin(Member &m)
{
    ++m_result.presences;
    ++m.presences;
    if (m.complete)
        ++m_result.extraPresences;
    else
        checkComplete(m);
}

void LoadGenerator::checkComplete(Member &m)
{
    // Everyone listed in its `joined` joined before it; everyone else owes it a presence.
    if (m.complete || m.presences < m_roomSize[size_t(m.room)] - m.listed)
        return;
    m.complete = true;
    ++m_complete;
    checkStormOver();
}

void LoadGenerator::memberLost(int index)
{
    // A member lost before it was complete never will be: the storm ends without it.
    Member &m = m_members[size_t(index)];
    if (!m_config.joinStorm || m.complete || m.lost)
        return;
    m.lost = true;
    ++m_lost;
    checkStormOver();
}

void LoadGenerator::checkStormOver()
{
    if (m_complete + m_lost == m_config.members && m_phase == Phase::Connecting)
        stormComplete(nowNs());
}

void LoadGenerator::stormComplete(qint64 now)
{
    m_result.completeSeconds = double(now - m_startNs) / 1e9;
    m_ok = m_lost == 0;
    std::fprintf(stderr, "loadgen: join storm over after %.2f s, %d members lost\n",
                 m_result.completeSeconds, m_lost);
    // Let the server settle, then read its memory.
    m_phase = Phase::Settling;
    m_phaseEndNs = now + qint64(m_config.settle * 1e9);
}

void LoadGenerator::killServer(qint64 now)
{
    std::fprintf(stderr, "loadgen: killing server pid %lld (%d members on it)\n",
                 static_cast<long long>(m_config.killPid), m_doomed);
    m_killNs = now;
    m_phase = Phase::AwaitingLeaves;
    m_phaseEndNs = now + qint64(m_config.timeout * 1e9);
    ::kill(pid_t(m_config.killPid), SIGKILL);
}

void LoadGenerator::onPresenceLeave(Member &m)
{
    const size_t killed = size_t(m_config.urls.size()) - 1;
    if (m.target == killed)
        return;
    ++m_result.leaves;
    if (++m.leaves != m_doomed)
        return;
    const int survivors = m_config.members - m_doomed;
    if (++m_leftComplete < survivors)
        return;
    m_result.leaveSeconds = double(nowNs() - m_killNs) / 1e9;
    std::fprintf(stderr, "loadgen: every leave arrived %.2f s after the kill\n",
                 m_result.leaveSeconds);
    m_phase = Phase::Done;
}

void LoadGenerator::memberReady()
{
    ++m_ready;
    if (m_opened < m_config.members)
        openBatch();
    if (m_ready < m_config.members)
        return;
    const qint64 now = nowNs();
    m_result.connected = m_ready;
    m_result.connectSeconds = double(now - m_startNs) / 1e9;
    if (m_config.joinStorm)
        return; // done when every presence has arrived too (checkComplete)
    if (m_config.idle || m_config.killPid > 0) {
        // Let the server settle, then read its memory.
        m_phase = Phase::Settling;
        m_phaseEndNs = now + qint64(m_config.settle * 1e9);
        return;
    }
    beginLoad(now);
}

void LoadGenerator::beginLoad(qint64 now)
{
    m_phase = Phase::Warming;
    m_loadStartNs = now;
    m_phaseEndNs = now + qint64(m_config.warmup * 1e9);
    if (m_config.rate <= 0) {
        for (size_t p = 0; p < m_publishers.size(); ++p) {
            for (int w = 0; w < m_config.window; ++w)
                publish(int(p));
        }
    }
}

void LoadGenerator::onTime(qint64 now)
{
    if (m_phase == Phase::Warming || m_phase == Phase::Measuring)
        tick(now);
    if (m_config.count > 0 && m_published >= m_config.count && m_phase == Phase::Measuring
        && m_result.delivered >= m_result.expected)
        m_phaseEndNs = now; // all of --count delivered
    if (now < m_phaseEndNs
        && !(m_phase == Phase::Draining && m_result.delivered >= m_result.expected))
        return;
    switch (m_phase) {
    case Phase::Connecting:
        std::fprintf(stderr, "loadgen: gave up: %d of %d members ready, %d complete\n", m_ready,
                     m_config.members, m_complete);
        m_ok = false;
        m_phase = Phase::Done;
        break;
    case Phase::Settling:
        if (m_config.killPid > 0 && m_killNs == 0)
            killServer(now);
        else
            m_phase = Phase::Done;
        break;
    case Phase::AwaitingLeaves:
        std::fprintf(stderr, "loadgen: gave up: %lld of %lld leaves after the kill\n",
                     static_cast<long long>(m_result.leaves),
                     static_cast<long long>(qint64(m_doomed) * (m_config.members - m_doomed)));
        m_ok = false;
        m_phase = Phase::Done;
        break;
    case Phase::Warming:
        if (m_config.serverPid > 0)
            m_result.serverBefore = readProcStats(m_config.serverPid);
        m_measureStartNs = now;
        m_phase = Phase::Measuring;
        m_phaseEndNs = now + qint64(m_config.duration * 1e9);
        break;
    case Phase::Measuring:
        m_result.seconds = double(now - m_measureStartNs) / 1e9;
        if (m_config.serverPid > 0)
            m_result.serverAfter = readProcStats(m_config.serverPid);
        // Drain: wait until everything expected arrived, at most 5 s.
        m_phase = Phase::Draining;
        m_phaseEndNs = now + 5000 * Ms;
        break;
    case Phase::Draining:
        m_phase = Phase::Done;
        break;
    case Phase::Done:
        break;
    }
    if (m_phase == Phase::Done && m_config.serverPid > 0 && !m_result.serverAfter.ok)
        m_result.serverAfter = readProcStats(m_config.serverPid);
}

void LoadGenerator::tick(qint64 now)
{
    if (m_config.rate <= 0)
        return;
    const double elapsed = double(now - m_loadStartNs) / 1e9;
    const auto due = qint64(elapsed * m_config.rate);
    while (m_paced < due && !m_publishers.empty()) {
        publish(m_nextPublisher);
        m_nextPublisher = (m_nextPublisher + 1) % int(m_publishers.size());
        ++m_paced;
    }
}

void LoadGenerator::publish(int index)
{
    if (m_config.count > 0 && m_published >= m_config.count)
        return;
    ++m_published;
    Publisher &p = m_publishers[size_t(index)];
    char text[64];
    const int n =
        std::snprintf(text, sizeof text, "lg|%d|%d|%lld|%lld|", p.room, index,
                      static_cast<long long>(p.nextSeq++), static_cast<long long>(nowNs()));
    std::string payload(text, size_t(n));
    if (n < m_config.size)
        payload.append(size_t(m_config.size - n), 'x');
    if (m_config.events > 0) {
        p.eventsOwed += m_config.events;
        if (p.eventsOwed >= 1 && publishEvent(p, payload)) {
            p.eventsOwed -= 1;
            return;
        }
    }
    std::string frame = p.sendHead;
    if (m_config.clientIds) { // first in the object: the rest of the frame stays as encoded
        std::snprintf(text, sizeof text, "\"id\":\"%d-%lld\",", index,
                      static_cast<long long>(p.nextSeq));
        frame.insert(1, text);
    }
    frame += payload;
    frame += p.sendTail;
    ++p.inFlight;
    if (m_phase == Phase::Measuring) {
        ++m_result.sent;
        m_result.expected += m_roomSize[size_t(p.room)];
    }
    m_clients.sendText(p.member, frame);
}

bool LoadGenerator::publishEvent(Publisher &p, std::string_view payload)
{
    if (p.ownSeq == 0)
        return false;
    const bool measuring = m_phase == Phase::Measuring;
    const QString room = QString::fromStdString(roomName(p.room));
    if (p.editNext) {
        // Encoded per edit (a quarter of the load at most): the payload is plain ASCII.
        const protocol::EditRequest edit{
            room, p.ownSeq, QString::fromLatin1(payload.data(), qsizetype(payload.size()))};
        m_clients.sendText(p.member, wireText(edit.toJson()));
        if (measuring) {
            ++m_result.sent;
            ++m_result.editsSent;
            m_result.expected += m_roomSize[size_t(p.room)];
        }
    } else {
        p.reacted = !p.reacted;
        const protocol::ReactRequest react{room, p.ownSeq, QStringLiteral("\U0001F44D"), p.reacted};
        m_clients.sendText(p.member, wireText(react.toJson()));
        if (measuring) {
            ++m_result.reactionsSent;
            m_result.reactionsExpected += m_roomSize[size_t(p.room)];
        }
    }
    p.editNext = !p.editNext;
    return true;
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
    if (c.urls.size() > 1) {
        o.insert("servers", double(c.urls.size()));
        o.insert("cross_delivered", double(crossLatencyUs.count()));
        o.insert("cross_p50_ms", double(crossLatencyUs.quantile(0.50)) / 1000);
        o.insert("cross_p99_ms", double(crossLatencyUs.quantile(0.99)) / 1000);
    }
    if (c.events > 0) {
        o.insert("edits_sent", double(editsSent));
        o.insert("reactions_sent", double(reactionsSent));
        o.insert("reactions_expected", double(reactionsExpected));
        o.insert("reactions_delivered", double(reactionsDelivered));
    }
    if (c.killPid > 0) {
        o.insert("leave_s", leaveSeconds);
        o.insert("leaves", double(leaves));
    }
    if (c.joinStorm) {
        o.insert("complete_s", completeSeconds);
        o.insert("presences", double(presences));
        o.insert("bad_members", double(badMembers));
        o.insert("extra_presences", double(extraPresences));
    }
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
