// The throttle of failed authentications and its log lines, on an explicit clock.
#include "auththrottle.h"
#include "logcapture.h"

#include <QTest>

using namespace confab;
using confab::test::LogCapture;

namespace {

constexpr qint64 Ms = 1000000;

Q_LOGGING_CATEGORY(lcTest, "confab.test", QtInfoMsg)

// Three failures in a row, then one try a second; one summary line a minute.
AuthThrottle::Settings settings()
{
    AuthThrottle::Settings s;
    s.burst = 3;
    s.retryMs = 1000;
    s.logIntervalMs = 60000;
    s.maxKeys = 4;
    return s;
}

} // namespace

class TestAuthThrottle : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void aBurstIsCheckedThenOneTryPerInterval()
    {
        LogCapture log;
        AuthThrottle t("password", lcTest, settings());
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(t.retryMs("k", 0), 0);
            t.failed("k", "A", 0);
        }
        QCOMPARE(t.retryMs("k", 0), 1000);
        QCOMPARE(t.retryMs("k", 400 * Ms), 600);
        QCOMPARE(t.retryMs("other", 400 * Ms), 0); // keys are independent
        QCOMPARE(t.retryMs("k", 1000 * Ms), 0);
        t.failed("k", "A", 1000 * Ms); // within the interval: counted, not logged
        QCOMPARE(t.retryMs("k", 1000 * Ms), 1000);
        QCOMPARE(log.matching("authentication"),
                 QStringList{"authentication failed (wrong password) from A"});
    }

    void summariesComeOncePerIntervalAndQuietSubjectsAreForgotten()
    {
        LogCapture log;
        AuthThrottle t("password", lcTest, settings());
        t.failed("k", "A", 0);
        for (int i = 0; i < 4; ++i)
            t.failed("k", "A", 10 * Ms);
        t.refused("A");
        t.refused("A");
        t.flush(30000 * Ms); // not yet a whole interval since the line
        QCOMPARE(log.matching("authentication").size(), 1);
        t.flush(60000 * Ms);
        QCOMPARE(log.matching("authentication").size(), 2);
        QCOMPARE(log.matching("authentication").last(),
                 "authentication failed (wrong password) from A 4 more times, and 2 tries were "
                 "refused unchecked, in the last 60 s");
        t.flush(90000 * Ms);  // nothing new: no line
        t.flush(120000 * Ms); // quiet for an interval: forgotten
        QCOMPARE(log.matching("authentication").size(), 2);
        t.failed("k", "A", 121000 * Ms); // news again
        QCOMPARE(log.matching("authentication").size(), 3);
        QCOMPARE(log.matching("authentication").last(),
                 "authentication failed (wrong password) from A");
    }

    void keysAtRestAreForgottenAndTheirNumberIsBounded()
    {
        AuthThrottle t("password", lcTest, settings());
        for (int i = 0; i < 4; ++i)
            t.failed(QByteArray::number(i), "A", 0);
        QCOMPARE(t.keyCount(), 4);
        t.flush(5000 * Ms); // every bucket has refilled
        QCOMPARE(t.keyCount(), 0);
        for (int i = 0; i < 4; ++i)
            t.failed(QByteArray::number(i), "A", 6000 * Ms);
        // A fifth key at the bound: the busy ones cannot be dropped, so all are forgotten.
        QTest::ignoreMessage(QtWarningMsg,
                             "more than 4 clients fail password checks: forgetting them all");
        t.failed("5", "A", 6000 * Ms);
        QCOMPARE(t.keyCount(), 1);
    }

    void addressKeysGroupIPv6ByPrefix()
    {
        const auto key = [](const char *a) {
            return AuthThrottle::addressKey(QHostAddress(a));
        };
        QCOMPARE(key("127.0.0.1"), QByteArray("\x7f\x00\x00\x01", 4));
        QCOMPARE(key("::ffff:127.0.0.1"), key("127.0.0.1"));
        QCOMPARE(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        QVERIFY(key("2001:db8:1:2::1") != key("2001:db8:1:3::1"));
        QVERIFY(key("10.0.0.1") != key("10.0.0.2"));
    }
};

QTEST_GUILESS_MAIN(TestAuthThrottle)
#include "tst_auththrottle.moc"
