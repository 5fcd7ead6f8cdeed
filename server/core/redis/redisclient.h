// An asynchronous Redis client on the Qt event loop: hiredis (Debian's 0.14.1) for the protocol,
// with an adapter of our own that watches hiredis's socket with QSocketNotifiers. (hiredis's
// bundled Qt adapter writes into a freed context on destruction: see QT64-NOTES.md.)
//
// Nothing here ever blocks the loop: connecting is non-blocking (host names are resolved with
// QHostInfo first), every command has a deadline, and at most maxInFlight commands wait for an
// answer. A command past its deadline means Redis is stalled: every waiting command is answered
// Unavailable, the connection is dropped and made again with backoff. A lost connection is
// reconnected the same way, for as long as the client lives.
#pragma once

#include "redisreply.h"
#include "redisurl.h"

#include <QHash>
#include <QObject>
#include <QTimer>
#include <deque>
#include <functional>

struct redisAsyncContext;
class QSocketNotifier;

namespace confab {

class RedisClient : public QObject
{
    Q_OBJECT
public:
    struct Options {
        int connectTimeoutMs = 2000; // TCP connect plus AUTH, SELECT and the first PING
        int commandTimeoutMs = 2000;
        int maxInFlight = 50000;
        int backoffMinMs = 100;
        int backoffMaxMs = 5000;
    };
    using Callback = std::function<void(const RedisReply &)>;
    using MessageHandler =
        std::function<void(const QByteArray &channel, const QByteArray &payload)>;

    RedisClient(RedisUrl url, Options options, QString name, QObject *parent = nullptr);
    ~RedisClient() override; // waiting callbacks are dropped, not called

    // Starts connecting (and keeps reconnecting until destroyed).
    void start();
    // Connected, authenticated, and Redis answered a PING (it is not loading its data).
    bool isReady() const { return m_state == State::Ready; }
    int inFlight() const { return int(m_order.size()); }

    // Sends a command. False when it cannot be sent now (not ready, or maxInFlight commands
    // waiting): the callback is then never called. Otherwise the callback is called exactly once,
    // later, with the reply or with Unavailable.
    bool command(const QList<QByteArray> &args, Callback callback);

    // Makes this a subscriber connection: on every (re)connect it subscribes to these channels,
    // and each message is handed to the handler. A subscriber sends no other command.
    void subscribe(QList<QByteArray> channels, MessageHandler handler);

Q_SIGNALS:
    void ready(); // isReady() became true (first connect or reconnect)
    void lost();  // isReady() became false

private:
    enum class State { Idle, Resolving, Connecting, Ready, Waiting };
    struct Pending {
        quint64 id;
        qint64 deadlineNs;
    };

    void connectTo(const QString &host);
    void attach(redisAsyncContext *ac);
    bool send(const QList<QByteArray> &args, quint64 id);
    void handshakeDone(const RedisReply &pong);
    // Drops the connection (if any), answers every waiting command Unavailable and tries again
    // after the backoff.
    void fail(const QString &why);
    void scheduleReconnect();
    void checkDeadlines();
    void answer(quint64 id, const RedisReply &reply);
    void failAllPending();
    void setState(State state);

    // hiredis hooks.
    static void onConnect(const redisAsyncContext *ac, int status);
    static void onDisconnect(const redisAsyncContext *ac, int status);
    static void onReply(redisAsyncContext *ac, void *reply, void *privdata);
    static void addRead(void *self);
    static void delRead(void *self);
    static void addWrite(void *self);
    static void delWrite(void *self);
    static void cleanup(void *self);

    const RedisUrl m_url;
    const Options m_options;
    const QString m_name;
    State m_state = State::Idle;
    redisAsyncContext *m_ctx = nullptr;
    QSocketNotifier *m_read = nullptr;
    QSocketNotifier *m_write = nullptr;
    QTimer m_connectTimer;
    QTimer m_reconnectTimer;
    QTimer m_deadlineTimer;
    int m_backoffMs;
    quint64 m_nextId = 1;
    QHash<quint64, Callback> m_callbacks;
    std::deque<Pending> m_order; // commands in the order sent: answers come in this order
    quint64 m_handshakeId = 0;
    QList<QByteArray> m_channels;
    MessageHandler m_onMessage;
    QString m_lastFailure; // logged once per distinct failure, not once per retry
};

} // namespace confab
