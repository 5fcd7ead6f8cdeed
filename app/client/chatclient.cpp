#include "chatclient.h"

#include "validation.h"

#include <QDateTime>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QSettings>
#include <QUuid>

Q_LOGGING_CATEGORY(lcClient, "confab.client", QtInfoMsg)

namespace confab::client {

using namespace Qt::StringLiterals;
using protocol::ChatMessage;
using protocol::UserInfo;

namespace {
constexpr int MaxReconnectDelayMs = 10000;
constexpr int TypingShownMs = 3000;
constexpr qint64 TypingSendIntervalMs = 2000;

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

void ChatClient::sendFrame(QJsonObject frame)
{
    m_socket.sendTextMessage(QString::fromUtf8(protocol::encode(frame)));
}

void ChatClient::onConnected()
{
    QJsonObject hello{
        {"type"_L1, "hello"_L1}, {"protocol"_L1, protocol::Version}, {"token"_L1, m_token}};
    const QString nick = m_user.nick.isEmpty() ? m_wantedNick : m_user.nick;
    if (!nick.isEmpty())
        hello.insert("nick"_L1, nick);
    if (!m_password.isEmpty())
        hello.insert("password"_L1, m_password);
    sendFrame(hello);
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
    const auto decoded = protocol::decodeFrame(text.toUtf8());
    const auto *frame = std::get_if<protocol::Frame>(&decoded);
    if (!frame)
        return;
    const QJsonObject &f = frame->object;
    const QString &type = frame->type;
    if (type == u"welcome")
        handleWelcome(f);
    else if (type == u"joined")
        handleJoined(f);
    else if (type == u"message")
        handleMessage(f);
    else if (type == u"presence")
        handlePresence(f);
    else if (type == u"topic")
        handleTopic(f);
    else if (type == u"error")
        handleError(f);
    else if (type == u"left") {
        const QString name = f.value("room"_L1).toString();
        m_rooms.remove(name);
        m_conversations.erase(name);
        if (m_current == name)
            setCurrentRoom(m_rooms.names().value(0));
    } else if (type == u"nick") {
        if (const auto user = protocol::userFromJson(f.value("user"_L1));
            user && user->id == m_user.id) {
            m_user = *user;
            Q_EMIT identityChanged();
        }
    } else if (type == u"read") {
        if (Conversation *c = find(f.value("room"_L1).toString())) {
            c->readSeq = std::max(c->readSeq, qint64(f.value("seq"_L1).toDouble()));
            updateUnread(*c);
        }
    } else if (type == u"typing") {
        const auto user = protocol::userFromJson(f.value("user"_L1));
        if (Conversation *c = find(f.value("room"_L1).toString()); c && user) {
            c->typing.insert(user->id,
                             {user->nick, QDateTime::currentMSecsSinceEpoch() + TypingShownMs});
            Q_EMIT typingChanged();
        }
    } else if (type == u"history") {
        if (Conversation *c = find(f.value("room"_L1).toString())) {
            QList<ChatMessage> older;
            for (const QJsonValue &v : f.value("messages"_L1).toArray()) {
                if (auto m = protocol::messageFromJson(v.toObject()))
                    older.append(*m);
            }
            c->messages.prependHistory(older);
            c->loadingOlder = false;
        }
    } else if (type == u"search") {
        m_searchResults.clear();
        for (const QJsonValue &v : f.value("messages"_L1).toArray()) {
            const auto m = protocol::messageFromJson(v.toObject());
            if (!m)
                continue;
            m_searchResults.append(
                QVariantMap{{u"room"_s, m->room},
                            {u"seq"_s, m->seq},
                            {u"nick"_s, m->from.nick},
                            {u"text"_s, m->text},
                            {u"when"_s, QLocale().toString(QDateTime::fromMSecsSinceEpoch(m->ts),
                                                           QLocale::ShortFormat)}});
        }
        Q_EMIT searchResultsChanged();
    } else if (type == u"rooms") {
        m_directory = f.value("rooms"_L1).toArray().toVariantList();
        Q_EMIT directoryChanged();
    }
}

void ChatClient::handleWelcome(const QJsonObject &f)
{
    const auto user = protocol::userFromJson(f.value("user"_L1));
    if (!user)
        return;
    m_user = *user;
    m_attempt = 0;
    m_serverName = f.value("server"_L1)["name"_L1].toString();
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
        QJsonObject join{{"type"_L1, "join"_L1}, {"room"_L1, name}};
        if (c->lastSeq > 0)
            join.insert("since"_L1, double(c->lastSeq));
        sendFrame(join);
    }
    if (!anyRoom)
        joinRoom(u"general"_s);
    // The server handles frames in order: the joins above come first.
    for (const Outgoing &item : std::as_const(m_outbox))
        sendOutgoing(item);
}

void ChatClient::handleJoined(const QJsonObject &f)
{
    const QString name = f.value("room"_L1).toString();
    Conversation &c = conversation(name);
    const QString epoch = f.value("epoch"_L1).toString();
    if (!c.epoch.isEmpty() && epoch != c.epoch) {
        // The room's history was replaced: drop the cache instead of trusting since.
        c.messages.clear();
        c.lastSeq = 0;
    }
    c.epoch = epoch;
    c.joined = true;
    c.topic = f.value("topic"_L1).toString();
    c.readSeq = std::max(c.readSeq, qint64(f.value("read"_L1).toDouble()));
    QList<UserInfo> members;
    for (const QJsonValue &v : f.value("members"_L1).toArray()) {
        if (auto u = protocol::userFromJson(v))
            members.append(*u);
    }
    c.members.reset(members);
    for (const QJsonValue &v : f.value("history"_L1).toArray()) {
        if (auto m = protocol::messageFromJson(v.toObject()))
            c.messages.addMessage(*m);
    }
    c.lastSeq = std::max(c.lastSeq, qint64(f.value("seq"_L1).toDouble()));
    m_rooms.setMembers(name, int(members.size()));
    m_rooms.setTopic(name, c.topic);
    updateUnread(c);
    if (m_current.isEmpty() || m_switchTo == name) {
        m_switchTo.clear();
        setCurrentRoom(name);
    }
}

void ChatClient::handleMessage(const QJsonObject &f)
{
    const auto m = protocol::messageFromJson(f);
    if (!m)
        return;
    const QString re = f.value("re"_L1).toString();
    const bool mine = m->from.id == m_user.id;
    // A direct message belongs to the conversation with the other user ("@<id>").
    UserInfo peer;
    if (m->isDirect())
        peer = mine && m->to != m_user.id ? UserInfo{m->to, QString()} : m->from;
    const QString name = m->isDirect() ? u"@"_s + peer.id : m->room;
    Conversation &c = conversation(name, m->isDirect());
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
        c.messages.confirm(re, *m);
        Q_EMIT outboxChanged();
    } else {
        c.messages.addMessage(*m);
    }
    if (!m->isDirect())
        c.lastSeq = std::max(c.lastSeq, m->seq);

