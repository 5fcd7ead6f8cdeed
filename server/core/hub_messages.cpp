// Messages: room and direct sends with de-duplication, history, read positions, search,
// typing, and the HTTP publish path.
#include "clientaddress.h"
#include "connection.h"
#include "hub.h"
#include "logging.h"
#include "ratelimiter.h"
#include "storage.h"
#include "store.h"
#include "validation.h"

#include <QDateTime>
#include <QPointer>
#include <QUuid>
#include <limits>

namespace confab {

using namespace Qt::StringLiterals;
using protocol::ChatMessage;
using protocol::Error;

namespace {

constexpr int MaxRememberedDirects = 100000;

} // namespace

void Hub::handleSend(Connection *c, const Frame &f)
{
    const auto request =
        decode<protocol::SendRequest>(c, f, Access::MembersOnly, m_config.limits.maxTextBytes);
    if (!request)
        return;
    if (request->isDirect())
        sendDirect(c, f, *request);
    else
        sendToRoom(c, f, *request);
}

void Hub::sendToRoom(Connection *c, const Frame &f, const protocol::SendRequest &request)
{
    Room *room = memberRoom(c, f, request.room);
    if (!room)
        return;
    ChatMessage draft = draftMessage(room->name, c->user->info(), request.text);
    draft.replyTo = request.replyTo;
    m_store.append(*room, draft, f.hasId ? f.id : QString(),
                   [this, p = QPointer<Connection>(c), f](std::optional<Appended> stored) {
                       Connection *sender = p && p->user ? p.data() : nullptr;
                       if (!stored) {
                           if (sender)
                               sendUnavailable(sender, f);
                           return;
                       }
                       if (stored->replyNotFound) { // nothing was stored
                           if (sender)
                               sendError(sender, &f, Error::NotFound,
                                         u"reply_to names no message of the room"_s);
                           return;
                       }
                       if (stored->duplicate) { // a resend: nothing new was stored
                           if (sender) {
                               ChatMessage original = stored->message;
                               protocol::listReactionsFor(original, sender->user->id);
                               reply(sender, f, original.toJson());
                           }
                           return;
                       }
                       ++m_metrics.messagesIn;
                       if (Room *room = m_rooms.value(stored->message.room))
                           deliverRoomMessage(*room, stored->message, sender, &f);
                   });
}

ChatMessage Hub::draftMessage(const QString &room, const protocol::UserInfo &from,
                              const QString &text)
{
    ChatMessage m;
    m.room = room;
    m.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    m.from = from;
    m.text = text;
    m.ts = QDateTime::currentMSecsSinceEpoch();
    return m;
}

void Hub::deliverRoomMessage(Room &room, const ChatMessage &m, Connection *sender,
                             const Frame *request)
{
    if (m.seq > room.lastSeq) // a cluster's seq comes from the shared store
        room.lastSeq = m.seq;
    const QJsonObject frame = m.toJson();
    const QByteArray plain = wire(frame);
    for (Connection *member : room.connections()) {
        ++m_metrics.messagesOut;
        if (member == sender && request)
            reply(member, *request, frame);
        else
            sendTo(member, plain);
    }
}

void Hub::sendDirect(Connection *c, const Frame &f, const protocol::SendRequest &request)
{
    if (!m_store.clustered() && !m_users.value(*request.to))
        return sendError(c, &f, Error::NoSuchUser, u"no such user online"_s);
    User *sender = c->user;
    const QString key = f.hasId ? sender->id + QChar(0) + f.id : QString();
    if (f.hasId) {
        const auto original = m_directByClientId.constFind(key);
        if (original != m_directByClientId.cend()
            && original->ts >= QDateTime::currentMSecsSinceEpoch() - protocol::DedupWindowMs) {
            reply(c, f, original->toJson());
            return;
        }
    }
    ChatMessage m;
    m.to = *request.to;
    m.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    m.from = sender->info();
    m.text = request.text;
    m.ts = QDateTime::currentMSecsSinceEpoch();
    auto send = [this, key, f](Connection *c, const ChatMessage &m) {
        ++m_metrics.messagesIn;
        if (f.hasId) {
            m_directByClientId.insert(key, m);
            m_directOrder.enqueue(key);
            if (m_directOrder.size() > MaxRememberedDirects)
                m_directByClientId.remove(m_directOrder.dequeue());
        }
        deliverDirect(m, c, &f);
        m_store.relayDirect(m, f.hasId ? f.id : QString());
    };
    // In a cluster a resend may reach another server: the id is claimed in the shared store.
    auto claim = [this, f, send](Connection *c, const ChatMessage &m) {
        if (!f.hasId)
            return send(c, m);
        m_store.claimDirect(
            m, f.id, [this, p = QPointer<Connection>(c), f, send](std::optional<Appended> a) {
                if (!p || !p->user)
                    return;
                if (!a)
                    return sendUnavailable(p, f);
                if (a->duplicate)
                    return reply(p, f, a->message.toJson());
                send(p, a->message);
            });
    };
    if (m_users.value(m.to))
        return claim(c, m);
    // Not here: in a cluster it may be connected to another server.
    m_store.userOnline(
        m.to, [this, p = QPointer<Connection>(c), f, m, claim](std::optional<bool> online) {
            if (!p || !p->user)
                return;
            if (!online)
                return sendUnavailable(p, f);
            if (!*online)
                return sendError(p, &f, Error::NoSuchUser, u"no such user online"_s);
            claim(p, m);
        });
}

void Hub::deliverDirect(const ChatMessage &m, Connection *c, const Frame *request)
{
    // Every connection of the sender (so its devices agree) and of the recipient, here.
    QList<Connection *> targets;
    if (User *sender = m_users.value(m.from.id))
        targets = sender->connections;
    User *recipient = m_users.value(m.to);
    if (recipient && recipient->id != m.from.id)
        targets += recipient->connections;
    const QJsonObject frame = m.toJson();
    const QByteArray plain = wire(frame);
    for (Connection *target : std::as_const(targets)) {
        ++m_metrics.messagesOut;
        if (target == c && request)
            reply(c, *request, frame);
        else
            sendTo(target, plain);
    }
}

void Hub::handleHistory(Connection *c, const Frame &f)
{
    const auto request = decode<protocol::HistoryRequest>(c, f, Access::MembersOnly);
    Room *room = request ? memberRoom(c, f, request->room) : nullptr;
    if (!room)
        return;
    // Without `before`, the newest events of the room as the store has them: in a cluster this
    // server may not have been handed the other servers' latest yet (the store clamps to its
    // last seq).
    const qint64 beforeSeq = request->before.value_or(std::numeric_limits<qint64>::max());
    const int count = int(std::min<qint64>(request->limit.value_or(protocol::DefaultHistoryLimit),
                                           protocol::MaxHistoryLimit));
    m_store.history(*room, 0, beforeSeq, count,
                    [this, p = QPointer<Connection>(c), f,
                     name = room->name](std::optional<QList<ChatMessage>> messages) {
                        if (!p || !p->user)
                            return;
                        if (!messages)
                            return sendUnavailable(p, f);
                        // Bounded in bytes: the newest that fit; the client pages on from the
                        // oldest it got.
                        protocol::listReactionsFor(*messages, p->user->id);
                        protocol::trimToBytes(*messages, protocol::MaxAnswerBytes,
                                              protocol::KeepEnd::Last);
                        reply(p, f, protocol::HistoryAnswer{name, std::move(*messages)}.toJson());
                    });
}

void Hub::handleRead(Connection *c, const Frame &f)
{
    const auto request = decode<protocol::ReadPosition>(c, f, Access::MembersOnly);
    Room *room = request ? memberRoom(c, f, request->room) : nullptr;
    if (!room)
        return;
    User *user = c->user;
    const qint64 position = std::min(request->seq, room->lastSeq);
    if (position <= user->reads.value(room->name, 0))
        return; // a read position never moves back
    user->reads.insert(room->name, position);
    // In a cluster the position is in the shared store before this connection's next answer
    // goes out, so a second device that joins anywhere after that answer starts from it.
    const quint64 ticket = m_store.clustered() ? holdOutput(c) : 0;
    m_store.saveRead(*user, room->name, position, [this, p = QPointer<Connection>(c), ticket] {
        if (ticket && p)
            releaseOutput(p, ticket, std::nullopt);
    });
    const QByteArray frame = wire(protocol::ReadPosition{room->name, position}.toJson());
    for (Connection *other : std::as_const(user->connections)) {
        if (other != c && other->rooms.contains(room->name))
            sendTo(other, frame);
    }
}

void Hub::handleSearch(Connection *c, const Frame &f)
{
    const auto request = decode<protocol::SearchRequest>(c, f, Access::Anyone);
    if (!request)
        return;
    QSet<QString> rooms;
    if (request->room) {
        Room *room = memberRoom(c, f, *request->room);
        if (!room)
            return;
        rooms.insert(room->name);
    } else {
        for (const Connection *own : std::as_const(c->user->connections))
            rooms.unite(own->rooms);
    }
    const QString address = addressText(c->peerAddress());
    if (const auto refusal = m_searchAdmission.admit(c->user->id, address)) {
        // In its place among the connection's answers (behind its searches still running).
        const protocol::ErrorFrame e(Error::RateLimited, *refusal, Store::SearchBudgetMs);
        sendTo(c, wire(protocol::withRe(e.toJson(), f)));
        return;
    }
    const int count = int(std::min<qint64>(request->limit.value_or(protocol::DefaultSearchLimit),
                                           protocol::MaxSearchLimit));
    const quint64 ticket = holdOutput(c);
    m_searches.insert(
        ticket, {c, protocol::SearchAnswer{request->q, {}}, f.replyRe(), c->user->id, address});
    // The search thread takes searches in turns per address (searchadmission.h).
    m_store.startSearch(ticket, address, std::move(rooms), protocol::searchWords(request->q),
                        count);
}

void Hub::onSearched(quint64 ticket, const QList<ChatMessage> &messages)
{
    const auto search = m_searches.constFind(ticket);
    if (search == m_searches.cend())
        return;
    m_searchAdmission.finished(search->user, search->address);
    Connection *c = search->connection;
    if (!c) { // its connection is gone
        m_searches.erase(search);
        return;
    }
    protocol::SearchAnswer answer = search->answer;
    answer.messages = messages;
    // Bounded in bytes: the newest results that fit (they come newest first).
    protocol::listReactionsFor(answer.messages, c->user->id);
    protocol::trimToBytes(answer.messages, protocol::MaxAnswerBytes, protocol::KeepEnd::First);
    const QByteArray frame = wire(protocol::withRe(answer.toJson(), search->re));
    m_searches.erase(search);
    releaseOutput(c, ticket, OutFrame(frame));
}

void Hub::handleTyping(Connection *c, const Frame &f)
{
    const auto request = decode<protocol::TypingRequest>(c, f, Access::MembersOnly);
    Room *room = request ? memberRoom(c, f, request->room) : nullptr;
    if (!room)
        return;
    m_store.typing(*room, *c->user,
                   [this, name = room->name, who = c->user->info()](std::optional<bool> relay) {
                       if (!relay || !*relay)
                           return; // throttled (or no store to ask): dropped silently
                       if (Room *room = m_rooms.value(name))
                           broadcast(*room, wire(protocol::TypingEvent{name, who}.toJson()),
                                     m_users.value(who.id));
                   });
}

void Hub::publish(const QString &roomValue, const QString &text, const protocol::UserInfo &from,
                  PublishDone done)
{
    const auto name = protocol::normalizeRoomName(roomValue);
    if (!name)
        return done(Error::BadRoom);
    if (const auto error = protocol::textError(text, m_config.limits.maxTextBytes))
        return done(error->error);
    Room &room = roomFor(*name);
    m_store.append(room, draftMessage(room.name, from, text), QString(),
                   [this, done](std::optional<Appended> stored) {
                       if (!stored)
                           return done(Error::Unavailable);
                       ++m_metrics.messagesIn;
                       if (Room *room = m_rooms.value(stored->message.room))
                           deliverRoomMessage(*room, stored->message, nullptr, nullptr);
                       done(Published{stored->message.room, stored->message.seq});
                   });
    dropUnusedRooms();
}

} // namespace confab
