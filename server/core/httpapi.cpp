#include "httpapi.h"

#include "hub.h"
#include "logging.h"
#include "metrics.h"
#include "storage.h"
#include "upgrade.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QUuid>
#include <algorithm>

namespace confab {

using namespace Qt::StringLiterals;

namespace {

// The API user's id: a user id like any other (v4 format, lower-case, no braces), the same for
// the same token across restarts, and unguessable without it: 16 bytes of SHA-256 over a fixed
// label and the token, with the version (4) and variant (RFC 4122) bits set.
QString apiUserId(const QString &apiToken)
{
    QByteArray bytes = QCryptographicHash::hash("confab api user id\n" + apiToken.toUtf8(),
                                                QCryptographicHash::Sha256)
                           .left(16);
    bytes[6] = char((bytes[6] & 0x0f) | 0x40);
    bytes[8] = char((bytes[8] & 0x3f) | 0x80);
    return QUuid::fromRfc4122(bytes).toString(QUuid::WithoutBraces);
}

HttpResponse errorResponse(int status, const QString &code)
{
    return HttpResponse::json(status, {{"error"_L1, code}});
}

} // namespace

HttpApi::HttpApi(const ServerConfig &config, Hub &hub, Metrics &metrics)
    : m_config(config)
    , m_hub(hub)
    , m_metrics(metrics)
    , m_tokenThrottle(QStringLiteral("API token"), lcHttp,
                      {config.authFailureBurst, config.authRetryMs, config.authLogIntervalMs})
    , m_globalTokenThrottle(QStringLiteral("API token"), lcHttp,
                            AuthThrottle::globalFrom({config.authFailureBurst, config.authRetryMs,
                                                      config.authLogIntervalMs}))
{
    if (!config.apiToken.isEmpty()) {
        m_apiUserId = apiUserId(config.apiToken);
        m_publishBucket = std::make_unique<TokenBucket>(config.limits.ratePerSec,
                                                        config.limits.burst, monotonicNs());
    }
}

void HttpApi::handle(const HttpRequest &request, Responder respond)
{
    if (auto response = answer(request, respond))
        respond(*response);
}

std::optional<HttpResponse> HttpApi::answer(const HttpRequest &request, const Responder &respond)
{
    ++m_metrics.httpRequests;
    qCDebug(lcHttp) << request.method << request.path;
    const bool get = request.method == "GET" || request.method == "HEAD";
    if (request.path == "/healthz") {
        if (!get)
            return HttpResponse::text(405, "use GET\n");
        // In cluster mode, 503 while the shared store cannot be reached (a balancer then sends
        // new clients elsewhere).
        const bool up = m_hub.storage().available();
        return HttpResponse::json(up ? 200 : 503,
                                  {{"status"_L1, up ? "ok"_L1 : "unavailable"_L1},
                                   {"connections"_L1, double(m_hub.connectionCount())},
                                   {"rooms"_L1, double(m_hub.roomCount())}});
    }
    if (request.path == "/metrics") {
        if (!get)
            return HttpResponse::text(405, "use GET\n");
        HttpResponse r =
            HttpResponse::text(200, m_metrics.render(m_hub.connectionCount(), m_hub.roomCount()));
        r.contentType = "text/plain; version=0.0.4; charset=utf-8";
        return r;
    }
    if (request.path == "/api/publish") {
        if (m_config.apiToken.isEmpty())
            return errorResponse(404, u"not_found"_s);
        if (request.method != "POST")
            return HttpResponse::text(405, "use POST\n");
        return publish(request, respond);
    }
    if (isWebSocketPath(request.path))
        return HttpResponse::text(426, "this is a WebSocket endpoint\n");
    if (request.path == "/" && get) {
        if (WebClient::wantsPage(request))
            return m_web.page(request);                  // a browser: the web client
        return HttpResponse::text(200, "Hello Chat!\n"); // as the Go tutorial answered
    }
    if (request.path.startsWith("/assets/")) {
        if (!get)
            return HttpResponse::text(405, "use GET\n");
        return m_web.asset(request);
    }
    return errorResponse(404, u"not_found"_s);
}

std::optional<HttpResponse> HttpApi::publish(const HttpRequest &request, const Responder &respond)
{
    const QByteArray auth = request.header("authorization");
    const QByteArray expected = "Bearer " + m_config.apiToken.toUtf8();
    // Compare digests so the time taken does not depend on where the strings differ.
    const QByteArray presented = QCryptographicHash::hash(auth, QCryptographicHash::Sha256);
    const qint64 now = monotonicNs();
    const QString who = u"clients of /api/publish"_s; // one log subject: values are not logged
    const QByteArray address = "a" + request.clientKey;
    const QByteArray global(AuthThrottle::GlobalKey);
    const qint64 wait =
        std::max({m_tokenThrottle.retryMs(presented, now), m_tokenThrottle.retryMs(address, now),
                  m_globalTokenThrottle.retryMs(global, now)});
    if (wait > 0) {
        m_tokenThrottle.refused(who);
        HttpResponse r = HttpResponse::json(
            401, {{"error"_L1, "unauthorized"_L1}, {"retry_ms"_L1, double(wait)}});
        r.extraHeaders.append({"Retry-After", QByteArray::number((wait + 999) / 1000)});
        return r;
    }
    if (presented != QCryptographicHash::hash(expected, QCryptographicHash::Sha256)) {
        m_tokenThrottle.failed(presented, who, now);
        m_tokenThrottle.alsoFailed(address, now);
        m_globalTokenThrottle.alsoFailed(global, now);
        return errorResponse(401, u"unauthorized"_s);
    }
    if (!m_publishBucket->tryTake(now)) {
        ++m_metrics.framesDropped;
        HttpResponse r = HttpResponse::json(
            429, {{"error"_L1, "rate_limited"_L1},
                  {"retry_ms"_L1, double(qMax<qint64>(1, m_publishBucket->msUntilNext(now)))}});
        return r;
    }
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        // QJsonDocument parses only arrays and objects at the top level: a scalar such as 42 is
        // valid JSON, merely not an object (bad_request, as for a WebSocket frame).
        const QJsonDocument wrapped = QJsonDocument::fromJson("[" + request.body + "]");
        const bool scalar = wrapped.isArray() && wrapped.array().size() == 1;
        return errorResponse(400, protocol::errorName(scalar ? protocol::Error::BadRequest
                                                             : protocol::Error::BadJson));
    }
    if (!doc.isObject())
        return errorResponse(400, protocol::errorName(protocol::Error::BadRequest));
    const auto decoded = protocol::PublishRequest::fromJson(doc.object());
    if (const auto *fault = std::get_if<protocol::DecodeError>(&decoded))
        return errorResponse(400, protocol::errorName(fault->error));
    const auto &body = std::get<protocol::PublishRequest>(decoded);
    m_hub.publish(
        body.room, body.text, {m_apiUserId, body.from.value_or(u"api"_s)},
        [respond, retryMs = m_hub.storage().retryMs()](const PublishResult &result) {
            if (const auto *error = std::get_if<protocol::Error>(&result)) {
                if (*error != protocol::Error::Unavailable)
                    return respond(errorResponse(400, protocol::errorName(*error)));
                // Nothing was stored: the same request may be sent again.
                HttpResponse r = HttpResponse::json(
                    503, {{"error"_L1, "unavailable"_L1}, {"retry_ms"_L1, double(retryMs)}});
                r.extraHeaders.append({"Retry-After", QByteArray::number((retryMs + 999) / 1000)});
                return respond(r);
            }
            const auto &published = std::get<Published>(result);
            respond(HttpResponse::json(
                202, protocol::PublishAnswer{published.room, published.seq}.toJson()));
        });
    return std::nullopt;
}

} // namespace confab