    const bool seen = m_windowActive && m_current == name;
    if (mine || seen) {
        if (m_current == name)
            markRead();
        return;
    }
    if (m->isDirect())
        ++c.unreadDirect;
    updateUnread(c);
    const bool mention =
        !m_user.nick.isEmpty() && m->text.contains(m_user.nick, Qt::CaseInsensitive);
    if (m->isDirect() || mention)
        Q_EMIT attentionNeeded(
            m->isDirect() ? m->from.nick : tr("%1 in %2").arg(m->from.nick, name), m->text);
}

void ChatClient::handlePresence(const QJsonObject &f)
{
    Conversation *c = find(f.value("room"_L1).toString());
    const auto user = protocol::userFromJson(f.value("user"_L1));
    if (!c || !user)
        return;
    const QString event = f.value("event"_L1).toString();
    const qint64 ts = qint64(f.value("ts"_L1).toDouble());
    if (event == u"join") {
        c->members.add(*user);
        c->messages.addNotice(tr("%1 joined").arg(user->nick), ts);
    } else if (event == u"leave") {
        c->members.remove(user->id);
        c->messages.addNotice(tr("%1 left").arg(user->nick), ts);
    } else if (event == u"nick") {
        c->members.rename(*user);
        c->messages.addNotice(
            tr("%1 is now known as %2").arg(f.value("old"_L1).toString(), user->nick), ts);
    }
    m_rooms.setMembers(c->name, c->members.rowCount());
}

