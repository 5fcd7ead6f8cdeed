// What the app's end-to-end tests share: a ChatClient with quick reconnects, the texts and seqs
// of a model, an app state (settings, outbox, conversations) of the test's own, and peers that
// are not Confab servers (an HTTP server that answers 200, a port that never speaks).
#pragma once

#include "chatclient.h"
#include "testclient.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QJsonDocument>
#include <QPointer>
#include <QSettings>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

namespace confab::test {

inline QString address(quint16 port)
{
    return QStringLiteral("127.0.0.1:%1").arg(port);
}

inline QStringList texts(const client::MessageModel *model, bool withPending = true)
{
    QStringList out;
    if (!model)
        return out;
    for (const auto &row : model->rows()) {
        if (!row.notice && (withPending || !row.pending))
            out.append(row.text);
    }
    return out;
}

inline QList<qint64> seqs(const client::MessageModel *model)
{
    QList<qint64> out;
    for (const auto &row : model->rows()) {
        if (!row.notice && !row.pending)
            out.append(row.seq);
    }
    return out;
}

// Settings and data files go to a test location (QStandardPaths test mode), emptied before
// each test: every test starts as a fresh installation.
inline void useFreshAppState()
{
    QStandardPaths::setTestModeEnabled(true);
    QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).removeRecursively();
    QSettings().clear();
}

// A ChatClient with its own identity and quick reconnects. Two Apps with the same token are the
// same installation started twice (an app restart).
struct App {
    client::ChatClient client;
    explicit App(const QString &token = QStringLiteral("app-test-token-0123456789"))
    {
        client.setToken(token);
        client.setProperty("reconnectBaseMs", 50);
        // Every list model the client has, under Qt's model tester: each conversation's
        // timeline and members as it is opened, the room list, search results and directory.
        watch(client.rooms());
        watch(client.searchResults());
        watch(client.directory());
        QObject::connect(&client, &client::ChatClient::currentRoomChanged, &client, [this] {
            watch(client.messages());
            watch(client.members());
        });
    }
    // The tester is the model's child: it goes with the model (a conversation left).
    static void watch(QAbstractItemModel *model)
    {
        if (model && !model->findChild<QAbstractItemModelTester *>())
            new QAbstractItemModelTester(
                model, QAbstractItemModelTester::FailureReportingMode::QtTest, model);
    }
    bool connectTo(quint16 port, const QString &nick = QStringLiteral("host"),
                   const QString &password = {})
    {
        client.connectTo(address(port), nick, password);
        return QTest::qWaitFor(
            [&] {
                return client.state() == client::ChatClient::Online
                       && client.currentRoom() == QLatin1String("general");
            },
            waitMs());
    }
    QString title(const QString &conversation) const
    {
        auto *rooms = const_cast<client::ChatClient &>(client).rooms();
        const int row = rooms->indexOf(conversation);
        return row < 0 ? QString() : rooms->index(row).data(Qt::DisplayRole).toString();
    }
};

// A TCP port that is not a Confab server: it answers every request with `reply` (an HTTP 200
// page, say), or says nothing at all when `reply` is empty.
class NotConfab : public QTcpServer
{
public:
    explicit NotConfab(QByteArray reply)
        : m_reply(std::move(reply))
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = nextPendingConnection()) {
                m_sockets.append(socket);
                if (m_reply.isEmpty())
                    continue;
                connect(socket, &QTcpSocket::readyRead, socket, [socket, this] {
                    socket->readAll();
                    socket->write(m_reply);
                    socket->disconnectFromHost();
                });
            }
        });
    }
    static QByteArray httpOk()
    {
        return "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n"
               "Connection: close\r\n\r\n<html></html>";
    }

private:
    QByteArray m_reply;
    QList<QTcpSocket *> m_sockets;
};

// A peer that speaks the protocol as a script says: for what a client must do with frames no
// server of this tree sends yet (1.1 kicks and bans before the server side lands) or only after
// a long setup. It records every frame the client sends and sends what the test gives it, over
// a real WebSocket.
class ScriptedServer : public QObject
{
public:
    ScriptedServer()
    {
        QObject::connect(&m_server, &QWebSocketServer::newConnection, this, [this] {
            QWebSocket *socket = m_server.nextPendingConnection();
            m_socket = socket;
            ++m_connections;
            QObject::connect(socket, &QWebSocket::textMessageReceived, this,
                             [this](const QString &text) {
                                 received.append(QJsonDocument::fromJson(text.toUtf8()).object());
                             });
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost); }
    quint16 port() const { return m_server.serverPort(); }
    int connections() const { return int(m_connections); }
    void send(const QJsonObject &frame)
    {
        if (m_socket)
            m_socket->sendTextMessage(
                QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact)));
    }
    void close(quint16 code, const QString &reason)
    {
        if (m_socket)
            m_socket->close(QWebSocketProtocol::CloseCode(code), reason);
    }
    // The frames of this type the client sent, in order.
    QList<QJsonObject> sent(const QString &type) const
    {
        QList<QJsonObject> out;
        for (const QJsonObject &frame : received) {
            if (frame.value(QStringLiteral("type")).toString() == type)
                out.append(frame);
        }
        return out;
    }

    QList<QJsonObject> received;

private:
    QWebSocketServer m_server{QStringLiteral("scripted"), QWebSocketServer::NonSecureMode};
    QPointer<QWebSocket> m_socket;
    qsizetype m_connections = 0;
};

} // namespace confab::test
