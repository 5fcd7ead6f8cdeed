// Desktop notifications for mentions and direct messages: the freedesktop Notifications service
// over D-Bus (asynchronous, so the UI never waits), or, where there is none, the window asks
// for attention (a flashing taskbar entry).
#pragma once

#include <QObject>
#include <QWindow>
#include <QtQml/qqmlregistration.h>

namespace confab::client {

class Notifier : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    // The window to flash when there is no notification service (a QObject for qmllint's sake).
    Q_PROPERTY(QObject *window MEMBER m_window)
public:
    using QObject::QObject;

    // Notification servers may render markup in the body: the text is escaped first.
    Q_INVOKABLE void notify(const QString &title, const QString &text);
    // True when a notification service answers on the session bus.
    Q_INVOKABLE bool serviceAvailable() const;

Q_SIGNALS:
    void sent(bool viaService);

private:
    QObject *m_window = nullptr;
};

} // namespace confab::client
