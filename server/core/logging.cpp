#include "logging.h"

namespace confab {

Q_LOGGING_CATEGORY(lcServer, "confab.server", QtInfoMsg)
Q_LOGGING_CATEGORY(lcConnection, "confab.connection", QtInfoMsg)
Q_LOGGING_CATEGORY(lcHub, "confab.hub", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStore, "confab.store", QtInfoMsg)
Q_LOGGING_CATEGORY(lcRedis, "confab.redis", QtInfoMsg)
Q_LOGGING_CATEGORY(lcHttp, "confab.http", QtInfoMsg)
Q_LOGGING_CATEGORY(lcConfig, "confab.config", QtInfoMsg)

bool applyLogLevel(const QString &level)
{
    static const QStringList levels{QStringLiteral("debug"), QStringLiteral("info"),
                                    QStringLiteral("warning"), QStringLiteral("error")};
    const qsizetype index = levels.indexOf(level.toLower());
    if (index < 0)
        return false;
    QString rules;
    for (qsizetype i = 0; i < levels.size() - 1; ++i) // "error" maps to Qt's critical
        rules += QStringLiteral("confab.*.%1=%2\n").arg(levels[i], i >= index ? u"true" : u"false");
    rules += QStringLiteral("confab.*.critical=true\n");
    QLoggingCategory::setFilterRules(rules);
    return true;
}

} // namespace confab
