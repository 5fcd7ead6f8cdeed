#include "preferences.h"

#include <QSettings>

namespace confab::client {

QString Preferences::nick() const
{
    return QSettings().value(QStringLiteral("start/nick")).toString();
}

void Preferences::setNick(const QString &nick)
{
    if (nick == this->nick())
        return;
    QSettings().setValue(QStringLiteral("start/nick"), nick);
    Q_EMIT nickChanged();
}

QStringList Preferences::recentServers() const
{
    return QSettings().value(QStringLiteral("start/recentServers")).toStringList();
}

void Preferences::rememberServer(const QString &address)
{
    QStringList recent = recentServers();
    recent.removeAll(address);
    recent.prepend(address);
    QSettings().setValue(QStringLiteral("start/recentServers"), recent.mid(0, MaxRecent));
    Q_EMIT recentServersChanged();
}

} // namespace confab::client
