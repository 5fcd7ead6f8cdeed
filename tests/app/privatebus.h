// A D-Bus daemon of the test's own (package dbus-daemon), so that tests of the app's D-Bus
// clients never touch the machine's buses. Stopped when it goes out of scope.
#pragma once

#include "testclient.h" // waitMs()

#include <QByteArray>
#include <QProcess>
#include <QTest>

namespace confab::test {

class PrivateBus
{
public:
    ~PrivateBus()
    {
        m_daemon.kill();
        m_daemon.waitForFinished();
    }
    // Starts the daemon; returns its address, empty on failure.
    QByteArray start()
    {
        m_daemon.start(QStringLiteral("dbus-daemon"),
                       {"--session", "--nofork", "--nopidfile", "--print-address"});
        if (!m_daemon.waitForStarted(waitMs())
            || !QTest::qWaitFor([this] { return m_daemon.canReadLine(); }, waitMs()))
            return {};
        return m_daemon.readLine().trimmed();
    }

private:
    QProcess m_daemon;
};

} // namespace confab::test
