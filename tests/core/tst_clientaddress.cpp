// The client's address behind trusted proxies (clientaddress.h): X-Forwarded-For is believed
// only from a trusted peer, and read from the right.
#include "clientaddress.h"

#include <QTest>

using namespace confab;

namespace {
const QList<QPair<QHostAddress, int>> trusted{{QHostAddress(QStringLiteral("10.0.0.1")), 32},
                                              {QHostAddress(QStringLiteral("172.28.0.0")), 24},
                                              {QHostAddress(QStringLiteral("::1")), 128}};
QHostAddress a(const char *text)
{
    return QHostAddress(QString::fromLatin1(text));
}
} // namespace

class TestClientAddress : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void forwardedFor_data()
    {
        QTest::addColumn<QString>("peer");
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<QString>("client");
        QTest::newRow("untrusted peer") << "192.0.2.1" << QByteArray("198.51.100.7") << "192.0.2.1";
        QTest::newRow("trusted, no header") << "10.0.0.1" << QByteArray() << "10.0.0.1";
        QTest::newRow("trusted") << "10.0.0.1" << QByteArray("198.51.100.7") << "198.51.100.7";
        QTest::newRow("subnet") << "172.28.0.10" << QByteArray("198.51.100.7") << "198.51.100.7";
        QTest::newRow("v4 over v6")
            << "::ffff:10.0.0.1" << QByteArray("198.51.100.7") << "198.51.100.7";
        QTest::newRow("forged left")
            << "10.0.0.1" << QByteArray("1.2.3.4, 198.51.100.7") << "198.51.100.7";
        QTest::newRow("chain of trusted")
            << "10.0.0.1" << QByteArray("198.51.100.7, 172.28.0.5,10.0.0.1") << "198.51.100.7";
        QTest::newRow("all trusted")
            << "10.0.0.1" << QByteArray("172.28.0.5, 10.0.0.1") << "172.28.0.5";
        QTest::newRow("v6") << "::1" << QByteArray("2001:db8::7") << "2001:db8::7";
        QTest::newRow("bracketed v6 with port")
            << "::1" << QByteArray("[2001:db8::7]:4711") << "2001:db8::7";
        QTest::newRow("not an address") << "10.0.0.1" << QByteArray("unknown") << "10.0.0.1";
        QTest::newRow("garbage after trusted")
            << "10.0.0.1" << QByteArray("198.51.100.7, x") << "10.0.0.1";
    }
    void forwardedFor()
    {
        QFETCH(QString, peer);
        QFETCH(QByteArray, header);
        QFETCH(QString, client);
        QCOMPARE(clientAddress(QHostAddress(peer), header, trusted), QHostAddress(client));
    }

    void nobodyIsTrustedByDefault()
    {
        QCOMPARE(clientAddress(a("127.0.0.1"), "198.51.100.7", {}), a("127.0.0.1"));
    }

    void bansSpellAnAddressOneWay()
    {
        QCOMPARE(addressText(a("::ffff:192.0.2.1")), "192.0.2.1");
        QCOMPARE(addressText(a("192.0.2.1")), "192.0.2.1");
        QCOMPARE(addressText(a("2001:db8::7")), "2001:db8::7");
    }
};

QTEST_APPLESS_MAIN(TestClientAddress)
#include "tst_clientaddress.moc"
