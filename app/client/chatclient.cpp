#include "chatclient.h"

#include "validation.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QSettings>
#include <QUuid>

Q_LOGGING_CATEGORY(lcClient, "confab.client", QtInfoMsg)

namespace confab::client {

using namespace Qt::StringLiterals;
using protocol::ChatMessage;
using protocol::Error;
using protocol::UserInfo;

namespace {
constexpr int MaxReconnectDelayMs = 10000;
constexpr int TypingShownMs = 3000;
constexpr qint64 TypingSendIntervalMs = 2000;
constexpr int SearchResultsShown = 50;

// The frame as T, or nothing when it lacks what T needs: a client ignores such a frame, as it
// ignores a type it does not know.
template <typename T> std::optional<T> as(const protocol::Frame &frame)
{
    auto decoded = T::fromJson(frame.object);
    if (auto *value = std::get_if<T>(&decoded))
        return std::move(*value);
    qCDebug(lcClient) << "ignored a" << T::Type
                      << "frame:" << std::get<protocol::DecodeError>(decoded).message;
    return std::nullopt;
}

QString newToken()
{
    QString token;
    for (int i = 0; i < 40; ++i)
        token += QChar(u"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                           [QRandomGenerator::global()->bounded(62)]);
    return token;
}
} // namespace

struct ChatClient::Conversation {
    QString name;  // room name, or "@<user id>"
    QString title; // room name, or the peer's nick
    bool direct = false;
    bool joined = false;
    QString epoch;
    QString topic;
    qint64 lastSeq = 0;
    qint64 readSeq = 0;
    int unreadDirect = 0;
    bool loadingOlder = false;
    MessageModel messages;
    MemberModel members;
    QHash<QString, std::pair<QString, qint64>> typing; // user id -> nick, until (ms)
};

ChatClient::ChatClient(QObject *parent)
    : QObject(parent)
{
    connect(&m_socket, &QWebSocket::connected, this, &ChatClient::onConnected);
    connect(&m_socket, &QWebSocket::disconnected, this, &ChatClient::onDisconnected);
    connect(&m_socket, &QWebSocket::textMessageReceived, this, &ChatClient::onText);
    // A refused or failed connection attempt does not always end in disconnected().
    connect(&m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this, [this] {
        if (m_socket.state() == QAbstractSocket::UnconnectedState && !m_userClosed
            && (m_state == Connecting || m_state == Reconnecting) && !m_reconnectTimer.isActive())
            scheduleReconnect();
    });
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &ChatClient::open);
    m_typingExpiry.setInterval(500);
    connect(&m_typingExpiry, &QTimer::timeout, this, [this] {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        bool changed = false;
        for (auto &[name, c] : m_conversations) {
            for (auto it = c->typing.begin(); it != c->typing.end();) {
                if (it->second < now) {
                    it = c->typing.erase(it);
                    changed = true;
                } else {
                    ++it;
                }
            }
        }
        if (changed)
            Q_EMIT typingChanged();
    });
    m_typingExpiry.start();
}

ChatClient::~ChatClient()
{
    m_socket.disconnect(this);
}

QUrl ChatClient::urlFromAddress(const QString &input, QString *error)
{
    const QString address = input.trimmed();
    QUrl url;
    if (address.contains("://"_L1)) {
        url = QUrl(address, QUrl::StrictMode);
    } else if (!address.isEmpty()) {
        url = QUrl(u"ws://"_s + address, QUrl::StrictMode);
    }
    if (!url.isValid() || url.host().isEmpty()
        || (url.scheme() != u"ws" && url.scheme() != u"wss")) {
        if (error)
            *error = QObject::tr("'%1' is not an address: use host, host:port or ws://host:port")
                         .arg(address);
        return {};
    }
    if (url.port() == -1 && url.scheme() == u"ws")
        url.setPort(protocol::DefaultPort);
    if (url.path().isEmpty() || url.path() == u"/")
        url.setPath(u"/ws"_s);
    return url;
}

void ChatClient::setToken(const QString &token)
{
    if (token == m_token)
        return;
    m_token = token;
    Q_EMIT identityChanged();
}

void ChatClient::connectTo(const QString &address, const QString &nick, const QString &password)
{
    QString error;
    const QUrl url = urlFromAddress(address, &error);
    if (url.isEmpty()) {
        setState(Failed, error);
        Q_EMIT errorOccurred(error);
        return;
    }
    if (m_token.isEmpty()) {
        // One identity per installation, kept across restarts.
        QSettings settings;
        m_token = settings.value("identity/token"_L1).toString();
        if (!protocol::isValidToken(m_token)) {
            m_token = newToken();
            settings.setValue("identity/token"_L1, m_token);
        }
    }
    m_url = url;
    m_wantedNick = nick.trimmed();
    m_password = password;
    m_userClosed = false;
    m_attempt = 0;
    m_socket.abort();
    open();
}

void ChatClient::disconnectFromServer()
{
    m_userClosed = true;
    m_reconnectTimer.stop();
    m_socket.close();
    setState(Offline, tr("Disconnected"));
}

void ChatClient::open()
{
    setState(m_attempt == 0 ? Connecting : Reconnecting,
             m_attempt == 0 ? tr("Connecting to %1…").arg(m_url.host())
                            : tr("Reconnecting to %1…").arg(m_url.host()));
    m_socket.open(m_url);
}

void ChatClient::setState(State state, const QString &text)
{
    if (state == m_state && text == m_statusText)
        return;
    m_state = state;
    m_statusText = text;
    Q_EMIT stateChanged();
}

void ChatClient::sendFrame(const QJsonObject &frame)
{
    m_socket.sendTextMessage(QString::fromUtf8(protocol::encode(frame)));
}

void ChatClient::onConnected()
{
    protocol::Hello hello;
    hello.token = m_token;
    const QString nick = m_user.nick.isEmpty() ? m_wantedNick : m_user.nick;
    if (!nick.isEmpty())
        hello.nick = nick;
    if (!m_password.isEmpty())
        hello.password = m_password;
    sendFrame(hello.toJson());
}

void ChatClient::onDisconnected()
{
    if (m_reconnectTimer.isActive())
        return; // already handled through errorOccurred
    const int code = int(m_socket.closeCode());
    for (auto &[name, c] : m_conversations)
        c->joined = false;
    if (m_userClosed)
        return setState(Offline, tr("Disconnected"));
    if (code == protocol::CloseAuthFailed)
        return setState(Failed, tr("Wrong password"));
    if (code == protocol::CloseProtocolError)
        return setState(Failed, tr("This server speaks another protocol version"));
    scheduleReconnect();
}

void ChatClient::scheduleReconnect()
{
    const int exponent = std::min(m_attempt, 10);
    const int delay = std::min(MaxReconnectDelayMs, m_reconnectBaseMs << exponent);
    const int jitter = QRandomGenerator::global()->bounded(delay / 4 + 1);
    ++m_attempt;
    setState(Reconnecting,
             tr("Connection lost. Reconnecting in %1 s…").arg((delay + jitter + 999) / 1000));
    m_reconnectTimer.start(delay + jitter);
}

void ChatClient::onText(const QString &text)
{
    using namespace protocol;
    const auto decoded = decodeFrame(text.toUtf8());
    const auto *frame = std::get_if<Frame>(&decoded);
    if (!frame)
        return;
    const QString &type = frame->type;
    if (type == ChatMessage::Type) {
        if (const auto m = as<ChatMessage>(*frame))
            handleMessage(*m, frame->re);
    } else if (type == Welcome::Type) {
        if (const auto welcome = as<Welcome>(*frame))
            handleWelcome(*welcome);
    } else if (type == Joined::Type) {
        if (const auto joined = as<Joined>(*frame))
            handleJoined(*joined);
    } else if (type == Presence::Type) {
        if (const auto presence = as<Presence>(*frame))
            handlePresence(*presence);
    } else if (type == TopicEvent::Type) {
        if (const auto topic = as<TopicEvent>(*frame))
            handleTopic(*topic);
    } else if (type == ErrorFrame::Type) {
        if (const auto error = as<ErrorFrame>(*frame))
            handleError(*error, frame->re);
    } else if (type == Left::Type) {
        if (const auto left = as<Left>(*frame))
            handleLeft(*left);
    } else if (type == NickAnswer::Type) {
        if (const auto nick = as<NickAnswer>(*frame))
            handleNick(*nick);
    } else if (type == ReadPosition::Type) {
        if (const auto read = as<ReadPosition>(*frame))
            handleRead(*read);
    } else if (type == TypingEvent::Type) {
        if (const auto typing = as<TypingEvent>(*frame))
            handleTyping(*typing);
    } else if (type == HistoryAnswer::Type) {
        if (const auto history = as<HistoryAnswer>(*frame))
            handleHistory(*history);
    } else if (type == SearchAnswer::Type) {
        if (const auto search = as<SearchAnswer>(*frame))
            handleSearch(*search);
    } else if (type == RoomsAnswer::Type) {
        if (const auto rooms = as<RoomsAnswer>(*frame))
            handleRooms(*rooms);
    }
}

void ChatClient::handleLeft(const protocol::Left &left)
{
    m_rooms.remove(left.room);
    m_conversations.erase(left.room);
    if (m_current == left.room)
        setCurrentRoom(m_rooms.names().value(0));
}

void ChatClient::handleNick(const protocol::NickAnswer &answer)
{
    if (answer.user.id != m_user.id)
        return;
    m_user = answer.user;
    Q_EMIT identityChanged();
}

void ChatClient::handleRead(const protocol::ReadPosition &read)
{
    if (Conversation *c = find(read.room)) {
        c->readSeq = std::max(c->readSeq, read.seq);
        updateUnread(*c);
    }
}

void ChatClient::handleTyping(const protocol::TypingEvent &typing)
{
    if (Conversation *c = find(typing.room)) {
        c->typing.insert(typing.user.id,
                         {typing.user.nick, QDateTime::currentMSecsSinceEpoch() + TypingShownMs});
        Q_EMIT typingChanged();
    }
}

void ChatClient::handleHistory(const protocol::HistoryAnswer &history)
{
    if (Conversation *c = find(history.room)) {
        c->messages.prependHistory(history.messages);
        c->loadingOlder = false;
    }
}

void ChatClient::handleSearch(const protocol::SearchAnswer &search)
{
    m_searchResults.clear();
    for (const ChatMessage &m : search.messages) {
        m_searchResults.append(
            QVariantMap{{u"room"_s, m.room},
                        {u"seq"_s, m.seq},
                        {u"nick"_s, m.from.nick},
                        {u"text"_s, m.text},
                        {u"when"_s, QLocale().toString(QDateTime::fromMSecsSinceEpoch(m.ts),
                                                       QLocale::ShortFormat)}});
    }
    Q_EMIT searchResultsChanged();
}

void ChatClient::handleRooms(const protocol::RoomsAnswer &rooms)
{
    // For QML: one map per room, with the names of the frame's entries.
    m_directory.clear();
    for (const auto &entry : rooms.rooms)
        m_directory.append(QVariantMap{
            {u"room"_s, entry.room}, {u"members"_s, entry.members}, {u"topic"_s, entry.topic}});
    Q_EMIT directoryChanged();
}

void ChatClient::handleWelcome(const protocol::Welcome &welcome)
{
    m_user = welcome.user;
    m_attempt = 0;
    m_serverName = welcome.serverName;
    for (auto &[name, c] : m_conversations)
        c->messages.setOwnUserId(m_user.id);
    Q_EMIT identityChanged();
    setState(Online, tr("Connected to %1").arg(m_serverName));

    // Resume every room where it stopped, or land in general the first time.
    bool anyRoom = false;
    for (auto &[name, c] : m_conversations) {
        if (c->direct)
            continue;
        anyRoom = true;
        protocol::JoinRequest join{name, std::nullopt};
        if (c->lastSeq > 0)
            join.since = c->lastSeq;
        sendFrame(join.toJson());
    }
    if (!anyRoom)
        joinRoom(u"general"_s);
    // The server handles frames in order: the joins above come first.
    for (const Outgoing &item : std::as_const(m_outbox))
        sendOutgoing(item);
}

void ChatClient::handleJoined(const protocol::Joined &joined)
{
    const QString &name = joined.room;
    Conversation &c = conversation(name);
    if (!c.epoch.isEmpty() && joined.epoch != c.epoch) {
        // The room's history was replaced: drop the cache instead of trusting since.
        c.messages.clear();
        c.lastSeq = 0;
    }
    c.epoch = joined.epoch;
    c.joined = true;
    c.topic = joined.topic;
    c.readSeq = std::max(c.readSeq, joined.read);
    c.members.reset(joined.members);
    for (const ChatMessage &m : joined.history)
        c.messages.addMessage(m);
    c.lastSeq = std::max(c.lastSeq, joined.seq);
    m_rooms.setMembers(name, int(joined.members.size()));
    m_rooms.setTopic(name, c.topic);
    updateUnread(c);
    // The room the user asked for wins; the first room joined only fills an empty view (and
    // must not take away a switch still waiting for its joined).
    if (m_switchTo == name) {
        m_switchTo.clear();
        setCurrentRoom(name);
    } else if (m_current.isEmpty()) {
        setCurrentRoom(name);
    }
}

void ChatClient::handleMessage(const ChatMessage &m, const std::optional<QString> &answers)
{
    const QString re = answers.value_or(QString());
    const bool mine = m.from.id == m_user.id;
    // A direct message belongs to the conversation with the other user ("@<id>").
    UserInfo peer;
    if (m.isDirect())
        peer = mine && m.to != m_user.id ? UserInfo{m.to, QString()} : m.from;
    const QString name = m.isDirect() ? u"@"_s + peer.id : m.room;
    Conversation &c = conversation(name, m.isDirect());
    if (!peer.nick.isEmpty() && c.title != peer.nick) {
        c.title = peer.nick;
        m_rooms.upsert({name, c.title, {}, c.unreadDirect, 2, true});
    }

    const auto pending = re.isEmpty()
                             ? m_outbox.end()
                             : std::find_if(m_outbox.begin(), m_outbox.end(),
                                            [&](const Outgoing &o) { return o.clientId == re; });
    if (pending != m_outbox.end()) {
        m_outbox.erase(pending);
        c.messages.confirm(re, m);
        Q_EMIT outboxChanged();
    } else {
        c.messages.addMessage(m);
    }
    if (!m.isDirect())
        c.lastSeq = std::max(c.lastSeq, m.seq);

    const bool seen = m_windowActive && m_current == name;
    if (mine || seen) {
        if (m_current == name)
            markRead();
        return;
    }
    if (m.isDirect())
        ++c.unreadDirect;
    updateUnread(c);
    const bool mention =
        !m_user.nick.isEmpty() && m.text.contains(m_user.nick, Qt::CaseInsensitive);
    if (m.isDirect() || mention)
        Q_EMIT attentionNeeded(m.isDirect() ? m.from.nick : tr("%1 in %2").arg(m.from.nick, name),
                               m.text);
}

void ChatClient::handlePresence(const protocol::Presence &presence)
{
    Conversation *c = find(presence.room);
    if (!c)
        return;
    const UserInfo &user = presence.user;
    switch (presence.event) {
    case protocol::Presence::Event::Join:
        c->members.add(user);
        c->messages.addNotice(tr("%1 joined").arg(user.nick), presence.ts);
        break;
    case protocol::Presence::Event::Leave:
        c->members.remove(user.id);
        c->messages.addNotice(tr("%1 left").arg(user.nick), presence.ts);
        break;
    case protocol::Presence::Event::Nick:
        c->members.rename(user);
        c->messages.addNotice(tr("%1 is now known as %2").arg(presence.old, user.nick),
                              presence.ts);
        break;
    }
    m_rooms.setMembers(c->name, c->members.rowCount());
}

void ChatClient::handleTopic(const protocol::TopicEvent &event)
{
    Conversation *c = find(event.room);
    if (!c)
        return;
    c->topic = event.topic;
    c->messages.addNotice(c->topic.isEmpty()
                              ? tr("%1 cleared the topic").arg(event.by.nick)
                              : tr("%1 set the topic: %2").arg(event.by.nick, c->topic),
                          event.ts);
    m_rooms.setTopic(c->name, c->topic);
    if (c->name == m_current)
        Q_EMIT topicChanged();
}

void ChatClient::handleError(const protocol::ErrorFrame &error,
                             const std::optional<QString> &answers)
{
    const QString re = answers.value_or(QString());
    const auto pending = std::find_if(m_outbox.begin(), m_outbox.end(),
                                      [&](const Outgoing &o) { return o.clientId == re; });
    if (!re.isEmpty() && pending != m_outbox.end()) {
        if (error.is(Error::RateLimited)) {
            // Try the same message again when the server has a token for it.
            const Outgoing item = *pending;
            QTimer::singleShot(std::max<qint64>(50, error.retryMs.value_or(0)), this, [this, item] {
                if (m_state == Online)
                    sendOutgoing(item);
            });
            return;
        }
        if (error.is(Error::NotInRoom))
            return; // resent after the rejoin
        // The server refused it for good (too long, user offline…): say so, keep the text.
        const Outgoing item = *pending;
        m_outbox.erase(pending);
        Q_EMIT outboxChanged();
        if (Conversation *c = find(item.conversation)) {
            c->messages.removePending(item.clientId);
            c->messages.addNotice(tr("Not sent (%1): %2").arg(error.message, item.text),
                                  QDateTime::currentMSecsSinceEpoch());
        }
    }
    if (error.is(Error::AuthFailed))
        setState(Failed, tr("Wrong password"));
    qCInfo(lcClient) << "server error" << error.code << error.message;
    Q_EMIT errorOccurred(error.message);
}

ChatClient::Conversation &ChatClient::conversation(const QString &name, bool direct)
{
    auto it = m_conversations.find(name);
    if (it != m_conversations.end())
        return *it->second;
    auto c = std::make_unique<Conversation>();
    c->name = name;
    c->title = direct ? name.mid(1, 8) : name;
    c->direct = direct;
    c->messages.setOwnUserId(m_user.id);
    Conversation &ref = *c;
    m_conversations.emplace(name, std::move(c));
    m_rooms.upsert({name, ref.title, {}, 0, 0, direct});
    return ref;
}

ChatClient::Conversation *ChatClient::find(const QString &name) const
{
    auto it = m_conversations.find(name);
    return it == m_conversations.end() ? nullptr : it->second.get();
}

MessageModel *ChatClient::messagesOf(const QString &name) const
{
    Conversation *c = find(name);
    return c ? &c->messages : nullptr;
}

void ChatClient::updateUnread(Conversation &c)
{
    const int unread = c.direct ? c.unreadDirect : int(std::max<qint64>(0, c.lastSeq - c.readSeq));
    m_rooms.setUnread(c.name, unread);
    Q_EMIT unreadChanged();
}

void ChatClient::joinRoom(const QString &room)
{
    const auto name = protocol::normalizeRoomName(room.trimmed().remove(u'#'));
    if (!name) {
        Q_EMIT errorOccurred(tr("A room name has letters, digits, '-', '_' or '.'"));
        return;
    }
    if (find(*name) && find(*name)->joined) {
        setCurrentRoom(*name);
        return;
    }
    m_switchTo = *name; // shown once the server has answered joined
    sendFrame(protocol::JoinRequest{*name, std::nullopt}.toJson());
}

void ChatClient::leaveRoom(const QString &room)
{
    if (Conversation *c = find(room); c && c->direct) {
        m_rooms.remove(room);
        m_conversations.erase(room);
        if (m_current == room)
            setCurrentRoom(m_rooms.names().value(0));
        return;
    }
    sendFrame(protocol::LeaveRequest{room}.toJson());
}

void ChatClient::sendMessage(const QString &input)
{
    const QString text = input.trimmed();
    Conversation *c = find(m_current);
    if (text.isEmpty() || !c)
        return;
    const Outgoing item{u"c-"_s + QUuid::createUuid().toString(QUuid::WithoutBraces), m_current,
                        text};
    m_outbox.append(item);
    c->messages.addPending(item.clientId, m_user, text);
    Q_EMIT outboxChanged();
    if (m_state == Online)
        sendOutgoing(item);
}

void ChatClient::sendOutgoing(const Outgoing &item)
{
    protocol::SendRequest send{item.conversation, std::nullopt, item.text};
    if (item.conversation.startsWith(u'@'))
        send = {QString(), item.conversation.mid(1), item.text};
    sendFrame(protocol::withId(send.toJson(), item.clientId));
}

void ChatClient::setTopic(const QString &topic)
{
    if (!m_current.isEmpty() && !currentIsDirect())
        sendFrame(protocol::TopicRequest{m_current, topic}.toJson());
}

void ChatClient::changeNick(const QString &nick)
{
    const auto valid = protocol::normalizeNick(nick.trimmed());
    if (!valid) {
        Q_EMIT errorOccurred(tr("A nick has 1 to %1 characters").arg(protocol::MaxNickChars));
        return;
    }
    m_wantedNick = *valid;
    if (m_state == Online)
        sendFrame(protocol::NickRequest{*valid}.toJson());
}

void ChatClient::loadOlder()
{
    Conversation *c = find(m_current);
    if (!c || c->direct || c->loadingOlder || m_state != Online)
        return;
    const qint64 first = c->messages.firstSeq();
    if (first == 1 || (first == 0 && c->lastSeq == 0))
        return; // everything is here
    c->loadingOlder = true;
    sendFrame(protocol::HistoryRequest{c->name, first > 0 ? first : c->lastSeq + 1,
                                       protocol::DefaultHistoryLimit}
                  .toJson());
}

void ChatClient::markRead()
{
    Conversation *c = find(m_current);
    if (!c)
        return;
    if (c->direct) {
        c->unreadDirect = 0;
    } else if (c->lastSeq > c->readSeq) {
        c->readSeq = c->lastSeq;
        if (m_state == Online)
            sendFrame(protocol::ReadPosition{c->name, c->lastSeq}.toJson());
    }
    updateUnread(*c);
}

void ChatClient::userTyping()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (m_state != Online || currentIsDirect() || m_current.isEmpty()
        || now - m_lastTypingSent < TypingSendIntervalMs)
        return;
    m_lastTypingSent = now;
    sendFrame(protocol::TypingRequest{m_current}.toJson());
}

