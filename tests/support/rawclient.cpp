#include "rawclient.h"

#include "testclient.h"

#include <QRandomGenerator>
#include <QTest>

namespace confab::test {

QByteArray RawClient::upgradeRequest()
{
    return "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Sec-WebSocket-Version: 13\r\n\r\n";
}

QByteArray RawClient::frame(quint8 opcode, const QByteArray &payload, bool fin, bool masked)
{
    QByteArray f;
    f.append(char((fin ? 0x80 : 0) | opcode));
    const qsizetype n = payload.size();
    const char maskBit = masked ? char(0x80) : char(0);
    if (n < 126) {
        f.append(char(maskBit | n));
    } else {
        Q_ASSERT(n < 65536);
        f.append(char(maskBit | 126));
        f.append(char(n >> 8));
        f.append(char(n & 0xff));
    }
    if (!masked)
        return f + payload;
    const quint32 mask = QRandomGenerator::global()->generate();
    const char key[4] = {char(mask >> 24), char(mask >> 16), char(mask >> 8), char(mask)};
    f.append(key, 4);
    for (qsizetype i = 0; i < n; ++i)
        f.append(char(payload[i] ^ key[i % 4]));
    return f;
}

bool RawClient::open(quint16 port, const QByteArray &afterRequest)
{
    m_socket.connectToHost(QHostAddress::LocalHost, port);
    if (!m_socket.waitForConnected(waitMs()))
        return false;
    m_socket.write(upgradeRequest() + afterRequest);
    QByteArray response;
    const bool ok = QTest::qWaitFor(
        [&] {
            response += m_socket.readAll();
            return response.contains("\r\n\r\n");
        },
        waitMs());
    const qsizetype end = response.indexOf("\r\n\r\n");
    if (end >= 0)
        m_in = response.mid(end + 4);
    return ok && response.startsWith("HTTP/1.1 101");
}

void RawClient::sendText(const QByteArray &json)
{
    sendRaw(frame(0x1, json));
}

void RawClient::sendRaw(const QByteArray &bytes)
{
    m_socket.write(bytes);
    m_socket.flush();
}

void RawClient::stopReading()
{
    m_socket.setReadBufferSize(1);
}

std::optional<RawClient::ServerFrame> RawClient::nextFrame()
{
    m_in += m_socket.readAll();
    if (m_in.size() < 2)
        return std::nullopt;
    const auto *p = reinterpret_cast<const unsigned char *>(m_in.constData());
    qsizetype header = 2;
    quint64 length = p[1] & 0x7F;
    if (length == 126) {
        if (m_in.size() < 4)
            return std::nullopt;
        length = (quint64(p[2]) << 8) | p[3];
        header = 4;
    } else if (length == 127) {
        if (m_in.size() < 10)
            return std::nullopt;
        length = 0;
        for (int i = 2; i < 10; ++i)
            length = (length << 8) | p[i];
        header = 10;
    }
    if (quint64(m_in.size()) < quint64(header) + length)
        return std::nullopt;
    ServerFrame f{quint8(p[0] & 0x0F), m_in.mid(header, qsizetype(length))};
    m_in.remove(0, header + qsizetype(length));
    return f;
}

std::optional<RawClient::ServerFrame> RawClient::waitFrame(quint8 opcode, int timeoutMs)
{
    std::optional<ServerFrame> found;
    (void)QTest::qWaitFor(
        [&] {
            while (auto f = nextFrame()) {
                if (f->opcode == opcode) {
                    found = f;
                    return true;
                }
            }
            return false;
        },
        timeoutMs < 0 ? waitMs() : timeoutMs);
    return found;
}

int RawClient::waitCloseCode(int timeoutMs)
{
    const auto f = waitFrame(0x8, timeoutMs);
    if (!f || f->payload.size() < 2)
        return -1;
    return (quint8(f->payload[0]) << 8) | quint8(f->payload[1]);
}

} // namespace confab::test
