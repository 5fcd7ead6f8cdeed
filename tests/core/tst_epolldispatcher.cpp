// EpollEventDispatcher on its own: timers, socket notifiers over real loopback sockets, posted
// events, wake-ups and exits from other threads, nested loops. (Every server test also runs on
// it: see servertestmain.h.)
#include "epolldispatcher.h"
#include "servertestmain.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QtTest>
#include <thread>

using namespace confab;

namespace {

// A connected pair of loopback TCP sockets.
struct SocketPair {
    QTcpServer server;
    QTcpSocket client;
    std::unique_ptr<QTcpSocket> accepted;

    bool connect()
    {
        if (!server.listen(QHostAddress::LocalHost, 0))
            return false;
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        if (!QTest::qWaitFor([this] { return server.hasPendingConnections(); }))
            return false;
        accepted.reset(server.nextPendingConnection());
        return QTest::qWaitFor(
            [this] { return client.state() == QAbstractSocket::ConnectedState; });
    }
};

} // namespace

class TestEpollDispatcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void runsOnEpoll()
    {
        if (!epollDispatcherWanted())
            QSKIP("CONFAB_EVENT_DISPATCHER=qt");
        QVERIFY(qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance()));
    }

    void singleShotTimersFireOnceInDeadlineOrder()
    {
        QStringList fired;
        QElapsedTimer clock;
        clock.start();
        QTimer::singleShot(30, this, [&] { fired << "30"; });
        QTimer::singleShot(10, this, [&] { fired << "10"; });
        QTimer::singleShot(20, Qt::PreciseTimer, this, [&] { fired << "20"; });
        QTRY_COMPARE(fired, QStringList({"10", "20", "30"}));
        QVERIFY(clock.elapsed() >= 29);
        QTest::qWait(50);
        QCOMPARE(fired.size(), 3);
    }

    void repeatingTimerKeepsItsIntervalAndStopsWhenKilled()
    {
        QTimer timer;
        timer.setInterval(5);
        int ticks = 0;
        connect(&timer, &QTimer::timeout, this, [&] {
            if (++ticks == 5)
                timer.stop(); // unregistering from inside its own event
        });
        QElapsedTimer clock;
        clock.start();
        timer.start();
        QTRY_COMPARE(ticks, 5);
        QVERIFY(clock.elapsed() >= 20);
        QTest::qWait(30);
        QCOMPARE(ticks, 5);
    }

    void remainingTimeCountsDown()
    {
        QTimer timer;
        timer.setSingleShot(true);
        timer.start(1000);
        const int remaining = timer.remainingTime();
        QVERIFY2(remaining > 900 && remaining <= 1000, qPrintable(QString::number(remaining)));
        timer.stop();
        QCOMPARE(timer.remainingTime(), -1);
    }

    void zeroTimersAndPostedEventsDoNotStarveSockets()
    {
        // A zero timer that re-arms itself forever must not keep a socket from being served.
        QTimer busy;
        busy.setInterval(0);
        int spins = 0;
        connect(&busy, &QTimer::timeout, this, [&] { ++spins; });
        busy.start();

        SocketPair pair;
        QVERIFY(pair.connect());
        pair.client.write("ping");
        QTRY_COMPARE(pair.accepted->bytesAvailable(), 4);
        QCOMPARE(pair.accepted->readAll(), QByteArray("ping"));
        busy.stop();
        QVERIFY(spins > 0); // it did run, and the socket was served all the same
    }

    void bulkDataFlowsBothWays()
    {
        // Write notifiers switch on and off as the kernel's buffers fill and drain.
        SocketPair pair;
        QVERIFY(pair.connect());
        const QByteArray chunk(1 << 20, 'x');
        qint64 received = 0;
        connect(pair.accepted.get(), &QTcpSocket::readyRead, this,
                [&] { received += pair.accepted->readAll().size(); });
        for (int i = 0; i < 16; ++i)
            pair.client.write(chunk);
        QTRY_COMPARE_WITH_TIMEOUT(received, qint64(16) << 20, 20000);
        QCOMPARE(pair.client.bytesToWrite(), 0);
    }

    void peerCloseIsSeen()
    {
        SocketPair pair;
        QVERIFY(pair.connect());
        QSignalSpy gone(&pair.client, &QTcpSocket::disconnected);
        pair.accepted->close();
        QTRY_COMPARE(gone.size(), 1);
    }

    void deleteLaterAndQueuedCallsRun()
    {
        QPointer<QObject> doomed = new QObject;
        doomed->deleteLater();
        bool called = false;
        QMetaObject::invokeMethod(
            this, [&] { called = true; }, Qt::QueuedConnection);
        QTRY_VERIFY(called);
        QTRY_VERIFY(doomed.isNull());
    }

    void anotherThreadWakesTheLoop()
    {
        // No timer is due: only the wake-up can end this wait early.
        QEventLoop loop;
        QElapsedTimer clock;
        clock.start();
        std::thread other([this, &loop] {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            QMetaObject::invokeMethod(
                this, [&loop] { loop.exit(7); }, Qt::QueuedConnection);
        });
        QTimer::singleShot(10000, &loop, [&loop] { loop.exit(1); });
        const int code = loop.exec();
        other.join();
        QCOMPARE(code, 7);
        QVERIFY(clock.elapsed() < 5000);
    }

    void anotherThreadInterruptsTheLoop()
    {
        QEventLoop loop;
        QTimer::singleShot(10000, &loop, [&loop] { loop.exit(1); });
        auto *dispatcher = QAbstractEventDispatcher::instance();
        std::thread other([&loop, dispatcher] {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            loop.exit(3); // QEventLoop::exit is thread-safe: it interrupts the dispatcher
            dispatcher->wakeUp();
        });
        const int code = loop.exec();
        other.join();
        QCOMPARE(code, 3);
    }

    void nestedLoopInsideATimerEvent()
    {
        // The outer timer is firing while the nested loop runs: it must not fire again inside
        // it, and the nested loop's own timer must.
        QTimer outer;
        outer.setInterval(1);
        int outerFired = 0;
        bool innerFired = false;
        connect(&outer, &QTimer::timeout, this, [&] {
            if (++outerFired > 1)
                return;
            QEventLoop nested;
            QTimer::singleShot(20, &nested, [&] {
                innerFired = true;
                nested.quit();
            });
            nested.exec();
        });
        outer.start();
        QTRY_VERIFY(innerFired);
        QTRY_VERIFY(outerFired >= 2); // and it goes on afterwards
        outer.stop();
    }

    void threadsGetTheirOwnDispatcher()
    {
        QThread thread;
        thread.setEventDispatcher(new EpollEventDispatcher);
        QObject worker;
        worker.moveToThread(&thread);
        thread.start();
        QAtomicInt ticks = 0;
        QTimer *timer = nullptr;
        QMetaObject::invokeMethod(
            &worker,
            [&] {
                timer = new QTimer(&worker);
                QObject::connect(timer, &QTimer::timeout,
                                 [&ticks] { ticks.fetchAndAddRelaxed(1); });
                timer->start(2);
            },
            Qt::BlockingQueuedConnection);
        QTRY_VERIFY(ticks.loadRelaxed() >= 5);
        QMetaObject::invokeMethod(
            &worker, [&] { delete timer; }, Qt::BlockingQueuedConnection);
        thread.quit();
        QVERIFY(thread.wait(5000));
    }
};

CONFAB_SERVER_TEST_MAIN(TestEpollDispatcher)
#include "tst_epolldispatcher.moc"
