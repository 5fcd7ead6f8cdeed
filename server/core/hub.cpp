#include "hub.h"

#include "connection.h"
#include "eventframes.h"
#include "logging.h"
#include "storage.h"

#include <QPointer>

namespace confab {

using namespace Qt::StringLiterals;
using protocol::Error;

namespace {
// The "re" an answer to this frame (or to what could not be read of it) carries.
std::optional<QString> answerRe(const protocol::Frame *frame,
                                const protocol::DecodeFailure *failure)
{
    if (frame && frame->hasId)
        return frame->id;
    if (failure && failure->hasRe)
        return failure->re;
    return std::nullopt;
}
} // namespace

Hub::Hub(const ServerConfig &config, Storage &store, Metrics &metrics, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_store(store)
    , m_metrics(metrics)
    , m_authThrottle(QStringLiteral("password"), lcHub,
                     {config.authFailureBurst, config.authRetryMs, config.authLogIntervalMs})
    , m_globalAuthThrottle(QStringLiteral("password"), lcHub,
                           AuthThrottle::globalFrom({config.authFailureBurst, config.authRetryMs,
                                                     config.authLogIntervalMs}))
{
    connect(&m_store, &Storage::committed, this, &Hub::flushHeld);
    connect(&m_store, &Storage::searchFinished, this, &Hub::onSearched);
    connectRemote();
    connectOperators();
}

Hub::~Hub()
{
    // The users and rooms go with their maps, after the connections that point at them.
    for (Connection *c : std::as_const(m_connections)) {
        c->disconnect(this);
        delete c;
    }
}

void Hub::loadRooms()
{
    const QList<StoredRoom> stored = m_store.loadRooms();
    for (const StoredRoom &s : stored) {
        if (s.lastSeq == 0) { // no messages: only its topic was kept
            m_dormantRooms.insert(s.name, {s.epoch, s.topic});
            continue;
        }
        m_rooms.insert(s.name, std::make_unique<Room>(s.name, s.epoch, s.topic, s.lastSeq));
    }
    qCInfo(lcHub) << "loaded" << m_rooms.size() << "rooms";
}

User *Hub::addUser(std::unique_ptr<User> user)
{
    User &added = *user;
    if (!added.tokenHash.isEmpty())
        m_usersByToken.insert(added.tokenHash, &added);
    m_users.insert(added.id, std::move(user));
    return &added;
}

void Hub::removeUser(User *user)
{
    Q_ASSERT(user->connections.isEmpty());
    if (!user->tokenHash.isEmpty())
        m_usersByToken.remove(user->tokenHash);
    m_users.remove(user->id); // destroys it
}

void Hub::attach(Connection *c)
{
    c->setParent(this);
    // Counted until deleted, however it ends, so that a stopping server knows when all are gone.
    ++m_connectionObjects;
    connect(c, &QObject::destroyed, this, [this] {
        if (--m_connectionObjects == 0)
            Q_EMIT connectionsReleased();
    });
    if (m_connections.size() >= m_config.maxConnections && !evictSilent()) {
        qCWarning(lcHub) << "connection cap reached:" << m_config.maxConnections;
        c->send(wire(protocol::ErrorFrame(Error::ServerFull, u"the server is full"_s).toJson()));
        c->closeWith(protocol::CloseServerFull, u"server full"_s, u"server_full"_s);
        c->release();
        return;
    }
    if (m_store.refusesClients()) { // cluster mode, the shared store out of reach for long
        c->closeWith(protocol::CloseTryAgainLater, u"shared store unavailable"_s, u"unavailable"_s);
        c->release();
        return;
    }
    m_connections.append(c);
    ++m_silent;
    connect(c, &Connection::textReceived, this, &Hub::onText);
    connect(c, &Connection::binaryReceived, this, &Hub::onBinary);
    // Queued: a connection may close while a handler iterates over a room; it is detached
    // after that handler has finished, never in the middle of it.
    connect(c, &Connection::gone, this, &Hub::onGone, Qt::QueuedConnection);
}

bool Hub::evictSilent()
{
    // Sockets that have not said hello never keep out one that might: the oldest of them makes
    // room (behind a proxy every client has the same address, so a per-address limit would not
    // do). A silent socket is in m_connections until its queued gone() is handled: skip those
    // already closing.
    if (m_silent == 0)
        return false;
    for (Connection *c : std::as_const(m_connections)) {
        if (!c->user && c->isOpen()) {
            qCInfo(lcHub) << "server full: closing connection" << c->serial()
                          << "which has not said hello";
            c->closeWith(protocol::CloseHelloTimeout, u"no hello in time (server full)"_s,
                         u"evicted"_s);
            return true;
        }
    }
    return false;
}

bool Hub::isAttached(const Connection *c) const
{
    return c && m_connections.contains(const_cast<Connection *>(c));
}

void Hub::closeAllTryAgain()
{
    const auto all = m_connections;
    for (Connection *c : all)
        c->closeWith(protocol::CloseTryAgainLater, u"shared store unavailable"_s, u"unavailable"_s);
}

void Hub::shutdown()
{
    m_store.commit();
    const auto all = m_connections;
    for (Connection *c : all)
        c->closeWith(protocol::CloseGoingAway, u"server shutting down"_s, u"shutdown"_s);
}

bool Hub::admit(Connection *c, const std::optional<QString> &re)
{
    if (c->admit())
        return true;
    if (c->isOpen()) { // else it was just closed for flooding
        const protocol::ErrorFrame e(Error::RateLimited, u"too many frames"_s, c->retryMs());
        sendTo(c, wire(protocol::withRe(e.toJson(), re)));
    }
    return false;
}

void Hub::onText(Connection *c, const QByteArray &utf8)
{
    const auto decoded = protocol::decodeFrame(utf8);
    const Frame *frame = std::get_if<Frame>(&decoded);
    const auto *failure = std::get_if<protocol::DecodeFailure>(&decoded);
    const bool isHello = frame && frame->type == protocol::Hello::Type;
    const bool freeHello = isHello && !c->helloSeen;
    c->helloSeen = c->helloSeen || isHello;
    const std::optional<QString> re = answerRe(frame, failure);
    if (!freeHello && !admit(c, re))
        return;
    if (c->storeWaits > 0) { // in order behind a join or hello (holdFrames), errors included
        m_deferred[c].append(failure ? std::variant<Frame, protocol::DecodeFailure>(*failure)
                                     : std::variant<Frame, protocol::DecodeFailure>(*frame));
        return;
    }
    handleDecoded(c, frame, failure, re);
    dropUnusedRooms();
}

void Hub::handleDecoded(Connection *c, const Frame *frame, const protocol::DecodeFailure *failure,
                        const std::optional<QString> &re)
{
    if (failure) {
        sendTo(c, wire(protocol::withRe(
                      protocol::ErrorFrame(failure->error, failure->message).toJson(), re)));
        return;
    }
    dispatch(c, *frame);
}

std::function<void()> Hub::holdFrames(Connection *c)
{
    ++c->storeWaits;
    return [this, p = QPointer<Connection>(c)] {
        if (!p || !isAttached(p))
            return;
        --p->storeWaits;
        if (p->storeWaits == 0 && m_deferred.contains(p))
            resumeDeferred(p); // (never on one server: the store answers at once)
    };
}

void Hub::resumeDeferred(Connection *c)
{
    auto it = m_deferred.find(c);
    while (it != m_deferred.end() && !it->isEmpty() && c->storeWaits == 0) {
        const auto next = it->takeFirst();
        const Frame *frame = std::get_if<Frame>(&next);
        const auto *failure = std::get_if<protocol::DecodeFailure>(&next);
        handleDecoded(c, frame, failure, answerRe(frame, failure));
        it = m_deferred.find(c); // a handler may have closed c (onGone removes its entry)
    }
    if (it != m_deferred.end() && it->isEmpty())
        m_deferred.erase(it);
    dropUnusedRooms();
}

void Hub::onBinary(Connection *c)
{
    if (admit(c, std::nullopt))
        sendError(c, nullptr, Error::BadRequest,
                  u"binary frames are not accepted; send JSON text"_s);
}

void Hub::dispatch(Connection *c, const Frame &f)
{
    if (f.type == protocol::Hello::Type)
        return handleHello(c, f);
    if (!c->user)
        return sendError(c, &f, Error::NotReady, u"send hello first"_s);

    using Handler = void (Hub::*)(Connection *, const Frame &);
    using namespace protocol;
    static const QHash<QString, Handler> handlers{
        {JoinRequest::Type, &Hub::handleJoin},     {LeaveRequest::Type, &Hub::handleLeave},
        {RoomsRequest::Type, &Hub::handleRooms},   {TopicRequest::Type, &Hub::handleTopic},
        {SendRequest::Type, &Hub::handleSend},     {HistoryRequest::Type, &Hub::handleHistory},
        {ReadPosition::Type, &Hub::handleRead},    {SearchRequest::Type, &Hub::handleSearch},
        {TypingRequest::Type, &Hub::handleTyping}, {NickRequest::Type, &Hub::handleNick},
        {EditRequest::Type, &Hub::handleEdit},     {DeleteRequest::Type, &Hub::handleDelete},
        {ReactRequest::Type, &Hub::handleReact},
    };
    const Handler handler = handlers.value(f.type);
    if (!handler && dispatchOperator(c, f)) // 1.1 kick, ban, unban (hub_operators.cpp)
        return;
    if (!handler)
        return sendError(
            c, &f, Error::UnknownType,
            u"unknown frame type '%1'"_s.arg(f.type.left(protocol::MaxEchoedTypeChars)));
    (this->*handler)(c, f);
}

void Hub::onGone(Connection *c)
{
    if (!m_connections.removeOne(c))
        return;
    if (!c->user)
        --m_silent;
    detach(c);
    dropUnusedRooms();
    // Frames held for it until the next commit go nowhere; after release() it may be deleted.
    for (auto &held : m_held) {
        if (held.first == c)
            held.first = nullptr;
    }
    m_waiting.remove(c);  // and its searches' answers, when they come, go nowhere
    m_deferred.remove(c); // and frames that waited behind a join
    for (PendingSearch &search : m_searches) {
        if (search.connection == c)
            search.connection = nullptr;
    }
    c->release();
}

QByteArray Hub::wire(const QJsonObject &frame)
{
    return protocol::textFrame(protocol::encode(frame));
}

void Hub::sendTo(Connection *c, const OutFrame &frame)
{
    if (!m_waiting.isEmpty()) { // one look-up per frame only while some search is running
        const auto waiting = m_waiting.find(c);
        if (waiting != m_waiting.end()) {
            waiting->emplace_back(0, frame);
            return;
        }
    }
    deliver(c, frame);
}

quint64 Hub::holdOutput(Connection *c)
{
    const quint64 ticket = ++m_lastTicket;
    m_waiting[c].emplace_back(ticket, QByteArray());
    return ticket;
}

void Hub::releaseOutput(Connection *c, quint64 ticket, std::optional<OutFrame> frame)
{
    const auto waiting = m_waiting.find(c);
    if (waiting == m_waiting.end())
        return; // its connection is gone
    for (auto it = waiting->begin(); it != waiting->end(); ++it) {
        if (it->first == ticket) {
            if (frame)
                *it = {0, std::move(*frame)};
            else
                waiting->erase(it);
            break;
        }
    }
    // What waited behind it goes now, up to the next place still held.
    while (!waiting->isEmpty() && waiting->first().first == 0)
        deliver(c, waiting->takeFirst().second);
    if (waiting->isEmpty())
        m_waiting.erase(waiting);
}

void Hub::deliver(Connection *c, const OutFrame &frame)
{
    if (m_store.hasPending() || !m_held.isEmpty())
        m_held.append({c, frame});
    else
        c->send(frame);
}

void Hub::flushHeld()
{
    const auto held = std::exchange(m_held, {});
    for (const auto &[c, json] : held) {
        if (c)
            c->send(json);
    }
}

void Hub::reply(Connection *c, const Frame &request, const QJsonObject &frame)
{
    sendTo(c, wire(protocol::withRe(frame, request)));
}

void Hub::sendError(Connection *c, const Frame *request, Error error, const QString &message)
{
    const std::optional<QString> re = request ? request->replyRe() : std::nullopt;
    sendTo(c, wire(protocol::withRe(protocol::ErrorFrame(error, message).toJson(), re)));
}

void Hub::sendUnavailable(Connection *c, const Frame &request)
{
    const protocol::ErrorFrame e(
        Error::Unavailable, u"the shared store cannot be reached; send again"_s, m_store.retryMs());
    sendTo(c, wire(protocol::withRe(e.toJson(), request.replyRe())));
}

void Hub::broadcast(const Room &room, const QByteArray &json, const User *exceptUser)
{
    const OutFrame frame(json); // one frame, its bytes shared by every member's queue
    for (Connection *c : room.connections()) {
        if (c->user != exceptUser)
            sendTo(c, frame);
    }
}

} // namespace confab
