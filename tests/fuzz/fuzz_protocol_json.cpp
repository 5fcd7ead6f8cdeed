// The protocol's frame decoder (JSON text to a typed frame), every frame type's decoder
// (frames.h) and the name rules they feed, on arbitrary bytes.
#include "codec.h"
#include "frames.h"
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
    namespace p = confab::protocol;
    const QJsonObject &o = frame->object;
    (void)p::Hello::fromJson(o);
    (void)p::HelloCredentials::fromJson(o);
    (void)p::Welcome::fromJson(o);
    (void)p::NickRequest::fromJson(o);
    (void)p::NickAnswer::fromJson(o);
    (void)p::JoinRequest::fromJson(o);
    (void)p::Joined::fromJson(o);
    (void)p::LeaveRequest::fromJson(o);
    (void)p::Left::fromJson(o);
    (void)p::RoomsAnswer::fromJson(o);
    (void)p::TopicRequest::fromJson(o);
    (void)p::TopicEvent::fromJson(o);
    (void)p::Presence::fromJson(o);
    (void)p::SendRequest::fromJson(o, 4096);
    (void)p::ChatMessage::fromJson(o);
    (void)p::HistoryRequest::fromJson(o);
    (void)p::HistoryAnswer::fromJson(o);
    (void)p::ReadPosition::fromJson(o);
    (void)p::SearchRequest::fromJson(o);
    (void)p::SearchAnswer::fromJson(o);
    (void)p::TypingRequest::fromJson(o);
    (void)p::TypingEvent::fromJson(o);
    (void)p::ErrorFrame::fromJson(o);
    (void)p::PublishRequest::fromJson(o);
    (void)p::PublishAnswer::fromJson(o);
    (void)p::encode(o);
    return 0;
}
