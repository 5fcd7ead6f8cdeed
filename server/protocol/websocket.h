// WebSocket framing (RFC 6455), the server's side: decoding what clients send (masked frames,
// fragmented messages, control frames) and encoding what a server sends (never masked). Pure
// functions and one incremental decoder, with no sockets, so that it can be fuzzed and tested on
// its own. The server's Connection feeds it the bytes it reads.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <optional>

namespace confab::ws {

enum class Opcode : quint8 {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

// Close codes of RFC 6455 section 7.4.1 that the framing layer itself uses.
inline constexpr quint16 CloseNormal = 1000;
inline constexpr quint16 CloseProtocolError = 1002;
inline constexpr quint16 CloseNoStatus = 1005; // never sent: "the close frame had no code"
inline constexpr quint16 CloseInvalidPayload = 1007;
inline constexpr quint16 CloseTooBig = 1009;

// The largest payload of a control frame (section 5.5).
inline constexpr qsizetype MaxControlPayload = 125;

// One thing the decoder found in the byte stream.
struct Event {
    enum class Kind {
        Text,     // a whole text message (valid UTF-8), possibly reassembled from fragments
        Binary,   // a whole binary message
        Fragment, // one frame of a message that is not complete yet (no payload given)
        Ping,
        Pong,
        Close, // closeCode is CloseNoStatus when the frame carried no code
    };
    Kind kind;
    QByteArray payload; // Text, Binary, Ping, Pong: the payload; Close: the reason (UTF-8)
    quint16 closeCode = CloseNoStatus;
};

// Why the decoder gave up: the connection must be closed with `code`.
struct Failure {
    quint16 code;
    QString reason;
};

// Decodes a client's byte stream incrementally. Frames must be masked (clients always mask);
// reserved bits must be clear (no extension is negotiated); a message may be at most
// maxMessageBytes long (1009 otherwise, detected from the frame header, before the payload is
// buffered). After a failure it decodes nothing more.
class FrameDecoder
{
public:
    explicit FrameDecoder(qsizetype maxMessageBytes);

    // Appends bytes read from the socket.
    void feed(QByteArrayView bytes);
    // The next complete event, or nothing when more bytes are needed or after a failure.
    std::optional<Event> next();

    const std::optional<Failure> &failure() const { return m_failure; }
    // Bytes held: unparsed input plus the fragments of an incomplete message.
    qsizetype bufferedBytes() const { return m_buffer.size() - m_pos + m_message.size(); }

private:
    std::optional<Event> fail(quint16 code, const QString &reason);
    void compact();

    qsizetype m_maxMessageBytes;
    QByteArray m_buffer; // input not yet consumed starts at m_pos
    qsizetype m_pos = 0;
    QByteArray m_message; // fragments of the message being reassembled
    std::optional<Opcode> m_messageOpcode;
    std::optional<Failure> m_failure;
};

// A complete, unmasked frame as a server sends it, with FIN set.
QByteArray serverFrame(Opcode opcode, QByteArrayView payload);
// Only the header of such a frame, for a payload of this many bytes that follows it.
QByteArray serverFrameHeader(Opcode opcode, qsizetype payloadBytes);
// A close frame with a code and a reason (truncated to fit a control frame, on a UTF-8
// character boundary).
QByteArray closeFrame(quint16 code, QByteArrayView reasonUtf8);
// A masked frame as a client sends it (tests and tools); mask is the 4-byte masking key.
QByteArray clientFrame(Opcode opcode, QByteArrayView payload, quint32 mask, bool fin = true);

// Sec-WebSocket-Accept for a Sec-WebSocket-Key (section 4.2.2).
QByteArray acceptKey(QByteArrayView clientKey);
// A valid Sec-WebSocket-Key: base64 of exactly 16 bytes.
bool isValidClientKey(QByteArrayView key);

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool isValidUtf8(QByteArrayView bytes);

// A close code a peer may send (section 7.4): 1000-1003, 1007-1011, 3000-4999.
bool isValidCloseCode(quint16 code);

} // namespace confab::ws
