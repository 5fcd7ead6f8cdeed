// LAN discovery, both halves. A hosting app announces itself with a small UDP datagram every
// couple of seconds; the Join screen listens and lists the hosts it hears, each joinable with
// one click. Datagrams are untrusted input: size-capped, validated, and the list is bounded.
#pragma once

#include <QAbstractListModel>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QTimer>
#include <QUdpSocket>
#include <QtQml/qqmlregistration.h>

namespace confab::client {

// The UDP port beacons go to (the chat's TCP port number, on UDP).
inline constexpr quint16 DiscoveryPort = 7300;

class LanBeacon : public QObject
{
    Q_OBJECT
public:
    struct Announcement {
        QString instance; // random per run, so a host is listed once
        QString name;
        quint16 port = 0;
        bool password = false;
    };

    explicit LanBeacon(QObject *parent = nullptr);

    // Where to send: the LAN's broadcast addresses, or only loopback (a host that listens only
    // on loopback, and tests).
    void setTargets(const QList<QHostAddress> &targets, quint16 discoveryPort = DiscoveryPort);
    static QList<QHostAddress> broadcastTargets();
    void start(const Announcement &announcement, int intervalMs = 2000);
    void stop();
    bool isRunning() const { return m_timer.isActive(); }

    static QByteArray encode(const Announcement &a);
    static std::optional<Announcement> decode(const QByteArray &datagram);

private:
    void announce();

    QUdpSocket m_socket;
    QTimer m_timer;
    QList<QHostAddress> m_targets;
    quint16 m_port = DiscoveryPort;
    QByteArray m_datagram;
};

class LanDiscovery : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    Q_PROPERTY(bool listening READ listening NOTIFY listeningChanged)
    Q_PROPERTY(int port READ port WRITE setPort NOTIFY listeningChanged)
    Q_PROPERTY(int expiryMs MEMBER m_expiryMs)
public:
    enum Role { NameRole = Qt::UserRole + 1, AddressRole, PasswordRole };
    static constexpr int MaxHosts = 50;
    static constexpr int MaxDatagramBytes = 512;

    explicit LanDiscovery(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    bool listening() const { return m_socket.state() == QAbstractSocket::BoundState; }
    int port() const { return m_port; }
    // Port 0 picks a free one (tests). Listening starts at once.
    void setPort(int port);
    Q_INVOKABLE bool listen();

Q_SIGNALS:
    void countChanged();
    void listeningChanged();

private:
    struct Host {
        QString instance;
        QString name;
        QString address; // host:port to join
        bool password = false;
        QElapsedTimer seen;
    };
    void readDatagrams();
    void expire();

    QUdpSocket m_socket;
    QTimer m_expiryTimer;
    QList<Host> m_hosts;
    int m_port = DiscoveryPort;
    int m_expiryMs = 7000;
};

} // namespace confab::client
