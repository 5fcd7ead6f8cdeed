#include "conversations.h"

#include "serverstore.h"
#include "session.h"
#include "validation.h"

#include <QDateTime>
#include <QJsonArray>
#include <QSettings>
#include <algorithm>

namespace confab::client {

using namespace Qt::StringLiterals;
using protocol::ChatMessage;
using protocol::UserInfo;

namespace {
constexpr int DirectMessagesKept = 200; // per direct conversation, on disk
} // namespace

Conversations::Conversations(Session &session, QObject *parent)
    : QObject(parent)
    , m_session(session)
{
    m_typingExpiry.setInterval(500);
    connect(&m_typingExpiry, &QTimer::timeout, this, &Conversations::expireTyping);
    m_typingExpiry.start();
    m_readTimer.setSingleShot(true);
    connect(&m_readTimer, &QTimer::timeout, this, &Conversations::sendReadsDue);
}

Conversations::~Conversations() = default;

void Conversations::open(const QString &file, const QString &muteKey)
{
    close();
    m_file = file;
    m_muteKey = muteKey;
    load();
}

void Conversations::close()
{
    m_file.clear();
    m_switchTo.clear();
    for (const QString &name : m_rooms.names())
        m_rooms.remove(name);
    m_conversations.clear();
    if (!m_current.isEmpty()) {
        m_current.clear();
        Q_EMIT currentChanged();
        Q_EMIT topicChanged();
        Q_EMIT typingChanged();
    }
    Q_EMIT unreadChanged();
}

void Conversations::setSelf(const UserInfo &user)
{
    const bool changed = user != m_self;
    m_self = user;
    for (auto &[name, c] : m_conversations) {
        c->messages.setOwnUserId(user.id);
        c->messages.setOwnNick(user.nick);
        c->messages.setOwnOperator(user.op);
    }
    if (changed)
        save();
}

void Conversations::setWindowActive(bool active)
{
    m_windowActive = active;
    if (active)
        markRead(true);
}

Conversations::Conversation &Conversations::get(const QString &name, bool direct)
{
    auto it = m_conversations.find(name);
    if (it != m_conversations.end())
        return *it->second;
    auto c = std::make_unique<Conversation>();
    c->name = name;
    c->direct = direct;
    if (direct) {
        // Until the peer's nick is known: the nick from any room the peer is in.
        for (const auto &[other, o] : m_conversations) {
            if (const QString nick = o->members.nickOf(name.mid(1)); !nick.isEmpty()) {
                c->title = nick;
                break;
            }
        }
        if (c->title.isEmpty())
            c->title = tr("user %1").arg(name.mid(1, 8));
    } else {
        c->title = name;
    }
    c->messages.setOwnUserId(m_self.id);
    c->messages.setOwnNick(m_self.nick);
    c->messages.setOwnOperator(m_self.op);
    c->messages.setDirect(direct);
    const bool muted = QSettings().value(m_muteKey + "/muted"_L1).toStringList().contains(name);
    Conversation &ref = *c;
    m_conversations.emplace(name, std::move(c));
    m_rooms.upsert({name, ref.title, {}, 0, 0, direct, 0, muted});
    return ref;
}

Conversations::Conversation *Conversations::find(const QString &name) const
{
    auto it = m_conversations.find(name);
    return it == m_conversations.end() ? nullptr : it->second.get();
}

// Where the "new messages" line goes when a room is opened: after the read position; in a room
// never read, after all it holds (no line above its whole history).
qint64 Conversations::lineStart(const Conversation &c)
{
    return c.readSeq > 0 ? c.readSeq : c.lastSeq;
}

void Conversations::setCurrent(const QString &name)
{
    if (name == m_current)
        return;
    m_current = name;
    forgetGone(); // a room we were removed from, read and left behind
    // The "new messages" line goes where the user stopped reading, as it was on arrival.
    if (Conversation *c = find(name); c && !c->direct)
        c->messages.setReadMarker(lineStart(*c));
    Q_EMIT currentChanged();
    Q_EMIT topicChanged();
    Q_EMIT typingChanged();
    if (m_windowActive)
        markRead();
    save();
}

QStringList Conversations::typingNicks(const QString &name) const
{
    Conversation *c = find(name);
    QStringList nicks;
    if (!c)
        return nicks;
    for (const auto &[nick, until] : std::as_const(c->typing))
        nicks.append(nick);
    nicks.sort();
    return nicks;
}

QString Conversations::typingText() const
{
    QStringList nicks = typingNicks(m_current);
    if (nicks.isEmpty())
        return {};
    if (nicks.size() == 1)
        return tr("%1 is typing…").arg(nicks.first());
    const QString last = nicks.takeLast();
    return tr("%1 and %2 are typing…").arg(nicks.join(u", "_s), last);
}

void Conversations::resume()
{
    bool anyRoom = false;
    for (auto &[name, c] : m_conversations) {
        if (c->direct || !c->goneText.isEmpty())
            continue;
        anyRoom = true;
        protocol::JoinRequest join{name, std::nullopt};
        if (c->lastSeq > 0)
            join.since = c->lastSeq;
        m_session.send(join.toJson());
    }
    if (!anyRoom)
        join(u"general"_s);
}

void Conversations::join(const QString &room)
{
    if (Conversation *c = find(room); c && c->joined) {
        setCurrent(room);
        return;
    }
    m_switchTo = room; // shown once the server has answered joined
    m_session.send(protocol::JoinRequest{room, std::nullopt}.toJson());
}

void Conversations::leave(const QString &room)
{
    Conversation *c = find(room);
    if (c && c->direct) {
        onLeft({room});
        return;
    }
    m_session.send(protocol::LeaveRequest{room}.toJson());
}

void Conversations::openDirect(const QString &userId, const QString &nick)
{
    if (userId == m_self.id || userId.isEmpty())
        return;
    const QString name = u"@"_s + userId;
    Conversation &c = get(name, true);
    if (!nick.isEmpty())
        setTitle(c, nick);
    setCurrent(name);
    save();
}

void Conversations::markRead(bool now)
{
    Conversation *c = find(m_current);
    if (!c)
        return;
    if (c->direct) {
        c->unreadDirect = 0;
    } else if (c->lastSeq > c->readSeq) {
        c->readSeq = c->lastSeq;
        c->unread = 0;
        queueRead(c->name, now);
    }
    c->mentions = 0;
    updateUnread(*c);
}

void Conversations::queueRead(const QString &room, bool now)
{
    const qint64 since = QDateTime::currentMSecsSinceEpoch() - m_readSentMs.value(room, 0);
    if (now || since >= ReadIntervalMs)
        return sendRead(room);
    m_readsDue.insert(room);
    if (!m_readTimer.isActive())
        m_readTimer.start(int(ReadIntervalMs - since));
}

void Conversations::sendRead(const QString &room)
{
    m_readsDue.remove(room);
    const Conversation *c = find(room);
    if (!c || c->direct || !m_session.isOnline())
        return;
    m_readSentMs.insert(room, QDateTime::currentMSecsSinceEpoch());
    m_session.send(protocol::ReadPosition{room, c->readSeq}.toJson());
}

void Conversations::sendReadsDue()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 next = ReadIntervalMs;
    const QSet<QString> due = m_readsDue;
    for (const QString &room : due) {
        const qint64 since = now - m_readSentMs.value(room, 0);
        if (since >= ReadIntervalMs)
            sendRead(room);
        else
            next = std::min(next, ReadIntervalMs - since);
    }
    if (!m_readsDue.isEmpty())
        m_readTimer.start(int(next));
}

