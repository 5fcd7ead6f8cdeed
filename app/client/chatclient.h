// A Confab client for QML: one server at a time, speaking PROTOCOL v1.
//
// It is the facade over three parts: the Session (socket, hello, backoff), the Outbox (what was
// sent and not confirmed, kept on disk per server) and the Conversations (rooms and direct
// conversations with their models). Frames from the server go through one dispatch table. It
// never loses a message: what the user sends is resent with the same id after a reconnect or
// an app restart, which the server de-duplicates; every room is resumed with `join` + `since`.
#pragma once

#include "conversations.h"
#include "outbox.h"
#include "recordlistmodel.h"
#include "session.h"

#include <QObject>
#include <QUrl>
#include <QtQml/qqmlregistration.h>

namespace confab::client {

class ChatClient : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(QString statusText READ statusText NOTIFY stateChanged)
    // True once this server has welcomed us (since connectTo): the chat screen is worth showing.
    Q_PROPERTY(bool established READ established NOTIFY stateChanged)
    Q_PROPERTY(int reconnectSeconds READ reconnectSeconds NOTIFY reconnectSecondsChanged)
    Q_PROPERTY(QString serverName READ serverName NOTIFY stateChanged)
    Q_PROPERTY(QString address READ address NOTIFY stateChanged)
    Q_PROPERTY(QString userId READ userId NOTIFY identityChanged)
    Q_PROPERTY(QString nick READ nick NOTIFY identityChanged)
    Q_PROPERTY(QString token READ token WRITE setToken NOTIFY identityChanged)
    // 1.1: this user is an operator here (may delete any message, kick and ban).
    Q_PROPERTY(bool isOperator READ isOperator NOTIFY identityChanged)
    // 1.1: the server banned us: the session has ended (statusText says until when and why).
    Q_PROPERTY(bool banned READ banned NOTIFY stateChanged)
    Q_PROPERTY(QString banReason READ banReason NOTIFY stateChanged)
    Q_PROPERTY(QString bannedUntilText READ bannedUntilText NOTIFY stateChanged)
    // The message the next sendMessage answers (reply()), 0 when none; its author and text.
    Q_PROPERTY(double replyToSeq READ replyToSeqForQml NOTIFY replyChanged) // a number in QML
    Q_PROPERTY(QString replyToNick READ replyToNick NOTIFY replyChanged)
    Q_PROPERTY(QString replyToText READ replyToText NOTIFY replyChanged)
    Q_PROPERTY(QString currentRoom READ currentRoom WRITE setCurrentRoom NOTIFY currentRoomChanged)
    Q_PROPERTY(QString currentTitle READ currentTitle NOTIFY currentRoomChanged)
    Q_PROPERTY(QString currentTopic READ currentTopic NOTIFY topicChanged)
    // An operator removed us from the room on screen: who and why (empty: we are in it).
    Q_PROPERTY(QString currentGoneText READ currentGoneText NOTIFY goneChanged)
    Q_PROPERTY(bool currentIsDirect READ currentIsDirect NOTIFY currentRoomChanged)
    // For the header menu's mute toggle (the room list reads the rooms' `muted` role).
    Q_PROPERTY(bool currentMuted READ currentMuted NOTIFY currentMutedChanged)
    Q_PROPERTY(confab::client::RoomListModel *rooms READ rooms CONSTANT)
    Q_PROPERTY(confab::client::MessageModel *messages READ messages NOTIFY currentRoomChanged)
    Q_PROPERTY(confab::client::MemberModel *members READ members NOTIFY currentRoomChanged)
    Q_PROPERTY(int totalUnread READ totalUnread NOTIFY unreadChanged)
    Q_PROPERTY(QString typingText READ typingText NOTIFY typingChanged)
    Q_PROPERTY(int outboxSize READ outboxSize NOTIFY outboxChanged)
    // "1 message waiting to be sent", "3 messages waiting to be sent"; empty when none.
    Q_PROPERTY(QString outboxText READ outboxText NOTIFY outboxChanged)
    Q_PROPERTY(bool windowActive READ windowActive WRITE setWindowActive NOTIFY windowActiveChanged)
    // Roles room, seq, nick, text, when (and modelData, the whole record).
    Q_PROPERTY(confab::client::RecordListModel *searchResults READ searchResults CONSTANT)
    // Roles room, members, topic (and modelData).
    Q_PROPERTY(confab::client::RecordListModel *directory READ directory CONSTANT)
    Q_PROPERTY(int reconnectBaseMs READ reconnectBaseMs WRITE setReconnectBaseMs)
    Q_PROPERTY(int connectTimeoutMs READ connectTimeoutMs WRITE setConnectTimeoutMs)
public:
    enum State {
        Offline = Session::Offline,
        Connecting = Session::Connecting,
        Online = Session::Online,
        Reconnecting = Session::Reconnecting,
        Failed = Session::Failed,
    };
    Q_ENUM(State)

