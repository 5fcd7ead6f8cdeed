#include "http.h"

#include <QJsonDocument>

namespace confab {

namespace {

const char *reasonPhrase(int status)
{
    switch (status) {
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 202:
        return "Accepted";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 426:
        return "Upgrade Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Error";
    }
}

// tchar of RFC 9110 section 5.6.2: the characters of a method or a field name.
bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

// field-value: visible characters, obs-text, and SP / HTAB inside (RFC 9110 section 5.5).
bool isFieldValue(QByteArrayView s)
{
    for (char ch : s) {
        const auto c = quint8(ch);
        if (c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7F))
            continue;
        return false;
    }
    return true;
}

QByteArrayView trimOws(QByteArrayView s)
{
    while (!s.isEmpty() && (s.front() == ' ' || s.front() == '\t'))
        s = s.sliced(1);
    while (!s.isEmpty() && (s.back() == ' ' || s.back() == '\t'))
        s.chop(1);
    return s;
}

HeadParse invalid(int status, const char *reason)
{
    HeadParse p;
    p.state = HeadParse::State::Invalid;
    p.status = status;
    p.reason = QByteArray(reason) + '\n';
    return p;
}

// Fields that must appear at most once: two of them would let a proxy and this server read the
// request differently (RFC 9112 sections 3.2 and 6.3).
bool isSingleton(QByteArrayView lowerName)
{
    return lowerName == "content-length" || lowerName == "host" || lowerName == "authorization"
           || lowerName == "transfer-encoding" || lowerName == "sec-websocket-key"
           || lowerName == "sec-websocket-version" || lowerName == "upgrade";
}

// Splits the request target into path and query; accepts origin-form and absolute-form.
bool parseTarget(QByteArrayView target, HttpRequest &request)
{
    if (target.contains('#'))
        return false;
    if (!target.startsWith('/')) {
        const QByteArray lower = target.toByteArray().toLower();
        qsizetype schemeEnd = 0;
        if (lower.startsWith("http://"))
            schemeEnd = 7;
        else if (lower.startsWith("https://"))
            schemeEnd = 8;
        else
            return false; // authority-form and asterisk-form are not for these routes
        qsizetype pathStart = schemeEnd;
        while (pathStart < target.size() && target[pathStart] != '/' && target[pathStart] != '?')
            ++pathStart;
        if (pathStart == schemeEnd)
            return false; // no authority
        target = target.sliced(pathStart);
        if (target.isEmpty() || target.front() == '?')
            request.path = "/";
    }
    const qsizetype q = target.indexOf('?');
    if (request.path.isEmpty())
        request.path = (q < 0 ? target : target.first(q)).toByteArray();
    if (q >= 0)
        request.query = target.sliced(q + 1).toByteArray();
    return true;
}

} // namespace

