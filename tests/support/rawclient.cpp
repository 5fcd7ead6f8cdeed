#include "rawclient.h"

#include "testclient.h"

#include <QRandomGenerator>
#include <QTest>

namespace confab::test {

bool RawClient::open(quint16 port)
{
    m_socket.connectToHost(QHostAddress::LocalHost, port);
    if (!m_socket.waitForConnected(waitMs()))
        return false;
    m_socket.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n");
    QByteArray response;
    const bool ok = QTest::qWaitFor(
        [&] {
            response += m_socket.readAll();
            return response.contains("\r\n\r\n");
        },
        waitMs());
    return ok && response.startsWith("HTTP/1.1 101");
}

void RawClient::sendText(const QByteArray &json)
{
    QByteArray frame;
    frame.append(char(0x81)); // FIN + text
    const qsizetype n = json.size();
    if (n < 126) {
        frame.append(char(0x80 | n));
    } else {
        Q_ASSERT(n < 65536);
        frame.append(char(0x80 | 126));
        frame.append(char(n >> 8));
        frame.append(char(n & 0xff));
    }
    const quint32 mask = QRandomGenerator::global()->generate();
    const char key[4] = {char(mask >> 24), char(mask >> 16), char(mask >> 8), char(mask)};
    frame.append(key, 4);
    for (qsizetype i = 0; i < n; ++i)
        frame.append(char(json[i] ^ key[i % 4]));
    m_socket.write(frame);
    m_socket.flush();
}

void RawClient::stopReading()
{
    m_socket.setReadBufferSize(1);
}

} // namespace confab::test