    explicit ChatClient(QObject *parent = nullptr);
    ~ChatClient() override;

    // "host", "host:port", "[::1]:7300", "ws://host:port/path", "wss://…", or a host's web
    // link ("http://host:port/", "https://host/": its /ws). Returns an empty URL and sets error
    // for anything else.
    static QUrl urlFromAddress(const QString &address, QString *error = nullptr);

    // Once this server welcomes us, the address joins the recent servers when `remember`.
    // `opPassword` makes this user an operator (1.1; the hosting app gives its server's).
    // False when the address is none (the state is then Failed, statusText says why).
    Q_INVOKABLE bool connectTo(const QString &address, const QString &nick,
                               const QString &password = QString(), bool remember = true,
                               const QString &opPassword = QString());
    // Leaves the server (back to the start screen): no reconnect, its conversations are put
    // away (kept on disk for the next time).
    Q_INVOKABLE void leaveServer();
    Q_INVOKABLE void disconnectFromServer() { leaveServer(); }
    Q_INVOKABLE void joinRoom(const QString &room);
    Q_INVOKABLE void leaveRoom(const QString &room);
    // Sends to the current room or direct conversation (through the outbox).
    // False when nothing was sent (nothing to send, or we are no longer in the room): the
    // composer keeps the text.
    Q_INVOKABLE bool sendMessage(const QString &text);
    Q_INVOKABLE void setTopic(const QString &topic);
    Q_INVOKABLE void changeNick(const QString &nick);
    Q_INVOKABLE void loadOlder();
    Q_INVOKABLE void markRead();
    Q_INVOKABLE void userTyping();
    Q_INVOKABLE void openDirect(const QString &userId, const QString &nick);
    Q_INVOKABLE void search(const QString &query);
    Q_INVOKABLE void refreshDirectory();
    // Switches to the next (+1) or previous (-1) conversation in the list, wrapping around.
    Q_INVOKABLE void switchRoom(int delta);
    // No notifications from this conversation (kept in the preferences, per server).
    Q_INVOKABLE void setMuted(const QString &room, bool muted);

    // 1.1, about the message at `seq` in the current room. The changes show when the server's
    // event comes back (to every member alike).
    // The next message sent answers this one (cancelReply: none).
    Q_INVOKABLE void reply(qint64 seq);
    Q_INVOKABLE void cancelReply();
    // Adds (on) or takes back a reaction; an emoji added joins the recently used.
    Q_INVOKABLE void react(qint64 seq, const QString &emoji, bool on);
    Q_INVOKABLE void edit(qint64 seq, const QString &text);
    Q_INVOKABLE void remove(qint64 seq);
    // Operators: out of the current room (it may join again), or off the server for a while.
    Q_INVOKABLE void kick(const QString &userId, const QString &reason = QString());
    Q_INVOKABLE void ban(const QString &userId, int minutes, const QString &reason = QString());
    // The ban durations an operator is offered: [{text, minutes}] (the web client's too:
    // tests/clientspec/constants.json).
    Q_PROPERTY(QVariantList banDurations READ banDurations CONSTANT)
    static QVariantList banDurations();

