// What survives: a graceful restart keeps history, seq, topics, tokens and read positions;
// kill -9 loses no message anyone saw. Also the confab-server binary's command line.
#include "servertestmain.h"
#include "testclient.h"
#include "testserver.h"

#include <QJsonArray>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>

using namespace confab;
using namespace confab::test;

namespace {

const QJsonObject aliceToken{{"token", "alice-durable-token-1"}};

// The real confab-server binary, on a free port of its own choosing.
class ServerProcess
{
public:
    explicit ServerProcess(const QString &dataDir)
        : m_dataDir(dataDir)
    {}
    ~ServerProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }
    bool start()
    {
        m_output.clear();
        m_port = 0;
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        if (env.contains("ASAN_OPTIONS")) {
            // Under scripts/test-sanitizers.sh: the test's slow, exact unwinding would make the
            // server crawl, and its leak check belongs to the in-process tests.
            env.insert("ASAN_OPTIONS", "detect_leaks=0");
        }
        m_process.setProcessEnvironment(env);
        m_process.start(QStringLiteral(CONFAB_SERVER_BINARY),
                        {"--bind", "127.0.0.1", "--port", "0", "--data-dir", m_dataDir, "--rate",
                         "100000", "--burst", "100000"});
        static const QRegularExpression listening(QStringLiteral("port (\\d+) "));
        return QTest::qWaitFor(
                   [&] {
                       m_output += m_process.readAll();
                       const auto match = listening.match(QString::fromUtf8(m_output));
                       if (match.hasMatch())
                           m_port = quint16(match.captured(1).toUInt());
                       return m_port != 0 || m_process.state() == QProcess::NotRunning;
                   },
                   waitMs())
               && m_port != 0;
    }
    void kill9()
    {
        ::kill(pid_t(m_process.processId()), SIGKILL);
        m_process.waitForFinished(waitMs());
    }
    QProcess &process() { return m_process; }
    quint16 port() const { return m_port; }
    QByteArray output() { return m_output += m_process.readAll(); }

private:
    QString m_dataDir;
    QProcess m_process;
    QByteArray m_output;
    quint16 m_port = 0;
};

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runServer(const QStringList &args)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (env.contains("ASAN_OPTIONS"))
        env.insert("ASAN_OPTIONS", "detect_leaks=0");
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(CONFAB_SERVER_BINARY), args);
    p.waitForFinished(waitMs());
    return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
}

} // namespace

