// A real WebSocket client for tests: connects to a server over loopback, records every frame it
// receives, and waits for the ones a test expects.
#pragma once

#include <QJsonObject>
#include <QList>
#include <QNetworkRequest>
#include <QObject>
#include <QWebSocket>
#include <functional>

namespace confab::test {

// How long a test waits for something that should happen, and how long it watches for
// something that should not (CONFAB_TEST_WAIT_MS, CONFAB_TEST_QUIET_MS).
int waitMs();
int quietMs();

// The code of an error frame ("bad_json", ...), empty for any other frame.
inline QString errorCode(const QJsonObject &frame)
{
    return frame.value(QStringLiteral("code")).toString();
}

class TestClient : public QObject
{
    Q_OBJECT
public:
    explicit TestClient(QObject *parent = nullptr);

    bool open(quint16 port, const QString &path = QStringLiteral("/ws"));
    // Any URL, ws:// or wss:// (set socket()'s TLS configuration first).
    bool open(const QUrl &url);
    // A request with headers of its own (X-Forwarded-For, as a proxy sends it).
    bool open(const QNetworkRequest &request);
    // open + hello + join: true when all three were answered.
    bool enter(quint16 port, const QString &nick, const QString &room = QStringLiteral("general"));
    // Sends hello (with these extra members) and waits for welcome. Returns the welcome.
    QJsonObject hello(const QString &nick = QString(), const QJsonObject &extra = {});
    // hello + join; returns the joined frame.
    QJsonObject join(const QString &room, const QJsonObject &extra = {});

    void send(const QJsonObject &frame);
    void sendText(const QString &text);
    void sendBinary(const QByteArray &data);
    // Sends a frame with an id and waits for the frame that answers it (carries "re").
    const QJsonObject request(QJsonObject frame);

    // Takes the first received frame of this type (and matching the predicate), waiting for it.
    // Returns an empty object on timeout.
    // (Returned const so that chained lookups like f["user"]["nick"] use the const operator[].)
    const QJsonObject take(const QString &type,
                           const std::function<bool(const QJsonObject &)> &match = {},
                           int timeoutMs = -1);
    // True when no frame of this type arrives within quietMs() (consumes nothing).
    bool staysQuiet(const QString &type = QString());
    // Frames received and not yet taken.
    const QList<QJsonObject> &pending() const { return m_frames; }
    void clear() { m_frames.clear(); }

    bool waitClosed(int timeoutMs = -1);
    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    int closeCode() const { return m_closeCode; }
    QString closeReason() const { return m_closeReason; }
    void close() { m_socket.close(); }
    void abort() { m_socket.abort(); }
    QWebSocket &socket() { return m_socket; }

    QString userId() const { return m_userId; }
    QString nick() const { return m_nick; }

private:
    QWebSocket m_socket;
    QList<QJsonObject> m_frames;
    int m_closeCode = -1;
    QString m_closeReason;
    QString m_userId;
    QString m_nick;
    int m_nextId = 0;
};

// A WebSocket request to a local server as a trusted proxy would send it: the client's address
// in X-Forwarded-For.
QNetworkRequest forwardedFrom(quint16 port, const QByteArray &forwardedFor);

} // namespace confab::test