    State state() const { return State(m_session.state()); }
    QString statusText() const { return m_session.statusText(); }
    bool established() const { return m_session.established(); }
    int reconnectSeconds() const { return m_session.reconnectSeconds(); }
    QString serverName() const { return m_serverName; }
    QString address() const { return m_session.url().toString(); }
    QString userId() const { return m_conversations.self().id; }
    QString nick() const { return m_conversations.self().nick; }
    QString token() const { return m_token; }
    bool isOperator() const { return m_conversations.self().op; }
    bool banned() const { return m_session.banned(); }
    QString banReason() const { return m_session.banReason(); }
    QString bannedUntilText() const;
    qint64 replyToSeq() const { return m_replyTo; }
    double replyToSeqForQml() const { return double(m_replyTo); }
    QString replyToNick() const;
    QString replyToText() const;
    void setToken(const QString &token);
    QString currentRoom() const { return m_conversations.current(); }
    void setCurrentRoom(const QString &name) { m_conversations.setCurrent(name); }
    QString currentTitle() const;
    QString currentTopic() const;
    QString currentGoneText() const;
    bool currentIsDirect() const;
    bool currentMuted() const;
    RoomListModel *rooms() { return m_conversations.rooms(); }
    MessageModel *messages();
    MemberModel *members();
    int totalUnread() const;
    QString typingText() const { return m_conversations.typingText(); }
    // Every conversation, not only the current one (tests/clientspec reads them).
    const Conversations &conversations() const { return m_conversations; }
    int outboxSize() const { return m_outbox.size(); }
    QString outboxText() const;
    bool windowActive() const { return m_windowActive; }
    void setWindowActive(bool active);
    RecordListModel *searchResults() { return &m_searchResults; }
    RecordListModel *directory() { return &m_directory; }
    int reconnectBaseMs() const { return m_session.reconnectBaseMs; }
    void setReconnectBaseMs(int ms) { m_session.reconnectBaseMs = ms; }
    int connectTimeoutMs() const { return m_session.connectTimeoutMs; }
    void setConnectTimeoutMs(int ms) { m_session.connectTimeoutMs = ms; }

    // The model of any conversation (for tests and notifications); null if unknown.
    MessageModel *messagesOf(const QString &conversation) const;

Q_SIGNALS:
    void stateChanged();
    void reconnectSecondsChanged();
    void identityChanged();
    void currentRoomChanged();
    void currentMutedChanged();
    void topicChanged();
    void unreadChanged();
    void typingChanged();
    void outboxChanged();
    void windowActiveChanged();
    void replyChanged();
    // 1.1: an operator removed us from a room (it is gone from the list).
    void kicked(const QString &room, const QString &byNick, const QString &reason);
    void goneChanged();
    // A message worth a desktop notification: a mention or a direct message while away.
    void attentionNeeded(const QString &title, const QString &text);
    void errorOccurred(const QString &message);

private:
    using Handler = void (*)(ChatClient &, const protocol::Frame &);
    static const QHash<QString, Handler> &dispatchTable();
    template <typename T, auto Method> static void dispatch(ChatClient &, const protocol::Frame &);

    void onWelcome(const protocol::Welcome &welcome);
    void onFrame(const protocol::Frame &frame);
    void send(const Outbox::Item &item);

    // The handlers of the frames whose effect goes beyond the conversations.
    void handleMessage(const protocol::ChatMessage &m, const std::optional<QString> &re);
    void handleError(const protocol::ErrorFrame &error, const std::optional<QString> &re);
    void handleNick(const protocol::NickAnswer &answer, const std::optional<QString> &re);
    void handleSearch(const protocol::SearchAnswer &search, const std::optional<QString> &re);
    void handleRooms(const protocol::RoomsAnswer &rooms, const std::optional<QString> &re);

    Session m_session;
    Outbox m_outbox;
    Conversations m_conversations{m_session};
    RecordListModel m_searchResults{{"room", "seq", "nick", "text", "when"}};
    RecordListModel m_directory{{"room", "members", "topic"}};
    // The directory comes in pages ("more", asked again with "after"): the pages gathered so
    // far of the newest listing (m_directoryListing: its number, in the requests' ids, so that
    // a page of an older listing is not mixed in).
    QList<QVariantMap> m_directoryGathered;
    int m_directoryListing = 0;
    void askDirectoryPage(int page, const std::optional<QString> &after);
    QString m_token;
    QString m_serverName;
    QString m_address; // as the user typed it, remembered once it worked
    bool m_remember = false;
    bool m_windowActive = true;
    qint64 m_lastTypingSent = 0;
    qint64 m_replyTo = 0;
};

} // namespace confab::client
