#include "notifier.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusPendingCall>

namespace confab::client {

namespace {
const QString service = QStringLiteral("org.freedesktop.Notifications");
const QString path = QStringLiteral("/org/freedesktop/Notifications");
constexpr int MaxBodyChars = 300;
} // namespace

bool Notifier::serviceAvailable() const
{
    const QDBusConnection bus = QDBusConnection::sessionBus();
    return bus.isConnected() && bus.interface()
           && bus.interface()->isServiceRegistered(service).value();
}

void Notifier::notify(const QString &title, const QString &text)
{
    if (serviceAvailable()) {
        QDBusMessage call =
            QDBusMessage::createMethodCall(service, path, service, QStringLiteral("Notify"));
        const QString body = text.left(MaxBodyChars).toHtmlEscaped();
        call << QStringLiteral("Confab") << uint(0) << QStringLiteral("org.confab.Confab")
             << title.toHtmlEscaped() << body << QStringList() << QVariantMap() << int(-1);
        QDBusConnection::sessionBus().asyncCall(call);
        Q_EMIT sent(true);
        return;
    }
    if (auto *window = qobject_cast<QWindow *>(m_window))
        window->alert(0); // until the window is activated
    Q_EMIT sent(false);
}

} // namespace confab::client
