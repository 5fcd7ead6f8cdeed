// The whole upgrade path as the front door and a connection run it: a request head, the
// handshake answer, then whatever bytes followed, read as WebSocket frames.
#include "http.h"
#include "upgrade.h"
#include "websocket.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));
    confab::HttpRequest request;
    const confab::HeadParse head = confab::parseRequestHead(input, 16 * 1024, request);
    if (head.state != confab::HeadParse::State::Complete)
        return 0;
    if (!confab::isWebSocketPath(request.path) || !confab::wantsWebSocket(request))
        return 0;
    const auto answer = confab::answerUpgrade(request);
    const auto *response = std::get_if<QByteArray>(&answer);
    if (!response)
        return 0;
    if (!response->startsWith("HTTP/1.1 101") || !response->endsWith("\r\n\r\n"))
        abort();
    confab::ws::FrameDecoder decoder(65536);
    decoder.feed(input.sliced(head.headBytes));
    while (decoder.next()) {
    }
    return 0;
}
