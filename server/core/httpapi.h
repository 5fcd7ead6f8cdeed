// The HTTP routes on the chat port: /healthz, /metrics, POST /api/publish (the Go tutorial's
// POST /publish, made safe with a bearer token, a rate limit and the protocol's rules).
#pragma once

#include "auththrottle.h"
#include "http.h"
#include "ratelimiter.h"
#include "serverconfig.h"
#include "webclient.h"

#include <memory>

namespace confab {

class Hub;
struct Metrics;

class HttpApi
{
public:
    HttpApi(const ServerConfig &config, Hub &hub, Metrics &metrics);

    HttpResponse handle(const HttpRequest &request);

private:
    HttpResponse publish(const HttpRequest &request);

    const ServerConfig &m_config;
    Hub &m_hub;
    Metrics &m_metrics;
    QString m_apiUserId;
    std::unique_ptr<TokenBucket> m_publishBucket;
    // Wrong tokens, per presented value (digested): a bot retrying a stale token in a loop is
    // answered without a check and logged once per interval. The right token never fails, so
    // nothing here ever holds it up.
    AuthThrottle m_tokenThrottle;
    WebClient m_web;
};

} // namespace confab
