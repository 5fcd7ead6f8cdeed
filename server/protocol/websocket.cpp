#include "websocket.h"

#include <QCryptographicHash>
#include <cstring>

namespace confab::ws {

using namespace Qt::StringLiterals;

namespace {

bool isKnownOpcode(quint8 op)
{
    return op == 0x0 || op == 0x1 || op == 0x2 || op == 0x8 || op == 0x9 || op == 0xA;
}

// XORs the payload with the 4-byte key, eight bytes at a time where it can.
void unmask(char *data, qsizetype n, const unsigned char key[4])
{
    quint64 wide;
    unsigned char pattern[8];
    for (int i = 0; i < 8; ++i)
        pattern[i] = key[i % 4];
    std::memcpy(&wide, pattern, 8);
    qsizetype i = 0;
    for (; i + 8 <= n; i += 8) {
        quint64 chunk;
        std::memcpy(&chunk, data + i, 8);
        chunk ^= wide;
        std::memcpy(data + i, &chunk, 8);
    }
    for (; i < n; ++i)
        data[i] = char(data[i] ^ key[i % 4]);
}

void appendHeader(QByteArray &frame, quint8 first, qsizetype n, quint8 maskBit)
{
    frame.append(char(first));
    if (n < 126) {
        frame.append(char(maskBit | n));
    } else if (n <= 0xFFFF) {
        frame.append(char(maskBit | 126));
        frame.append(char(n >> 8));
        frame.append(char(n & 0xFF));
    } else {
        frame.append(char(maskBit | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            frame.append(char((quint64(n) >> shift) & 0xFF));
    }
}

} // namespace

FrameDecoder::FrameDecoder(qsizetype maxMessageBytes)
    : m_maxMessageBytes(maxMessageBytes)
{}

void FrameDecoder::feed(QByteArrayView bytes)
{
    if (!m_failure && !bytes.isEmpty())
        m_buffer.append(bytes.data(), bytes.size());
}

std::optional<Event> FrameDecoder::fail(quint16 code, const QString &reason)
{
    m_failure = Failure{code, reason};
    m_buffer = QByteArray();
    m_message = QByteArray();
    m_pos = 0;
    return std::nullopt;
}

void FrameDecoder::compact()
{
    if (m_pos == m_buffer.size()) {
        m_buffer = QByteArray(); // an idle connection holds no buffer
        m_pos = 0;
    } else if (m_pos > 4096 && m_pos * 2 > m_buffer.size()) {
        m_buffer.remove(0, m_pos);
        m_pos = 0;
    }
}

std::optional<Event> FrameDecoder::next()
{
    while (!m_failure) {
        const qsizetype available = m_buffer.size() - m_pos;
        if (available < 2)
            return std::nullopt;
        const auto *p = reinterpret_cast<const unsigned char *>(m_buffer.constData() + m_pos);
        const bool fin = p[0] & 0x80;
        const quint8 op = p[0] & 0x0F;
        if (p[0] & 0x70)
            return fail(CloseProtocolError, u"reserved bits set (no extension was agreed)"_s);
        if (!isKnownOpcode(op))
            return fail(CloseProtocolError, u"unknown opcode %1"_s.arg(op));
        if (!(p[1] & 0x80))
            return fail(CloseProtocolError, u"client frames must be masked"_s);
        const bool control = op & 0x8;
        qsizetype header = 2;
        quint64 length = p[1] & 0x7F;
        if (length == 126) {
            if (available < 4)
                return std::nullopt;
            length = (quint64(p[2]) << 8) | p[3];
            header = 4;
            if (length < 126)
                return fail(CloseProtocolError, u"frame length not minimally encoded"_s);
        } else if (length == 127) {
            if (available < 10)
                return std::nullopt;
            length = 0;
            for (int i = 2; i < 10; ++i)
                length = (length << 8) | p[i];
            header = 10;
            if (length >> 63)
                return fail(CloseProtocolError, u"frame length out of range"_s);
            if (length <= 0xFFFF)
                return fail(CloseProtocolError, u"frame length not minimally encoded"_s);
        }
        if (control) {
            if (!fin)
                return fail(CloseProtocolError, u"control frames cannot be fragmented"_s);
            if (length > quint64(MaxControlPayload))
                return fail(CloseProtocolError, u"control frame payload over 125 bytes"_s);
        } else {
            if (op == 0x0 && !m_messageOpcode)
                return fail(CloseProtocolError, u"continuation frame without a message"_s);
            if (op != 0x0 && m_messageOpcode)
                return fail(CloseProtocolError, u"new message inside a fragmented one"_s);
            // Checked on the header, so an oversized message is never buffered.
            if (length > quint64(m_maxMessageBytes - m_message.size()))
                return fail(CloseTooBig, u"message over %1 bytes"_s.arg(qint64(m_maxMessageBytes)));
        }
        header += 4; // the masking key
        if (quint64(available) < quint64(header) + length)
            return std::nullopt;
        unsigned char key[4];
        std::memcpy(key, p + header - 4, 4);
        const qsizetype n = qsizetype(length);
        QByteArray payload(m_buffer.constData() + m_pos + header, n);
        unmask(payload.data(), n, key);
        m_pos += header + n;
        compact();

        if (control) {
            if (op == 0x9)
                return Event{Event::Kind::Ping, payload};
            if (op == 0xA)
                return Event{Event::Kind::Pong, payload};
            if (n == 0)
                return Event{Event::Kind::Close, {}, CloseNoStatus};
            if (n == 1)
                return fail(CloseProtocolError, u"close frame with a one-byte payload"_s);
            const quint16 code = quint16((quint8(payload[0]) << 8) | quint8(payload[1]));
            if (!isValidCloseCode(code))
                return fail(CloseProtocolError, u"invalid close code %1"_s.arg(code));
            QByteArray reason = payload.mid(2);
            if (!isValidUtf8(reason))
                return fail(CloseInvalidPayload, u"close reason is not UTF-8"_s);
            return Event{Event::Kind::Close, reason, code};
        }
        if (op != 0x0)
            m_messageOpcode = Opcode(op);
        if (!fin) {
            m_message.append(payload);
            return Event{Event::Kind::Fragment, {}};
        }
        QByteArray message = m_message.isEmpty() ? payload : m_message + payload;
        m_message = QByteArray();
        const Opcode kind = *std::exchange(m_messageOpcode, std::nullopt);
        if (kind == Opcode::Binary)
            return Event{Event::Kind::Binary, message};
        if (!isValidUtf8(message))
            return fail(CloseInvalidPayload, u"text message is not valid UTF-8"_s);
        return Event{Event::Kind::Text, message};
    }
    return std::nullopt;
}

QByteArray serverFrame(Opcode opcode, QByteArrayView payload)
{
    QByteArray frame;
    frame.reserve(payload.size() + 10);
    appendHeader(frame, quint8(0x80 | quint8(opcode)), payload.size(), 0);
    frame.append(payload.data(), payload.size());
    return frame;
}

QByteArray serverFrameHeader(Opcode opcode, qsizetype payloadBytes)
{
    QByteArray header;
    appendHeader(header, quint8(0x80 | quint8(opcode)), payloadBytes, 0);
    return header;
}

QByteArray closeFrame(quint16 code, QByteArrayView reasonUtf8)
{
    qsizetype n = std::min<qsizetype>(reasonUtf8.size(), MaxControlPayload - 2);
    // Never cut a UTF-8 sequence in two: back up to the start of the character.
    while (n > 0 && n < reasonUtf8.size() && (quint8(reasonUtf8[n]) & 0xC0) == 0x80)
        --n;
    QByteArray payload;
    payload.append(char(code >> 8));
    payload.append(char(code & 0xFF));
    payload.append(reasonUtf8.data(), n);
    return serverFrame(Opcode::Close, payload);
}

QByteArray clientFrame(Opcode opcode, QByteArrayView payload, quint32 mask, bool fin)
{
    QByteArray frame;
    frame.reserve(payload.size() + 14);
    appendHeader(frame, quint8((fin ? 0x80 : 0) | quint8(opcode)), payload.size(), 0x80);
    const unsigned char key[4] = {quint8(mask >> 24), quint8(mask >> 16), quint8(mask >> 8),
                                  quint8(mask)};
    frame.append(reinterpret_cast<const char *>(key), 4);
    const qsizetype start = frame.size();
    frame.append(payload.data(), payload.size());
    unmask(frame.data() + start, payload.size(), key); // masking is the same XOR
    return frame;
}

QByteArray acceptKey(QByteArrayView clientKey)
{
    QByteArray input = clientKey.toByteArray();
    input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    return QCryptographicHash::hash(input, QCryptographicHash::Sha1).toBase64();
}

bool isValidClientKey(QByteArrayView key)
{
    if (key.size() != 24)
        return false;
    const auto decoded =
        QByteArray::fromBase64Encoding(key.toByteArray(), QByteArray::AbortOnBase64DecodingErrors);
    return decoded.decodingStatus == QByteArray::Base64DecodingStatus::Ok
           && decoded.decoded.size() == 16;
}

bool isValidUtf8(QByteArrayView bytes)
{
    const auto *s = reinterpret_cast<const unsigned char *>(bytes.data());
    const qsizetype n = bytes.size();
    qsizetype i = 0;
    while (i < n) {
        // ASCII runs, eight bytes at a time.
        while (i + 8 <= n) {
            quint64 chunk;
            std::memcpy(&chunk, s + i, 8);
            if (chunk & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        int extra;
        char32_t cp;
        char32_t min;
        if ((c & 0xE0) == 0xC0) {
            extra = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i <= extra) // truncated sequence
            return false;
        for (int k = 1; k <= extra; ++k) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += extra + 1;
    }
    return true;
}

bool isValidCloseCode(quint16 code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011)
           || (code >= 3000 && code <= 4999);
}

} // namespace confab::ws
