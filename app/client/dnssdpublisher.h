// DNS-SD where it is available: a hosting app registers `_confab._tcp` with Avahi over D-Bus,
// so any DNS-SD browser on the LAN sees it, next to the UDP beacon. Every call is
// asynchronous; without Avahi (no system bus, or no service) nothing happens.
#pragma once

#include <QDBusObjectPath>
#include <QObject>

namespace confab::client {

class DnsSdPublisher : public QObject
{
    Q_OBJECT
public:
    static constexpr const char *ServiceType = "_confab._tcp";

    using QObject::QObject;
    ~DnsSdPublisher() override;

    void publish(const QString &name, quint16 port, bool password);
    void withdraw();
    bool isPublished() const { return !m_group.path().isEmpty(); }

Q_SIGNALS:
    // ok is false when Avahi is missing or refused the service.
    void finished(bool ok);

private:
    QDBusObjectPath m_group;
    quint64 m_generation = 0; // a withdraw cancels a publish still under way
};

} // namespace confab::client
