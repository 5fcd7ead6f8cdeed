// The session with one server: the WebSocket, the hello, and what happens when it breaks.
//
// A first connection that fails (refused, no such host, no answer in time, wrong password, not a
// Confab server) ends in Failed with the reason and is not retried: the user fixes the address.
// Once a welcome has arrived, a lost connection is retried with backoff (0.5 s doubling to 10 s,
// with jitter), counting down each second, until the user closes the session.
#pragma once

#include "frames.h"

#include <QObject>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>

namespace confab::client {

class Session : public QObject
{
    Q_OBJECT
public:
    enum State { Offline, Connecting, Online, Reconnecting, Failed };
    Q_ENUM(State)

    explicit Session(QObject *parent = nullptr);
    ~Session() override;

    // Starts a new session (a first connection) to url; hello is sent on every connection.
    void open(const QUrl &url, const protocol::Hello &hello);
    // Ends it on the user's wish: no reconnect.
    void close();
    // Ends it before it began (an address that is none): Failed, saying why, and stateChanged
    // each time, so that whoever waits for an outcome gets one however often it is tried.
    void refuse(const QString &reason);
    // The nick the next hello asks for (a reconnect keeps the current nick).
    void setNick(const QString &nick) { m_hello.nick = nick; }
    void send(const QJsonObject &frame);
    // 1.1: the operator password the hello carries ("op_password"; empty: none). The hosting
    // app's own client gives its server's.
    void setOpPassword(const QString &password) { m_opPassword = password; }
    // What the last welcome listed as `features` (a 1.1 server: "edit", "react", "ops", …).
    QStringList features() const { return m_features; }

    // 1.1: the server banned this user (error `banned`, close 4004): the session ended in
    // Failed and is not retried. When it ends (ms since the epoch, 0 unknown) and why.
    bool banned() const { return m_banned; }
    qint64 bannedUntil() const { return m_bannedUntil; }
    QString banReason() const { return m_banReason; }

    State state() const { return m_state; }
    bool isOnline() const { return m_state == Online; }
    QString statusText() const { return m_statusText; }
    // Seconds until the next attempt while Reconnecting, else 0.
    int reconnectSeconds() const { return m_reconnectSeconds; }
    QUrl url() const { return m_url; }
    // True once this session got a welcome: from then on a lost connection is retried.
    bool established() const { return m_established; }

    int reconnectBaseMs = 500;
    // How long a connection attempt may take up to the welcome (a first one then fails, a
    // reconnect is retried).
    int connectTimeoutMs = 10000;

Q_SIGNALS:
    void stateChanged();
    void reconnectSecondsChanged();
    void welcomed(const protocol::Welcome &welcome);
    // Every frame after the welcome (and errors before it), decoded.
    void frameReceived(const protocol::Frame &frame);
    // The connection is gone (rooms are no longer joined); a reconnect may follow.
    void connectionLost();

private:
    // Ends the session's connection and every timer of it; the state is the caller's to set.
    void stop();
    void connectSocket();
    void onConnected();
    void onText(const QString &text);
    // The socket failed or closed; `error` is set when it failed.
    void onGone(std::optional<QAbstractSocket::SocketError> error);
    void fail(const QString &reason);
    QString bannedText() const;
    void scheduleReconnect();
    void updateCountdown();
    void setState(State state, const QString &text);
    QString failureReason(std::optional<QAbstractSocket::SocketError> error) const;

    QWebSocket m_socket;
    QTimer m_reconnectTimer;
    QTimer m_countdown;    // ticks each second while Reconnecting
    QTimer m_connectTimer; // a first connection's deadline
    QUrl m_url;
    protocol::Hello m_hello;
    State m_state = Offline;
    QString m_statusText;
    int m_reconnectSeconds = 0;
    int m_attempt = 0;
    bool m_established = false;
    bool m_socketOpen = false; // a connection attempt or connection is in progress
    bool m_handshakeDone = false;
    std::optional<QAbstractSocket::SocketError> m_lastError; // of the current attempt
    QString m_refusal; // why the server refused us before any welcome (an error frame)
    QString m_opPassword;
    QStringList m_features;
    bool m_banned = false;
    qint64 m_bannedUntil = 0;
    QString m_banReason;
};

} // namespace confab::client
