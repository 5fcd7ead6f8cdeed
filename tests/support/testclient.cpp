#include "testclient.h"

#include <QJsonDocument>
#include <QTest>

namespace confab::test {

namespace {
int envInt(const char *name, int fallback)
{
    bool ok = false;
    const int v = qEnvironmentVariableIntValue(name, &ok);
    return ok && v > 0 ? v : fallback;
}
} // namespace

int waitMs()
{
    return envInt("CONFAB_TEST_WAIT_MS", 5000);
}

int quietMs()
{
    return envInt("CONFAB_TEST_QUIET_MS", 250);
}

TestClient::TestClient(QObject *parent)
    : QObject(parent)
{
    m_socket.setMaxAllowedIncomingMessageSize(16 * 1024 * 1024);
    connect(&m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
        m_frames.append(QJsonDocument::fromJson(text.toUtf8()).object());
    });
    connect(&m_socket, &QWebSocket::disconnected, this, [this] {
        m_closeCode = m_socket.closeCode();
        m_closeReason = m_socket.closeReason();
    });
}

bool TestClient::open(quint16 port, const QString &path)
{
    return open(QUrl(QStringLiteral("ws://127.0.0.1:%1%2").arg(port).arg(path)));
}

bool TestClient::open(const QUrl &url)
{
    return open(QNetworkRequest(url));
}

bool TestClient::open(const QNetworkRequest &request)
{
    bool connected = false;
    auto c = connect(&m_socket, &QWebSocket::connected, this, [&connected] { connected = true; });
    m_socket.open(request);
    const bool ok = QTest::qWaitFor([&] { return connected; }, waitMs());
    disconnect(c);
    return ok;
}

bool TestClient::enter(quint16 port, const QString &nick, const QString &room)
{
    return open(port) && !hello(nick).isEmpty()
           && join(room).value(QStringLiteral("type")).toString() == QStringLiteral("joined");
}

QJsonObject TestClient::hello(const QString &nick, const QJsonObject &extra)
{
    QJsonObject frame = extra;
    frame.insert(QStringLiteral("type"), QStringLiteral("hello"));
    if (!nick.isEmpty())
        frame.insert(QStringLiteral("nick"), nick);
    send(frame);
    const QJsonObject welcome = take(QStringLiteral("welcome"));
    m_userId = welcome.value(QStringLiteral("user"))[QStringLiteral("id")].toString();
    m_nick = welcome.value(QStringLiteral("user"))[QStringLiteral("nick")].toString();
    return welcome;
}

QJsonObject TestClient::join(const QString &room, const QJsonObject &extra)
{
    QJsonObject frame = extra;
    frame.insert(QStringLiteral("type"), QStringLiteral("join"));
    frame.insert(QStringLiteral("room"), room);
    return request(frame);
}

void TestClient::send(const QJsonObject &frame)
{
    sendText(QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact)));
}

void TestClient::sendText(const QString &text)
{
    m_socket.sendTextMessage(text);
}

void TestClient::sendBinary(const QByteArray &data)
{
    m_socket.sendBinaryMessage(data);
}

const QJsonObject TestClient::request(QJsonObject frame)
{
    if (!frame.contains(QStringLiteral("id")))
        frame.insert(QStringLiteral("id"), QStringLiteral("t%1").arg(++m_nextId));
    const QString id = frame.value(QStringLiteral("id")).toString();
    send(frame);
    QJsonObject found;
    (void)QTest::qWaitFor(
        [&] {
            for (qsizetype i = 0; i < m_frames.size(); ++i) {
                if (m_frames[i].value(QStringLiteral("re")).toString() == id) {
                    found = m_frames.takeAt(i);
                    return true;
                }
            }
            return false;
        },
        waitMs());
    return found;
}

const QJsonObject TestClient::take(const QString &type,
                                   const std::function<bool(const QJsonObject &)> &match,
                                   int timeoutMs)
{
    QJsonObject found;
    auto scan = [&] {
        for (qsizetype i = 0; i < m_frames.size(); ++i) {
            const QJsonObject &f = m_frames[i];
            if (f.value(QStringLiteral("type")).toString() == type && (!match || match(f))) {
                found = m_frames.takeAt(i);
                return true;
            }
        }
        return false;
    };
    (void)QTest::qWaitFor(scan, timeoutMs < 0 ? waitMs() : timeoutMs);
    return found;
}

bool TestClient::staysQuiet(const QString &type)
{
    auto seen = [&] {
        for (const QJsonObject &f : std::as_const(m_frames)) {
            if (type.isEmpty() || f.value(QStringLiteral("type")).toString() == type)
                return true;
        }
        return false;
    };
    return !QTest::qWaitFor(seen, quietMs());
}

bool TestClient::waitClosed(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::UnconnectedState; },
                           timeoutMs < 0 ? waitMs() : timeoutMs);
}

QNetworkRequest forwardedFrom(quint16 port, const QByteArray &forwardedFor)
{
    QNetworkRequest request(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(port)));
    request.setRawHeader("X-Forwarded-For", forwardedFor);
    return request;
}

} // namespace confab::test
