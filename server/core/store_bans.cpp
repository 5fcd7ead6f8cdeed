// 1.1 operators' bans in SQLite (schema step 3): saved with the group commit like every write,
// read after a commit (so a ban saved this turn is seen), and pruned when an expired one is met.
// And who is an operator (step 4), which no ban can touch.
#include "logging.h"
#include "store.h"
#include "user.h"

#include <QDateTime>
#include <QSqlError>

namespace confab {

namespace {
// Bound as text, never as NULL (a null QString binds NULL; the columns are NOT NULL).
QString text(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}
} // namespace

qint64 Store::nowMs() const
{
    return m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch();
}

void Store::saveBan(const Ban &ban, const protocol::UserInfo &by, Then<bool> then)
{
    write([&] {
        QSqlQuery q = prepare(QStringLiteral(
            "INSERT INTO bans(user_id, ip, until_ms, reason, by_id, by_nick) VALUES (?, ?, ?, ?,"
            " ?, ?) ON CONFLICT(user_id, ip) DO UPDATE SET until_ms = excluded.until_ms,"
            " reason = excluded.reason, by_id = excluded.by_id, by_nick = excluded.by_nick"));
        q.addBindValue(text(ban.userId));
        q.addBindValue(text(ban.ip));
        q.addBindValue(ban.untilMs);
        q.addBindValue(text(ban.reason));
        q.addBindValue(text(by.id));
        q.addBindValue(text(by.nick));
        exec(q, "save ban");
    });
    then(true);
}

void Store::removeBan(const QString &userId, Then<bool> then)
{
    write([&] {
        QSqlQuery q = prepare(QStringLiteral("DELETE FROM bans WHERE user_id = ?"));
        q.addBindValue(text(userId));
        exec(q, "remove ban");
    });
    then(true);
}

void Store::findBan(const QString &userId, const QString &ip, Then<std::optional<Ban>> then)
{
    // Two look-ups, each on its index (an OR of the two was planned as a scan of every ban:
    // tst_queryplans). No user id is empty; "ip <> ''" lets the partial index bans_ip serve.
    QSqlQuery &q = cached(
        QStringLiteral("SELECT user_id, ip, until_ms, reason FROM bans WHERE user_id = ? UNION ALL"
                       " SELECT user_id, ip, until_ms, reason FROM bans WHERE ip = ? AND ip <> ''"
                       " ORDER BY until_ms DESC"));
    q.addBindValue(text(userId));
    q.addBindValue(text(ip));
    if (!exec(q, "find ban"))
        return then(std::nullopt);
    const qint64 now = nowMs();
    std::optional<Ban> found;
    bool expired = false;
    while (q.next()) {
        const Ban ban{q.value(0).toString(), q.value(1).toString(), q.value(2).toLongLong(),
                      q.value(3).toString()};
        if (ban.untilMs > now) {
            if (!found)
                found = ban; // the one that ends last
        } else {
            expired = true;
        }
    }
    q.finish();
    if (expired) { // ended: nothing keeps it
        write([&] {
            QSqlQuery prune = prepare(QStringLiteral("DELETE FROM bans WHERE until_ms <= ?"));
            prune.addBindValue(now);
            exec(prune, "prune bans");
        });
    }
    then(std::make_optional(found));
}

void Store::saveOperator(const User &user)
{
    // A guest's id is its connection's: the hub knows it while it is online, and it never
    // comes back.
    if (user.tokenHash.isEmpty())
        return;
    write([&, id = user.id] {
        QSqlQuery q =
            prepare(QStringLiteral("INSERT OR IGNORE INTO operators(user_id) VALUES (?)"));
        q.addBindValue(text(id));
        exec(q, "save operator");
    });
}

void Store::isOperator(const QString &userId, Then<bool> then)
{
    QSqlQuery &q = cached(QStringLiteral("SELECT 1 FROM operators WHERE user_id = ?"));
    q.addBindValue(text(userId));
    if (!exec(q, "find operator"))
        return then(std::nullopt);
    const bool found = q.next();
    q.finish();
    then(found);
}

} // namespace confab
