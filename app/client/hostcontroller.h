// Host mode: runs a whole Confab server core inside the app, on a worker thread of its own so
// that a busy room never stutters the UI, and tells which addresses others can join.
//
// The UI thread never waits for that thread: start() and stop() post the work there and return;
// `running` (or `error`) changes when the work is done. A start right after a stop waits, on
// the host thread, until the old server has let go of the port. Only the destructor (the app
// quitting) waits for the thread to end.
#pragma once

#include "dnssdpublisher.h"
#include "lanbeacon.h"

#include <QObject>
#include <QStringList>
#include <QtQml/qqmlregistration.h>
#include <memory>
#include <optional>

class QThread;

namespace confab {
class ChatServer;
}

namespace confab::client {

class HostController : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(bool running READ running NOTIFY runningChanged)
    // Between start() and running (or error).
    Q_PROPERTY(bool starting READ starting NOTIFY startingChanged)
    Q_PROPERTY(int port READ port NOTIFY runningChanged)
    Q_PROPERTY(QStringList addresses READ addresses NOTIFY runningChanged)
    // http://address:port/ for each address: the web client, for browsers and phones.
    Q_PROPERTY(QStringList webLinks READ webLinks NOTIFY runningChanged)
    Q_PROPERTY(QString localAddress READ localAddress NOTIFY runningChanged)
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    // 1.1: the operator password of this hosting session, made at random by start(): the app's
    // own client gives it, so the host is an operator and nobody else is (unless told it).
    Q_PROPERTY(QString opPassword READ opPassword NOTIFY runningChanged)
    Q_PROPERTY(QString dataDir READ dataDir WRITE setDataDir NOTIFY dataDirChanged)
    Q_PROPERTY(QString bindAddress MEMBER m_bindAddress)
    // Announce the host on the LAN (UDP beacon) while it runs. On by default.
    Q_PROPERTY(bool announce MEMBER m_announce)
    // Where beacons go; 0 means the standard discovery port (tests use their own).
    Q_PROPERTY(int discoveryPort MEMBER m_discoveryPort)
public:
    explicit HostController(QObject *parent = nullptr);
    ~HostController() override;

    // Starts the embedded server (port 0 picks a free one): running becomes true, or error is
    // set, once it listens or has failed.
    Q_INVOKABLE void start(int port, const QString &password, const QString &serverName);
    // Graceful: every client is told to reconnect (1001). Returns at once; running is false.
    Q_INVOKABLE void stop();

    bool running() const { return m_running; }
    bool starting() const { return m_starting; }
    int port() const { return m_port; }
    QStringList addresses() const;
    QStringList webLinks() const;
    QString localAddress() const;
    QString error() const { return m_error; }
    QString opPassword() const { return m_opPassword; }
    QString dataDir() const { return m_dataDir; }
    void setDataDir(const QString &dir);

Q_SIGNALS:
    void runningChanged();
    void startingChanged();
    // The server has stopped and let go of its port.
    void stopped();
    void errorChanged();
    void dataDirChanged();

private:
    struct Worker;
    void ensureThread();
    void started(const std::optional<QString> &error, int port, bool loopbackOnly, bool password,
                 const QString &name);

    QThread *m_thread = nullptr;
    QObject *m_context = nullptr;     // lives in m_thread
    std::shared_ptr<Worker> m_worker; // used only on m_thread
    bool m_running = false;
    bool m_starting = false;
    bool m_wanted = false; // the last call was start(), not stop()
    int m_port = 0;
    QString m_error;
    QString m_opPassword;
    QString m_dataDir;
    QString m_bindAddress;
    bool m_announce = true;
    int m_discoveryPort = 0;
    LanBeacon m_beacon;
    DnsSdPublisher m_dnssd;
};

} // namespace confab::client