void Conversations::loadOlder()
{
    Conversation *c = find(m_current);
    if (!c || c->direct || c->loadingOlder || !m_session.isOnline())
        return;
    const qint64 first = c->messages.firstSeq();
    if (first == 1 || (first == 0 && c->lastSeq == 0))
        return; // everything is here
    c->loadingOlder = true;
    m_session.send(protocol::HistoryRequest{c->name, first > 0 ? first : c->lastSeq + 1,
                                            protocol::DefaultHistoryLimit}
                       .toJson());
}

void Conversations::setMuted(const QString &name, bool muted)
{
    if (!find(name))
        return;
    QSettings settings;
    QStringList list = settings.value(m_muteKey + "/muted"_L1).toStringList();
    list.removeAll(name);
    if (muted)
        list.append(name);
    settings.setValue(m_muteKey + "/muted"_L1, list);
    m_rooms.setMuted(name, muted);
}

void Conversations::switchBy(int delta)
{
    const QStringList names = m_rooms.names();
    if (names.isEmpty())
        return;
    const int i = int(names.indexOf(m_current));
    const int n = int(names.size());
    setCurrent(names[((i < 0 ? 0 : i + delta) % n + n) % n]);
}

void Conversations::onJoined(const protocol::Joined &joined)
{
    const QString &name = joined.room;
    Conversation &c = get(name);
    if (!c.epoch.isEmpty() && joined.epoch != c.epoch) {
        // The room's history was replaced: drop the cache instead of trusting since.
        c.messages.clear();
        c.lastSeq = 0;
    }
    c.epoch = joined.epoch;
    c.joined = true;
    if (!c.goneText.isEmpty()) { // back in a room we were removed from
        c.goneText.clear();
        Q_EMIT goneChanged();
    }
    c.topic = joined.topic;
    c.readSeq = std::max(c.readSeq, joined.read);
    c.members.reset(joined.members);
    for (const UserInfo &member : joined.members)
        c.messages.learnNick(member);
    c.mentions = 0;
    // Events of every kind, in seq order: edits, deletions and reactions change their targets.
    c.messages.applyEvents(joined.history);
    for (const ChatMessage &m : joined.history) {
        if (m.isMessage() && !m.deleted && m.seq > c.readSeq && m.from.id != m_self.id
            && MessageModel::mentions(m.text, m_self.nick))
            ++c.mentions;
    }
    c.lastSeq = std::max(c.lastSeq, joined.seq);
    // The server counts what we have not read; a read position we moved further since (sent
    // while offline) counts from the loaded messages.
    c.unread = joined.read >= c.readSeq ? int(joined.unread) : c.messages.unreadAfter(c.readSeq);
    m_rooms.setMembers(name, int(joined.members.size()));
    m_rooms.setTopic(name, c.topic);
    // Direct conversations learn their peers' current nicks from the rooms they share.
    for (const UserInfo &member : joined.members) {
        if (Conversation *dm = find(u"@"_s + member.id))
            setTitle(*dm, member.nick);
    }
    if (m_current == name)
        c.messages.setReadMarker(lineStart(c));
    updateUnread(c);
    // The room the user asked for wins; the first room joined only fills an empty view (and
    // must not take away a switch still waiting for its joined).
    if (m_switchTo == name) {
        m_switchTo.clear();
        setCurrent(name);
    } else if (m_current.isEmpty()) {
        setCurrent(name);
    }
    save();
}

