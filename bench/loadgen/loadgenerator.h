// The load generator: N members over R rooms speaking PROTOCOL v1, P of them publishing, paced
// or saturating with a bounded in-flight window. Every payload carries its room, publisher,
// sequence number and send time, so each delivery is checked for loss, order, duplicates and
// room, and its latency measured (publish to delivery, on the system-wide monotonic clock).
// The join storm (--join-storm) only connects, says hello and joins: it measures how long until
// every member has its `joined` and the presence of everyone who joined after it.
//
// Several --url (servers of one cluster): a room's members alternate between the servers;
// deliveries to a member on another server than the publisher's are also measured on their own
// (cross-server latency). With --kill-pid, once every member has joined, the generator SIGKILLs
// that process (the server of the last --url) and measures how long until every member on the other
// servers has a presence leave for each member it had there.
#pragma once

#include "histogram.h"
#include "procstats.h"
#include "wsclients.h"

#include <QJsonObject>
#include <QUrl>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace confab::bench {

struct LoadConfig {
    QList<QUrl> urls{QUrl(QStringLiteral("ws://127.0.0.1:7300/ws"))};
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
    bool idle = false;      // connect and hello only
    bool joinStorm = false; // connect, hello and join; no publishing
    double timeout = 60;    // give up after this long connecting
    double settle = 1;      // idle and join storm: seconds connected before the memory is read
    qint64 killPid = 0;     // the last url's server, killed once every member has joined
    double events = 0;      // fraction of publishes that are edits and reactions
    bool clientIds = false; // every send carries an id, as the app's and the web client's do
    qint64 count = 0;       // stop once this many were published and delivered (0: duration)
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
    Histogram crossLatencyUs; // deliveries to a member on another server than the publisher's
    // --events: edits sent (their deliveries count with the messages'), reactions sent, and the
    // reaction deliveries expected and received.
    qint64 editsSent = 0;
    qint64 reactionsSent = 0;
    qint64 reactionsExpected = 0;
    qint64 reactionsDelivered = 0;
    ProcStats serverBefore, serverAfter;
    int connected = 0;
    // Join storm: when every member also had every presence it was owed, how many presences
    // arrived, and the members whose `joined` listed a count no other member's did (or one out
    // of range), or that got more presences than were owed.
    double completeSeconds = 0;
    qint64 presences = 0;
    qint64 badMembers = 0;
    qint64 extraPresences = 0;
    // --kill-pid: seconds from the kill until every member on the other servers had the leave of
    // everyone on the killed one; the leaves that arrived.
    double leaveSeconds = 0;
    qint64 leaves = 0;

    QJsonObject toJson(const LoadConfig &config) const;
    QString toText(const LoadConfig &config) const;
};

// Runs on its own epoll loop (WsClients), not on Qt's event loop: see wsclients.h.
class LoadGenerator
{
public:
    explicit LoadGenerator(LoadConfig config);
    // Connects, loads, measures and drains; false if the members could not all get ready.
    bool run();
    const LoadResult &result() const { return m_result; }

private:
    struct Member {
        int room = 0;
        int publisher = -1; // index among publishers, or -1
        bool ready = false;
        std::vector<qint64> lastSeq; // per publisher
        int listed = 0;              // join storm: members its `joined` listed, itself included
        int presences = 0;           // join storm: presence joins received after its `joined`
        bool complete = false;
        bool lost = false; // closed before it was complete
        size_t target = 0; // the server it is connected to (an index into urls)
        int leaves = 0;    // --kill-pid: presence leaves received after the kill
    };
    struct Publisher {
        int member = 0;
        int room = 0;
        qint64 nextSeq = 1;
        int inFlight = 0;
        std::string sendHead, sendTail; // its send frame around the text (sendFrameAround)
        // --events: the room seq of its last message (the target of its edits and reactions),
        // whether its reaction is on there, how many events it owes, which kind is next.
        qint64 ownSeq = 0;
        bool reacted = false;
        double eventsOwed = 0;
        bool editNext = true;
    };
    enum class Phase { Connecting, Settling, Warming, Measuring, Draining, AwaitingLeaves, Done };

    void openBatch();
    void onText(int member, std::string_view text);
    void memberReady();
    void onJoined(Member &m, int listed);
    void onPresenceJoin(Member &m);
    void checkComplete(Member &m);
    void memberLost(int member);
    void checkStormOver();
    void killServer(qint64 now);
    void onPresenceLeave(Member &m);
    void stormComplete(qint64 now);
    void beginLoad(qint64 now);
    void onTime(qint64 now);
    void tick(qint64 now);
    void publish(int publisher);
    // --events: an edit or a reaction in place of a message; false when it has no message yet.
    bool publishEvent(Publisher &p, std::string_view payload);
    int pollTimeoutMs(qint64 now) const;

    LoadConfig m_config;
    LoadResult m_result;
    WsClients m_clients;
    std::vector<Member> m_members;
    std::vector<Publisher> m_publishers;
    std::vector<int> m_roomSize;
    int m_opened = 0;
    int m_ready = 0;
    int m_complete = 0;
    int m_lost = 0;
    std::map<std::string, int> m_lostWhy;        // connections lost, by reason
    std::vector<std::vector<int>> m_listedCount; // join storm: per room, per member count
    Phase m_phase = Phase::Connecting;
    bool m_ok = true;
    qint64 m_startNs = 0;
    qint64 m_phaseEndNs = 0; // when the current phase ends (or gives up)
    qint64 m_measureStartNs = 0;
    qint64 m_loadStartNs = 0;
    qint64 m_paced = 0;
    qint64 m_published = 0; // sends of every phase (--count)
    int m_nextPublisher = 0;
    // --kill-pid: members on the killed server, members elsewhere that have all their leaves.
    int m_doomed = 0;
    int m_leftComplete = 0;
    qint64 m_killNs = 0;
};

} // namespace confab::bench
