// The WebSocket frame decoder on arbitrary bytes, fed in arbitrary pieces: it must never crash,
// never hold more than one message's worth of bytes, and never yield an event after a failure.
#include "websocket.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    constexpr qsizetype MaxMessage = 4096;
    confab::ws::FrameDecoder decoder(MaxMessage);
    // The first byte picks the size of the pieces the rest is fed in.
    const size_t piece = 1 + data[0] % 64;
    size_t pos = 1;
    while (pos < size) {
        const size_t n = std::min(piece, size - pos);
        decoder.feed(QByteArrayView(reinterpret_cast<const char *>(data + pos), qsizetype(n)));
        pos += n;
        while (auto event = decoder.next()) {
            if (event->payload.size() > MaxMessage)
                abort();
            if (event->kind == confab::ws::Event::Kind::Text
                && !confab::ws::isValidUtf8(event->payload))
                abort();
        }
        // Unparsed input is bounded by one frame header plus one message.
        if (!decoder.failure() && decoder.bufferedBytes() > 2 * MaxMessage + 64 + qsizetype(piece))
            abort();
        if (decoder.failure() && decoder.next())
            abort();
    }
    return 0;
}