void Conversations::onLeft(const protocol::Left &left)
{
    m_rooms.remove(left.room);
    m_conversations.erase(left.room);
    if (m_current == left.room)
        setCurrent(m_rooms.names().value(0));
    Q_EMIT unreadChanged();
    save();
}

void Conversations::onMessage(const ChatMessage &m, const QString &pendingId)
{
    const bool mine = m.from.id == m_self.id;
    // A direct message belongs to the conversation with the other user ("@<id>").
    const QString peer = m.isDirect() ? (mine && m.to != m_self.id ? m.to : m.from.id) : QString();
    const QString name = m.isDirect() ? u"@"_s + peer : m.room;
    Conversation &c = get(name, m.isDirect());
    if (m.isDirect() && !mine)
        setTitle(c, m.from.nick);
    // The typist has finished: the message is what they were typing.
    if (c.typing.remove(m.from.id) > 0 && name == m_current)
        Q_EMIT typingChanged();

    const qint64 previousLast = c.lastSeq;
    if (!m.isMessage()) {
        // An edit, deletion or reaction: it changes a message, it is not one.
        const bool countedUnread = m.kind == ChatMessage::Kind::Delete && m.target > c.readSeq
                                   && !c.messages.isDeleted(m.target)
                                   && c.messages.rowOfSeq(m.target) >= 0;
        const bool wasOthers =
            countedUnread
            && c.messages.rows().at(c.messages.rowOfSeq(m.target)).userId != m_self.id;
        c.messages.applyEvent(m);
        c.lastSeq = std::max(c.lastSeq, m.seq);
        if (wasOthers && c.unread > 0)
            --c.unread;
        if (m_windowActive && m_current == name)
            markRead();
        else
            updateUnread(c);
        return;
    }
    if (pendingId.isEmpty())
        c.messages.addMessage(m);
    else
        c.messages.confirm(pendingId, m);
    if (!m.isDirect())
        c.lastSeq = std::max(c.lastSeq, m.seq);
    if (m.isDirect())
        save();

    const bool seen = m_windowActive && m_current == name;
    // The "new messages" line: a message read as it arrives draws none; one's own message ends
    // it (the reader has caught up and answered).
    if (!m.isDirect() && (mine || (seen && c.messages.readMarker() >= previousLast)))
        c.messages.setReadMarker(m.seq);
    if (mine || seen) {
        if (m_current == name)
            markRead();
        return;
    }
    if (m.isDirect())
        ++c.unreadDirect;
    else
        ++c.unread;
    const bool mention = MessageModel::mentions(m.text, m_self.nick);
    if (mention || m.isDirect())
        ++c.mentions;
    updateUnread(c);
    const RoomListModel::Room *room = m_rooms.find(name);
    if ((m.isDirect() || mention) && !(room && room->muted))
        Q_EMIT attentionNeeded(m.isDirect() ? m.from.nick : tr("%1 in %2").arg(m.from.nick, name),
                               m.text);
}

