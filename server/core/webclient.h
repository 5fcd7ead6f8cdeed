// The browser client, served by every Confab server on the chat port (PROTOCOL.md, "HTTP on the
// same port"): GET / for a browser gets the page, its scripts and styles come from /assets/.
// The files are built into the binary (web/, as Qt resources), so the page works on a network
// with no internet; each is sent with its content type, an ETag (a hash of its bytes) for
// revalidation, and a Content-Security-Policy that allows nothing from anywhere else.
#pragma once

#include "http.h"

#include <QHash>

namespace confab {

class WebClient
{
public:
    WebClient();

    // Whether this GET / comes from a browser: its Accept header names text/html.
    static bool wantsPage(const HttpRequest &request);
    // The page (for GET /) or an asset (/assets/<name>); 404 for an unknown asset, 304 when the
    // client's If-None-Match already names the file.
    HttpResponse page(const HttpRequest &request) const;
    HttpResponse asset(const HttpRequest &request) const;

    // The policy sent with every file: this server only, its WebSocket included.
    static QByteArray contentSecurityPolicy(const HttpRequest &request);

private:
    struct File {
        QByteArray body;
        QByteArray contentType;
        QByteArray etag;
    };
    HttpResponse serve(const File &file, const HttpRequest &request) const;

    QHash<QByteArray, File> m_files; // by name under /assets/, and "index.html"
};

} // namespace confab