bool HttpRequest::headerHasToken(const QByteArray &lowerName, QByteArrayView token) const
{
    const QByteArray value = headers.value(lowerName);
    for (const QByteArray &part : value.split(',')) {
        if (trimOws(part).compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

HttpResponse HttpResponse::json(int status, const QJsonObject &object)
{
    HttpResponse r;
    r.status = status;
    r.contentType = "application/json";
    r.body = QJsonDocument(object).toJson(QJsonDocument::Compact);
    return r;
}

HttpResponse HttpResponse::text(int status, const QByteArray &text)
{
    HttpResponse r;
    r.status = status;
    r.body = text;
    return r;
}

QByteArray HttpResponse::serialize(bool headRequest) const
{
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
                     + "\r\nContent-Type: " + contentType
                     + "\r\nContent-Length: " + QByteArray::number(body.size())
                     + "\r\nConnection: close\r\nCache-Control: " + cacheControl + "\r\n";
    for (const auto &[name, value] : extraHeaders)
        out += name + ": " + value + "\r\n";
    out += "\r\n";
    if (!headRequest)
        out += body;
    return out;
}

HeadParse parseRequestHead(QByteArrayView buffer, qsizetype maxHeadBytes, HttpRequest &request)
{
    constexpr int MaxFields = 100;
    constexpr int MaxLeadingEmptyLines = 4;
    const QByteArrayView limited = buffer.first(std::min(buffer.size(), maxHeadBytes));
    qsizetype pos = 0;
    int leadingEmpty = 0;
    int fields = 0;
    bool sawRequestLine = false;
    request = HttpRequest{};
    while (true) {
        const qsizetype nl = limited.indexOf('\n', pos);
        if (nl < 0) {
            if (buffer.size() >= maxHeadBytes)
                return invalid(431, "request head too large");
            // A CR not followed by LF cannot become valid: answer now, not at the timeout.
            const QByteArrayView rest = limited.sliced(pos);
            const qsizetype cr = rest.indexOf('\r');
            if (cr >= 0 && cr < rest.size() - 1)
                return invalid(400, "bare CR in the request head");
            return {};
        }
        QByteArrayView line = limited.sliced(pos, nl - pos);
        pos = nl + 1;
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.contains('\r'))
            return invalid(400, "bare CR in the request head");
        if (line.contains('\0'))
            return invalid(400, "NUL in the request head");
        if (!sawRequestLine) {
            if (line.isEmpty()) {
                if (++leadingEmpty > MaxLeadingEmptyLines)
                    return invalid(400, "no request line");
                continue;
            }
            const qsizetype sp1 = line.indexOf(' ');
            const qsizetype sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
            if (sp1 <= 0 || sp2 <= sp1 + 1 || line.indexOf(' ', sp2 + 1) >= 0
                || sp2 == line.size() - 1)
                return invalid(400, "malformed request line");
            const QByteArrayView method = line.first(sp1);
            const QByteArrayView target = line.sliced(sp1 + 1, sp2 - sp1 - 1);
            const QByteArrayView version = line.sliced(sp2 + 1);
            if (!isToken(method))
                return invalid(400, "malformed method");
            if (version != "HTTP/1.1" && version != "HTTP/1.0") {
                const bool looksLikeHttp =
                    version.size() == 8 && version.startsWith("HTTP/") && version[6] == '.';
                return looksLikeHttp ? invalid(505, "only HTTP/1.x is spoken here")
                                     : invalid(400, "malformed request line");
            }
            for (char c : target) {
                if (quint8(c) <= 0x20 || quint8(c) >= 0x7F)
                    return invalid(400, "malformed request target");
            }
            request.method = method.toByteArray();
            request.version = version.toByteArray();
            if (!parseTarget(target, request))
                return invalid(400, "malformed request target");
            sawRequestLine = true;
            continue;
        }
        if (line.isEmpty())
            break; // the end of the head
        if (line.front() == ' ' || line.front() == '\t')
            return invalid(400, "obsolete line folding");
        if (++fields > MaxFields)
            return invalid(431, "too many header fields");
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.first(colon)))
            return invalid(400, "malformed header field");
        const QByteArray name = line.first(colon).toByteArray().toLower();
        const QByteArrayView value = trimOws(line.sliced(colon + 1));
        if (!isFieldValue(value))
            return invalid(400, "malformed header field value");
        auto existing = request.headers.find(name);
        if (existing != request.headers.end()) {
            if (isSingleton(name))
                return invalid(400, "a header field that must appear once appears twice");
            *existing += ", " + value.toByteArray();
        } else {
            request.headers.insert(name, value.toByteArray());
        }
    }

    if (request.version == "HTTP/1.1" && !request.hasHeader("host"))
        return invalid(400, "HTTP/1.1 needs a Host header");
    if (request.hasHeader("transfer-encoding")) {
        if (request.hasHeader("content-length"))
            return invalid(400, "both Transfer-Encoding and Content-Length");
        return invalid(411, "send a Content-Length");
    }
    if (request.hasHeader("content-length")) {
        const QByteArray length = request.header("content-length");
        // 1*DIGIT only: no sign, no spaces, no list; 15 digits are far above any limit here.
        if (length.isEmpty() || length.size() > 15)
            return invalid(400, "bad Content-Length");
        for (char c : length) {
            if (c < '0' || c > '9')
                return invalid(400, "bad Content-Length");
        }
        request.contentLength = length.toLongLong();
    }
    HeadParse done;
    done.state = HeadParse::State::Complete;
    done.headBytes = pos;
    return done;
}

} // namespace confab
