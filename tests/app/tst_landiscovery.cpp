// LAN discovery on loopback: a host's beacon shows up in the Join screen's list, once, and
// goes away when the host stops; junk datagrams are ignored.
#include "hostcontroller.h"
#include "lanbeacon.h"
#include "testclient.h"

#include <QAbstractItemModelTester>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QUdpSocket>

using namespace confab::client;
using confab::test::waitMs;

class TestLanDiscovery : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void decodeRefusesJunk_data()
    {
        QTest::addColumn<QByteArray>("datagram");
        const QJsonObject good{{"confab", 1}, {"instance", "i"}, {"name", "n"}, {"port", 7300}};
        auto with = [&](const char *key, const QJsonValue &value) {
            QJsonObject o = good;
            if (value.isUndefined())
                o.remove(QLatin1StringView(key));
            else
                o.insert(QLatin1StringView(key), value);
            return QJsonDocument(o).toJson(QJsonDocument::Compact);
        };
        QVERIFY(LanBeacon::decode(with("port", 7300))); // the baseline is valid
        QTest::newRow("not json") << QByteArray("hello?");
        QTest::newRow("other version") << with("confab", 2);
        QTest::newRow("no name") << with("name", QJsonValue::Undefined);
        QTest::newRow("port 0") << with("port", 0);
        QTest::newRow("port big") << with("port", 70000);
        QTest::newRow("long name") << with("name", QString(65, u'n'));
        QTest::newRow("oversized") << with("pad", QString(600, u' '));
    }
    void decodeRefusesJunk()
    {
        QFETCH(QByteArray, datagram);
        QVERIFY(!LanBeacon::decode(datagram));
    }

    void roundTrip()
    {
        const LanBeacon::Announcement a{"abc", "Maya's Confab", 7301, true};
        const auto back = LanBeacon::decode(LanBeacon::encode(a));
        QVERIFY(back);
        QCOMPARE(back->name, a.name);
        QCOMPARE(back->port, a.port);
        QCOMPARE(back->password, true);
    }

    void aBeaconIsListedOnceAndExpires()
    {
        LanDiscovery discovery;
        QAbstractItemModelTester tester(&discovery,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        discovery.setProperty("expiryMs", 400);
        discovery.setPort(0);
        QVERIFY(discovery.listening());
        LanBeacon beacon;
        beacon.setTargets({QHostAddress(QHostAddress::LocalHost)}, quint16(discovery.port()));
        beacon.start({{}, "Maya's Confab", 7301, true}, 50);
        QTRY_COMPARE_WITH_TIMEOUT(discovery.rowCount(), 1, waitMs());
        QTest::qWait(300); // several more beacons
        QCOMPARE(discovery.rowCount(), 1);
        const QModelIndex i = discovery.index(0);
        QCOMPARE(i.data(LanDiscovery::NameRole).toString(), QStringLiteral("Maya's Confab"));
        QCOMPARE(i.data(LanDiscovery::AddressRole).toString(), QStringLiteral("127.0.0.1:7301"));
        QCOMPARE(i.data(LanDiscovery::PasswordRole).toBool(), true);

        // Junk on the discovery port changes nothing.
        QUdpSocket junk;
        junk.writeDatagram("{\"confab\":1}", QHostAddress::LocalHost, quint16(discovery.port()));
        junk.writeDatagram(QByteArray(4000, 'x'), QHostAddress::LocalHost,
                           quint16(discovery.port()));
        QTest::qWait(200);
        QCOMPARE(discovery.rowCount(), 1);

        beacon.stop();
        QTRY_COMPARE_WITH_TIMEOUT(discovery.rowCount(), 0, waitMs());
    }

    void aHostingAppIsDiscovered()
    {
        LanDiscovery discovery;
        QAbstractItemModelTester tester(&discovery,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        discovery.setPort(0);
        QTemporaryDir dir;
        HostController host;
        host.setDataDir(dir.path());
        host.setProperty("bindAddress", "127.0.0.1"); // loopback host: beacons stay on loopback
        host.setProperty("discoveryPort", discovery.port());
        host.start(0, "pw", "LAN party");
        QTRY_VERIFY_WITH_TIMEOUT(host.running(), waitMs());
        QTRY_COMPARE_WITH_TIMEOUT(discovery.rowCount(), 1, waitMs());
        const QModelIndex i = discovery.index(0);
        QCOMPARE(i.data(LanDiscovery::NameRole).toString(), QStringLiteral("LAN party"));
        QCOMPARE(i.data(LanDiscovery::AddressRole).toString(),
                 QStringLiteral("127.0.0.1:%1").arg(host.port()));
        QCOMPARE(i.data(LanDiscovery::PasswordRole).toBool(), true);
        host.stop();
    }
};

QTEST_GUILESS_MAIN(TestLanDiscovery)
#include "tst_landiscovery.moc"
