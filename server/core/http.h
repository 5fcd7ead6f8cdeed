// A minimal, strict HTTP/1.1 request reader and response writer: enough for the routes that
// share the WebSocket port (/healthz, /metrics, /api/publish, the WebSocket upgrade). Every
// response closes the connection. Strict in the ways a proxy in front makes matter (RFC 9112):
// anything that could frame a request two ways is refused with 400.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QJsonObject>
#include <QList>

namespace confab {

struct HttpRequest {
    QByteArray method;
    QByteArray path;                       // origin-form path, without the query string
    QByteArray query;                      // after '?', undecoded; empty when none
    QByteArray version;                    // "HTTP/1.1" or "HTTP/1.0"
    QHash<QByteArray, QByteArray> headers; // names lower-cased; repeated fields joined by ", "
    qint64 contentLength = 0;
    QByteArray body;
    // The client's address as a throttle key (AuthThrottle::addressKey): the peer's, or the one
    // a trusted proxy forwards (clientaddress.h). Kept as bytes: this parser needs Qt Core only.
    QByteArray clientKey;

    QByteArray header(const QByteArray &lowerName) const { return headers.value(lowerName); }
    bool hasHeader(const QByteArray &lowerName) const { return headers.contains(lowerName); }
    // Whether a comma-separated header (Connection, Upgrade) lists this token, ignoring case.
    bool headerHasToken(const QByteArray &lowerName, QByteArrayView token) const;
};

struct HttpResponse {
    int status = 200;
    QByteArray contentType = "text/plain; charset=utf-8";
    QByteArray cacheControl = "no-store";
    QByteArray body;
    QList<std::pair<QByteArray, QByteArray>> extraHeaders;

    static HttpResponse json(int status, const QJsonObject &object);
    static HttpResponse text(int status, const QByteArray &text);
    // The bytes on the wire. A response to HEAD has the same headers and no body.
    QByteArray serialize(bool headRequest = false) const;
};

// The outcome of reading a request head from the start of a buffer.
struct HeadParse {
    enum class State { Incomplete, Complete, Invalid };
    State state = State::Incomplete;
    qsizetype headBytes = 0; // Complete: bytes up to and including the blank line
    int status = 0;          // Invalid: the status to answer (400, 431, 501, 505)
    QByteArray reason;       // Invalid: a short explanation for the response body
};

// Reads the request line and header fields. Accepts CRLF or bare LF line ends (RFC 9112
// section 2.2) and empty lines before the request line; refuses a bare CR, obs-fold, whitespace
// before a colon, invalid field names or values, a malformed or repeated Content-Length,
// Transfer-Encoding (no chunked bodies here), repeated Host or Authorization, and a head over
// maxHeadBytes (431). A request target may be origin-form or absolute-form (http://host/path).
HeadParse parseRequestHead(QByteArrayView buffer, qsizetype maxHeadBytes, HttpRequest &request);

} // namespace confab
