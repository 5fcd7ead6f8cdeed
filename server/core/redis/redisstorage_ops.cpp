// RedisStorage: operators across the cluster. A ban is a key per user id and per address the
// user was seen at, each expiring when the ban ends, so it holds on every server and survives
// their restarts; saving one also reaches the other servers (remoteBan), which add the addresses
// they see the user at and close its connections there. A kick is relayed (remoteKick): the
// kicked user may be in the room through other servers. (Who is an operator, asked before a
// ban, is kept with the users: redisstorage.cpp.)
#include "redisstorage.h"

#include <QDateTime>
#include <QJsonDocument>

namespace confab {

namespace {

QByteArray banKey(const QString &userId, const char *part = "")
{
    return "confab:ban:{" + userId.toUtf8() + "}" + part;
}

QByteArray ipBanKey(const QString &ip)
{
    return "confab:ban:ip:{" + ip.toUtf8() + "}";
}

QJsonObject banJson(const Ban &ban)
{
    return {{"user", ban.userId},
            {"ip", ban.ip},
            {"until", ban.untilMs},
            {"reason", ban.reason},
            {"address", ban.address}};
}

Ban banFromJson(const QJsonObject &o)
{
    return {o.value("user").toString(), o.value("ip").toString(), o.value("until").toInteger(),
            o.value("reason").toString(), o.value("address").toBool(true)};
}

} // namespace

void RedisStorage::saveBan(const Ban &ban, const protocol::UserInfo &by, Then<bool> then)
{
    remember(ban);
    const QByteArray json = protocol::encode(banJson(ban));
    const QByteArray until = QByteArray::number(ban.untilMs);
    if (ban.untilMs <= QDateTime::currentMSecsSinceEpoch())
        return then(true); // over already: nothing to keep
    // Every command's answer comes in order on one connection: the last one answers for all.
    auto failed = std::make_shared<bool>(false);
    auto check = [failed](const RedisReply &r) {
        if (!r.ok())
            *failed = true;
    };
    bool sent = call({"SET", banKey(ban.userId), json, "PXAT", until}, check);
    if (!ban.ip.isEmpty()) {
        // Which addresses the ban holds, so that unban lifts them all.
        sent = sent && call({"SET", ipBanKey(ban.ip), json, "PXAT", until}, check);
        sent = sent && call({"SADD", banKey(ban.userId, ":ips"), ban.ip.toUtf8()}, check);
        sent = sent && call({"PEXPIREAT", banKey(ban.userId, ":ips"), until, "NX"}, {});
        sent = sent && call({"PEXPIREAT", banKey(ban.userId, ":ips"), until, "GT"}, {});
    }
    const QByteArray payload =
        protocol::encode(QJsonObject{{"ban", banJson(ban)}, {"by", protocol::toJson(by)}});
    sent =
        sent
        && call({"PUBLISH", m_channel, event('b', {payload})}, [failed, then](const RedisReply &r) {
               if (!r.ok() || *failed)
                   return then(std::nullopt);
               then(true);
           });
    if (!sent)
        then(std::nullopt);
}

void RedisStorage::remember(const Ban &ban)
{
    m_bansByUser.insert(ban.userId, ban);
    if (!ban.ip.isEmpty())
        m_bansByIp.insert(ban.ip, ban);
}

std::optional<Ban> RedisStorage::rememberedBan(const QString &userId, const QString &ip) const
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (const auto it = m_bansByUser.constFind(userId);
        it != m_bansByUser.cend() && it->untilMs > now)
        return *it;
    if (const auto it = m_bansByIp.constFind(ip);
        !ip.isEmpty() && it != m_bansByIp.cend() && it->untilMs > now)
        return *it;
    return std::nullopt;
}

void RedisStorage::removeBan(const QString &userId, Then<bool> then)
{
    m_bansByUser.remove(userId);
    m_bansByIp.removeIf([&](const auto &entry) { return entry.value().userId == userId; });
    const bool sent =
        call({"SMEMBERS", banKey(userId, ":ips")}, [this, userId, then](const RedisReply &r) {
            if (!r.ok())
                return then(std::nullopt);
            for (const RedisReply &ip : r.elements)
                call({"DEL", ipBanKey(QString::fromUtf8(ip.text))}, {});
            call({"DEL", banKey(userId, ":ips")}, {});
            if (!call({"DEL", banKey(userId)}, [then](const RedisReply &d) {
                    if (!d.ok())
                        return then(std::nullopt);
                    then(d.toInt() > 0);
                }))
                then(std::nullopt);
        });
    if (!sent)
        then(std::nullopt);
}

void RedisStorage::findBan(const QString &userId, const QString &ip, Then<std::optional<Ban>> then)
{
    // Redis out of reach: a hello without a token needs nothing else from it, so it is judged by
    // the bans this server has seen (its own and those relayed to it) rather than refused.
    if (!m_client->isReady())
        return then(std::optional<Ban>(rememberedBan(userId, ip)));
    // A ban's key expires with it; the clock is checked too (a key's expiry is Redis's clock).
    auto parse = [](const RedisReply &r) -> std::optional<Ban> {
        if (r.kind != RedisReply::Kind::String)
            return std::nullopt;
        Ban ban = banFromJson(QJsonDocument::fromJson(r.text).object());
        if (ban.untilMs <= QDateTime::currentMSecsSinceEpoch())
            return std::nullopt;
        return ban;
    };
    if (userId.isEmpty()) { // the address alone
        if (!call({"GET", ipBanKey(ip)}, [parse, then](const RedisReply &r) {
                if (!r.ok())
                    return then(std::nullopt);
                then(parse(r));
            }))
            then(std::nullopt);
        return;
    }
    auto byUser = std::make_shared<RedisReply>();
    bool sent = call({"GET", banKey(userId)}, [byUser, ip, parse, then](const RedisReply &r) {
        if (ip.isEmpty()) {
            if (!r.ok())
                return then(std::nullopt);
            return then(parse(r));
        }
        *byUser = r;
    });
    if (sent && !ip.isEmpty()) {
        sent = call({"GET", ipBanKey(ip)}, [byUser, parse, then](const RedisReply &r) {
            if (!r.ok() || !byUser->ok())
                return then(std::nullopt);
            if (auto ban = parse(*byUser))
                return then(std::optional<Ban>(ban));
            then(parse(r));
        });
    }
    if (!sent)
        then(std::nullopt);
}

void RedisStorage::relayKick(const QString &room, const QString &userId,
                             const protocol::UserInfo &by, const QString &reason)
{
    call({"PUBLISH", m_channel,
          event('k', {protocol::encode(QJsonObject{{"room", room},
                                                   {"user", userId},
                                                   {"by", protocol::toJson(by)},
                                                   {"reason", reason}})})},
         {});
}

void RedisStorage::onOperatorEvent(char kind, const QByteArray &json)
{
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    const auto by = protocol::userFromJson(o.value("by"));
    if (!by)
        return;
    if (kind == 'k')
        Q_EMIT remoteKick(o.value("room").toString(), o.value("user").toString(), *by,
                          o.value("reason").toString());
    else {
        const Ban ban = banFromJson(o.value("ban").toObject());
        remember(ban);
        Q_EMIT remoteBan(ban, *by);
    }
}

} // namespace confab
