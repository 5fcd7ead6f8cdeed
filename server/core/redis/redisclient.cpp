#include "redisclient.h"

#include "logging.h"
#include "monotonicclock.h"

#include <QHostAddress>
#include <QHostInfo>
#include <QSocketNotifier>
#include <algorithm>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <vector>

namespace confab {

namespace {

// Subscription messages carry this id: they are not answers to a command.
constexpr quint64 SubscriptionId = 0;

RedisClient *owner(const redisAsyncContext *ac)
{
    return static_cast<RedisClient *>(ac->data);
}

} // namespace

RedisClient::RedisClient(RedisUrl url, Options options, QString name, QObject *parent)
    : QObject(parent)
    , m_url(std::move(url))
    , m_options(options)
    , m_name(std::move(name))
    , m_backoffMs(options.backoffMinMs)
{
    m_connectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        fail(QStringLiteral("no answer within %1 ms").arg(m_options.connectTimeoutMs));
    });
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &RedisClient::start);
    // A tenth of the deadline: a stalled command is noticed at most 10% late.
    m_deadlineTimer.setInterval(std::max(1, m_options.commandTimeoutMs / 10));
    connect(&m_deadlineTimer, &QTimer::timeout, this, &RedisClient::checkDeadlines);
}

RedisClient::~RedisClient()
{
    m_callbacks.clear(); // hiredis answers them with NULL while freeing: nobody is called
    m_order.clear();
    if (redisAsyncContext *ac = std::exchange(m_ctx, nullptr)) {
        ac->data = nullptr;
        redisAsyncFree(ac);
    }
}

void RedisClient::start()
{
    if (m_state != State::Idle && m_state != State::Waiting)
        return;
    if (!m_url.unixPath.isEmpty() || !QHostAddress(m_url.host).isNull())
        return connectTo(m_url.host);
    // hiredis resolves names with a blocking getaddrinfo(): resolve them here first.
    setState(State::Resolving);
    m_connectTimer.start(m_options.connectTimeoutMs);
    QHostInfo::lookupHost(m_url.host, this, [this](const QHostInfo &info) {
        if (m_state != State::Resolving)
            return;
        if (info.addresses().isEmpty())
            return fail(
                QStringLiteral("cannot resolve %1: %2").arg(m_url.host, info.errorString()));
        connectTo(info.addresses().constFirst().toString());
    });
}

void RedisClient::connectTo(const QString &host)
{
    redisAsyncContext *ac = m_url.unixPath.isEmpty()
                                ? redisAsyncConnect(host.toUtf8().constData(), m_url.port)
                                : redisAsyncConnectUnix(m_url.unixPath.toUtf8().constData());
    if (!ac || ac->err) {
        const QString why = ac ? QString::fromUtf8(ac->errstr) : QStringLiteral("out of memory");
        if (ac)
            redisAsyncFree(ac);
        return fail(why);
    }
    ac->data = this;
    attach(ac);
    redisAsyncSetConnectCallback(ac, &RedisClient::onConnect);
    redisAsyncSetDisconnectCallback(ac, &RedisClient::onDisconnect);
    m_ctx = ac;
    setState(State::Connecting);
    m_connectTimer.start(m_options.connectTimeoutMs);
    // hiredis queues these until the socket is connected. A PING answers only once Redis has
    // loaded its data (-LOADING before that): only then is the connection ready.
    if (!m_url.password.isEmpty())
        send({"AUTH", m_url.password.toUtf8()}, m_nextId++);
    if (m_url.db != 0)
        send({"SELECT", QByteArray::number(m_url.db)}, m_nextId++);
    m_handshakeId = m_nextId++;
    send({"PING"}, m_handshakeId);
}

