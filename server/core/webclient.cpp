#include "webclient.h"

#include <QCryptographicHash>
#include <QDirIterator>
#include <QFile>

// The resources of a static library are registered by name.
static void initWebResources()
{
    Q_INIT_RESOURCE(webclient);
}

namespace confab {

namespace {

QByteArray contentTypeFor(const QString &name)
{
    if (name.endsWith(QLatin1String(".html")))
        return "text/html; charset=utf-8";
    if (name.endsWith(QLatin1String(".js")))
        return "text/javascript; charset=utf-8";
    if (name.endsWith(QLatin1String(".css")))
        return "text/css; charset=utf-8";
    if (name.endsWith(QLatin1String(".svg")))
        return "image/svg+xml";
    if (name.endsWith(QLatin1String(".json")) || name.endsWith(QLatin1String(".webmanifest")))
        return "application/manifest+json";
    return "application/octet-stream";
}

// A host[:port] fit to put into a header: anything else in Host is dropped from the policy.
bool isPlainHost(const QByteArray &host)
{
    if (host.isEmpty() || host.size() > 255)
        return false;
    for (char c : host) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                        || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
        if (!ok)
            return false;
    }
    return true;
}

} // namespace

WebClient::WebClient()
{
    initWebResources();
    QDirIterator it(QStringLiteral(":/web"), QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        if (!it.fileInfo().isFile() || !f.open(QIODevice::ReadOnly))
            continue;
        File file;
        file.body = f.readAll();
        file.contentType = contentTypeFor(path);
        file.etag =
            '"' + QCryptographicHash::hash(file.body, QCryptographicHash::Sha256).toHex().left(20)
            + '"';
        m_files.insert(path.mid(QStringLiteral(":/web/").size()).toUtf8(), file);
    }
}

bool WebClient::wantsPage(const HttpRequest &request)
{
    return request.header("accept").toLower().contains("text/html");
}

QByteArray WebClient::contentSecurityPolicy(const HttpRequest &request)
{
    // 'self' covers ws: and wss: of the same host only in newer browsers: name them as well.
    QByteArray connect = "'self'";
    const QByteArray host = request.header("host");
    if (isPlainHost(host))
        connect += " ws://" + host + " wss://" + host;
    return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "connect-src "
           + connect
           + "; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

HttpResponse WebClient::serve(const File &file, const HttpRequest &request) const
{
    HttpResponse r;
    r.contentType = file.contentType;
    // Revalidate every time (cheap: 304 without a body); a new server version is seen at once.
    r.cacheControl = "no-cache";
    r.extraHeaders.append({QByteArray("ETag"), file.etag});
    r.extraHeaders.append({QByteArray("X-Content-Type-Options"), QByteArray("nosniff")});
    r.extraHeaders.append({QByteArray("Referrer-Policy"), QByteArray("no-referrer")});
    r.extraHeaders.append({QByteArray("Content-Security-Policy"), contentSecurityPolicy(request)});
    const QByteArray ifNoneMatch = request.header("if-none-match");
    if (!ifNoneMatch.isEmpty() && (ifNoneMatch == file.etag || ifNoneMatch.contains(file.etag))) {
        r.status = 304;
        return r;
    }
    r.body = file.body;
    return r;
}

HttpResponse WebClient::page(const HttpRequest &request) const
{
    const auto it = m_files.constFind("index.html");
    if (it == m_files.cend())
        return HttpResponse::text(404, "no web client in this build\n");
    return serve(*it, request);
}

HttpResponse WebClient::asset(const HttpRequest &request) const
{
    const QByteArray name = request.path.mid(QByteArrayView("/assets/").size());
    const auto it = m_files.constFind(name);
    if (name.isEmpty() || name == "index.html" || it == m_files.cend())
        return HttpResponse::json(404, {{QStringLiteral("error"), QStringLiteral("not_found")}});
    return serve(*it, request);
}

} // namespace confab
