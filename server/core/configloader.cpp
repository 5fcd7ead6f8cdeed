#include "configloader.h"

#include "logging.h"

#include <QFileInfo>
#include <QSettings>
#include <functional>

namespace confab {

namespace {

using Apply = std::function<bool(ServerConfig &, const QString &)>;

struct Setting {
    QString name;
    QString valueName;
    QString help;
    QString rangeHelp; // what a good value looks like, for the error message
    Apply apply;
};

bool parseInt(const QString &text, qint64 min, qint64 max, qint64 &out)
{
    bool ok = false;
    const qint64 v = text.trimmed().toLongLong(&ok);
    if (!ok || v < min || v > max)
        return false;
    out = v;
    return true;
}

template <typename T> Apply intSetting(T ServerConfig::*field, qint64 min, qint64 max)
{
    return [=](ServerConfig &c, const QString &v) {
        qint64 n = 0;
        if (!parseInt(v, min, max, n))
            return false;
        c.*field = T(n);
        return true;
    };
}

template <typename T> Apply limitSetting(T protocol::Limits::*field, qint64 min, qint64 max)
{
    return [=](ServerConfig &c, const QString &v) {
        qint64 n = 0;
        if (!parseInt(v, min, max, n))
            return false;
        c.limits.*field = T(n);
        return true;
    };
}

Apply stringSetting(QString ServerConfig::*field, bool allowEmpty)
{
    return [=](ServerConfig &c, const QString &v) {
        if (!allowEmpty && v.isEmpty())
            return false;
        c.*field = v;
        return true;
    };
}

const QList<Setting> &settings()
{
    static const QList<Setting> all{
        {"bind", "address", "Address to listen on (default: all).", "an IPv4 or IPv6 address",
         [](ServerConfig &c, const QString &v) {
             QHostAddress a;
             if (!a.setAddress(v.trimmed()))
                 return false;
             c.bind = a;
             return true;
         }},
        {"port", "port", "TCP port for WebSocket and HTTP (default: 7300).", "0 to 65535",
         intSetting(&ServerConfig::port, 0, 65535)},
        {"name", "name", "Server name announced in welcome.", "a non-empty name",
         stringSetting(&ServerConfig::name, false)},
        {"password", "password", "Password clients must send in hello (default: none).", "",
         stringSetting(&ServerConfig::password, true)},
        {"op-password", "password",
         "Operator password: a hello with it as op_password makes its user an operator"
         " (default: none, no operators).",
         "", stringSetting(&ServerConfig::opPassword, true)},
        {"trusted-proxy", "addresses",
         "Reverse proxies (addresses or address/prefix, comma separated) whose"
         " X-Forwarded-For gives the client's address (default: none).",
         "IP addresses or subnets, comma separated",
         [](ServerConfig &c, const QString &v) {
             QList<QPair<QHostAddress, int>> proxies;
             for (const QString &part : v.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                 const QString text = part.trimmed();
                 QPair<QHostAddress, int> subnet = text.contains(QLatin1Char('/'))
                                                       ? QHostAddress::parseSubnet(text)
                                                       : QPair<QHostAddress, int>{};
                 if (!text.contains(QLatin1Char('/'))) {
                     QHostAddress a;
                     if (!a.setAddress(text))
                         return false;
                     subnet = {a, a.protocol() == QAbstractSocket::IPv6Protocol ? 128 : 32};
                 }
                 if (subnet.first.isNull())
                     return false;
                 proxies.append(subnet);
             }
             c.trustedProxies = proxies;
             return true;
         }},
        {"api-token", "token", "Bearer token that enables POST /api/publish.", "",
         stringSetting(&ServerConfig::apiToken, true)},
        {"data-dir", "dir", "Directory for the SQLite database.", "a directory path",
         stringSetting(&ServerConfig::dataDir, false)},
        {"redis", "url",
         "Cluster mode: servers given the same Redis form one chat"
         " (redis://[:password@]host[:port][/db] or unix:/path).",
         "",
         [](ServerConfig &c, const QString &v) {
             auto parsed = RedisUrl::parse(v);
             if (const auto *url = std::get_if<RedisUrl>(&parsed)) {
                 c.redis = *url;
                 return true;
             }
             return false;
         }},
        {"redis-timeout-ms", "ms",
         "Cluster mode: a Redis command unanswered this long counts as Redis stalled"
         " (default: 2000).",
         "10 to 600000", intSetting(&ServerConfig::redisCommandTimeoutMs, 10, 600000)},
        {"redis-grace-ms", "ms",
         "Cluster mode: Redis out of reach this long closes the clients with 1013"
         " (default: 5000).",
         "10 to 600000", intSetting(&ServerConfig::redisGraceMs, 10, 600000)},
        {"heartbeat-ms", "ms",
         "Cluster mode: how often this server says it is alive (default: 2000).", "10 to 600000",
         intSetting(&ServerConfig::heartbeatMs, 10, 600000)},
        {"server-ttl-ms", "ms",
         "Cluster mode: a server silent this long is taken for dead and its users leave"
         " (default: 10000).",
         "50 to 600000", intSetting(&ServerConfig::serverTtlMs, 50, 600000)},
        {"rate", "per-sec", "Frames per second per connection (default: 10).",
         "a number above 0 and at most 1000000",
         [](ServerConfig &c, const QString &v) {
             bool ok = false;
             const double d = v.trimmed().toDouble(&ok);
             if (!ok || !(d > 0) || d > 1e6)
                 return false;
             c.limits.ratePerSec = d;
             return true;
         }},
        {"burst", "frames", "Token bucket size per connection (default: 8).", "1 to 1000000",
         limitSetting(&protocol::Limits::burst, 1, 1000000)},
        {"max-text-bytes", "bytes", "Largest message text in UTF-8 bytes (default: 4096).",
         "1 to 65000", limitSetting(&protocol::Limits::maxTextBytes, 1, 65000)},
        {"max-frame-bytes", "bytes", "Largest incoming WebSocket message (default: 65536).",
         "1024 to 16777216", limitSetting(&protocol::Limits::maxFrameBytes, 1024, 16777216)},
        {"max-connections", "n", "Connection cap (default: 10000).", "1 to 1000000",
         intSetting(&ServerConfig::maxConnections, 1, 1000000)},
        {"max-queue-bytes", "bytes",
         "Outgoing bytes a connection may have waiting (default: 1048576).", "4096 to 1073741824",
         limitSetting(&protocol::Limits::maxQueueBytes, 4096, 1073741824)},
        {"log-level", "level", "debug, info, warning or error (default: info).",
         "debug, info, warning or error",
         [](ServerConfig &c, const QString &v) {
             const QString l = v.trimmed().toLower();
             if (l != u"debug" && l != u"info" && l != u"warning" && l != u"error")
                 return false;
             c.logLevel = l;
             return true;
         }},
        {"hello-timeout-ms", "ms", "Time a client has to send hello (default: 10000).",
         "10 to 3600000", intSetting(&ServerConfig::helloTimeoutMs, 10, 3600000)},
        {"ping-interval-ms", "ms", "Keep-alive ping interval (default: 30000).", "10 to 3600000",
         intSetting(&ServerConfig::pingIntervalMs, 10, 3600000)},
        {"idle-timeout-ms", "ms", "Drop a peer silent for this long (default: 60000).",
         "10 to 3600000", intSetting(&ServerConfig::idleTimeoutMs, 10, 3600000)},
    };
    return all;
}

} // namespace

QString ConfigLoader::envName(const QString &setting)
{
    return QStringLiteral("CONFAB_") + QString(setting).replace(u'-', u'_').toUpper();
}

void ConfigLoader::addOptions(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("config"),
                      QStringLiteral("Read settings from an ini file (keys as the long options)."),
                      QStringLiteral("file")});
    for (const Setting &s : settings())
        parser.addOption({s.name, s.help, s.valueName});
}