void Conversations::onPresence(const protocol::Presence &presence)
{
    Conversation *c = find(presence.room);
    if (!c)
        return;
    const UserInfo &user = presence.user;
    switch (presence.event) {
    case protocol::Presence::Event::Join:
        c->members.add(user);
        c->messages.learnNick(user);
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
        if (Conversation *dm = find(u"@"_s + user.id))
            setTitle(*dm, user.nick);
        break;
    default: // 1.1's "kick" (with `by`) is read by ChatClient::onFrame (onMemberKicked)
        break;
    }
    m_rooms.setMembers(c->name, c->members.rowCount());
}

void Conversations::onTopic(const protocol::TopicEvent &event)
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

void Conversations::onRead(const protocol::ReadPosition &read)
{
    if (Conversation *c = find(read.room)) {
        c->readSeq = std::max(c->readSeq, read.seq);
        c->unread = std::min(c->unread, c->messages.unreadAfter(c->readSeq));
        if (c->readSeq >= c->lastSeq) {
            c->mentions = 0;
            c->unread = 0;
        }
        updateUnread(*c);
    }
}

void Conversations::onTyping(const protocol::TypingEvent &typing)
{
    if (Conversation *c = find(typing.room)) {
        c->typing.insert(typing.user.id,
                         {typing.user.nick, QDateTime::currentMSecsSinceEpoch() + TypingShownMs});
        if (c->name == m_current)
            Q_EMIT typingChanged();
    }
}

void Conversations::onHistory(const protocol::HistoryAnswer &history)
{
    if (Conversation *c = find(history.room)) {
        c->messages.prependHistory(history.messages);
        c->loadingOlder = false;
    }
}

void Conversations::onOwnNick(const UserInfo &user)
{
    if (user.id == m_self.id) {
        UserInfo self = user;
        self.op = self.op || m_self.op; // operator status belongs to the session's user
        setSelf(self);
    }
}

void Conversations::onKicked(const protocol::Kicked &kicked)
{
    Conversation *c = find(kicked.room);
    if (!c)
        return;
    // Out of the room, and not joined again on the next connection; but where it was, saying
    // who did it and why, until the user goes elsewhere (then it goes) or joins again.
    c->joined = false;
    c->goneText =
        kicked.reason.isEmpty()
            ? tr("%1 removed you from #%2.").arg(kicked.by.nick, kicked.room)
            : tr("%1 removed you from #%2: %3").arg(kicked.by.nick, kicked.room, kicked.reason);
    c->members.reset({});
    c->typing.clear();
    c->messages.addNotice(c->goneText, QDateTime::currentMSecsSinceEpoch());
    m_rooms.setMembers(c->name, 0);
    if (kicked.room != m_current)
        forgetGone();
    save();
    Q_EMIT goneChanged();
    Q_EMIT typingChanged();
    Q_EMIT this->kicked(kicked.room, kicked.by.nick, kicked.reason);
}

void Conversations::forgetGone()
{
    QStringList gone;
    for (const auto &[name, c] : m_conversations) {
        if (!c->goneText.isEmpty() && name != m_current)
            gone.append(name);
    }
    for (const QString &name : gone) {
        m_rooms.remove(name);
        m_conversations.erase(name);
    }
    if (!gone.isEmpty())
        Q_EMIT unreadChanged();
}

void Conversations::onMemberKicked(const QString &room, const UserInfo &user, const UserInfo &by,
                                   const QString &reason, qint64 ts, bool ban)
{
    Conversation *c = find(room);
    if (!c)
        return;
    c->members.remove(user.id);
    QString notice;
    if (ban)
        notice = reason.isEmpty() ? tr("%1 was banned by %2").arg(user.nick, by.nick)
                                  : tr("%1 was banned by %2: %3").arg(user.nick, by.nick, reason);
    else
        notice = reason.isEmpty() ? tr("%1 was removed by %2").arg(user.nick, by.nick)
                                  : tr("%1 was removed by %2: %3").arg(user.nick, by.nick, reason);
    c->messages.addNotice(notice, ts);
    m_rooms.setMembers(c->name, c->members.rowCount());
}

