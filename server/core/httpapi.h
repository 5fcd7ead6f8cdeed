// The HTTP routes on the chat port: /healthz, /metrics, POST /api/publish (the Go tutorial's
// POST /publish, made safe with a bearer token, a rate limit and the protocol's rules).
#pragma once

#include "http.h"
#include "ratelimiter.h"
#include "serverconfig.h"

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
};

} // namespace confab
