#include "lanbeacon.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkDatagram>
#include <QNetworkInterface>
#include <QUuid>

namespace confab::client {

using namespace Qt::StringLiterals;

LanBeacon::LanBeacon(QObject *parent)
    : QObject(parent)
{
    connect(&m_timer, &QTimer::timeout, this, &LanBeacon::announce);
}

QList<QHostAddress> LanBeacon::broadcastTargets()
{
    QList<QHostAddress> targets;
    const auto interfaces = QNetworkInterface::allInterfaces();
    for (const QNetworkInterface &iface : interfaces) {
        const auto flags = iface.flags();
        if (!(flags & QNetworkInterface::IsUp) || !(flags & QNetworkInterface::CanBroadcast)
            || (flags & QNetworkInterface::IsLoopBack))
            continue;
        for (const QNetworkAddressEntry &entry : iface.addressEntries()) {
            if (!entry.broadcast().isNull() && !targets.contains(entry.broadcast()))
                targets.append(entry.broadcast());
        }
    }
    return targets;
}

void LanBeacon::setTargets(const QList<QHostAddress> &targets, quint16 discoveryPort)
{
    m_targets = targets;
    m_port = discoveryPort;
}

QByteArray LanBeacon::encode(const Announcement &a)
{
    return QJsonDocument(QJsonObject{{"confab"_L1, 1},
                                     {"instance"_L1, a.instance},
                                     {"name"_L1, a.name},
                                     {"port"_L1, a.port},
                                     {"password"_L1, a.password}})
        .toJson(QJsonDocument::Compact);
}

std::optional<LanBeacon::Announcement> LanBeacon::decode(const QByteArray &datagram)
{
    if (datagram.size() > LanDiscovery::MaxDatagramBytes)
        return std::nullopt;
    const QJsonObject o = QJsonDocument::fromJson(datagram).object();
    const int port = o.value("port"_L1).toInt(0);
    const QString name = o.value("name"_L1).toString();
    const QString instance = o.value("instance"_L1).toString();
    if (o.value("confab"_L1).toInt() != 1 || port < 1 || port > 65535 || name.isEmpty()
        || name.size() > 64 || instance.isEmpty() || instance.size() > 64)
        return std::nullopt;
    return Announcement{instance, name, quint16(port), o.value("password"_L1).toBool()};
}

void LanBeacon::start(const Announcement &announcement, int intervalMs)
{
    Announcement a = announcement;
    if (a.instance.isEmpty())
        a.instance = QUuid::createUuid().toString(QUuid::WithoutBraces);
    m_datagram = encode(a);
    announce();
    m_timer.start(intervalMs);
}

void LanBeacon::stop()
{
    m_timer.stop();
}

void LanBeacon::announce()
{
    for (const QHostAddress &target : std::as_const(m_targets))
        m_socket.writeDatagram(m_datagram, target, m_port);
}

LanDiscovery::LanDiscovery(QObject *parent)
    : QAbstractListModel(parent)
{
    connect(&m_socket, &QUdpSocket::readyRead, this, &LanDiscovery::readDatagrams);
    connect(&m_expiryTimer, &QTimer::timeout, this, &LanDiscovery::expire);
    m_expiryTimer.start(1000);
}

void LanDiscovery::setPort(int port)
{
    if (port == m_port && listening())
        return;
    m_port = port;
    listen();
}

bool LanDiscovery::listen()
{
    m_socket.close();
    // Several Confab windows on one machine may all listen.
    const bool ok = m_socket.bind(QHostAddress::AnyIPv4, quint16(m_port),
                                  QUdpSocket::ShareAddress | QUdpSocket::ReuseAddressHint);
    if (ok)
        m_port = m_socket.localPort();
    Q_EMIT listeningChanged();
    return ok;
}

void LanDiscovery::readDatagrams()
{
    while (m_socket.hasPendingDatagrams()) {
        const QNetworkDatagram datagram = m_socket.receiveDatagram(MaxDatagramBytes + 1);
        const auto a = LanBeacon::decode(datagram.data());
        if (!a)
            continue;
        QHostAddress sender = datagram.senderAddress();
        if (sender.protocol() == QAbstractSocket::IPv6Protocol) {
            bool isV4 = false;
            const quint32 v4 = sender.toIPv4Address(&isV4);
            if (isV4)
                sender = QHostAddress(v4);
        }
        const QString address = u"%1:%2"_s.arg(sender.toString()).arg(a->port);
        auto it = std::find_if(m_hosts.begin(), m_hosts.end(),
                               [&](const Host &h) { return h.instance == a->instance; });
        if (it != m_hosts.end()) {
            it->seen.restart();
            if (it->name != a->name || it->address != address || it->password != a->password) {
                it->name = a->name;
                it->address = address;
                it->password = a->password;
                const QModelIndex i = index(int(it - m_hosts.begin()));
                Q_EMIT dataChanged(i, i);
            }
            continue;
        }
        if (m_hosts.size() >= MaxHosts)
            continue;
        Host host{a->instance, a->name, address, a->password, {}};
        host.seen.start();
        beginInsertRows({}, int(m_hosts.size()), int(m_hosts.size()));
        m_hosts.append(host);
        endInsertRows();
        Q_EMIT countChanged();
    }
}

void LanDiscovery::expire()
{
    for (int i = int(m_hosts.size()) - 1; i >= 0; --i) {
        if (m_hosts[i].seen.elapsed() > m_expiryMs) {
            beginRemoveRows({}, i, i);
            m_hosts.removeAt(i);
            endRemoveRows();
            Q_EMIT countChanged();
        }
    }
}

int LanDiscovery::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_hosts.size());
}

QVariant LanDiscovery::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Host &h = m_hosts.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return h.name;
    case AddressRole:
        return h.address;
    case PasswordRole:
        return h.password;
    }
    return {};
}

QHash<int, QByteArray> LanDiscovery::roleNames() const
{
    return {{NameRole, "name"}, {AddressRole, "address"}, {PasswordRole, "password"}};
}

} // namespace confab::client
