// The conversations with one server: its rooms and direct conversations, each with its timeline
// (MessageModel), members and typing users; the list of them (RoomListModel) and the current one.
//
// Kept per server on disk (conversations.json in the server's folder): the rooms joined, which
// the next run rejoins, and the direct conversations with their recent messages, which no
// server keeps. Muted rooms are a preference (QSettings).
#pragma once

#include "frames.h"
#include "membermodel.h"
#include "messagemodel.h"
#include "operatorframes.h"
#include "roomlistmodel.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>
#include <map>
#include <memory>

namespace confab::client {

class Session;

class Conversations : public QObject
{
    Q_OBJECT
public:
    // Typing is relayed at most every 2 s; shown 4 s, one relay may be late or dropped without
    // the line flickering. Read positions go out at most once a second per room. Both the web
    // client's too (tests/clientspec/constants.json).
    static constexpr int TypingShownMs = 4000;
    static constexpr qint64 ReadIntervalMs = 1000;

    struct Conversation {
        QString name;  // room name, or "@<user id>"
        QString title; // room name, or the peer's nick
        bool direct = false;
        bool joined = false;
        QString epoch;
        QString topic;
        // An operator removed us: who and why, said where the room was. The room stays on
        // screen, read-only, until the user goes elsewhere or joins it again; it is not
        // joined again on the next connection.
        QString goneText;
        qint64 lastSeq = 0;
        qint64 readSeq = 0;
        int unreadDirect = 0;
        int unread = 0;   // a 1.1 server's room: messages above readSeq (joined.unread, then kept)
        int mentions = 0; // unread messages that name the user
        bool loadingOlder = false;
        MessageModel messages;
        MemberModel members;
        QHash<QString, std::pair<QString, qint64>> typing; // user id -> nick, until (ms)
    };

    explicit Conversations(Session &session, QObject *parent = nullptr);
    ~Conversations() override;

    // Loads what was kept for this server (file empty: nothing kept); `muteKey` names its
    // muted rooms in the settings.
    void open(const QString &file, const QString &muteKey);
    // Forgets every conversation in memory (leaving the server); the file stays.
    void close();

    void setSelf(const protocol::UserInfo &user);
    // The server speaks 1.1 (welcome.features): joined.unread counts a room's unread messages
    // (with events in the seq, lastSeq - readSeq would count edits and reactions too).
    void setCountsUnread(bool v11) { m_v11 = v11; }
    const protocol::UserInfo &self() const { return m_self; }
    void setWindowActive(bool active);

    RoomListModel *rooms() { return &m_rooms; }
    const RoomListModel *rooms() const { return &m_rooms; }
    Conversation &get(const QString &name, bool direct = false);
    Conversation *find(const QString &name) const;
    QString current() const { return m_current; }
    void setCurrent(const QString &name);
    QString typingText() const;
    // Who is shown typing in the conversation, sorted.
    QStringList typingNicks(const QString &name) const;

    // After a welcome: every room is joined again where it stopped, or general the first time.
    void resume();
    void join(const QString &room);
    void leave(const QString &room);
    void openDirect(const QString &userId, const QString &nick);
    // `now`: the reader came back to the window (else at most one read a second per room).
    void markRead(bool now = false);
    void loadOlder();
    void setMuted(const QString &name, bool muted);
    void switchBy(int delta);

    // Frames from the server.
    void onJoined(const protocol::Joined &joined);
    void onLeft(const protocol::Left &left);
    // A delivered message; `pendingId` is the outbox row it confirms, if any.
    void onMessage(const protocol::ChatMessage &m, const QString &pendingId);
    void onPresence(const protocol::Presence &presence);
    void onTopic(const protocol::TopicEvent &event);
    void onRead(const protocol::ReadPosition &read);
    void onTyping(const protocol::TypingEvent &typing);
    void onHistory(const protocol::HistoryAnswer &history);
    void onOwnNick(const protocol::UserInfo &user);
    // 1.1: an operator removed us from the room: it is left here (no `left` comes).
    void onKicked(const protocol::Kicked &kicked);
    // 1.1: presence "kick": an operator removed `user` (by `by`).
    // `ban`: the server's "ban":true (Confab's choice): the member was banned, not only kicked.
    void onMemberKicked(const QString &room, const protocol::UserInfo &user,
                        const protocol::UserInfo &by, const QString &reason, qint64 ts,
                        bool ban = false);

Q_SIGNALS:
    void currentChanged();
    void topicChanged();
    void typingChanged();
    void unreadChanged();
    // A mention or a direct message the user has not seen (not for muted rooms).
    void attentionNeeded(const QString &title, const QString &text);
    // We were removed from a room: why, to tell the user.
    void kicked(const QString &room, const QString &byNick, const QString &reason);
    // A conversation's goneText changed.
    void goneChanged();

private:
    void updateUnread(Conversation &c);
    void setTitle(Conversation &c, const QString &title);
    void expireTyping();
    // Read positions go out at most once a second per room, the newest when the second is over:
    // one per incoming message drew rate_limited in a busy room (10 frames a second, burst 8).
    void queueRead(const QString &room, bool now);
    void sendRead(const QString &room);
    void sendReadsDue();
    void save() const;
    // Drops the rooms we were removed from, but the one on screen.
    void forgetGone();
    static qint64 lineStart(const Conversation &c);
    void load();

    Session &m_session;
    RoomListModel m_rooms;
    std::map<QString, std::unique_ptr<Conversation>> m_conversations;
    protocol::UserInfo m_self;
    QString m_current;
    QString m_switchTo; // a room asked for, shown once it is joined
    QString m_file;
    QString m_muteKey;
    QTimer m_typingExpiry;
    QTimer m_readTimer;
    QHash<QString, qint64> m_readSentMs; // room -> when its last read went out
    QSet<QString> m_readsDue;
    bool m_windowActive = true;
    bool m_v11 = false;
    bool m_loading = false; // load() in progress: nothing to save yet
};

} // namespace confab::client
