// A whole Confab server: storage, protocol hub, the listening port with its HTTP routes, and
// keep-alive. The headless binary and the desktop app's host mode both run one of these.
#pragma once

#include "serverconfig.h"

#include <QHostAddress>
#include <QObject>
#include <QStringList>
#include <QTimer>
#include <memory>
#include <optional>

namespace confab {

class FrontDoor;
class HeapTrimmer;
class HttpApi;
class Hub;
class RedisStorage;
class Storage;
class Store;
class WriteBatch;
struct Metrics;

class ChatServer : public QObject
{
    Q_OBJECT
public:
    explicit ChatServer(ServerConfig config, QObject *parent = nullptr);
    ~ChatServer() override;

    // Opens the store and starts listening. Returns an error message on failure.
    std::optional<QString> start();
    // The port actually bound (useful with port 0).
    quint16 port() const;
    // The web client's address for each address a server bound to `bind` is reached at (every
    // LAN IPv4 address when bound to all of them).
    static QStringList webLinks(const QHostAddress &bind, quint16 port);
    // The addresses a server bound to `bind` is reached at: every LAN IPv4 address (loopback
    // when there is none) when bound to all of them, else the bound address.
    static QList<QHostAddress> reachableAddresses(const QHostAddress &bind);
    // "192.168.1.20:7300", or "[fe80::1]:7300".
    static QString hostAndPort(const QHostAddress &address, quint16 port);
    const ServerConfig &config() const { return m_config; }

    // Graceful stop: stops listening, closes every client with 1001, writes everything, and
    // emits stopped() when the clients are gone (or after a short grace).
    void stop();

    Hub &hub() { return *m_hub; }
    Metrics &metrics() { return *m_metrics; }
    // Cluster mode's storage; nullptr on one server.
    RedisStorage *redisStorage() { return m_redis.get(); }

Q_SIGNALS:
    void stopped();

private:
    void keepAlive();
    void finishStop();

    ServerConfig m_config;
    std::unique_ptr<Metrics> m_metrics;
    std::unique_ptr<Store> m_sqlite;       // one server
    std::unique_ptr<RedisStorage> m_redis; // cluster mode (config.redis)
    Storage *m_store;                      // whichever of the two
    WriteBatch *m_writes;                  // a child: lives on this server's thread
    std::unique_ptr<Hub> m_hub;
    std::unique_ptr<HttpApi> m_http;
    FrontDoor *m_door;      // a child, so that tests can look at the sockets it holds
    HeapTrimmer *m_trimmer; // a child: gives back what a burst of queued frames left
    QTimer m_keepAlive;
    QTimer m_stopGrace;
    bool m_stopping = false;
    bool m_stopped = false;
    bool m_redisRetired = false;
};

} // namespace confab
