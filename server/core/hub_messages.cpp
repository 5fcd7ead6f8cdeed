// Messages: room and direct sends with de-duplication, history, read positions, search,
// typing, and the HTTP publish path.
#include "connection.h"
#include "hub.h"
#include "logging.h"
#include "ratelimiter.h"
#include "store.h"
#include "validation.h"

#include <QDateTime>
#include <QUuid>

namespace confab {

using namespace Qt::StringLiterals;
using protocol::ChatMessage;
using protocol::Error;

namespace {

constexpr int MaxRememberedDirects = 100000;
// Searches of one connection waiting for the search thread, at most: past it, rate_limited.
constexpr int MaxSearchesInFlight = 4;

// An optional integer field: nothing when absent, the fallback marker when malformed.
std::optional<std::optional<qint64>> optionalInteger(const protocol::Frame &f,
                                                     QLatin1StringView key, qint64 min)
{
    const QJsonValue v = f.value(key);
    if (v.isUndefined() || v.isNull())
        return std::optional<qint64>{};
    if (auto n = protocol::integerValue(v, min, std::numeric_limits<qint64>::max() / 2))
        return std::optional<qint64>{*n};
    return std::nullopt;
}

} // namespace

std::optional<std::pair<Error, QString>> Hub::textError(const QString &text) const
{
    if (text.isEmpty())
        return std::pair{Error::BadRequest, u"\"text\" must be a non-empty string"_s};
    if (!protocol::isValidUnicode(text)) // else the stored copy would differ from the live one
        return std::pair{Error::BadRequest,
                         u"\"text\" must be Unicode text (no lone surrogates such as \\ud800)"_s};
    if (text.toUtf8().size() > m_config.limits.maxTextBytes)
        return std::pair{Error::TooLong, u"a message has at most %1 bytes of UTF-8"_s.arg(
                                             m_config.limits.maxTextBytes)};
    return std::nullopt;
}

void Hub::handleSend(Connection *c, const Frame &f)
{
    const bool hasRoom = f.object.contains("room"_L1);
    const bool hasTo = f.object.contains("to"_L1);
    if (hasRoom == hasTo)
        return sendError(c, &f, Error::BadRequest, u"a send names either \"room\" or \"to\""_s);
    const QString text = f.value("text"_L1).toString(); // empty unless a string
    if (const auto error = textError(text))
        return sendError(c, &f, error->first, error->second);
    if (hasRoom)
        sendToRoom(c, f, text);
    else
        sendDirect(c, f, text);
}

void Hub::sendToRoom(Connection *c, const Frame &f, const QString &text)
{
    Room *room = memberRoom(c, f);
    if (!room)
        return;
    if (f.hasId) {
        const qint64 minTs = QDateTime::currentMSecsSinceEpoch() - protocol::DedupWindowMs;
        if (auto original = m_store.findByClientId(room->name, c->user->id, f.id, minTs)) {
            reply(c, f, protocol::toJson(*original)); // a resend: nothing new is stored
            return;
        }
    }
    const ChatMessage m =
        storeRoomMessage(*room, c->user->info(), text, f.hasId ? f.id : QString());
    deliverRoomMessage(*room, m, c, &f);
}

ChatMessage Hub::storeRoomMessage(Room &room, const protocol::UserInfo &from, const QString &text,
                                  const QString &clientId)
{
    ChatMessage m;
    m.room = room.name;
    m.seq = ++room.lastSeq;
    m.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    m.from = from;
    m.text = text;
    m.ts = QDateTime::currentMSecsSinceEpoch();
    m_store.appendMessage(m, clientId);
    ++m_metrics.messagesIn;
    return m;
}

void Hub::deliverRoomMessage(Room &room, const ChatMessage &m, Connection *sender,
                             const Frame *request)
{
    const QJsonObject frame = protocol::toJson(m);
    const QByteArray plain = wire(frame);
    for (Connection *member : room.connections()) {
        ++m_metrics.messagesOut;
        if (member == sender && request)
            reply(member, *request, frame);
        else
            sendTo(member, plain);
    }
}

void Hub::sendDirect(Connection *c, const Frame &f, const QString &text)
{
    const QJsonValue to = f.value("to"_L1);
    if (!to.isString())
        return sendError(c, &f, Error::BadRequest, u"\"to\" must be a user id"_s);
    User *recipient = m_users.value(to.toString());
    if (!recipient)
        return sendError(c, &f, Error::NoSuchUser, u"no such user online"_s);

    User *sender = c->user;
    const QString key = f.hasId ? sender->id + QChar(0) + f.id : QString();
    if (f.hasId) {
        const auto original = m_directByClientId.constFind(key);
        if (original != m_directByClientId.cend()
            && original->ts >= QDateTime::currentMSecsSinceEpoch() - protocol::DedupWindowMs) {
            reply(c, f, protocol::toJson(*original));
            return;
        }
    }
    ChatMessage m;
    m.to = recipient->id;
    m.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    m.from = sender->info();
    m.text = text;
    m.ts = QDateTime::currentMSecsSinceEpoch();
    ++m_metrics.messagesIn;
    if (f.hasId) {
        m_directByClientId.insert(key, m);
        m_directOrder.enqueue(key);
        if (m_directOrder.size() > MaxRememberedDirects)
            m_directByClientId.remove(m_directOrder.dequeue());
    }

    const QJsonObject frame = protocol::toJson(m);
    const QByteArray plain = wire(frame);
    QList<Connection *> targets = sender->connections;
    if (recipient != sender)
        targets += recipient->connections;
    for (Connection *target : std::as_const(targets)) {
        ++m_metrics.messagesOut;
        if (target == c)
            reply(c, f, frame);
        else
            sendTo(target, plain);
    }
}

void Hub::handleHistory(Connection *c, const Frame &f)
{
    Room *room = memberRoom(c, f);
    if (!room)
        return;
    const auto before = optionalInteger(f, "before"_L1, 0);
    const auto limit = optionalInteger(f, "limit"_L1, 1);
    if (!before)
        return sendError(c, &f, Error::BadRequest, u"\"before\" must be a seq (0 or more)"_s);
    if (!limit)
        return sendError(c, &f, Error::BadRequest, u"\"limit\" must be a positive integer"_s);
    const qint64 beforeSeq = before->value_or(room->lastSeq + 1);
    const int count = int(std::min<qint64>(limit->value_or(protocol::DefaultHistoryLimit),
                                           protocol::MaxHistoryLimit));
    reply(c, f,
          {{"type"_L1, "history"_L1},
           {"room"_L1, room->name},
           {"messages"_L1, protocol::toJson(m_store.latest(room->name, 0, beforeSeq, count))}});
}

void Hub::handleRead(Connection *c, const Frame &f)
{
    Room *room = memberRoom(c, f);
    if (!room)
        return;
    const auto seq =
        protocol::integerValue(f.value("seq"_L1), 0, std::numeric_limits<qint64>::max() / 2);
    if (!seq)
        return sendError(c, &f, Error::BadRequest, u"\"seq\" must be a seq (0 or more)"_s);
    User *user = c->user;
    const qint64 position = std::min(*seq, room->lastSeq);
    if (position <= user->reads.value(room->name, 0))
        return; // a read position never moves back
    user->reads.insert(room->name, position);
    if (!user->tokenHash.isEmpty())
        m_store.saveReadPosition(user->id, room->name, position);
    const QByteArray frame =
        wire({{"type"_L1, "read"_L1}, {"room"_L1, room->name}, {"seq"_L1, double(position)}});
    for (Connection *other : std::as_const(user->connections)) {
        if (other != c && other->rooms.contains(room->name))
            sendTo(other, frame);
    }
}

void Hub::handleSearch(Connection *c, const Frame &f)
{
    const QJsonValue q = f.value("q"_L1);
    if (!q.isString() || q.toString().trimmed().isEmpty())
        return sendError(c, &f, Error::BadRequest, u"\"q\" must be a non-empty string"_s);
    const QString query = q.toString();
    // Bounded before it is split: each word is a prefix term for FTS5 to expand, and one frame
    // can hold thousands of them.
    if (query.toUtf8().size() > protocol::MaxSearchBytes)
        return sendError(
            c, &f, Error::BadRequest,
            u"a search query has at most %1 bytes of UTF-8"_s.arg(protocol::MaxSearchBytes));
    QStringList words = protocol::searchWords(query);
    if (words.size() > protocol::MaxSearchWords)
        return sendError(c, &f, Error::BadRequest,
                         u"a search query has at most %1 words"_s.arg(protocol::MaxSearchWords));
    const auto limit = optionalInteger(f, "limit"_L1, 1);
    if (!limit)
        return sendError(c, &f, Error::BadRequest, u"\"limit\" must be a positive integer"_s);
    QSet<QString> rooms;
    if (f.object.contains("room"_L1)) {
        Room *room = memberRoom(c, f);
        if (!room)
            return;
        rooms.insert(room->name);
    } else {
        for (const Connection *own : std::as_const(c->user->connections))
            rooms.unite(own->rooms);
    }
    auto &waiting = m_waiting[c];
    const auto inFlight = std::count_if(waiting.cbegin(), waiting.cend(),
                                        [](const auto &entry) { return entry.first != 0; });
    if (inFlight >= MaxSearchesInFlight) {
        QJsonObject e = protocol::errorFrame(
            Error::RateLimited, u"at most %1 searches at a time"_s.arg(MaxSearchesInFlight),
            f.hasId ? std::optional(f.id) : std::nullopt);
        e.insert("retry_ms"_L1, Store::SearchBudgetMs);
        waiting.emplace_back(0, wire(e));
        return;
    }
    const int count = int(
        std::min<qint64>(limit->value_or(protocol::DefaultSearchLimit), protocol::MaxSearchLimit));
    const quint64 ticket = ++m_lastTicket;
    m_searches.insert(ticket,
                      {c, protocol::withRe({{"type"_L1, "search"_L1}, {"q"_L1, query}}, f)});
    waiting.emplace_back(ticket, QByteArray());
    m_store.startSearch(ticket, std::move(rooms), std::move(words), count);
}

void Hub::onSearched(quint64 ticket, const QList<ChatMessage> &messages)
{
    const auto search = m_searches.constFind(ticket);
    if (search == m_searches.cend())
        return; // its connection is gone
    Connection *c = search->connection;
    QJsonObject answer = search->answer;
    m_searches.erase(search);
    answer.insert("messages"_L1, protocol::toJson(messages));
    const auto waiting = m_waiting.find(c);
    if (waiting == m_waiting.end())
        return;
    for (auto &entry : *waiting) {
        if (entry.first == ticket) {
            entry = {0, wire(answer)};
            break;
        }
    }
    // What waited behind this answer goes now, up to the next search still running.
    while (!waiting->isEmpty() && waiting->first().first == 0)
        deliver(c, waiting->takeFirst().second);
    if (waiting->isEmpty())
        m_waiting.erase(waiting);
}

void Hub::handleTyping(Connection *c, const Frame &f)
{
    Room *room = memberRoom(c, f);
    if (!room)
        return;
    if (!room->admitTyping(c->user, monotonicNs()))
        return; // throttled: dropped silently
    broadcast(*room,
              wire({{"type"_L1, "typing"_L1},
                    {"room"_L1, room->name},
                    {"user"_L1, protocol::toJson(c->user->info())}}),
              c->user);
}

PublishResult Hub::publish(const QString &roomValue, const QString &text,
                           const protocol::UserInfo &from)
{
    const auto name = protocol::normalizeRoomName(roomValue);
    if (!name)
        return Error::BadRoom;
    if (const auto error = textError(text))
        return error->first;
    Room &room = roomFor(*name);
    const ChatMessage m = storeRoomMessage(room, from, text, QString());
    deliverRoomMessage(room, m, nullptr, nullptr);
    return Published{room.name, m.seq};
}

} // namespace confab
