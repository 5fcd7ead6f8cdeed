#include "clientaddress.h"

namespace confab {

bool isTrustedProxy(const QHostAddress &address, const QList<QPair<QHostAddress, int>> &trusted)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4); // also for ::ffff:a.b.c.d
    const QHostAddress plain = isV4 ? QHostAddress(v4) : address;
    for (const auto &subnet : trusted) {
        if (plain.isInSubnet(subnet) || address.isInSubnet(subnet))
            return true;
    }
    return false;
}

QHostAddress clientAddress(const QHostAddress &peer, const QByteArray &forwardedFor,
                           const QList<QPair<QHostAddress, int>> &trusted)
{
    if (forwardedFor.trimmed().isEmpty() || !isTrustedProxy(peer, trusted))
        return peer;
    const QList<QByteArray> entries = forwardedFor.split(',');
    QHostAddress client;
    for (qsizetype i = entries.size() - 1; i >= 0; --i) {
        QByteArray entry = entries[i].trimmed();
        if (entry.startsWith('[') && entry.contains(']')) // [v6] or [v6]:port
            entry = entry.mid(1, entry.indexOf(']') - 1);
        if (!client.setAddress(QString::fromLatin1(entry)))
            return peer;
        if (!isTrustedProxy(client, trusted))
            return client;
    }
    return client;
}

QString addressText(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4).toString() : address.toString();
}

} // namespace confab