std::optional<QString> ConfigLoader::load(const QCommandLineParser &parser,
                                          const QProcessEnvironment &env, ServerConfig &config)
{
    auto applyOne = [&](const Setting &s, const QString &value,
                        const QString &source) -> std::optional<QString> {
        if (s.apply(config, value))
            return std::nullopt;
        if (s.name == u"redis") // the URL may hold a password: say what is wrong, not echo it
            return QStringLiteral("%1: invalid Redis URL: %2")
                .arg(source, std::get<QString>(RedisUrl::parse(value)));
        QString msg = QStringLiteral("%1: invalid value '%2' for %3").arg(source, value, s.name);
        if (!s.rangeHelp.isEmpty())
            msg += QStringLiteral(" (expected %1)").arg(s.rangeHelp);
        return msg;
    };

    QString configFile = env.value(envName(QStringLiteral("config")));
    if (parser.isSet(QStringLiteral("config")))
        configFile = parser.value(QStringLiteral("config"));
    if (!configFile.isEmpty()) {
        if (!QFileInfo(configFile).isReadable())
            return QStringLiteral("config file '%1' cannot be read").arg(configFile);
        QSettings ini(configFile, QSettings::IniFormat);
        if (ini.status() != QSettings::NoError)
            return QStringLiteral("config file '%1' is not a valid ini file").arg(configFile);
        const QStringList keys = ini.allKeys();
        for (const QString &key : keys) {
            // op_password and op-password alike: keys may spell the option's dashes as
            // underscores, as the environment does.
            const QString name = QString(key).replace(QLatin1Char('_'), QLatin1Char('-'));
            auto it = std::find_if(settings().begin(), settings().end(),
                                   [&](const Setting &s) { return s.name == name; });
            if (it == settings().end())
                return QStringLiteral("%1: unknown setting '%2'").arg(configFile, key);
            // QSettings splits unquoted values with commas into lists; join them back.
            const QVariant v = ini.value(key);
            const QString text = v.typeId() == QMetaType::QStringList
                                     ? v.toStringList().join(QLatin1Char(','))
                                     : v.toString();
            if (auto err = applyOne(*it, text, configFile))
                return err;
        }
    }
    for (const Setting &s : settings()) {
        const QString name = envName(s.name);
        if (env.contains(name)) {
            if (auto err = applyOne(s, env.value(name), name))
                return err;
        }
    }
    for (const Setting &s : settings()) {
        if (parser.isSet(s.name)) {
            if (auto err = applyOne(s, parser.value(s.name), QStringLiteral("--") + s.name))
                return err;
        }
    }
    if (config.serverTtlMs <= config.heartbeatMs)
        return QStringLiteral("server-ttl-ms (%1) must be longer than heartbeat-ms (%2)")
            .arg(config.serverTtlMs)
            .arg(config.heartbeatMs);
    if (config.idleTimeoutMs <= config.pingIntervalMs)
        return QStringLiteral("idle-timeout-ms (%1) must be longer than ping-interval-ms (%2)")
            .arg(config.idleTimeoutMs)
            .arg(config.pingIntervalMs);
    return std::nullopt;
}

} // namespace confab