void Conversations::updateUnread(Conversation &c)
{
    const int unread = c.direct ? c.unreadDirect
                       : m_v11  ? c.unread
                                : int(std::max<qint64>(0, c.lastSeq - c.readSeq));
    m_rooms.setUnread(c.name, unread);
    m_rooms.setMentions(c.name, std::min(c.mentions, unread));
    Q_EMIT unreadChanged();
}

void Conversations::setTitle(Conversation &c, const QString &title)
{
    if (title.isEmpty() || c.title == title)
        return;
    c.title = title;
    m_rooms.setTitle(c.name, title);
    if (c.name == m_current)
        Q_EMIT currentChanged();
    save();
}

void Conversations::expireTyping()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    bool changed = false;
    for (auto &[name, c] : m_conversations) {
        for (auto it = c->typing.begin(); it != c->typing.end();) {
            if (it->second < now) {
                it = c->typing.erase(it);
                changed = changed || name == m_current;
            } else {
                ++it;
            }
        }
    }
    if (changed)
        Q_EMIT typingChanged();
}

void Conversations::save() const
{
    if (m_file.isEmpty() || m_loading)
        return;
    QJsonArray rooms, direct;
    for (const auto &[name, c] : m_conversations) {
        if (!c->direct && !c->goneText.isEmpty())
            continue; // removed by an operator: not joined again next time
        if (!c->direct) {
            rooms.append(QJsonObject{{"name"_L1, name}, {"topic"_L1, c->topic}});
            continue;
        }
        // The server keeps no direct messages: the app keeps the recent ones.
        QJsonArray messages;
        const auto &rows = c->messages.rows();
        for (qsizetype i = std::max<qsizetype>(0, rows.size() - DirectMessagesKept);
             i < rows.size(); ++i) {
            const MessageModel::Row &r = rows[i];
            if (r.notice || r.pending)
                continue;
            messages.append(QJsonObject{{"id"_L1, r.messageId},
                                        {"from"_L1, r.userId},
                                        {"nick"_L1, r.nick},
                                        {"text"_L1, r.text},
                                        {"ts"_L1, r.ts}});
        }
        direct.append(QJsonObject{{"name"_L1, name},
                                  {"title"_L1, c->title},
                                  {"unread"_L1, c->unreadDirect},
                                  {"messages"_L1, messages}});
    }
    writeJsonFile(m_file, {{"self"_L1, protocol::toJson(m_self)},
                           {"current"_L1, m_current},
                           {"rooms"_L1, rooms},
                           {"direct"_L1, direct}});
}

void Conversations::load()
{
    if (m_file.isEmpty())
        return;
    m_loading = true;
    const QJsonObject state = readJsonFile(m_file);
    const QJsonObject self = state.value("self"_L1).toObject();
    m_self = {self.value("id"_L1).toString(), self.value("nick"_L1).toString()};
    for (const auto &value : state.value("rooms"_L1).toArray()) {
        const QJsonObject room = value.toObject();
        const auto name = protocol::normalizeRoomName(room.value("name"_L1).toString());
        if (!name)
            continue;
        Conversation &c = get(*name);
        c.topic = room.value("topic"_L1).toString();
        m_rooms.setTopic(*name, c.topic);
    }
    for (const auto &value : state.value("direct"_L1).toArray()) {
        const QJsonObject dm = value.toObject();
        const QString name = dm.value("name"_L1).toString();
        if (!name.startsWith(u'@') || name.size() < 2)
            continue;
        Conversation &c = get(name, true);
        setTitle(c, dm.value("title"_L1).toString());
        c.unreadDirect = dm.value("unread"_L1).toInt();
        const QString peer = name.mid(1);
        for (const auto &m : dm.value("messages"_L1).toArray()) {
            const QJsonObject o = m.toObject();
            ChatMessage message;
            message.id = o.value("id"_L1).toString();
            message.from = {o.value("from"_L1).toString(), o.value("nick"_L1).toString()};
            message.text = o.value("text"_L1).toString();
            message.ts = o.value("ts"_L1).toInteger();
            message.to = message.from.id == peer ? m_self.id : peer;
            if (!message.id.isEmpty() && !message.to.isEmpty())
                c.messages.addMessage(message);
        }
        updateUnread(c);
    }
    // Back where the user was (once that room is joined again).
    m_switchTo = state.value("current"_L1).toString();
    if (Conversation *c = find(m_switchTo); c && c->direct)
        setCurrent(std::exchange(m_switchTo, QString()));
    m_loading = false;
}

} // namespace confab::client
