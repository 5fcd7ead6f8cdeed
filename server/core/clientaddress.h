// Where a client connects from: the TCP peer, or, when the peer is a reverse proxy the server
// was told to trust (--trusted-proxy), the address that proxy forwards in X-Forwarded-For. IP
// bans and the password throttle count by this address; behind a proxy the peer is the proxy's.
#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>

namespace confab {

// True when the address is one of the trusted proxies (addresses or subnets).
bool isTrustedProxy(const QHostAddress &address, const QList<QPair<QHostAddress, int>> &trusted);

// The client's address. An untrusted peer is the client, whatever it claims. From a trusted one,
// the rightmost address of X-Forwarded-For (repeated headers arrive joined by ", ") that is not
// itself a trusted proxy: each proxy appends the address it was reached from, so what stands
// right of the last trusted hop was written by proxies we trust and what stands left of it may
// be forged by the client. Every entry trusted: the leftmost. No header, or an entry there that
// is not an address: the peer.
QHostAddress clientAddress(const QHostAddress &peer, const QByteArray &forwardedFor,
                           const QList<QPair<QHostAddress, int>> &trusted);

// The address as bans keep it: an IPv4 client reached over IPv6 (::ffff:a.b.c.d) as a.b.c.d, so
// that one client has one spelling.
QString addressText(const QHostAddress &address);

} // namespace confab
