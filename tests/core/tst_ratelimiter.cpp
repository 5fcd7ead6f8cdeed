// The token bucket and the flood window, on an explicit clock.
#include "ratelimiter.h"

#include <QTest>

using namespace confab;

constexpr qint64 Ms = 1000000;

class TestRateLimiter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void startsFullAndEmpties()
    {
        TokenBucket b(10, 8, 0);
        for (int i = 0; i < 8; ++i)
            QVERIFY(b.tryTake(0));
        QVERIFY(!b.tryTake(0));
        QCOMPARE(b.msUntilNext(0), 100); // 10 per second: one every 100 ms
    }

    void refillsAtTheRate()
    {
        TokenBucket b(10, 8, 0);
        for (int i = 0; i < 8; ++i)
            b.tryTake(0);
        QVERIFY(!b.tryTake(99 * Ms));
        QVERIFY(b.tryTake(100 * Ms));
        QVERIFY(!b.tryTake(100 * Ms));
        QCOMPARE(b.msUntilNext(150 * Ms), 50);
    }

    void neverHoldsMoreThanBurst()
    {
        TokenBucket b(10, 8, 0);
        int taken = 0;
        while (b.tryTake(3600 * 1000 * Ms)) // an hour idle
            ++taken;
        QCOMPARE(taken, 8);
    }

    void isFullOnceRefilledToTheBurst()
    {
        TokenBucket b(10, 2, 0);
        QVERIFY(b.isFull(0));
        b.tryTake(0);
        QVERIFY(!b.isFull(99 * Ms));
        QVERIFY(b.isFull(100 * Ms));
    }

    void ignoresAClockThatGoesBack()
    {
        TokenBucket b(1, 1, 1000 * Ms);
        QVERIFY(b.tryTake(1000 * Ms));
        QVERIFY(!b.tryTake(0)); // earlier time: no refill, no crash
    }

    void floodNeedsMoreThanMaxDropsInTheWindow()
    {
        FloodWindow w(100, 10000 * Ms);
        for (int i = 0; i < 100; ++i)
            QVERIFY(!w.recordDrop(i * Ms));
        QVERIFY(w.recordDrop(100 * Ms)); // the 101st within 10 s
    }

    void slowDropsAreNoFlood()
    {
        FloodWindow w(100, 10000 * Ms);
        for (int i = 0; i < 1000; ++i) // one drop every 101 ms: at most 100 in any 10 s
            QVERIFY(!w.recordDrop(qint64(i) * 101 * Ms));
    }
};

QTEST_GUILESS_MAIN(TestRateLimiter)
#include "tst_ratelimiter.moc"
