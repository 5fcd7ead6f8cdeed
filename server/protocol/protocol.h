// Constants of the Confab wire protocol, version 1 (docs/protocol.md).
// Shared by the server core and every client library: one place names the codes.
#pragma once

#include <QString>
#include <QtGlobal>

namespace confab::protocol {

inline constexpr int Version = 1;
inline constexpr quint16 DefaultPort = 7300;
inline constexpr int MaxFrameIdChars = 64;
// An unknown_type error names the type it did not know, cut to this many characters.
inline constexpr int MaxEchoedTypeChars = 64;
inline constexpr int MaxRoomChars = 64;
inline constexpr int MaxNickChars = 32;
inline constexpr int MaxTopicChars = 256;
inline constexpr int MinTokenChars = 16;
inline constexpr int MaxTokenChars = 128;
inline constexpr int DefaultJoinHistory = 50;
inline constexpr int MaxSinceHistory = 1000;
inline constexpr int DefaultHistoryLimit = 50;
inline constexpr int MaxHistoryLimit = 200;
inline constexpr int DefaultSearchLimit = 20;
inline constexpr int MaxSearchLimit = 100;
// The bytes of events one answer carries at most (joined's history, history, search), and of
// entries a rooms answer carries: what does not fit is left out (docs/protocol.md, "Answers
// bounded in bytes"), so that no answer approaches max_queue_bytes. One event always fits.
inline constexpr qsizetype MaxAnswerBytes = 256 * 1024;
// A search query's bounds (docs/protocol.md, search): past either, bad_request.
inline constexpr int MaxSearchWords = 16;
inline constexpr int MaxSearchBytes = 256;
inline constexpr qint64 TypingIntervalMs = 2000;
inline constexpr qint64 DedupWindowMs = 24 * 3600 * 1000;
// Protocol 1.1 (eventframes.h, operatorframes.h).
inline constexpr int MaxEmojiBytes = 32;
inline constexpr int MaxEmojiPerMessage = 20;
// Different emoji one user may have on one message (Confab's choice): one person alone cannot
// take a message's MaxEmojiPerMessage places.
inline constexpr int MaxEmojiPerUser = 5;
// The user ids an answer lists per emoji of a message, at most (Confab's choice): past it the
// message carries "reaction_counts" too, so a message's bytes stay bounded however many react
// (20 emoji x 20 ids: about 16 KB). The asking user's own id is always among those listed.
inline constexpr int MaxReactorsListed = 20;
inline constexpr int MinBanMinutes = 1;
inline constexpr int MaxBanMinutes = 525600; // a year
inline constexpr int MaxReasonChars = 256;

enum class Error {
    BadJson,
    BadRequest,
    UnknownType,
    NotReady,
    AuthFailed,
    BadRoom,
    BadNick,
    NotInRoom,
    TooLong,
    RateLimited,
    NoSuchUser,
    ServerFull,
    NotFound,    // 1.1: an edit, deletion or reaction whose target is no (live) message
    Forbidden,   // 1.1: not the author, or not an operator
    Banned,      // 1.1: a hello from a banned user (with retry_ms)
    Unavailable, // cluster mode: the shared store cannot be reached (with retry_ms)
};

// The wire name of an error code, e.g. "bad_json".
QString errorName(Error error);

// WebSocket close codes the protocol uses.
enum CloseCode : quint16 {
    CloseGoingAway = 1001,
    CloseProtocolError = 1002,
    ClosePolicy = 1008,
    CloseTooBig = 1009,
    CloseTryAgainLater = 1013, // cluster mode: the shared store is out of reach
    CloseAuthFailed = 4001,
    CloseHelloTimeout = 4002,
    CloseServerFull = 4003,
    CloseBanned = 4004, // 1.1
};

// The limits a server announces in `welcome` and enforces.
struct Limits {
    int maxTextBytes = 4096;
    int maxFrameBytes = 65536;
    double ratePerSec = 10;
    int burst = 8;
    qint64 maxQueueBytes = 1048576;
    friend bool operator==(const Limits &, const Limits &) = default;
};

} // namespace confab::protocol
