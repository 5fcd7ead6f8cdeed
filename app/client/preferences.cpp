#include "preferences.h"

#include <QSettings>

namespace confab::client {

namespace {
// Every live Preferences object: a change made through one is announced by all.
QList<Preferences *> &instances()
{
    static QList<Preferences *> list;
    return list;
}
} // namespace

Preferences::Preferences(QObject *parent)
    : QObject(parent)
{
    instances().append(this);
}

Preferences::~Preferences()
{
    instances().removeOne(this);
}

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
    for (Preferences *p : std::as_const(instances()))
        Q_EMIT p->recentServersChanged();
}

QVariantList Preferences::windowGeometry() const
{
    return QSettings().value(QStringLiteral("window/geometry")).toList();
}

void Preferences::setWindowGeometry(const QVariantList &geometry)
{
    if (geometry == windowGeometry())
        return;
    QSettings().setValue(QStringLiteral("window/geometry"), geometry);
    Q_EMIT windowGeometryChanged();
}

QString Preferences::theme() const
{
    return QSettings().value(QStringLiteral("window/theme")).toString();
}

void Preferences::setTheme(const QString &theme)
{
    if (theme == this->theme())
        return;
    QSettings().setValue(QStringLiteral("window/theme"), theme);
    Q_EMIT themeChanged();
}

QStringList Preferences::recentEmoji() const
{
    return QSettings().value(QStringLiteral("reactions/recent")).toStringList();
}

void Preferences::useEmoji(const QString &emoji)
{
    QStringList recent = recentEmoji();
    if (!recent.isEmpty() && recent.first() == emoji)
        return;
    recent.removeAll(emoji);
    recent.prepend(emoji);
    QSettings().setValue(QStringLiteral("reactions/recent"), recent.mid(0, MaxRecentEmoji));
    for (Preferences *p : std::as_const(instances()))
        Q_EMIT p->recentEmojiChanged();
}

} // namespace confab::client