class TestDurability : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void aRestartKeepsEverything()
    {
        TestServer server;
        QVERIFY(server.start());
        QString userId, epoch;
        {
            TestClient alice;
            QVERIFY(alice.open(server.port()));
            alice.hello("alice", aliceToken);
            userId = alice.userId();
            epoch = alice.join("general")["epoch"].toString();
            alice.request({{"type", "topic"}, {"room", "general"}, {"topic", "kept"}});
            for (int i = 1; i <= 3; ++i)
                alice.request({{"type", "send"},
                               {"room", "general"},
                               {"text", QString("m%1").arg(i)},
                               {"id", QString("out-%1").arg(i)}});
            alice.send({{"type", "read"}, {"room", "general"}, {"seq", 2}});
            QVERIFY(alice.staysQuiet());
        }
        QVERIFY(server.restart());

        TestClient alice;
        QVERIFY(alice.open(server.port()));
        const QJsonObject welcome = alice.hello(QString(), aliceToken);
        QCOMPARE(alice.userId(), userId);
        QCOMPARE(alice.nick(), "alice");
        const QJsonObject joined = alice.join("general");
        QCOMPARE(joined["seq"].toInt(), 3);
        QCOMPARE(joined["epoch"].toString(), epoch);
        QCOMPARE(joined["topic"].toString(), "kept");
        QCOMPARE(joined["read"].toInt(), 2);
        const QJsonArray history = joined["history"].toArray();
        QCOMPARE(history.size(), 3);
        QCOMPARE(history[2]["text"].toString(), "m3");
        QCOMPARE(history[2]["from"]["id"].toString(), userId);
        // The seq goes on without a gap; a resend from before the restart is still recognised.
        QCOMPARE(
            alice
                .request(
                    {{"type", "send"}, {"room", "general"}, {"text", "m2"}, {"id", "out-2"}})["seq"]
                .toInt(),
            2);
        QCOMPARE(
            alice.request({{"type", "send"}, {"room", "general"}, {"text", "m4"}})["seq"].toInt(),
            4);
        QCOMPARE(alice.request({{"type", "search"}, {"q", "m3"}})["messages"].toArray().size(), 1);
    }

    void killNineLosesNoMessageAnyoneSaw()
    {
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        QVERIFY2(server.start(), server.output().constData());
        TestClient sender, watcher;
        QVERIFY(sender.open(server.port()) && watcher.open(server.port()));
        sender.hello("sender");
        watcher.hello("watcher");
        sender.join("general");
        watcher.join("general");
        for (int i = 1; i <= 2000; ++i)
            sender.send({{"type", "send"}, {"room", "general"}, {"text", QString::number(i)}});
        // Kill while messages are still flowing.
        QVERIFY(QTest::qWaitFor([&] { return watcher.pending().size() >= 300; }, waitMs()));
        server.kill9();
        qint64 seen = 0;
        for (const QJsonObject &f : watcher.pending()) {
            if (f["type"].toString() == "message") {
                QCOMPARE(qint64(f["seq"].toDouble()), seen + 1); // in order, no gap
                seen = qint64(f["seq"].toDouble());
            }
        }
        QVERIFY(seen >= 300);

        QVERIFY2(server.start(), server.output().constData());
        TestClient after;
        QVERIFY(after.open(server.port()));
        after.hello("after");
        const QJsonObject joined = after.join("general", {{"since", 0}});
        const qint64 last = qint64(joined["seq"].toDouble());
        qInfo("killed after the watcher saw %lld of 2000 messages; %lld were stored", seen, last);
        QVERIFY2(last >= seen, qPrintable(QString("stored %1, seen %2").arg(last).arg(seen)));
        const QJsonArray history = joined["history"].toArray();
        QCOMPARE(history.size(), qMin<qint64>(last, 1000));
        for (qsizetype i = 1; i < history.size(); ++i)
            QCOMPARE(qint64(history[i]["seq"].toDouble()),
                     qint64(history[i - 1]["seq"].toDouble()) + 1);
        QCOMPARE(history.last()["text"].toString(), QString::number(last));
        // The search index catches up with what was stored but not yet indexed at the kill.
        const QJsonArray found = after
                                     .request({{"type", "search"},
                                               {"q", QString::number(last)},
                                               {"room", "general"}})["messages"]
                                     .toArray();
        QCOMPARE(found.size(), 1);
        QCOMPARE(qint64(found[0]["seq"].toDouble()), last);
        // The next message continues the seq.
        QCOMPARE(
            qint64(after.request({{"type", "send"}, {"room", "general"}, {"text", "next"}})["seq"]
                       .toDouble()),
            last + 1);
    }

    void sigtermClosesClientsWith1001AndExitsCleanly()
    {
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        QVERIFY(server.start());
        TestClient c;
        QVERIFY(c.open(server.port()));
        c.hello("c");
        server.process().terminate(); // SIGTERM
        QVERIFY(c.waitClosed());
        QCOMPARE(c.closeCode(), 1001);
        QVERIFY(server.process().waitForFinished(waitMs()));
        QCOMPARE(server.process().exitStatus(), QProcess::NormalExit);
        QCOMPARE(server.process().exitCode(), 0);
    }

    void versionAndHelpNeedNoDisplay()
    {
        const Run version = runServer({"--version"});
        QCOMPARE(version.exitCode, 0);
        QVERIFY(version.out.contains(CONFAB_VERSION));
        const Run help = runServer({"--help"});
        QCOMPARE(help.exitCode, 0);
        for (const char *option :
             {"--bind", "--port", "--name", "--password", "--api-token", "--data-dir", "--rate",
              "--burst", "--max-text-bytes", "--max-connections", "--max-queue-bytes",
              "--log-level", "--config"})
            QVERIFY2(help.out.contains(option), option);
    }

    void badSettingsExitWith2AndSayWhy_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("mentions");
        QTest::newRow("port") << QStringList{"--port", "http"} << QByteArray("--port");
        QTest::newRow("rate") << QStringList{"--rate", "-3"} << QByteArray("--rate");
        QTest::newRow("unknown option") << QStringList{"--colour", "red"} << QByteArray("colour");
        QTest::newRow("missing value") << QStringList{"--port"} << QByteArray("port");
        QTest::newRow("stray argument") << QStringList{"serve"} << QByteArray("serve");
        QTest::newRow("config file")
            << QStringList{"--config", "/nonexistent.ini"} << QByteArray("nonexistent");
    }
    void badSettingsExitWith2AndSayWhy()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, mentions);
        const Run run = runServer(args);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(mentions), run.err.constData());
    }

    void environmentVariablesAreRead()
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("CONFAB_MAX_CONNECTIONS", "many");
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(CONFAB_SERVER_BINARY), {});
        QVERIFY(p.waitForFinished(waitMs()));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(p.readAllStandardError().contains("CONFAB_MAX_CONNECTIONS"));
    }

    void aPortInUseIsAClearFailure()
    {
        TestServer other;
        QVERIFY(other.start());
        QTemporaryDir dir;
        const Run run = runServer({"--bind", "127.0.0.1", "--port", QString::number(other.port()),
                                   "--data-dir", dir.path()});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("cannot listen"), run.err.constData());
    }
};

CONFAB_SERVER_TEST_MAIN(TestDurability)
#include "tst_durability.moc"
