// DNS-SD publishing speaks Avahi's D-Bus API. avahi-daemon cannot run in this sandbox (it needs
// the real system bus and multicast interfaces), so a peer that implements the two Avahi
// interfaces answers on a private bus, and the test checks every call and argument.
#include "dnssdpublisher.h"
#include "privatebus.h"
#include "testclient.h"

#include <QDBusConnection>
#include <QDBusMetaType>
#include <QDBusObjectPath>
#include <QSignalSpy>
#include <QTest>

using namespace confab::client;
using confab::test::PrivateBus;
using confab::test::waitMs;

class AvahiEntryGroup : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Avahi.EntryGroup")
public:
    QStringList calls;

public Q_SLOTS:
    void AddService(int iface, int protocol, uint flags, const QString &name, const QString &type,
                    const QString &domain, const QString &host, ushort port,
                    const QList<QByteArray> &txt)
    {
        calls.append(QStringLiteral("AddService %1 %2 %3 %4 %5 [%6] [%7] %8 %9")
                         .arg(iface)
                         .arg(protocol)
                         .arg(flags)
                         .arg(name, type, domain, host)
                         .arg(port)
                         .arg(QString::fromLatin1(QByteArrayList(txt).join(','))));
    }
    void Commit() { calls.append(QStringLiteral("Commit")); }
    void Free() { calls.append(QStringLiteral("Free")); }
};

class AvahiServer : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Avahi.Server")
public Q_SLOTS:
    QDBusObjectPath EntryGroupNew()
    {
        return QDBusObjectPath(QStringLiteral("/Client1/EntryGroup1"));
    }
};

class TestDnsSd : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        const QByteArray address = m_bus.start();
        QVERIFY2(!address.isEmpty(), "dbus-daemon is needed (package dbus-daemon)");
        // The publisher talks to "the system bus": make that the private one.
        qputenv("DBUS_SYSTEM_BUS_ADDRESS", address);
        m_peer = QDBusConnection::connectToBus(QString::fromUtf8(address), "avahi");
        QVERIFY(m_peer.isConnected());
    }

    void cleanupTestCase() { QDBusConnection::disconnectFromBus("avahi"); }

    void withoutAvahiNothingHappens()
    {
        DnsSdPublisher publisher;
        QSignalSpy finished(&publisher, &DnsSdPublisher::finished);
        publisher.publish("LAN party", 7300, false);
        QVERIFY(finished.wait(waitMs()));
        QCOMPARE(finished.first().first().toBool(), false);
        QVERIFY(!publisher.isPublished());
    }

    void publishesAndWithdrawsTheService()
    {
        AvahiServer server;
        AvahiEntryGroup group;
        QVERIFY(m_peer.registerObject("/", &server, QDBusConnection::ExportAllSlots));
        QVERIFY(
            m_peer.registerObject("/Client1/EntryGroup1", &group, QDBusConnection::ExportAllSlots));
        QVERIFY(m_peer.registerService("org.freedesktop.Avahi"));

        DnsSdPublisher publisher;
        QSignalSpy finished(&publisher, &DnsSdPublisher::finished);
        publisher.publish("Maya's Confab", 7301, true);
        QVERIFY(finished.wait(waitMs()));
        QCOMPARE(finished.first().first().toBool(), true);
        QTRY_COMPARE_WITH_TIMEOUT(group.calls.size(), 2, waitMs());
        QCOMPARE(group.calls[0],
                 QStringLiteral("AddService -1 -1 0 Maya's Confab _confab._tcp [] [] 7301 "
                                "protocol=1,password=1"));
        QCOMPARE(group.calls[1], QStringLiteral("Commit"));
        QVERIFY(publisher.isPublished());

        publisher.withdraw();
        QTRY_COMPARE_WITH_TIMEOUT(group.calls.size(), 3, waitMs());
        QCOMPARE(group.calls[2], QStringLiteral("Free"));
        m_peer.unregisterService("org.freedesktop.Avahi");
    }

private:
    PrivateBus m_bus;
    QDBusConnection m_peer{QString()};
};

QTEST_GUILESS_MAIN(TestDnsSd)
#include "tst_dnssd.moc"
