// What the app's end-to-end tests share: a ChatClient with quick reconnects, the texts and seqs
// of a model, an app state (settings, outbox, conversations) of the test's own, and peers that
// are not Confab servers (an HTTP server that answers 200, a port that never speaks).
#pragma once

#include "chatclient.h"
#include "testclient.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QSettings>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

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

} // namespace confab::test