void RedisClient::attach(redisAsyncContext *ac)
{
    const int fd = ac->c.fd;
    m_read = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    m_write = new QSocketNotifier(fd, QSocketNotifier::Write, this);
    m_read->setEnabled(false);
    m_write->setEnabled(false);
    connect(m_read, &QSocketNotifier::activated, this, [this] {
        if (m_ctx)
            redisAsyncHandleRead(m_ctx);
    });
    connect(m_write, &QSocketNotifier::activated, this, [this] {
        if (m_ctx)
            redisAsyncHandleWrite(m_ctx);
    });
    ac->ev.data = this;
    ac->ev.addRead = &RedisClient::addRead;
    ac->ev.delRead = &RedisClient::delRead;
    ac->ev.addWrite = &RedisClient::addWrite;
    ac->ev.delWrite = &RedisClient::delWrite;
    ac->ev.cleanup = &RedisClient::cleanup;
}

void RedisClient::addRead(void *self)
{
    if (auto *c = static_cast<RedisClient *>(self); c->m_read)
        c->m_read->setEnabled(true);
}

void RedisClient::delRead(void *self)
{
    if (auto *c = static_cast<RedisClient *>(self); c->m_read)
        c->m_read->setEnabled(false);
}

void RedisClient::addWrite(void *self)
{
    if (auto *c = static_cast<RedisClient *>(self); c->m_write)
        c->m_write->setEnabled(true);
}

void RedisClient::delWrite(void *self)
{
    if (auto *c = static_cast<RedisClient *>(self); c->m_write)
        c->m_write->setEnabled(false);
}

void RedisClient::cleanup(void *self)
{
    // Called by hiredis while it frees the context, possibly from inside a notifier's signal:
    // the notifiers are disabled now and deleted later.
    auto *c = static_cast<RedisClient *>(self);
    for (QSocketNotifier **n : {&c->m_read, &c->m_write}) {
        if (*n) {
            (*n)->setEnabled(false);
            (*n)->deleteLater();
            *n = nullptr;
        }
    }
}

void RedisClient::onConnect(const redisAsyncContext *ac, int status)
{
    RedisClient *c = owner(ac);
    if (!c || status == REDIS_OK)
        return;
    // hiredis frees the context after this callback.
    if (c->m_ctx == ac)
        c->m_ctx = nullptr;
    c->fail(QString::fromUtf8(ac->errstr));
}

void RedisClient::onDisconnect(const redisAsyncContext *ac, int)
{
    RedisClient *c = owner(ac);
    if (!c || c->m_ctx != ac)
        return;         // we dropped it ourselves
    c->m_ctx = nullptr; // hiredis frees it after this callback
    c->fail(ac->err ? QString::fromUtf8(ac->errstr) : QStringLiteral("connection closed"));
}

void RedisClient::onReply(redisAsyncContext *ac, void *reply, void *privdata)
{
    RedisClient *c = owner(ac);
    if (!c)
        return;
    const auto id = quint64(reinterpret_cast<quintptr>(privdata));
    if (id == SubscriptionId) {
        const RedisReply r = RedisReply::from(static_cast<redisReply *>(reply));
        if (r.kind == RedisReply::Kind::Array && r.elements.size() == 3 && r.at(0).text == "message"
            && c->m_onMessage)
            c->m_onMessage(r.at(1).text, r.at(2).text);
        return;
    }
    c->answer(id, RedisReply::from(static_cast<redisReply *>(reply)));
}

bool RedisClient::send(const QList<QByteArray> &args, quint64 id)
{
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
    argv.reserve(size_t(args.size()));
    lengths.reserve(size_t(args.size()));
    for (const QByteArray &a : args) {
        argv.push_back(a.constData());
        lengths.push_back(size_t(a.size()));
    }
    if (redisAsyncCommandArgv(m_ctx, &RedisClient::onReply, reinterpret_cast<void *>(quintptr(id)),
                              int(argv.size()), argv.data(), lengths.data())
        != REDIS_OK)
        return false;
    if (id != SubscriptionId) {
        m_order.push_back({id, monotonicNs() + qint64(m_options.commandTimeoutMs) * NsPerMs});
        if (!m_deadlineTimer.isActive())
            m_deadlineTimer.start();
    }
    return true;
}

bool RedisClient::command(const QList<QByteArray> &args, Callback callback)
{
    if (m_state != State::Ready || !m_ctx || inFlight() >= m_options.maxInFlight)
        return false;
    const quint64 id = m_nextId++;
    if (!send(args, id))
        return false;
    m_callbacks.insert(id, std::move(callback));
    return true;
}

