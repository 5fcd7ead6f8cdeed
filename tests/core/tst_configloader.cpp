// Settings from an ini file, the environment and the command line, and the errors for bad ones.
#include "configloader.h"

#include <QTemporaryFile>
#include <QTest>

using namespace confab;

namespace {

std::optional<QString> load(const QStringList &args, const QProcessEnvironment &env,
                            ServerConfig &config)
{
    QCommandLineParser parser;
    ConfigLoader::addOptions(parser);
    if (!parser.parse(QStringList{QStringLiteral("confab-server")} + args))
        return parser.errorText();
    return ConfigLoader::load(parser, env, config);
}

} // namespace

class TestConfigLoader : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void redisUrlsAreParsed()
    {
        ServerConfig c;
        QVERIFY(!load({}, {}, c));
        QVERIFY(!c.redis); // no Redis: one server on SQLite
        QVERIFY(
            !load({QStringLiteral("--redis"), QStringLiteral("redis://:s3cret@cache.lan:6380/2")},
                  {}, c));
        QVERIFY(c.redis);
        QCOMPARE(c.redis->host, QStringLiteral("cache.lan"));
        QCOMPARE(c.redis->port, quint16(6380));
        QCOMPARE(c.redis->password, QStringLiteral("s3cret"));
        QCOMPARE(c.redis->db, 2);
        ServerConfig d;
        QProcessEnvironment env;
        env.insert(QStringLiteral("CONFAB_REDIS"), QStringLiteral("redis://127.0.0.1"));
        QVERIFY(!load({}, env, d));
        QCOMPARE(d.redis->port, quint16(6379));
        QCOMPARE(d.redis->db, 0);
        ServerConfig u;
        QVERIFY(!load(
            {QStringLiteral("--redis"), QStringLiteral("unix:/run/redis/redis.sock?db=3")}, {}, u));
        QCOMPARE(u.redis->unixPath, QStringLiteral("/run/redis/redis.sock"));
        QCOMPARE(u.redis->db, 3);
        QVERIFY(u.redis->host.isEmpty());
        ServerConfig ini;
        QTemporaryFile file;
        QVERIFY(file.open());
        file.write("redis = redis://10.0.0.5:7000\n");
        file.flush();
        QVERIFY(!load({QStringLiteral("--config"), file.fileName()}, {}, ini));
        QCOMPARE(ini.redis->host, QStringLiteral("10.0.0.5"));
        QCOMPARE(ini.redis->port, quint16(7000));
    }

    void badRedisUrlsAreClearErrors_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("why");
        QTest::newRow("scheme") << "http://host"
                                << "unknown scheme";
        QTest::newRow("no host") << "redis://"
                                 << "no host";
        QTest::newRow("port") << "redis://host:99999"
                              << "not a valid URL";
        QTest::newRow("db") << "redis://:pw@host/x"
                            << "bad database number";
        QTest::newRow("user") << "redis://bob:pw@host"
                              << "user name";
        QTest::newRow("relative unix") << "unix:redis.sock"
                                       << "absolute";
        QTest::newRow("unix param") << "unix:/r.sock?tls=1"
                                    << "unknown parameter";
    }

    void badRedisUrlsAreClearErrors()
    {
        QFETCH(QString, url);
        QFETCH(QString, why);
        ServerConfig c;
        const auto error = load({QStringLiteral("--redis"), url}, {}, c);
        QVERIFY(error);
        QVERIFY2(error->contains(QStringLiteral("invalid Redis URL")), qPrintable(*error));
        QVERIFY2(error->contains(why), qPrintable(*error));
        QVERIFY2(error->contains(QStringLiteral("redis://[:password@]host")), qPrintable(*error));
        QVERIFY2(!error->contains(QStringLiteral(":pw@")),
                 qPrintable(*error)); // no password echoed
    }

    void defaultsMatchTheProtocol()
    {
        ServerConfig c;
        QVERIFY(!load({}, {}, c));
        QCOMPARE(c.port, quint16(7300));
        QCOMPARE(c.limits.maxTextBytes, 4096);
        QCOMPARE(c.limits.maxFrameBytes, 65536);
        QCOMPARE(c.limits.ratePerSec, 10.0);
        QCOMPARE(c.limits.burst, 8);
        QCOMPARE(c.limits.maxQueueBytes, 1048576);
        QCOMPARE(c.pingIntervalMs, 30000);
        QCOMPARE(c.idleTimeoutMs, 60000);
        QCOMPARE(c.helloTimeoutMs, 10000);
    }

    void commandLineWinsOverEnvironmentOverIni()
    {
        QTemporaryFile ini;
        QVERIFY(ini.open());
        ini.write("port=7001\nname=from-ini\nburst=3\nrate=2.5\n");
        ini.close();
        QProcessEnvironment env;
        env.insert(QStringLiteral("CONFAB_PORT"), QStringLiteral("7002"));
        env.insert(QStringLiteral("CONFAB_NAME"), QStringLiteral("from-env"));
        ServerConfig c;
        QVERIFY(!load({"--config", ini.fileName(), "--port", "7003"}, env, c));
        QCOMPARE(c.port, quint16(7003));
        QCOMPARE(c.name, QStringLiteral("from-env"));
        QCOMPARE(c.limits.burst, 3);
        QCOMPARE(c.limits.ratePerSec, 2.5);
    }

    void everyOptionIsAccepted()
    {
        ServerConfig c;
        QVERIFY(!load({"--bind",
                       "127.0.0.1",
                       "--port",
                       "0",
                       "--name",
                       "n",
                       "--password",
                       "pw",
                       "--api-token",
                       "tok",
                       "--data-dir",
                       "/tmp/x",
                       "--rate",
                       "20",
                       "--burst",
                       "9",
                       "--max-text-bytes",
                       "100",
                       "--max-connections",
                       "5",
                       "--max-queue-bytes",
                       "8192",
                       "--log-level",
                       "debug"},
                      {}, c));
        QCOMPARE(c.bind, QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(c.password, QStringLiteral("pw"));
        QCOMPARE(c.apiToken, QStringLiteral("tok"));
        QCOMPARE(c.dataDir, QStringLiteral("/tmp/x"));
        QCOMPARE(c.limits.maxTextBytes, 100);
        QCOMPARE(c.maxConnections, 5);
        QCOMPARE(c.limits.maxQueueBytes, 8192);
        QCOMPARE(c.logLevel, QStringLiteral("debug"));
    }

    void badValuesAreErrorsNamingTheSource_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("envName");
        QTest::addColumn<QString>("envValue");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("port text") << QStringList{"--port", "abc"} << ""
                                   << ""
                                   << "--port";
        QTest::newRow("port range") << QStringList{"--port", "70000"} << ""
                                    << ""
                                    << "--port";
        QTest::newRow("rate zero") << QStringList{"--rate", "0"} << ""
                                   << ""
                                   << "--rate";
        QTest::newRow("burst neg") << QStringList{"--burst", "-1"} << ""
                                   << ""
                                   << "--burst";
        QTest::newRow("bind") << QStringList{"--bind", "nowhere"} << ""
                              << ""
                              << "--bind";
        QTest::newRow("level") << QStringList{"--log-level", "loud"} << ""
                               << ""
                               << "--log-level";
        QTest::newRow("trusted proxy") << QStringList{"--trusted-proxy", "10.0.0.1,caddy"} << ""
                                       << ""
                                       << "--trusted-proxy";
        QTest::newRow("trusted subnet") << QStringList{} << "CONFAB_TRUSTED_PROXY"
                                        << "10.0.0.0/33"
                                        << "CONFAB_TRUSTED_PROXY";
        QTest::newRow("env") << QStringList{} << "CONFAB_MAX_CONNECTIONS"
                             << "lots"
                             << "CONFAB_MAX_CONNECTIONS";
    }
    void badValuesAreErrorsNamingTheSource()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, envName);
        QFETCH(QString, envValue);
        QFETCH(QString, mentions);
        QProcessEnvironment env;
        if (!envName.isEmpty())
            env.insert(envName, envValue);
        ServerConfig c;
        const auto error = load(args, env, c);
        QVERIFY(error);
        QVERIFY2(error->contains(mentions), qPrintable(*error));
    }

    // 1.1: the operator password and the trusted proxies, from each source; ini keys may spell
    // the dashes as underscores.
    void operatorSettings()
    {
        ServerConfig fromArgs;
        QVERIFY(!load({"--op-password", "op1", "--trusted-proxy", "172.28.0.10, 10.1.0.0/16,::1"},
                      {}, fromArgs));
        QCOMPARE(fromArgs.opPassword, QStringLiteral("op1"));
        const QList<QPair<QHostAddress, int>> proxies{
            {QHostAddress(QStringLiteral("172.28.0.10")), 32},
            {QHostAddress(QStringLiteral("10.1.0.0")), 16},
            {QHostAddress(QStringLiteral("::1")), 128}};
        QCOMPARE(fromArgs.trustedProxies, proxies);

        QProcessEnvironment env;
        env.insert(QStringLiteral("CONFAB_OP_PASSWORD"), QStringLiteral("op2"));
        env.insert(QStringLiteral("CONFAB_TRUSTED_PROXY"), QStringLiteral("127.0.0.1"));
        ServerConfig fromEnv;
        QVERIFY(!load({}, env, fromEnv));
        QCOMPARE(fromEnv.opPassword, QStringLiteral("op2"));
        QCOMPARE(fromEnv.trustedProxies.size(), 1);

        QTemporaryFile ini;
        QVERIFY(ini.open());
        ini.write("op_password=op3\ntrusted_proxy=10.0.0.1,10.0.0.2\n");
        ini.close();
        ServerConfig fromIni;
        QVERIFY(!load({"--config", ini.fileName()}, {}, fromIni));
        QCOMPARE(fromIni.opPassword, QStringLiteral("op3"));
        QCOMPARE(fromIni.trustedProxies.size(), 2);

        ServerConfig none;
        QVERIFY(!load({}, {}, none));
        QVERIFY(none.opPassword.isEmpty());
        QVERIFY(none.trustedProxies.isEmpty());
    }

    void unknownIniKeyIsAnError()
    {
        QTemporaryFile ini;
        QVERIFY(ini.open());
        ini.write("prot=7001\n");
        ini.close();
        ServerConfig c;
        const auto error = load({"--config", ini.fileName()}, {}, c);
        QVERIFY(error);
        QVERIFY(error->contains(QStringLiteral("prot")));
    }

    void missingConfigFileIsAnError()
    {
        ServerConfig c;
        QVERIFY(load({"--config", "/nonexistent/confab.ini"}, {}, c));
    }
};

QTEST_GUILESS_MAIN(TestConfigLoader)
#include "tst_configloader.moc"
