// The WAL checkpointer's thread keeps the write-ahead log short under a steady stream of
// commits, so that SQLite's automatic checkpoint (which runs inside a commit, on the event
// loop, and fsyncs the whole log: 15-20 ms) never has to. Issue 20: at 1,000 sends/s with
// client ids one checkpoint per second never left the log copied back whole at the moment a
// commit began, SQLite never started the log again, it grew to the automatic checkpoint's size
// and the store's commit did that checkpoint every few seconds.
#include "walcheckpointer.h"

#include <QDeadlineTimer>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace confab;

class TestWalCheckpointer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void theLogStaysShortUnderASteadyStreamOfCommits()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("confab.db"));
        qint64 largestLog = 0;
        int commits = 0;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), "writer");
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            // As the store: WAL, synchronous=NORMAL, and the automatic checkpoint out of the way
            // (here entirely: the log's length is then the checkpointer's doing alone).
            for (const char *pragma :
                 {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                  "PRAGMA wal_autocheckpoint=0", "PRAGMA busy_timeout=5000",
                  "CREATE TABLE t(id INTEGER PRIMARY KEY, text TEXT NOT NULL)"})
                QVERIFY2(q.exec(QString::fromLatin1(pragma)), qPrintable(q.lastError().text()));
            WalCheckpointer checkpointer(path, 100);
            checkpointer.start();
            QVERIFY(q.prepare(QStringLiteral("INSERT INTO t(text) VALUES (?)")));
            // A commit every 1.5 ms or so for 3 s, as the store's at 1,000 sends/s
            // (a commit per event-loop turn, a moment apart).
            const QDeadlineTimer end(3000);
            while (!end.hasExpired()) {
                db.transaction();
                for (int i = 0; i < 4; ++i) {
                    q.addBindValue(QString::number(quint64(commits) * 2654435761u)
                                   + QString(300, 'x'));
                    QVERIFY(q.exec());
                }
                QVERIFY(db.commit());
                ++commits;
                QThread::usleep(1500);
                if (commits % 50 == 0)
                    largestLog = std::max(largestLog, QFileInfo(path + "-wal").size());
            }
            checkpointer.stop();
            QVERIFY(checkpointer.checkpoints() > 5);
            q = QSqlQuery();
            db.close();
        }
        QSqlDatabase::removeDatabase("writer");
        // Each commit adds at least one page (4 KiB) to the log.
        const qint64 logged = qint64(commits) * 4096;
        qInfo("%d commits (at least %lld KiB logged); the log's largest size: %lld KiB", commits,
              logged / 1024, largestLog / 1024);
        // A log started again regularly holds about what one interval wrote; one that is never
        // started again holds everything.
        QVERIFY2(largestLog * 2 < logged,
                 qPrintable(QStringLiteral("the log grew to %1 KiB").arg(largestLog / 1024)));
    }
};

QTEST_GUILESS_MAIN(TestWalCheckpointer)
#include "tst_walcheckpointer.moc"