void ChatClient::openDirect(const QString &userId, const QString &nick)
{
    if (userId == m_user.id || userId.isEmpty())
        return;
    const QString name = u"@"_s + userId;
    Conversation &c = conversation(name, true);
    c.title = nick;
    m_rooms.upsert({name, nick, {}, c.unreadDirect, 2, true});
    setCurrentRoom(name);
}

void ChatClient::search(const QString &query)
{
    if (query.trimmed().isEmpty()) {
        m_searchResults.clear();
        Q_EMIT searchResultsChanged();
        return;
    }
    sendFrame(protocol::SearchRequest{query, std::nullopt, SearchResultsShown}.toJson());
}

void ChatClient::refreshDirectory()
{
    sendFrame(protocol::RoomsRequest{}.toJson());
}

void ChatClient::switchRoom(int delta)
{
    const QStringList names = m_rooms.names();
    if (names.isEmpty())
        return;
    const int i = int(names.indexOf(m_current));
    const int n = int(names.size());
    setCurrentRoom(names[((i < 0 ? 0 : i + delta) % n + n) % n]);
}

void ChatClient::setCurrentRoom(const QString &name)
{
    if (name == m_current)
        return;
    m_current = name;
    Q_EMIT currentRoomChanged();
    Q_EMIT topicChanged();
    Q_EMIT typingChanged();
    if (m_windowActive)
        markRead();
}

