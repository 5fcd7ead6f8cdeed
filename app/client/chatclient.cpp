#include "chatclient.h"

#include "eventframes.h"
#include "operatorframes.h"
#include "preferences.h"
#include "serverstore.h"
#include "validation.h"

#include <QDateTime>
#include <QLocale>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QSettings>
#include <QUuid>

Q_LOGGING_CATEGORY(lcClient, "confab.client", QtInfoMsg)

namespace confab::client {

using namespace Qt::StringLiterals;
using protocol::ChatMessage;
using protocol::Error;

namespace {
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

// Decodes the frame as T and calls the handler: a member of ChatClient taking (T, re), or of
// Conversations taking T.
template <typename T, auto Method>
void ChatClient::dispatch(ChatClient &client, const protocol::Frame &frame)
{
    const auto value = as<T>(frame);
    if (!value)
        return;
    if constexpr (std::is_invocable_v<decltype(Method), ChatClient &, const T &,
                                      const std::optional<QString> &>)
        (client.*Method)(*value, frame.re);
    else
        (client.m_conversations.*Method)(*value);
}

const QHash<QString, ChatClient::Handler> &ChatClient::dispatchTable()
{
    using namespace protocol;
    static const QHash<QString, Handler> table{
        {ChatMessage::Type, &dispatch<ChatMessage, &ChatClient::handleMessage>},
        {ErrorFrame::Type, &dispatch<ErrorFrame, &ChatClient::handleError>},
        {NickAnswer::Type, &dispatch<NickAnswer, &ChatClient::handleNick>},
        {SearchAnswer::Type, &dispatch<SearchAnswer, &ChatClient::handleSearch>},
        {RoomsAnswer::Type, &dispatch<RoomsAnswer, &ChatClient::handleRooms>},
        {Joined::Type, &dispatch<Joined, &Conversations::onJoined>},
        {Left::Type, &dispatch<Left, &Conversations::onLeft>},
        {Presence::Type, &dispatch<Presence, &Conversations::onPresence>},
        {TopicEvent::Type, &dispatch<TopicEvent, &Conversations::onTopic>},
        {ReadPosition::Type, &dispatch<ReadPosition, &Conversations::onRead>},
        {TypingEvent::Type, &dispatch<TypingEvent, &Conversations::onTyping>},
        {HistoryAnswer::Type, &dispatch<HistoryAnswer, &Conversations::onHistory>},
        {Kicked::Type, &dispatch<Kicked, &Conversations::onKicked>},
        // 1.1 room events are ChatMessages of their kind.
        {EditEvent::Type, &dispatch<ChatMessage, &ChatClient::handleMessage>},
        {DeleteEvent::Type, &dispatch<ChatMessage, &ChatClient::handleMessage>},
        {ReactionEvent::Type, &dispatch<ChatMessage, &ChatClient::handleMessage>},
    };
    return table;
}

ChatClient::ChatClient(QObject *parent)
    : QObject(parent)
{
    connect(&m_session, &Session::stateChanged, this, &ChatClient::stateChanged);
    connect(&m_session, &Session::reconnectSecondsChanged, this,
            &ChatClient::reconnectSecondsChanged);
    connect(&m_session, &Session::welcomed, this, &ChatClient::onWelcome);
    connect(&m_session, &Session::frameReceived, this, &ChatClient::onFrame);
    connect(&m_session, &Session::connectionLost, this, [this] {
        for (const QString &name : rooms()->names()) {
            if (auto *c = m_conversations.find(name))
                c->joined = false;
        }
    });
    connect(&m_outbox, &Outbox::changed, this, &ChatClient::outboxChanged);
    connect(&m_conversations, &Conversations::currentChanged, this,
            &ChatClient::currentRoomChanged);
    connect(&m_conversations, &Conversations::currentChanged, this,
            &ChatClient::currentMutedChanged);
    connect(&m_conversations, &Conversations::topicChanged, this, &ChatClient::topicChanged);
    connect(&m_conversations, &Conversations::typingChanged, this, &ChatClient::typingChanged);
    connect(&m_conversations, &Conversations::unreadChanged, this, &ChatClient::unreadChanged);
    connect(&m_conversations, &Conversations::attentionNeeded, this, &ChatClient::attentionNeeded);
    connect(&m_conversations, &Conversations::kicked, this,
            [this](const QString &room, const QString &by, const QString &reason) {
                Q_EMIT kicked(room, by, reason);
                Q_EMIT errorOccurred(reason.isEmpty()
                                         ? tr("%1 removed you from #%2.").arg(by, room)
                                         : tr("%1 removed you from #%2: %3").arg(by, room, reason));
            });
    connect(&m_conversations, &Conversations::currentChanged, this, &ChatClient::cancelReply);
    connect(&m_conversations, &Conversations::goneChanged, this, &ChatClient::goneChanged);
    connect(&m_conversations, &Conversations::currentChanged, this, &ChatClient::goneChanged);
}

ChatClient::~ChatClient() = default;

QUrl ChatClient::urlFromAddress(const QString &input, QString *error)
{
    const QString address = input.trimmed();
    QUrl url;
    if (address.contains("://"_L1)) {
        url = QUrl(address, QUrl::StrictMode);
    } else if (!address.isEmpty()) {
        url = QUrl(u"ws://"_s + address, QUrl::StrictMode);
    }
    // The web link a host shows (http://192.168.1.20:7300/) is the same server: its chat is
    // at /ws on the same host and port, over TLS when the link is https.
    const bool webLink = url.scheme() == u"http" || url.scheme() == u"https";
    if (webLink)
        url.setScheme(url.scheme() == u"https" ? u"wss"_s : u"ws"_s);
    if (!url.isValid() || url.host().isEmpty()
        || (url.scheme() != u"ws" && url.scheme() != u"wss")) {
        if (error) {
            *error = address.contains(u' ')
                         ? QObject::tr("'%1' is not an address: an address has no spaces. Use "
                                       "host, host:port or the host's web link")
                               .arg(address)
                         : QObject::tr("'%1' is not an address: use host, host:port, "
                                       "ws://host:port or the host's web link (http://host:port/)")
                               .arg(address);
        }
        return {};
    }
    if (url.port() == -1 && url.scheme() == u"ws" && !webLink)
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

bool ChatClient::connectTo(const QString &address, const QString &nick, const QString &password,
                           bool remember, const QString &opPassword)
{
    m_session.setOpPassword(opPassword);
    QString error;
    const QUrl url = urlFromAddress(address, &error);
    if (url.isEmpty()) {
        // Said where the address was typed (the start screen shows a failed state's text), as
        // often as it is tried.
        m_session.refuse(error);
        Q_EMIT errorOccurred(error);
        return false;
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
    m_address = address.trimmed();
    m_remember = remember;
    // What this server's last run left: its conversations, and the outbox shown as pending.
    const QString dir = serverStateDir(url, m_token);
    const QString muteKey = u"servers/"_s + dir.section(u'/', -1);
    m_conversations.open(dir + "/conversations.json"_L1, muteKey);
    m_outbox.open(dir + "/outbox.json"_L1);
    for (const Outbox::Item &item : m_outbox.items()) {
        auto &c = m_conversations.get(item.conversation, item.conversation.startsWith(u'@'));
        c.messages.addPending(item.clientId, m_conversations.self(), item.text, item.ts,
                              item.replyTo);
    }
    Q_EMIT identityChanged();

    protocol::Hello hello;
    hello.token = m_token;
    if (const QString wanted = nick.trimmed(); !wanted.isEmpty())
        hello.nick = wanted;
    if (!password.isEmpty())
        hello.password = password;
    m_session.open(url, hello);
    return true;
}

void ChatClient::leaveServer()
{
    m_session.close();
    m_conversations.close();
    m_outbox.close();
    m_searchResults.replace({});
    m_directory.replace({});
}

void ChatClient::onWelcome(const protocol::Welcome &welcome)
{
    m_serverName = welcome.serverName;
    m_conversations.setCountsUnread(m_session.features().contains("react"_L1));
    m_conversations.setSelf(welcome.user);
    Q_EMIT identityChanged();
    Q_EMIT stateChanged(); // the server's name
    if (m_remember) {
        m_remember = false;
        Preferences().rememberServer(m_address);
    }
    // The server handles frames in order: the joins come before the resent messages.
    m_conversations.resume();
    for (const Outbox::Item &item : m_outbox.items())
        send(item);
}

void ChatClient::onFrame(const protocol::Frame &frame)
{
    // 1.1's presence "kick" says who removed the member and why: a notice of its own.
    if (frame.type == protocol::Presence::Type) {
        const auto presence = protocol::Presence::fromJson(frame.object);
        const auto *p = std::get_if<protocol::Presence>(&presence);
        if (p && p->event == protocol::Presence::Event::Kick) {
            m_conversations.onMemberKicked(p->room, p->user, p->by, p->reason, p->ts, p->ban);
            return;
        }
    }
    const auto &table = dispatchTable();
    if (const auto it = table.constFind(frame.type); it != table.cend())
        (*it)(*this, frame);
}

void ChatClient::handleMessage(const ChatMessage &m, const std::optional<QString> &re)
{
    const auto confirmed = re ? m_outbox.take(*re) : std::nullopt;
    m_conversations.onMessage(m, confirmed ? confirmed->clientId : QString());
}

void ChatClient::handleNick(const protocol::NickAnswer &answer, const std::optional<QString> &)
{
    m_conversations.onOwnNick(answer.user);
    m_session.setNick(m_conversations.self().nick);
    Q_EMIT identityChanged();
}

void ChatClient::handleSearch(const protocol::SearchAnswer &search, const std::optional<QString> &)
{
    QList<QVariantMap> results;
    for (const ChatMessage &m : search.messages) {
        results.append({{u"room"_s, m.room},
                        {u"seq"_s, m.seq},
                        {u"nick"_s, m.from.nick},
                        {u"text"_s, m.text},
                        {u"when"_s, QLocale().toString(QDateTime::fromMSecsSinceEpoch(m.ts),
                                                       QLocale::ShortFormat)}});
    }
    m_searchResults.replace(results);
}

void ChatClient::handleRooms(const protocol::RoomsAnswer &rooms, const std::optional<QString> &re)
{
    // "dir-<listing>-<page>"; an answer without it (asked by someone else) is a first page.
    const QStringList parts = re.value_or(QString()).split(u'-');
    const bool ours = parts.size() == 3 && parts[0] == "dir"_L1;
    if (ours && parts[1].toInt() != m_directoryListing)
        return; // a page of an older listing
    const int page = ours ? parts[2].toInt() : 0;
    if (page == 0)
        m_directoryGathered.clear();
    for (const auto &entry : rooms.rooms)
        m_directoryGathered.append(
            {{u"room"_s, entry.room}, {u"members"_s, entry.members}, {u"topic"_s, entry.topic}});
    m_directory.replace(m_directoryGathered);
    // At most this many pages (each up to 256 KiB): a directory beyond that is cut.
    constexpr int MaxDirectoryPages = 40;
    if (rooms.more && !rooms.rooms.isEmpty() && page + 1 < MaxDirectoryPages)
        askDirectoryPage(page + 1, rooms.rooms.last().room);
}

void ChatClient::askDirectoryPage(int page, const std::optional<QString> &after)
{
    m_session.send(protocol::withId(protocol::RoomsRequest{after}.toJson(),
                                    u"dir-%1-%2"_s.arg(m_directoryListing).arg(page)));
}

void ChatClient::handleError(const protocol::ErrorFrame &error,
                             const std::optional<QString> &answers)
{
    const QString re = answers.value_or(QString());
    if (const Outbox::Item *pending = re.isEmpty() ? nullptr : m_outbox.find(re)) {
        if (error.is(Error::RateLimited)) {
            // Try the same message again when the server has a token for it.
            const Outbox::Item item = *pending;
            QTimer::singleShot(std::max<qint64>(50, error.retryMs.value_or(0)), this, [this, item] {
                if (m_session.isOnline() && m_outbox.find(item.clientId))
                    send(item);
            });
            return;
        }
        if (error.is(Error::NotInRoom))
            return; // resent after the rejoin
        // The server refused it for good (too long, user offline…): say so, keep the text.
        const Outbox::Item item = *m_outbox.take(re);
        if (auto *c = m_conversations.find(item.conversation)) {
            c->messages.removePending(item.clientId);
            c->messages.addNotice(tr("Not sent (%1): %2").arg(error.message, item.text),
                                  QDateTime::currentMSecsSinceEpoch());
        }
    }
    qCInfo(lcClient) << "server error" << error.code << error.message;
    if (error.is(Error::Banned))
        return; // the session ends on it: the banned screen says it
    if (error.is(Error::Forbidden))
        return Q_EMIT errorOccurred(tr("Not allowed: %1").arg(error.message));
    if (error.is(Error::NotFound))
        return Q_EMIT errorOccurred(
            tr("That message is not there any more (deleted, or not in this room)."));
    Q_EMIT errorOccurred(error.message);
}

void ChatClient::send(const Outbox::Item &item)
{
    protocol::SendRequest send{item.conversation, std::nullopt, item.text};
    if (item.replyTo > 0)
        send.replyTo = item.replyTo;
    if (item.conversation.startsWith(u'@'))
        send = {QString(), item.conversation.mid(1), item.text};
    m_session.send(protocol::withId(send.toJson(), item.clientId));
}

MessageModel *ChatClient::messagesOf(const QString &name) const
{
    auto *c = m_conversations.find(name);
    return c ? &c->messages : nullptr;
}

void ChatClient::joinRoom(const QString &room)
{
    const auto name = protocol::normalizeRoomName(room.trimmed().remove(u'#'));
    if (!name) {
        Q_EMIT errorOccurred(tr("A room name has letters, digits, '-', '_' or '.'"));
        return;
    }
    m_conversations.join(*name);
}

void ChatClient::leaveRoom(const QString &room)
{
    m_conversations.leave(room);
}

bool ChatClient::sendMessage(const QString &input)
{
    const QString text = input.trimmed();
    const QString current = m_conversations.current();
    auto *c = m_conversations.find(current);
    if (text.isEmpty() || !c)
        return false;
    if (!c->goneText.isEmpty()) {
        Q_EMIT errorOccurred(
            tr("You are no longer in #%1: join it again to write there.").arg(current));
        return false;
    }
    const qint64 replyTo = c->direct ? 0 : m_replyTo;
    const Outbox::Item item{u"c-"_s + QUuid::createUuid().toString(QUuid::WithoutBraces), current,
                            text, QDateTime::currentMSecsSinceEpoch(), replyTo};
    c->messages.addPending(item.clientId, m_conversations.self(), text, item.ts, replyTo);
    cancelReply();
    m_outbox.add(item);
    if (m_session.isOnline())
        send(item);
    return true;
}

QString ChatClient::outboxText() const
{
    // Spelled out: without a translation loaded, tr()'s %n plural would say "message(s)".
    const int n = m_outbox.size();
    if (n == 0)
        return {};
    return n == 1 ? tr("1 message waiting to be sent")
                  : tr("%1 messages waiting to be sent").arg(n);
}

void ChatClient::setTopic(const QString &topic)
{
    if (!currentRoom().isEmpty() && !currentIsDirect())
        m_session.send(protocol::TopicRequest{currentRoom(), topic}.toJson());
}

void ChatClient::changeNick(const QString &nick)
{
    const auto valid = protocol::normalizeNick(nick.trimmed());
    if (!valid) {
        Q_EMIT errorOccurred(tr("A nick has 1 to %1 characters").arg(protocol::MaxNickChars));
        return;
    }
    m_session.setNick(*valid);
    m_session.send(protocol::NickRequest{*valid}.toJson());
}

void ChatClient::loadOlder()
{
    m_conversations.loadOlder();
}

void ChatClient::markRead()
{
    m_conversations.markRead();
}

void ChatClient::userTyping()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (!m_session.isOnline() || currentIsDirect() || currentRoom().isEmpty()
        || now - m_lastTypingSent < TypingSendIntervalMs)
        return;
    m_lastTypingSent = now;
    m_session.send(protocol::TypingRequest{currentRoom()}.toJson());
}

void ChatClient::openDirect(const QString &userId, const QString &nick)
{
    m_conversations.openDirect(userId, nick);
}

void ChatClient::search(const QString &query)
{
    if (query.trimmed().isEmpty()) {
        m_searchResults.replace({});
        return;
    }
    m_session.send(protocol::SearchRequest{query, std::nullopt, SearchResultsShown}.toJson());
}

void ChatClient::refreshDirectory()
{
    ++m_directoryListing;
    askDirectoryPage(0, std::nullopt);
}

void ChatClient::switchRoom(int delta)
{
    m_conversations.switchBy(delta);
}

void ChatClient::setMuted(const QString &room, bool muted)
{
    m_conversations.setMuted(room, muted);
    Q_EMIT unreadChanged();
    Q_EMIT currentMutedChanged();
}

namespace {
QString newRequestId()
{
    return u"c-"_s + QUuid::createUuid().toString(QUuid::WithoutBraces);
}
} // namespace

void ChatClient::reply(qint64 seq)
{
    if (seq <= 0 || currentIsDirect() || !messages() || messages()->rowOfSeq(seq) < 0)
        return;
    m_replyTo = seq;
    Q_EMIT replyChanged();
}

void ChatClient::cancelReply()
{
    if (m_replyTo == 0)
        return;
    m_replyTo = 0;
    Q_EMIT replyChanged();
}

QString ChatClient::replyToNick() const
{
    auto *c = m_conversations.find(currentRoom());
    return c && m_replyTo > 0 ? c->messages.nickOf(m_replyTo) : QString();
}

QString ChatClient::replyToText() const
{
    auto *c = m_conversations.find(currentRoom());
    return c && m_replyTo > 0 ? c->messages.textOf(m_replyTo) : QString();
}

void ChatClient::react(qint64 seq, const QString &emoji, bool on)
{
    if (currentRoom().isEmpty() || currentIsDirect() || !protocol::isValidEmoji(emoji))
        return;
    if (on)
        Preferences().useEmoji(emoji);
    m_session.send(protocol::ReactRequest{currentRoom(), seq, emoji, on}.toJson());
}

void ChatClient::edit(qint64 seq, const QString &input)
{
    const QString text = input.trimmed();
    if (currentRoom().isEmpty() || currentIsDirect() || text.isEmpty())
        return;
    if (auto *m = messages(); m && m->textOf(seq) == text)
        return; // nothing changed: no event for everyone
    m_session.send(
        protocol::withId(protocol::EditRequest{currentRoom(), seq, text}.toJson(), newRequestId()));
}

void ChatClient::remove(qint64 seq)
{
    if (!currentRoom().isEmpty() && !currentIsDirect())
        m_session.send(protocol::DeleteRequest{currentRoom(), seq}.toJson());
}

void ChatClient::kick(const QString &userId, const QString &reason)
{
    if (!currentRoom().isEmpty() && !currentIsDirect())
        m_session.send(protocol::KickRequest{currentRoom(), userId,
                                             reason.trimmed().left(protocol::MaxReasonChars)}
                           .toJson());
}

QVariantList ChatClient::banDurations()
{
    const auto entry = [](const QString &text, int minutes) {
        return QVariantMap{{u"text"_s, text}, {u"minutes"_s, minutes}};
    };
    return {entry(tr("%1 minutes").arg(10), 10),
            entry(tr("1 hour"), 60),
            entry(tr("1 day"), 1440),
            entry(tr("1 week"), 10080),
            entry(tr("30 days"), 43200),
            entry(tr("1 year"), 525600)};
}

void ChatClient::ban(const QString &userId, int minutes, const QString &reason)
{
    m_session.send(protocol::BanRequest{
        userId, std::clamp<qint64>(minutes, protocol::MinBanMinutes, protocol::MaxBanMinutes),
        reason.trimmed().left(protocol::MaxReasonChars)}
                       .toJson());
}

QString ChatClient::bannedUntilText() const
{
    const qint64 until = m_session.bannedUntil();
    return until > 0
               ? QLocale().toString(QDateTime::fromMSecsSinceEpoch(until), QLocale::ShortFormat)
               : QString();
}

QString ChatClient::currentTitle() const
{
    auto *c = m_conversations.find(currentRoom());
    return c ? c->title : QString();
}

QString ChatClient::currentGoneText() const
{
    auto *c = m_conversations.find(currentRoom());
    return c ? c->goneText : QString();
}

QString ChatClient::currentTopic() const
{
    auto *c = m_conversations.find(currentRoom());
    return c ? c->topic : QString();
}

bool ChatClient::currentIsDirect() const
{
    auto *c = m_conversations.find(currentRoom());
    return c && c->direct;
}

bool ChatClient::currentMuted() const
{
    const RoomListModel::Room *room = m_conversations.rooms()->find(currentRoom());
    return room && room->muted;
}

MessageModel *ChatClient::messages()
{
    auto *c = m_conversations.find(currentRoom());
    return c ? &c->messages : nullptr;
}

MemberModel *ChatClient::members()
{
    auto *c = m_conversations.find(currentRoom());
    return c ? &c->members : nullptr;
}

int ChatClient::totalUnread() const
{
    return m_conversations.rooms()->totalUnread();
}

void ChatClient::setWindowActive(bool active)
{
    if (active == m_windowActive)
        return;
    m_windowActive = active;
    m_conversations.setWindowActive(active);
    Q_EMIT windowActiveChanged();
}

} // namespace confab::client
