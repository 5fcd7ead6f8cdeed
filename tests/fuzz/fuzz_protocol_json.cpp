// The protocol's frame decoder (JSON text to a typed frame) and the name rules it feeds, on
// arbitrary bytes.
#include "codec.h"
#include "validation.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto decoded = confab::protocol::decodeFrame(input);
    const auto *frame = std::get_if<confab::protocol::Frame>(&decoded);
    if (!frame)
        return 0;
    if (frame->hasId && confab::protocol::codePointCount(frame->id) > 64)
        abort();
    for (auto it = frame->object.begin(); it != frame->object.end(); ++it) {
        if (!it.value().isString())
            continue;
        const QString s = it.value().toString();
        (void)confab::protocol::normalizeRoomName(s);
        (void)confab::protocol::normalizeNick(s);
        (void)confab::protocol::isValidToken(s);
        (void)confab::protocol::searchWords(s);
    }
    (void)confab::protocol::messageFromJson(frame->object);
    (void)confab::protocol::encode(frame->object);
    return 0;
}
