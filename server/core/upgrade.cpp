#include "upgrade.h"

#include "websocket.h"

namespace confab {

namespace {

HttpResponse refuse(const QByteArray &why)
{
    HttpResponse r = HttpResponse::text(400, "bad WebSocket handshake: " + why + '\n');
    r.extraHeaders.append(std::pair<QByteArray, QByteArray>("Sec-WebSocket-Version", "13"));
    return r;
}

} // namespace

bool isWebSocketPath(QByteArrayView path)
{
    return path == "/ws" || path == "/subscribe";
}

bool wantsWebSocket(const HttpRequest &request)
{
    return request.hasHeader("upgrade") || request.hasHeader("sec-websocket-key")
           || request.hasHeader("sec-websocket-version");
}

std::variant<QByteArray, HttpResponse> answerUpgrade(const HttpRequest &request)
{
    if (request.method != "GET")
        return refuse("the method must be GET");
    if (request.version != "HTTP/1.1")
        return refuse("HTTP/1.1 is required");
    if (!request.headerHasToken("upgrade", "websocket"))
        return refuse("Upgrade: websocket is missing");
    if (!request.headerHasToken("connection", "upgrade"))
        return refuse("Connection: Upgrade is missing");
    if (request.header("sec-websocket-version") != "13")
        return refuse("Sec-WebSocket-Version must be 13");
    const QByteArray key = request.header("sec-websocket-key");
    if (!ws::isValidClientKey(key))
        return refuse("Sec-WebSocket-Key must be 16 bytes in base64");
    if (request.contentLength > 0)
        return refuse("an upgrade request has no body");
    // No subprotocol and no extension is selected: the protocol defines none.
    return QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Accept: ")
           + ws::acceptKey(key) + "\r\n\r\n";
}

} // namespace confab
