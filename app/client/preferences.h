// What the app remembers between runs (QSettings): the nick, the recent servers, the theme, the
// recently used emoji.
#pragma once

#include <QObject>
#include <QStringList>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

namespace confab::client {

class Preferences : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(QString nick READ nick WRITE setNick NOTIFY nickChanged)
    Q_PROPERTY(QStringList recentServers READ recentServers NOTIFY recentServersChanged)
    // The main window's last geometry, [x, y, width, height] (empty until it was first saved).
    Q_PROPERTY(QVariantList windowGeometry READ windowGeometry WRITE setWindowGeometry NOTIFY
                   windowGeometryChanged)
    // "light", "dark", or empty for the system's choice.
    Q_PROPERTY(QString theme READ theme WRITE setTheme NOTIFY themeChanged)
    // The emoji this user reacted with lately, the newest first (the reaction palette's row).
    Q_PROPERTY(QStringList recentEmoji READ recentEmoji NOTIFY recentEmojiChanged)
public:
    static constexpr int MaxRecent = 8;
    static constexpr int MaxRecentEmoji = 8;

    explicit Preferences(QObject *parent = nullptr);
    ~Preferences() override;

    QString nick() const;
    void setNick(const QString &nick);
    QStringList recentServers() const;
    // Moves (or adds) the address to the front of the recent servers (every Preferences object
    // tells its QML about it).
    Q_INVOKABLE void rememberServer(const QString &address);
    QVariantList windowGeometry() const;
    void setWindowGeometry(const QVariantList &geometry);
    QString theme() const;
    void setTheme(const QString &theme);
    QStringList recentEmoji() const;
    // Moves (or adds) the emoji to the front of the recently used.
    Q_INVOKABLE void useEmoji(const QString &emoji);

Q_SIGNALS:
    void nickChanged();
    void recentServersChanged();
    void windowGeometryChanged();
    void themeChanged();
    void recentEmojiChanged();
};

} // namespace confab::client
