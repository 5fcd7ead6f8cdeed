// A reconnect storm into one room: 1,000 clients connect, say hello and join the same room at
// once. Every `joined` must list exactly the members that joined before it (in join order, the
// joiner last) and every member must get the presence of exactly those that joined after it.
// The clients are the load generator's epoll WebSocket client on a thread of their own, so the
// server (on the test's thread) meets 1,000 real sockets. Correctness only: speed is measured in
// bench/ (joinstorm5000), never asserted here.
#include "servertestmain.h"
#include "testserver.h"
#include "wsclients.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTest>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

using namespace confab;
using namespace confab::test;
using confab::bench::WsClients;
using namespace Qt::StringLiterals;

namespace {

constexpr int Clients = 1000;
constexpr int InFlight = 250; // handshakes under way at once

struct Client {
    QString userId;
    QStringList listed;    // the member ids its `joined` listed
    QByteArray joinedRaw;  // that frame's bytes, as sent
    QString joinedRe;      // its "re"
    QStringList presences; // user ids of presence joins after it, in order
    QStringList problems;
};

// Runs the clients until each has its `joined` and the presences it is owed, or the deadline.
class Storm
{
public:
    explicit Storm(quint16 port)
        : m_port(port)
        , m_clients(Clients)
    {}

    void run(std::chrono::seconds limit)
    {
        WsClients ws({[&](int id) {
                          ws.sendText(id, "{\"type\":\"hello\",\"nick\":\"storm"
                                              + std::to_string(id) + "\"}");
                      },
                      [&](int id, std::string_view text) { onText(ws, id, text); },
                      [&](int id, const std::string &why) {
                          m_clients[size_t(id)].problems.append(QString::fromStdString(why));
                          ++m_lost;
                      }});
        std::string error;
        if (!ws.addTarget("127.0.0.1", m_port, "/ws", &error)) {
            m_error = QString::fromStdString(error);
            return;
        }
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done() && m_lost == 0 && std::chrono::steady_clock::now() < deadline) {
            while (m_opened < Clients && m_opened - m_joined < InFlight) {
                ws.open();
                ++m_opened;
            }
            ws.poll(20);
        }
        ws.closeAll();
    }

    bool done() const { return m_joined == Clients && m_complete == Clients; }
    const std::vector<Client> &clients() const { return m_clients; }
    QString error() const { return m_error; }

private:
    void onText(WsClients &ws, int id, std::string_view text)
    {
        Client &c = m_clients[size_t(id)];
        const QByteArray raw(text.data(), qsizetype(text.size()));
        const QJsonObject f = QJsonDocument::fromJson(raw).object();
        const QString type = f.value(u"type").toString();
        if (type == u"welcome") {
            c.userId = f.value(u"user")[u"id"].toString();
            ws.sendText(id, "{\"type\":\"join\",\"room\":\"storm\",\"id\":\"j" + std::to_string(id)
                                + "\"}");
        } else if (type == u"joined") {
            c.joinedRaw = raw;
            c.joinedRe = f.value(u"re").toString();
            for (const QJsonValue &m : f.value(u"members").toArray())
                c.listed.append(m[u"id"].toString());
            ++m_joined;
            countIfComplete(c);
        } else if (type == u"presence" && f.value(u"event").toString() == u"join") {
            if (c.listed.isEmpty())
                c.problems.append(u"a presence before joined"_s);
            c.presences.append(f.value(u"user")[u"id"].toString());
            countIfComplete(c);
        } else {
            c.problems.append(QString::fromUtf8(raw.left(200)));
        }
    }

    void countIfComplete(const Client &c)
    {
        // Everyone it did not list joined after it and owes it one presence.
        if (!c.listed.isEmpty() && c.presences.size() == Clients - c.listed.size())
            ++m_complete;
    }

    quint16 m_port;
    std::vector<Client> m_clients;
    int m_opened = 0;
    int m_joined = 0;
    int m_complete = 0;
    int m_lost = 0;
    QString m_error;
};

} // namespace

class TestJoinStorm : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void everyJoinedListsThoseBeforeAndPresenceTellsOfThoseAfter()
    {
        // Correctness, not timeouts: a slow build (sanitizers) must not turn a handshake or a
        // hello that waits behind the joins into a 408 or a 4002.
        ServerConfig config = testConfig();
        config.requestTimeoutMs = 10 * waitMs();
        config.helloTimeoutMs = 10 * waitMs();
        TestServer server(config);
        QVERIFY(server.start());
        Storm storm(server.port());
        std::atomic<bool> finished = false;
        std::thread clients([&] {
            storm.run(std::chrono::seconds(120));
            finished = true;
        });
        // The server runs on this thread's event loop while the clients run on theirs.
        const bool ended = QTest::qWaitFor([&] { return finished.load(); }, 130000);
        clients.join(); // run() has a deadline of its own
        QVERIFY(ended);
        QVERIFY2(storm.error().isEmpty(), qPrintable(storm.error()));

        const std::vector<Client> &all = storm.clients();
        for (size_t i = 0; i < all.size(); ++i)
            QVERIFY2(all[i].problems.isEmpty(),
                     qPrintable(u"client %1: %2"_s.arg(i).arg(all[i].problems.join(u"; "))));
        QVERIFY(storm.done());

        // The last to join lists everyone; that is the join order.
        const auto last = std::find_if(all.begin(), all.end(),
                                       [](const Client &c) { return c.listed.size() == Clients; });
        QVERIFY(last != all.end());
        const QStringList order = last->listed;
        QCOMPARE(QSet<QString>(order.begin(), order.end()).size(), Clients);
        QList<bool> seen(Clients + 1, false);
        for (size_t i = 0; i < all.size(); ++i) {
            const Client &c = all[i];
            const qsizetype k = c.listed.size();
            QVERIFY2(k >= 1 && !seen[k], qPrintable(u"two joiners listed %1 members"_s.arg(k)));
            seen[k] = true;
            QCOMPARE(c.listed, order.first(k));
            QCOMPARE(c.listed.last(), c.userId);
            QCOMPARE(c.presences, order.sliced(k));
            QCOMPARE(c.joinedRe, u"j%1"_s.arg(i));
            // Built by hand around the encoded member list, the frame is still the compact JSON
            // with sorted keys that encoding it as one QJsonObject gives.
            QCOMPARE(QJsonDocument::fromJson(c.joinedRaw).toJson(QJsonDocument::Compact),
                     c.joinedRaw);
        }
    }
};

CONFAB_SERVER_TEST_MAIN(TestJoinStorm)
#include "tst_joinstorm.moc"