QString ChatClient::currentTitle() const
{
    Conversation *c = find(m_current);
    return c ? c->title : QString();
}

QString ChatClient::currentTopic() const
{
    Conversation *c = find(m_current);
    return c ? c->topic : QString();
}

bool ChatClient::currentIsDirect() const
{
    Conversation *c = find(m_current);
    return c && c->direct;
}

MessageModel *ChatClient::messages()
{
    Conversation *c = find(m_current);
    return c ? &c->messages : nullptr;
}

MemberModel *ChatClient::members()
{
    Conversation *c = find(m_current);
    return c ? &c->members : nullptr;
}

QString ChatClient::typingText() const
{
    Conversation *c = find(m_current);
    if (!c || c->typing.isEmpty())
        return {};
    QStringList nicks;
    for (const auto &[nick, until] : std::as_const(c->typing))
        nicks.append(nick);
    nicks.sort();
    if (nicks.size() == 1)
        return tr("%1 is typing…").arg(nicks.first());
    const QString last = nicks.takeLast();
    return tr("%1 and %2 are typing…").arg(nicks.join(u", "_s), last);
}

void ChatClient::setWindowActive(bool active)
{
    if (active == m_windowActive)
        return;
    m_windowActive = active;
    Q_EMIT windowActiveChanged();
    if (active)
        markRead();
}

} // namespace confab::client
