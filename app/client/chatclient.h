// A Confab client: one WebSocket to one server, speaking PROTOCOL v1, exposed to QML.
//
// It never loses a message: what the user sends goes into an outbox (shown as pending) and is
// resent with the same id after a reconnect, which the server de-duplicates. A dropped
// connection is retried with backoff, and every room is resumed with `join` + `since`.
#pragma once

#include "frames.h"
#include "membermodel.h"
#include "messagemodel.h"
#include "roomlistmodel.h"

#include <QObject>
#include <QTimer>
#include <QUrl>
#include <QVariantList>
#include <QWebSocket>
#include <QtQml/qqmlregistration.h>
#include <memory>

namespace confab::client {

class ChatClient : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(QString statusText READ statusText NOTIFY stateChanged)
    Q_PROPERTY(QString serverName READ serverName NOTIFY stateChanged)
    Q_PROPERTY(QString address READ address NOTIFY stateChanged)
    Q_PROPERTY(QString userId READ userId NOTIFY identityChanged)
    Q_PROPERTY(QString nick READ nick NOTIFY identityChanged)
    Q_PROPERTY(QString token READ token WRITE setToken NOTIFY identityChanged)
    Q_PROPERTY(QString currentRoom READ currentRoom WRITE setCurrentRoom NOTIFY currentRoomChanged)
    Q_PROPERTY(QString currentTitle READ currentTitle NOTIFY currentRoomChanged)
    Q_PROPERTY(QString currentTopic READ currentTopic NOTIFY topicChanged)
    Q_PROPERTY(bool currentIsDirect READ currentIsDirect NOTIFY currentRoomChanged)
    Q_PROPERTY(confab::client::RoomListModel *rooms READ rooms CONSTANT)
    Q_PROPERTY(confab::client::MessageModel *messages READ messages NOTIFY currentRoomChanged)
    Q_PROPERTY(confab::client::MemberModel *members READ members NOTIFY currentRoomChanged)
    Q_PROPERTY(int totalUnread READ totalUnread NOTIFY unreadChanged)
    Q_PROPERTY(QString typingText READ typingText NOTIFY typingChanged)
    Q_PROPERTY(int outboxSize READ outboxSize NOTIFY outboxChanged)
    Q_PROPERTY(bool windowActive READ windowActive WRITE setWindowActive NOTIFY windowActiveChanged)
    Q_PROPERTY(QVariantList searchResults READ searchResults NOTIFY searchResultsChanged)
    Q_PROPERTY(QVariantList directory READ directory NOTIFY directoryChanged)
    Q_PROPERTY(int reconnectBaseMs MEMBER m_reconnectBaseMs)
public:
    enum State { Offline, Connecting, Online, Reconnecting, Failed };
    Q_ENUM(State)

    explicit ChatClient(QObject *parent = nullptr);
    ~ChatClient() override;

    // "host", "host:port", "[::1]:7300", "ws://host:port/path" or "wss://…". Returns an empty
    // URL and sets error for anything else.
    static QUrl urlFromAddress(const QString &address, QString *error = nullptr);

    Q_INVOKABLE void connectTo(const QString &address, const QString &nick,
                               const QString &password = QString());
    Q_INVOKABLE void disconnectFromServer();
    Q_INVOKABLE void joinRoom(const QString &room);
    Q_INVOKABLE void leaveRoom(const QString &room);
    // Sends to the current room or direct conversation (through the outbox).
    Q_INVOKABLE void sendMessage(const QString &text);
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

    State state() const { return m_state; }
    QString statusText() const { return m_statusText; }
    QString serverName() const { return m_serverName; }
    QString address() const { return m_url.toString(); }
    QString userId() const { return m_user.id; }
    QString nick() const { return m_user.nick; }
    QString token() const { return m_token; }
    void setToken(const QString &token);
    QString currentRoom() const { return m_current; }
    void setCurrentRoom(const QString &name);
    QString currentTitle() const;
    QString currentTopic() const;
    bool currentIsDirect() const;
    RoomListModel *rooms() { return &m_rooms; }
    MessageModel *messages();
    MemberModel *members();
    int totalUnread() const { return m_rooms.totalUnread(); }
    QString typingText() const;
    int outboxSize() const { return int(m_outbox.size()); }
    bool windowActive() const { return m_windowActive; }
    void setWindowActive(bool active);
    QVariantList searchResults() const { return m_searchResults; }
    QVariantList directory() const { return m_directory; }

    // The model of any conversation (for tests and notifications); null if unknown.
    MessageModel *messagesOf(const QString &conversation) const;

Q_SIGNALS:
    void stateChanged();
    void identityChanged();
    void currentRoomChanged();
    void topicChanged();
    void unreadChanged();
    void typingChanged();
    void outboxChanged();
    void windowActiveChanged();
    void searchResultsChanged();
    void directoryChanged();
    // A message worth a desktop notification: a mention or a direct message while away.
    void attentionNeeded(const QString &title, const QString &text);
    void errorOccurred(const QString &message);

private:
    struct Conversation;
    struct Outgoing {
        QString clientId;
        QString conversation;
        QString text;
    };

    void open();
    void setState(State state, const QString &text);
    // One frame, built by its type in frames.h (toJson, and withId for a send).
    void sendFrame(const QJsonObject &frame);
    void onConnected();
    void onDisconnected();
    void onText(const QString &text);
    void scheduleReconnect();
    void sendOutgoing(const Outgoing &item);

    // One handler per frame type a server sends; `re` is the answered frame's id, if any.
    void handleWelcome(const protocol::Welcome &welcome);
    void handleJoined(const protocol::Joined &joined);
    void handleLeft(const protocol::Left &left);
    void handleMessage(const protocol::ChatMessage &m, const std::optional<QString> &re);
    void handlePresence(const protocol::Presence &presence);
    void handleTopic(const protocol::TopicEvent &event);
    void handleNick(const protocol::NickAnswer &answer);
    void handleRead(const protocol::ReadPosition &read);
    void handleTyping(const protocol::TypingEvent &typing);
    void handleHistory(const protocol::HistoryAnswer &history);
    void handleSearch(const protocol::SearchAnswer &search);
    void handleRooms(const protocol::RoomsAnswer &rooms);
    void handleError(const protocol::ErrorFrame &error, const std::optional<QString> &re);

    Conversation &conversation(const QString &name, bool direct = false);
    Conversation *find(const QString &name) const;
    void updateUnread(Conversation &c);

    QWebSocket m_socket;
    QTimer m_reconnectTimer;
    QTimer m_typingExpiry;
    QUrl m_url;
    QString m_password;
    QString m_token;
    protocol::UserInfo m_user;
    QString m_wantedNick;
    QString m_serverName;
    State m_state = Offline;
    QString m_statusText;
    bool m_userClosed = false;
    int m_attempt = 0;
    int m_reconnectBaseMs = 500;
    bool m_windowActive = true;
    qint64 m_lastTypingSent = 0;

    RoomListModel m_rooms;
    std::map<QString, std::unique_ptr<Conversation>> m_conversations;
    QString m_current;
    QString m_switchTo; // a room asked for, shown once it is joined
    QList<Outgoing> m_outbox;
    QVariantList m_searchResults;
    QVariantList m_directory;
};

} // namespace confab::client
