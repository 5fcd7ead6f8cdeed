// The HTTP request head parser on arbitrary bytes: it must never crash, never read past the
// limit it is given, and a head it accepts must be one it can parse again the same way.
#include "http.h"
#include "upgrade.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));
    confab::HttpRequest request;
    const confab::HeadParse head = confab::parseRequestHead(input, 4096, request);
    if (head.state == confab::HeadParse::State::Complete) {
        if (head.headBytes <= 0 || head.headBytes > input.size() || head.headBytes > 4096)
            abort();
        if (request.contentLength < 0 || !request.path.startsWith('/'))
            abort();
        // Parsing just the head again gives the same request.
        confab::HttpRequest again;
        const auto second = confab::parseRequestHead(input.first(head.headBytes), 4096, again);
        if (second.state != confab::HeadParse::State::Complete || again.path != request.path
            || again.headers != request.headers)
            abort();
        if (confab::wantsWebSocket(request))
            (void)confab::answerUpgrade(request);
        (void)confab::HttpResponse::text(200, request.path).serialize(request.method == "HEAD");
    } else if (head.state == confab::HeadParse::State::Invalid) {
        if (head.status < 400 || head.status > 599)
            abort();
    }
    return 0;
}