void RedisClient::subscribe(QList<QByteArray> channels, MessageHandler handler)
{
    m_channels = std::move(channels);
    m_onMessage = std::move(handler);
}

void RedisClient::answer(quint64 id, const RedisReply &reply)
{
    // Answers come in the order the commands went out; an id no longer at the front was
    // already answered Unavailable (deadline) and its late reply is dropped.
    while (!m_order.empty() && m_order.front().id <= id)
        m_order.pop_front();
    if (m_order.empty())
        m_deadlineTimer.stop();
    if (id == m_handshakeId) {
        m_handshakeId = 0;
        return handshakeDone(reply);
    }
    if (!reply.unavailable() && reply.kind == RedisReply::Kind::Error && m_state != State::Ready)
        qCWarning(lcRedis).noquote() << m_name << "Redis refused the handshake:" << reply.text;
    const auto it = m_callbacks.find(id);
    if (it == m_callbacks.end())
        return;
    Callback callback = std::move(*it);
    m_callbacks.erase(it);
    callback(reply);
}

void RedisClient::handshakeDone(const RedisReply &pong)
{
    if (pong.unavailable())
        return; // the connection went; fail() follows
    if (!pong.ok()) {
        // -LOADING (a restart reading its AOF), or AUTH/SELECT refused: try again later.
        return fail(QStringLiteral("Redis is not ready: %1").arg(QString::fromUtf8(pong.text)));
    }
    m_connectTimer.stop();
    for (const QByteArray &channel : std::as_const(m_channels)) {
        send({"SUBSCRIBE", channel}, SubscriptionId);
    }
    m_backoffMs = m_options.backoffMinMs;
    qCInfo(lcRedis).noquote() << m_name << "connected to Redis at" << m_url.display();
    m_lastFailure.clear();
    setState(State::Ready);
}

void RedisClient::checkDeadlines()
{
    if (m_order.empty()) {
        m_deadlineTimer.stop();
        return;
    }
    if (monotonicNs() > m_order.front().deadlineNs)
        fail(QStringLiteral("a command had no answer within %1 ms (Redis stalled?)")
                 .arg(m_options.commandTimeoutMs));
}

void RedisClient::failAllPending()
{
    m_order.clear();
    m_deadlineTimer.stop();
    m_handshakeId = 0;
    // Callbacks may send again (they get false now): take them out first.
    auto callbacks = std::exchange(m_callbacks, {});
    std::vector<std::pair<quint64, Callback>> ordered;
    ordered.reserve(size_t(callbacks.size()));
    for (auto it = callbacks.begin(); it != callbacks.end(); ++it)
        ordered.emplace_back(it.key(), std::move(it.value()));
    std::sort(ordered.begin(), ordered.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    for (auto &[id, callback] : ordered)
        callback(RedisReply{});
}

void RedisClient::fail(const QString &why)
{
    m_connectTimer.stop();
    const State was = m_state;
    if (redisAsyncContext *ac = std::exchange(m_ctx, nullptr)) {
        // Its callbacks get NULL from hiredis and find nothing: they are answered here, in order.
        ac->data = nullptr;
        redisAsyncFree(ac); // deferred by hiredis when inside one of its callbacks
    }
    m_state = State::Waiting;
    failAllPending();
    if (why != m_lastFailure) {
        qCWarning(lcRedis).noquote() << m_name << "Redis at" << m_url.display()
                                     << "unavailable:" << why << "- retrying with backoff";
        m_lastFailure = why;
    }
    if (was == State::Ready)
        Q_EMIT lost();
    scheduleReconnect();
}

void RedisClient::scheduleReconnect()
{
    m_reconnectTimer.start(m_backoffMs);
    m_backoffMs = std::min(m_backoffMs * 2, m_options.backoffMaxMs);
}

void RedisClient::setState(State state)
{
    const bool wasReady = m_state == State::Ready;
    m_state = state;
    if (state == State::Ready && !wasReady)
        Q_EMIT ready();
}

} // namespace confab
