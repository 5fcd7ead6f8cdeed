// The WebSocket opening handshake (RFC 6455 section 4.2), server side: which requests ask for
// it, and the answer to one (101, or 400 naming the version spoken).
#pragma once

#include "http.h"

#include <variant>

namespace confab {

// The chat socket's paths: /ws is the protocol's; /subscribe is where the Go tutorial's clients
// connect.
bool isWebSocketPath(QByteArrayView path);

// A request that means to open a WebSocket: it carries Upgrade, Sec-WebSocket-Key or
// Sec-WebSocket-Version. A plain GET /ws carries none of them (and gets 426).
bool wantsWebSocket(const HttpRequest &request);

// For a request that wantsWebSocket on a WebSocket path: the 101 response to write, or the
// error to answer (400 with Sec-WebSocket-Version: 13 for any malformed handshake).
std::variant<QByteArray, HttpResponse> answerUpgrade(const HttpRequest &request);

} // namespace confab
