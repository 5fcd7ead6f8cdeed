// Runs Debian's caddy with the shipped Caddyfile (packaging/docker/Caddyfile) for the packaging
// tests: every setting the file leaves open comes from its environment placeholders, and caddy's
// data (its local CA) lives in the test's own home directory.
#pragma once

#include <QHostAddress>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>

namespace confab::test {

inline quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

inline bool portAnswers(quint16 port)
{
    QTcpSocket probe;
    probe.connectToHost(QHostAddress::LocalHost, port);
    return probe.waitForConnected(200);
}

inline QString caddyExecutable()
{
    return QStandardPaths::findExecutable(QStringLiteral("caddy"));
}

struct CaddySettings {
    QString site;     // CONFAB_SITE
    QString upstream; // CONFAB_UPSTREAM: one address, or several separated by spaces
    quint16 httpPort = 0;
    quint16 httpsPort = 0;
};

// Starts caddy; the caller waits for its port to answer.
inline bool startCaddy(QProcess &caddy, const QTemporaryDir &home, const CaddySettings &settings)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("CONFAB_SITE"), settings.site);
    env.insert(QStringLiteral("CONFAB_UPSTREAM"), settings.upstream);
    env.insert(QStringLiteral("CADDY_ADMIN"), QStringLiteral("off"));
    env.insert(QStringLiteral("CADDY_HTTP_PORT"), QString::number(settings.httpPort));
    env.insert(QStringLiteral("CADDY_HTTPS_PORT"), QString::number(settings.httpsPort));
    env.insert(QStringLiteral("HOME"), home.path());
    env.insert(QStringLiteral("XDG_DATA_HOME"), home.filePath(QStringLiteral("data")));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.filePath(QStringLiteral("config")));
    caddy.setProcessEnvironment(env);
    caddy.setProcessChannelMode(QProcess::MergedChannels);
    caddy.start(caddyExecutable(), {QStringLiteral("run"), QStringLiteral("--config"),
                                    QStringLiteral(CONFAB_CADDYFILE), QStringLiteral("--adapter"),
                                    QStringLiteral("caddyfile")});
    return caddy.waitForStarted();
}

inline void stopProcess(QProcess &process)
{
    if (process.state() == QProcess::NotRunning)
        return;
    process.terminate();
    if (!process.waitForFinished(5000))
        process.kill();
    process.waitForFinished(1000);
}

} // namespace confab::test
