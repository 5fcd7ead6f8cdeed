// Notifications reach a real freedesktop Notifications peer on a private D-Bus session bus,
// escaped; without a service, the app falls back to asking for attention.
#include "notifier.h"
#include "privatebus.h"
#include "testclient.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QGuiApplication>
#include <QSignalSpy>
#include <QTest>

using namespace confab::client;
using confab::test::PrivateBus;
using confab::test::waitMs;

// The receiving side: what a desktop's notification daemon exposes.
class NotificationServer : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")
public:
    QStringList received;

public Q_SLOTS:
    uint Notify(const QString &app, uint, const QString &, const QString &summary,
                const QString &body, const QStringList &, const QVariantMap &, int)
    {
        received.append(app + QLatin1Char('|') + summary + QLatin1Char('|') + body);
        return uint(received.size());
    }
};

class TestNotifier : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        const QByteArray address = m_bus.start();
        QVERIFY2(!address.isEmpty(), "dbus-daemon is needed (package dbus-daemon)");
        // The app under test uses the session bus; point it at the private one.
        qputenv("DBUS_SESSION_BUS_ADDRESS", address);
        m_server = QDBusConnection::connectToBus(QString::fromUtf8(address), "server");
        QVERIFY(m_server.isConnected());
    }

    void cleanupTestCase() { QDBusConnection::disconnectFromBus("server"); }

    void withoutAServiceTheWindowAsksForAttention()
    {
        Notifier notifier;
        QVERIFY(!notifier.serviceAvailable());
        QSignalSpy sent(&notifier, &Notifier::sent);
        notifier.notify("Sam", "psst");
        QCOMPARE(sent.count(), 1);
        QCOMPARE(sent.first().first().toBool(), false);
    }

    void notificationsReachTheServiceEscaped()
    {
        NotificationServer daemon;
        QVERIFY(m_server.registerObject("/org/freedesktop/Notifications", &daemon,
                                        QDBusConnection::ExportAllSlots));
        QVERIFY(m_server.registerService("org.freedesktop.Notifications"));
        Notifier notifier;
        QTRY_VERIFY_WITH_TIMEOUT(notifier.serviceAvailable(), waitMs());
        notifier.notify("Sam in general", "@maya see <b>this</b> & that");
        QTRY_COMPARE_WITH_TIMEOUT(daemon.received.size(), 1, waitMs());
        QCOMPARE(
            daemon.received.first(),
            QStringLiteral("Confab|Sam in general|@maya see &lt;b&gt;this&lt;/b&gt; &amp; that"));
        m_server.unregisterService("org.freedesktop.Notifications");
        m_server.unregisterObject("/org/freedesktop/Notifications");
    }

private:
    PrivateBus m_bus;
    QDBusConnection m_server{QString()};
};

QTEST_MAIN(TestNotifier)
#include "tst_notifier.moc"
