// The HTTP routes on the chat port: /healthz, /metrics, POST /api/publish (the Go tutorial's
// POST /publish, made safe with a bearer token, a rate limit and the protocol's rules).
#pragma once

#include "auththrottle.h"
#include "http.h"
#include "ratelimiter.h"
#include "serverconfig.h"
#include "webclient.h"

#include <functional>
#include <memory>
#include <optional>

namespace confab {

class Hub;
struct Metrics;

class HttpApi
{
public:
    HttpApi(const ServerConfig &config, Hub &hub, Metrics &metrics);

    using Responder = std::function<void(const HttpResponse &)>;
    // Answers through `respond`: at once, except a publish that waits for the shared store.
    void handle(const HttpRequest &request, Responder respond);

private:
    // The answer, or nothing when `respond` has been (or will be) called with it.
    std::optional<HttpResponse> answer(const HttpRequest &request, const Responder &respond);
    std::optional<HttpResponse> publish(const HttpRequest &request, const Responder &respond);

    const ServerConfig &m_config;
    Hub &m_hub;
    Metrics &m_metrics;
    QString m_apiUserId;
    std::unique_ptr<TokenBucket> m_publishBucket;
    // Wrong tokens, per presented value (digested): a bot retrying a stale token in a loop is
    // answered without a check and logged once per interval. The right token never fails, so
    // nothing here ever holds it up.
    // Wrong API tokens, per value presented and per client address (300 different wrong values
    // from one address were all checked), and all of them in one global bucket.
    AuthThrottle m_tokenThrottle;
    AuthThrottle m_globalTokenThrottle;
    WebClient m_web;
};

} // namespace confab
