#include "redisurl.h"

#include <QUrl>
#include <QUrlQuery>

namespace confab {

namespace {

const char *const forms = "expected redis://[:password@]host[:port][/db] or unix:/path/to.sock";

QString bad(const QString &why)
{
    return QStringLiteral("%1 (%2)").arg(why, QLatin1StringView(forms));
}

std::optional<int> parseDb(const QString &text)
{
    bool ok = false;
    const int db = text.toInt(&ok);
    if (!ok || db < 0 || db > 65535)
        return std::nullopt;
    return db;
}

} // namespace

std::variant<RedisUrl, QString> RedisUrl::parse(const QString &text)
{
    const QString trimmed = text.trimmed();
    RedisUrl url;
    if (trimmed.startsWith(u"unix:")) {
        QString rest = trimmed.mid(5);
        if (rest.startsWith(u"//"))
            rest = rest.mid(2);
        QString query;
        if (const qsizetype q = rest.indexOf(u'?'); q >= 0) {
            query = rest.mid(q + 1);
            rest = rest.left(q);
        }
        if (!rest.startsWith(u'/'))
            return bad(QStringLiteral("a unix socket path must be absolute"));
        url.unixPath = rest;
        const QUrlQuery items(query);
        for (const auto &[key, value] : items.queryItems(QUrl::FullyDecoded)) {
            if (key == u"db") {
                const auto db = parseDb(value);
                if (!db)
                    return bad(QStringLiteral("bad database number '%1'").arg(value));
                url.db = *db;
            } else if (key == u"password") {
                url.password = value;
            } else {
                return bad(QStringLiteral("unknown parameter '%1'").arg(key));
            }
        }
        return url;
    }
    if (!trimmed.startsWith(u"redis://"))
        return bad(QStringLiteral("unknown scheme"));
    const QUrl parsed(trimmed, QUrl::StrictMode);
    if (!parsed.isValid())
        return bad(QStringLiteral("not a valid URL"));
    if (parsed.host().isEmpty())
        return bad(QStringLiteral("no host"));
    if (parsed.hasQuery() || parsed.hasFragment())
        return bad(QStringLiteral("unexpected query or fragment"));
    if (!parsed.userName().isEmpty())
        return bad(QStringLiteral("a user name is not supported; give only :password@"));
    url.host = parsed.host();
    url.password = parsed.password(QUrl::FullyDecoded);
    const int port = parsed.port(6379);
    if (port < 1 || port > 65535)
        return bad(QStringLiteral("bad port"));
    url.port = quint16(port);
    QString path = parsed.path();
    if (path.startsWith(u'/'))
        path = path.mid(1);
    if (!path.isEmpty()) {
        const auto db = parseDb(path);
        if (!db)
            return bad(QStringLiteral("bad database number '%1'").arg(path));
        url.db = *db;
    }
    return url;
}

QString RedisUrl::display() const
{
    const QString where = unixPath.isEmpty() ? QStringLiteral("%1:%2").arg(host).arg(port)
                                             : QStringLiteral("unix:%1").arg(unixPath);
    return db ? QStringLiteral("%1 db %2").arg(where).arg(db) : where;
}

} // namespace confab
