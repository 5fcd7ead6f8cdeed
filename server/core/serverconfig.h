// Everything a server core is started with. Defaults are the protocol's and the product's.
#pragma once

#include "protocol.h"
#include "redis/redisurl.h"

#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>
#include <optional>

namespace confab {

struct ServerConfig {
    QHostAddress bind = QHostAddress::Any;
    quint16 port = protocol::DefaultPort; // 0 picks a free port (tests)
    QString name = QStringLiteral("Confab");
    QString password; // empty: no password
    // 1.1: a hello whose op_password equals it makes its user an operator; empty: no operators
    // (an op_password is ignored). The desktop app's HostController sets a random one for each
    // hosting session, for its own client.
    QString opPassword;
    // 1.1: reverse proxies whose X-Forwarded-For is believed (clientaddress.h): addresses, or
    // subnets as address/prefix. Empty: the TCP peer is the client.
    QList<QPair<QHostAddress, int>> trustedProxies;
    QString apiToken; // empty: POST /api/publish is disabled
    QString dataDir;  // SQLite lives here; must be set before start
    protocol::Limits limits;
    int maxConnections = 10000;
    QString logLevel = QStringLiteral("info");
    // Cluster mode (docs/cluster.md): servers given the same Redis form one chat, and Redis is
    // the system of record. Unset: one server on SQLite, as always.
    std::optional<RedisUrl> redis;
    // Cluster timings (configurable so that tests never wait long).
    int redisCommandTimeoutMs = 2000; // a command unanswered this long: Redis is stalled
    int redisRetryMs = 1000;          // the retry_ms of `unavailable`
    int redisGraceMs = 5000;          // Redis lost this long: clients are closed with 1013
    int heartbeatMs = 2000;           // how often a server says it is alive
    int serverTtlMs = 10000;          // a server silent this long is dead: peers clean up

    // Timings, in milliseconds. Configurable so that tests never sleep long.
    int helloTimeoutMs = 10000;
    int pingIntervalMs = 30000;
    int idleTimeoutMs = 60000;
    // Sockets still sending their HTTP request, at most (frontdoor.h); tests lower it.
    int maxReadingSockets = 1024;
    int requestTimeoutMs = 10000; // an HTTP request head or body must arrive within this
    int slowCloseGraceMs = 1000;  // a slow reader gets this long to take its close frame
    int floodMaxDrops = 100;      // more drops than this within floodWindowMs: close 1008
    int floodWindowMs = 10000;
    // Failed authentications (hello password, API token; auththrottle.h): this many in a row
    // per client address (or known token, or presented API token) are checked, then one more
    // every authRetryMs. At most one log line per address per authLogIntervalMs.
    int authFailureBurst = 10;
    int authRetryMs = 1000;
    int authLogIntervalMs = 60000;
};

// The default data directory: $XDG_DATA_HOME/confab (~/.local/share/confab).
QString defaultDataDir();

} // namespace confab