void ChatClient::handleTopic(const QJsonObject &f)
{
    Conversation *c = find(f.value("room"_L1).toString());
    if (!c)
        return;
    c->topic = f.value("topic"_L1).toString();
    const auto by = protocol::userFromJson(f.value("by"_L1));
    c->messages.addNotice(c->topic.isEmpty()
                              ? tr("%1 cleared the topic").arg(by ? by->nick : QString())
                              : tr("%1 set the topic: %2").arg(by ? by->nick : QString(), c->topic),
                          qint64(f.value("ts"_L1).toDouble()));
    m_rooms.setTopic(c->name, c->topic);
    if (c->name == m_current)
        Q_EMIT topicChanged();
}

void ChatClient::handleError(const QJsonObject &f)
{
    const QString code = f.value("code"_L1).toString();
    const QString message = f.value("message"_L1).toString();
    const QString re = f.value("re"_L1).toString();
    const auto pending = std::find_if(m_outbox.begin(), m_outbox.end(),
                                      [&](const Outgoing &o) { return o.clientId == re; });
    if (!re.isEmpty() && pending != m_outbox.end()) {
        if (code == u"rate_limited") {
            // Try the same message again when the server has a token for it.
            const Outgoing item = *pending;
            QTimer::singleShot(std::max(50, f.value("retry_ms"_L1).toInt()), this, [this, item] {
                if (m_state == Online)
                    sendOutgoing(item);
            });
            return;
        }
        if (code == u"not_in_room")
            return; // resent after the rejoin
        // The server refused it for good (too long, user offline…): say so, keep the text.
        const Outgoing item = *pending;
        m_outbox.erase(pending);
        Q_EMIT outboxChanged();
        if (Conversation *c = find(item.conversation)) {
            c->messages.removePending(item.clientId);
            c->messages.addNotice(tr("Not sent (%1): %2").arg(message, item.text),
                                  QDateTime::currentMSecsSinceEpoch());
        }
    }
    if (code == u"auth_failed")
        setState(Failed, tr("Wrong password"));
    qCInfo(lcClient) << "server error" << code << message;
    Q_EMIT errorOccurred(message);
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
    sendFrame({{"type"_L1, "join"_L1}, {"room"_L1, *name}});
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
    sendFrame({{"type"_L1, "leave"_L1}, {"room"_L1, room}});
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
    QJsonObject frame{{"type"_L1, "send"_L1}, {"id"_L1, item.clientId}, {"text"_L1, item.text}};
    if (item.conversation.startsWith(u'@'))
        frame.insert("to"_L1, item.conversation.mid(1));
    else
        frame.insert("room"_L1, item.conversation);
    sendFrame(frame);
}

void ChatClient::setTopic(const QString &topic)
{
    if (!m_current.isEmpty() && !currentIsDirect())
        sendFrame({{"type"_L1, "topic"_L1}, {"room"_L1, m_current}, {"topic"_L1, topic}});
}

void ChatClient::changeNick(const QString &nick)
{
    const auto valid = protocol::normalizeNick(nick.trimmed());
    if (!valid) {
        Q_EMIT errorOccurred(tr("A nick has 1 to 32 characters"));
        return;
    }
    m_wantedNick = *valid;
    if (m_state == Online)
        sendFrame({{"type"_L1, "nick"_L1}, {"nick"_L1, *valid}});
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
    sendFrame({{"type"_L1, "history"_L1},
               {"room"_L1, c->name},
               {"before"_L1, double(first > 0 ? first : c->lastSeq + 1)},
               {"limit"_L1, 50}});
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
            sendFrame(
                {{"type"_L1, "read"_L1}, {"room"_L1, c->name}, {"seq"_L1, double(c->lastSeq)}});
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
    sendFrame({{"type"_L1, "typing"_L1}, {"room"_L1, m_current}});
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
    sendFrame({{"type"_L1, "search"_L1}, {"q"_L1, query}, {"limit"_L1, 50}});
}

void ChatClient::refreshDirectory()
{
    sendFrame({{"type"_L1, "rooms"_L1}});
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
