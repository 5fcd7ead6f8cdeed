#include "dnssdpublisher.h"

#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcDnsSd, "confab.dnssd", QtInfoMsg)

namespace confab::client {

namespace {
const QString avahi = QStringLiteral("org.freedesktop.Avahi");
const QString serverInterface = QStringLiteral("org.freedesktop.Avahi.Server");
const QString groupInterface = QStringLiteral("org.freedesktop.Avahi.EntryGroup");
constexpr int AnyInterface = -1; // AVAHI_IF_UNSPEC
constexpr int AnyProtocol = -1;  // AVAHI_PROTO_UNSPEC

QDBusMessage groupCall(const QDBusObjectPath &group, const QString &method)
{
    return QDBusMessage::createMethodCall(avahi, group.path(), groupInterface, method);
}
} // namespace

DnsSdPublisher::~DnsSdPublisher()
{
    withdraw();
}

void DnsSdPublisher::publish(const QString &name, quint16 port, bool password)
{
    withdraw();
    QDBusConnection bus = QDBusConnection::systemBus();
    if (!bus.isConnected()) {
        Q_EMIT finished(false);
        return;
    }
    qDBusRegisterMetaType<QByteArrayList>(); // Avahi's TXT records are "aay"
    const quint64 generation = ++m_generation;
    auto *watcher = new QDBusPendingCallWatcher(
        bus.asyncCall(QDBusMessage::createMethodCall(avahi, QStringLiteral("/"), serverInterface,
                                                     QStringLiteral("EntryGroupNew"))),
        this);
    connect(
        watcher, &QDBusPendingCallWatcher::finished, this,
        [this, watcher, generation, name, port, password, bus]() mutable {
            watcher->deleteLater();
            const QDBusPendingReply<QDBusObjectPath> reply = *watcher;
            if (reply.isError() || generation != m_generation) {
                if (reply.isError())
                    qCDebug(lcDnsSd) << "Avahi not available:" << reply.error().message();
                Q_EMIT finished(false);
                return;
            }
            m_group = reply.value();
            QDBusMessage add = groupCall(m_group, QStringLiteral("AddService"));
            const QByteArrayList txt{"protocol=1", password ? "password=1" : "password=0"};
            add << AnyInterface << AnyProtocol << uint(0) << name.left(63)
                << QString::fromLatin1(ServiceType) << QString() << QString()
                << QVariant::fromValue(ushort(port)) // Avahi wants "q", not "i"
                << QVariant::fromValue(txt);
            auto *added = new QDBusPendingCallWatcher(bus.asyncCall(add), this);
            connect(added, &QDBusPendingCallWatcher::finished, this, [this, added, bus]() mutable {
                added->deleteLater();
                if (added->isError()) {
                    qCInfo(lcDnsSd) << "Avahi refused the service:" << added->error().message();
                    Q_EMIT finished(false);
                    return;
                }
                bus.asyncCall(groupCall(m_group, QStringLiteral("Commit")));
                Q_EMIT finished(true);
            });
        });
}

void DnsSdPublisher::withdraw()
{
    ++m_generation;
    if (m_group.path().isEmpty())
        return;
    QDBusConnection::systemBus().asyncCall(groupCall(m_group, QStringLiteral("Free")));
    m_group = QDBusObjectPath();
}

} // namespace confab::client
