// A minimal HTTP/1.1 request and response: enough for /healthz, /metrics and /api/publish,
// which share the WebSocket port. Every response closes the connection.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonObject>

namespace confab {

struct HttpRequest {
    QByteArray method;
    QByteArray path;                       // without the query string
    QHash<QByteArray, QByteArray> headers; // names lower-cased
    QByteArray body;

    QByteArray header(const QByteArray &lowerName) const { return headers.value(lowerName); }
};

struct HttpResponse {
    int status = 200;
    QByteArray contentType = "text/plain; charset=utf-8";
    QByteArray body;
    QList<std::pair<QByteArray, QByteArray>> extraHeaders;

    static HttpResponse json(int status, const QJsonObject &object);
    static HttpResponse text(int status, const QByteArray &text);
    QByteArray serialize() const;
};

// Parses a request head (request line and headers, without the final blank line).
// Returns false when it is not a well-formed HTTP/1.x head.
bool parseRequestHead(const QByteArray &head, HttpRequest &request);

} // namespace confab
