// What the app remembers between runs (QSettings): the nick and the recent servers.
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
public:
    static constexpr int MaxRecent = 8;

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

Q_SIGNALS:
    void nickChanged();
    void recentServersChanged();
    void windowGeometryChanged();
    void themeChanged();
};

} // namespace confab::client
