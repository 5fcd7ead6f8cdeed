// Protocol 1.1 in cluster mode. Two RedisStorages on one real redis-server, driven directly
// (without a hub): edits, deletions, reactions and reply_to checked and stored in one Lua step,
// the current state in every answer, deletion erased from what Redis keeps (its keys and its
// rewritten AOF), servers racing on one message, unread, bans and kicks across servers.
// Then whole servers (in-process, each a hub on its own RedisStorage): what a client on one
// server does, seen by a client on the other.
#include "clustersupport.h"
#include "redis/redisstorage.h"
#include "room.h"
#include "servertestmain.h"
#include "testclient.h"
#include "user.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

using namespace confab;
using namespace confab::test;
using protocol::ChatMessage;
using Verdict = EventOutcome::Verdict;

namespace {

// A RedisStorage as a server would have it, with a data directory of its own.
struct Node {
    explicit Node(const RedisServer &r)
        : redis(r)
        , config(clusterConfig(r))
    {
        config.dataDir = dir.path();
        storage = std::make_unique<RedisStorage>(config);
    }
    // Ready when its commands connection is, and its doorbell connection listens.
    bool start()
    {
        const int listening = subscribers();
        return !storage->open()
               && QTest::qWaitFor([&] { return storage->available() && subscribers() > listening; },
                                  waitMs());
    }
    int subscribers() const
    {
        // *2 $13 confab:events :N
        const QList<QByteArray> lines =
            redis.command({"PUBSUB", "NUMSUB", "confab:events"}).split('\n');
        return lines.value(3).mid(1).trimmed().toInt();
    }
    const RedisServer &redis;
    QTemporaryDir dir;
    ServerConfig config;
    std::unique_ptr<RedisStorage> storage;
};

// Runs an asynchronous storage call and waits for its answer (nullopt inside: unavailable).
template <typename T>
std::optional<std::optional<T>> await(const std::function<void(Then<T>)> &start)
{
    std::optional<std::optional<T>> got;
    start([&](std::optional<T> answer) { got = std::move(answer); });
    if (!QTest::qWaitFor([&] { return got.has_value(); }, waitMs()))
        return std::nullopt;
    return got;
}

User user(const QString &name)
{
    return User{"u-" + name, name, "token-hash-" + name, {}, {}};
}

ChatMessage draft(const User &from, const QString &text)
{
    ChatMessage m;
    m.room = QStringLiteral("general");
    m.id = QStringLiteral("m-") + QString::number(QDateTime::currentMSecsSinceEpoch())
           + QString::number(qint64(std::rand()));
    m.from = from.info();
    m.text = text;
    m.ts = QDateTime::currentMSecsSinceEpoch();
    return m;
}

ChatMessage roomEvent(ChatMessage::Kind kind, const User &from, qint64 target,
                      const QString &textOrEmoji = {}, bool on = true)
{
    ChatMessage m = draft(from, kind == ChatMessage::Kind::Edit ? textOrEmoji : QString());
    m.kind = kind;
    m.target = target;
    if (kind == ChatMessage::Kind::Reaction) {
        m.emoji = textOrEmoji;
        m.on = on;
    }
    return m;
}

std::optional<Appended> send(Node &n, Room &room, const ChatMessage &m, const QString &cid = {})
{
    auto a = await<Appended>([&](Then<Appended> then) { n.storage->append(room, m, cid, then); });
    return a ? *a : std::nullopt;
}

std::optional<EventOutcome> apply(Node &n, Room &room, const ChatMessage &e, bool op = false,
                                  const QString &cid = {})
{
    auto a = await<EventOutcome>(
        [&](Then<EventOutcome> then) { n.storage->applyEvent(room, e, cid, op, then); });
    return a ? *a : std::nullopt;
}

QList<ChatMessage> history(Node &n, Room &room)
{
    auto a = await<QList<ChatMessage>>(
        [&](Then<QList<ChatMessage>> then) { n.storage->history(room, 0, 1000000, 200, then); });
    return a && *a ? **a : QList<ChatMessage>{};
}

std::optional<RoomEntry> join(Node &n, Room &room, const User &u, std::optional<qint64> since = {})
{
    auto a = await<RoomEntry>(
        [&](Then<RoomEntry> then) { n.storage->join(room, u, true, since, then); });
    return a ? *a : std::nullopt;
}

// Everything Redis answers of a room's keys, by key: the raw replies of commands that read it all
// (not DUMP: an RDB serialization copies a stream node whole, deleted entries too;
// docs/cluster.md).
QMap<QByteArray, QByteArray> roomKeys(const RedisServer &redis, const QString &room)
{
    QMap<QByteArray, QByteArray> all;
    const QByteArray keys = redis.command({"KEYS", "confab:{" + room.toUtf8() + "}*"});
    for (const QByteArray &line : keys.split('\n')) {
        const QByteArray key = line.trimmed();
        if (!key.startsWith("confab:"))
            continue;
        const QByteArray type = redis.command({"TYPE", key});
        QByteArray &value = all[key];
        if (type.contains("stream"))
            value += redis.command({"XRANGE", key, "-", "+"});
        else if (type.contains("hash"))
            value += redis.command({"HGETALL", key});
        else if (type.contains("zset"))
            value += redis.command({"ZRANGE", key, "0", "-1"});
        else if (type.contains("set"))
            value += redis.command({"SMEMBERS", key});
        else if (type.contains("string"))
            value += redis.command({"GET", key});
    }
    return all;
}

// The keys of the room whose contents hold these bytes, and all of it when none do (so that a
// test checks the dump reads something).
QByteArrayList keysHolding(const RedisServer &redis, const QString &room, const QByteArray &text)
{
    QByteArrayList holding;
    const auto all = roomKeys(redis, room);
    for (auto it = all.cbegin(); it != all.cend(); ++it) {
        if (it.value().contains(text))
            holding.append(it.key());
    }
    return holding;
}

// The bytes of every file in Redis's directory (its AOF), after a rewrite.
QByteArray rewrittenAof(const RedisServer &redis)
{
    const QByteArray dirReply = redis.command({"CONFIG", "GET", "dir"});
    const QList<QByteArray> lines = dirReply.split('\n');
    const QString dir = QString::fromUtf8(lines.value(4).trimmed());
    redis.command({"BGREWRITEAOF"});
    if (!QTest::qWaitFor(
            [&] {
                const QByteArray info = redis.command({"INFO", "persistence"});
                return info.contains("aof_rewrite_in_progress:0")
                       && info.contains("aof_rewrite_scheduled:0")
                       && info.contains("aof_last_bgrewrite_status:ok");
            },
            waitMs()))
        return "rewrite did not finish";
    QTest::qWait(200);
    QByteArray all;
    QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (f.open(QIODevice::ReadOnly))
            all += f.readAll();
    }
    return all.isEmpty() ? QByteArray("no AOF found in " + dir.toUtf8()) : all;
}

} // namespace

class TestCluster11 : public QObject
{
    Q_OBJECT

    std::unique_ptr<RedisServer> m_redis;

    static constexpr const char *OpSecret = "cluster-op-secret-01";

    std::pair<std::unique_ptr<TestServer>, std::unique_ptr<TestServer>>
    twoServers(const QString &opPassword = {})
    {
        ServerConfig config = clusterConfig(*m_redis);
        config.opPassword = opPassword;
        auto a = std::make_unique<TestServer>(config);
        auto b = std::make_unique<TestServer>(config);
        if (!a->start() || !b->start() || !clusterReady(*a) || !clusterReady(*b))
            return {};
        return {std::move(a), std::move(b)};
    }

    static QJsonArray search(TestClient &c, const QString &words)
    {
        return c.request({{"type", "search"}, {"q", words}}).value("messages").toArray();
    }

private Q_SLOTS:
    void initTestCase() { CONFAB_REQUIRE_REDIS(); }

    void init()
    {
        m_redis = std::make_unique<RedisServer>();
        QVERIFY(m_redis->start());
    }

    void cleanup() { m_redis.reset(); }

    void eventsAreCheckedAndStoredInOneStep()
    {
        Node a(*m_redis), b(*m_redis);
        QVERIFY(a.start() && b.start());
        Room ra(QStringLiteral("general"), QString()), rb(QStringLiteral("general"), QString());
        User alice = user("alice"), bob = user("bob");
        QVERIFY(join(a, ra, alice));
        QVERIFY(join(b, rb, bob));
        QSignalSpy onB(b.storage.get(), &Storage::remoteMessage);

        const auto first = send(a, ra, draft(alice, "the secret plan"), "c1");
        QVERIFY(first && !first->duplicate && !first->replyNotFound);
        QCOMPARE(first->message.seq, 1);
        // Only the author edits.
        auto o = apply(a, ra, roomEvent(ChatMessage::Kind::Edit, bob, 1, "bob's words"));
        QVERIFY(o);
        QCOMPARE(o->verdict, Verdict::Forbidden);
        const ChatMessage edit = roomEvent(ChatMessage::Kind::Edit, alice, 1, "the edited plan");
        o = apply(a, ra, edit, false, "e1");
        QVERIFY(o);
        QCOMPARE(o->verdict, Verdict::Stored);
        QCOMPARE(o->event.seq, 2);
        QCOMPARE(o->event.kind, ChatMessage::Kind::Edit);
        QCOMPARE(o->event.text, QStringLiteral("the edited plan"));
        // The edit's id again: the original, nothing stored.
        o = apply(b, rb, edit, false, "e1");
        QVERIFY(o);
        QCOMPARE(o->verdict, Verdict::Duplicate);
        QCOMPARE(o->event.seq, 2);
        // The other server got both in order, the edit as an edit.
        QTRY_COMPARE(onB.size(), 2);
        QCOMPARE(onB.at(1).at(0).value<ChatMessage>().kind, ChatMessage::Kind::Edit);
        QCOMPARE(onB.at(1).at(0).value<ChatMessage>().target, 1);

        // Reactions: a change is stored; no change, nothing; at most MaxEmojiPerMessage emoji.
        o = apply(b, rb, roomEvent(ChatMessage::Kind::Reaction, bob, 1, "👍"));
        QVERIFY(o);
        QCOMPARE(o->verdict, Verdict::Stored);
        QCOMPARE(o->event.seq, 3);
        o = apply(a, ra, roomEvent(ChatMessage::Kind::Reaction, bob, 1, "👍"));
        QVERIFY(o);
        QCOMPARE(o->verdict, Verdict::Unchanged);
        o = apply(a, ra, roomEvent(ChatMessage::Kind::Reaction, alice, 1, "👍"));
        QVERIFY(o);
        QCOMPARE(o->event.seq, 4);
        o = apply(a, ra, roomEvent(ChatMessage::Kind::Reaction, alice, 1, "🎉", false));
        QVERIFY(o);
        QCOMPARE(o->verdict, Verdict::Unchanged);
        const QStringList emoji{"😀", "😁", "😂", "🤣", "😃",    "😄", "😅", "😆", "😉",    "😊",
                                "😋", "😎", "😍", "😘",    "🥰", "😗", "😙", "😚", "🙂", "🤗"};
        // Nineteen more different emoji, from people with MaxEmojiPerUser places each.
        auto person = [](int i) {
            return user(QStringLiteral("p%1").arg(i / protocol::MaxEmojiPerUser));
        };
        for (int i = 0; i < protocol::MaxEmojiPerMessage - 1; ++i) {
            o = apply(i % 2 ? a : b, i % 2 ? ra : rb,
                      roomEvent(ChatMessage::Kind::Reaction, person(i), 1, emoji.at(i)));
            QVERIFY(o);
            QCOMPARE(o->verdict, Verdict::Stored);
        }
        o = apply(a, ra, roomEvent(ChatMessage::Kind::Reaction, bob, 1, emoji.last()));
        QVERIFY(o);
        QCOMPARE(o->verdict, Verdict::TooManyEmoji);
        // One person's own places are bounded too, whichever server it reacts through.
        o = apply(b, rb, roomEvent(ChatMessage::Kind::Reaction, person(0), 1, "👍"));
        QVERIFY(o);
        QCOMPARE(o->verdict, Verdict::TooManyOfYours);
        // A reaction taken back (the last user of that emoji: it goes) makes room again.
        o = apply(a, ra,
                  roomEvent(ChatMessage::Kind::Reaction, person(0), 1, emoji.first(), false));
        QVERIFY(o);
        QCOMPARE(o->verdict, Verdict::Stored);
        const qint64 afterReactions = o->event.seq;
        QCOMPARE(afterReactions, 4 + protocol::MaxEmojiPerMessage - 1 + 1);

        // The current state, on the other server.
        QList<ChatMessage> onOther = history(b, rb);
        QCOMPARE(onOther.size(), afterReactions);
        QCOMPARE(onOther.first().text, QStringLiteral("the edited plan"));
        QCOMPARE(onOther.first().editedTs, std::optional<qint64>(edit.ts));
        QCOMPARE(onOther.first().reactions.value("👍"), (QStringList{"u-bob", "u-alice"}));
        QCOMPARE(onOther.first().reactions.size(), protocol::MaxEmojiPerMessage - 1);
        QVERIFY(!onOther.first().reactions.contains(emoji.first()));
        QCOMPARE(onOther.at(1).kind, ChatMessage::Kind::Edit); // the events themselves unchanged
        QCOMPARE(onOther.at(1).text, QStringLiteral("the edited plan"));

        // reply_to: a message of the room (not an event, not beyond the last seq).
        ChatMessage reply = draft(bob, "a reply");
        reply.replyTo = 2;
        auto r = send(b, rb, reply);
        QVERIFY(r && r->replyNotFound);
        reply.replyTo = 999;
        r = send(b, rb, reply);
        QVERIFY(r && r->replyNotFound);
        reply.replyTo = 1;
        r = send(b, rb, reply);
        QVERIFY(r && !r->replyNotFound);
        QCOMPARE(r->message.seq, afterReactions + 1);
        QCOMPARE(r->message.replyTo, std::optional<qint64>(1));

        // Deletion: by the author or an operator; then the message is gone for every event.
        o = apply(b, rb, roomEvent(ChatMessage::Kind::Delete, bob, 1));
        QVERIFY(o);
        QCOMPARE(o->verdict, Verdict::Forbidden);
        o = apply(b, rb, roomEvent(ChatMessage::Kind::Delete, bob, 1), true);
        QVERIFY(o);
        QCOMPARE(o->verdict, Verdict::Stored);
        const qint64 deletion = o->event.seq;
        for (const ChatMessage &late : {roomEvent(ChatMessage::Kind::Edit, alice, 1, "again"),
                                        roomEvent(ChatMessage::Kind::Reaction, alice, 1, "😀"),
                                        roomEvent(ChatMessage::Kind::Delete, alice, 1)}) {
            o = apply(a, ra, late);
            QVERIFY(o);
            QCOMPARE(o->verdict, Verdict::NotFound);
        }
        // Not a message (an event), or no such seq.
        o = apply(a, ra, roomEvent(ChatMessage::Kind::Edit, alice, 2, "x"));
        QVERIFY(o);
        QCOMPARE(o->verdict, Verdict::NotFound);
        o = apply(a, ra, roomEvent(ChatMessage::Kind::Delete, alice, 9999), true);
        QVERIFY(o);
        QCOMPARE(o->verdict, Verdict::NotFound);
        // A reply may name a deleted message.
        reply.replyTo = 1;
        r = send(a, ra, reply);
        QVERIFY(r && !r->replyNotFound);

        // Every answer: gapless seq, the deleted message blank, its edits' texts and its
        // reactions' emoji blank.
        for (Node *n : {&a, &b}) {
            const QList<ChatMessage> h = history(*n, n == &a ? ra : rb);
            QCOMPARE(h.size(), deletion + 1);
            for (qsizetype i = 0; i < h.size(); ++i)
                QCOMPARE(h.at(i).seq, i + 1);
            QVERIFY(h.first().deleted);
            QCOMPARE(h.first().text, QString());
            QVERIFY(h.first().reactions.isEmpty());
            QVERIFY(!h.first().editedTs);
            QCOMPARE(h.first().from.id, QStringLiteral("u-alice"));
            QCOMPARE(h.at(1).kind, ChatMessage::Kind::Edit);
            QCOMPARE(h.at(1).text, QString());
            QCOMPARE(h.at(2).kind, ChatMessage::Kind::Reaction);
            QCOMPARE(h.at(2).emoji, QString());
            QCOMPARE(h.at(afterReactions).text, QStringLiteral("a reply"));
            QCOMPARE(h.at(deletion - 1).kind, ChatMessage::Kind::Delete);
        }
        // A join's history says the same (since 0: everything).
        User carol = user("carol");
        Room rc(QStringLiteral("general"), QString());
        Node c(*m_redis);
        QVERIFY(c.start());
        const auto entry = join(c, rc, carol, 0);
        QVERIFY(entry);
        QCOMPARE(entry->history.size(), deletion + 1);
        QVERIFY(entry->history.first().deleted);
        QCOMPARE(entry->history.at(1).text, QString());
        // A resend of the deleted message's id answers it as it is now.
        r = send(a, ra, draft(alice, "the secret plan"), "c1");
        QVERIFY(r && r->duplicate);
        QCOMPARE(r->message.seq, 1);
        QVERIFY(r->message.deleted);
        QCOMPARE(r->message.text, QString());

        // Erased for real: no key of the room holds the texts, nor does the rewritten AOF.
        QVERIFY(!keysHolding(*m_redis, "general", "a reply").isEmpty()); // it reads what is there
        for (const QByteArray erased : {"secret plan", "edited plan"}) {
            const QByteArrayList holding = keysHolding(*m_redis, "general", erased);
            QVERIFY2(holding.isEmpty(), holding.join(' ').constData());
        }
        const QByteArray aof = rewrittenAof(*m_redis);
        QVERIFY2(aof.contains("a reply"), aof.left(200).constData());
        QVERIFY(!aof.contains("secret plan"));
        QVERIFY(!aof.contains("edited plan"));
    }

    void aResendFindsWhatAServerBefore11Stored()
    {
        // Before 1.1 the de-duplication key held the message's JSON; it still answers a resend.
        Node a(*m_redis);
        QVERIFY(a.start());
        Room ra(QStringLiteral("general"), QString());
        User alice = user("alice");
        QVERIFY(join(a, ra, alice));
        const auto first = send(a, ra, draft(alice, "stored by 1.0"));
        QVERIFY(first);
        m_redis->command({"SET", "confab:{general}:dedup:u-alice:old-id",
                          protocol::encode(first->message.toJson()), "PX", "60000"});
        const auto again = send(a, ra, draft(alice, "stored by 1.0"), "old-id");
        QVERIFY(again && again->duplicate);
        QCOMPARE(again->message.seq, first->message.seq);
        QCOMPARE(again->message.text, QStringLiteral("stored by 1.0"));
        // And a 1.1 key holds the seq only.
        QVERIFY(send(a, ra, draft(alice, "new"), "new-id"));
        QVERIFY(m_redis->command({"GET", "confab:{general}:dedup:u-alice:new-id"})
                    .startsWith("$1\r\n2"));
    }

    void unreadCountsLiveMessagesAboveTheReadPosition()
    {
        Node a(*m_redis), b(*m_redis);
        QVERIFY(a.start() && b.start());
        Room ra(QStringLiteral("general"), QString()), rb(QStringLiteral("general"), QString());
        User alice = user("alice");
        QVERIFY(join(a, ra, alice));
        for (int i = 1; i <= 6; ++i)
            QVERIFY(send(a, ra, draft(alice, QString::number(i))));
        // 7: an edit of 5; 8: a reaction to 6; 9: deletion of 4; 10: a message.
        QVERIFY(apply(a, ra, roomEvent(ChatMessage::Kind::Edit, alice, 5, "five")));
        QVERIFY(apply(a, ra, roomEvent(ChatMessage::Kind::Reaction, alice, 6, "👍")));
        QVERIFY(apply(a, ra, roomEvent(ChatMessage::Kind::Delete, alice, 4)));
        QVERIFY(send(a, ra, draft(alice, "10")));
        User bob = user("bob");
        for (const auto &[read, unread] : std::initializer_list<std::pair<qint64, qint64>>{
                 {0, 6}, {2, 4}, {3, 3}, {4, 3}, {6, 1}, {9, 1}, {10, 0}, {50, 0}}) {
            bob.reads.insert(QStringLiteral("general"), read);
            const auto entry = join(b, rb, bob, 10);
            QVERIFY(entry);
            QCOMPARE(entry->unread, unread);
        }
    }

    void racingServersKeepOneState()
    {
        Node a(*m_redis), b(*m_redis);
        QVERIFY(a.start() && b.start());
        Room ra(QStringLiteral("general"), QString()), rb(QStringLiteral("general"), QString());
        User alice = user("alice"), bob = user("bob");
        QVERIFY(join(a, ra, alice));
        QVERIFY(join(b, rb, bob));
        auto both = [&](const ChatMessage &onA, const ChatMessage &onB, bool opA, bool opB) {
            std::optional<std::optional<EventOutcome>> x, y;
            a.storage->applyEvent(ra, onA, {}, opA, [&](std::optional<EventOutcome> v) { x = v; });
            b.storage->applyEvent(rb, onB, {}, opB, [&](std::optional<EventOutcome> v) { y = v; });
            (void)QTest::qWaitFor([&] { return x && y; }, waitMs());
            return std::pair{x.value_or(std::nullopt), y.value_or(std::nullopt)};
        };
        for (int round = 0; round < 10; ++round) {
            // Two deletions: exactly one wins, the other finds it gone.
            const qint64 m1 = send(a, ra, draft(alice, "one"))->message.seq;
            auto [d1, d2] = both(roomEvent(ChatMessage::Kind::Delete, alice, m1),
                                 roomEvent(ChatMessage::Kind::Delete, bob, m1), false, true);
            QVERIFY(d1 && d2);
            QCOMPARE(int(d1->verdict == Verdict::Stored) + int(d2->verdict == Verdict::Stored), 1);
            QCOMPARE(int(d1->verdict == Verdict::NotFound) + int(d2->verdict == Verdict::NotFound),
                     1);
            // An edit on one server, the deletion on the other: the edit comes first (and is
            // erased with the message) or finds the message deleted.
            const qint64 m2 = send(a, ra, draft(alice, "two"))->message.seq;
            auto [e, d] = both(roomEvent(ChatMessage::Kind::Edit, alice, m2, "edited two"),
                               roomEvent(ChatMessage::Kind::Delete, bob, m2), false, true);
            QVERIFY(e && d);
            QCOMPARE(d->verdict, Verdict::Stored);
            QVERIFY(e->verdict == Verdict::Stored || e->verdict == Verdict::NotFound);
            if (e->verdict == Verdict::Stored)
                QVERIFY(e->event.seq < d->event.seq);
            // The same user's reaction from both servers: one change.
            const qint64 m3 = send(a, ra, draft(alice, "three"))->message.seq;
            auto [r1, r2] =
                both(roomEvent(ChatMessage::Kind::Reaction, alice, m3, "👍"),
                     roomEvent(ChatMessage::Kind::Reaction, alice, m3, "👍"), false, false);
            QVERIFY(r1 && r2);
            QCOMPARE(int(r1->verdict == Verdict::Stored) + int(r2->verdict == Verdict::Stored), 1);
            QCOMPARE(
                int(r1->verdict == Verdict::Unchanged) + int(r2->verdict == Verdict::Unchanged), 1);
        }
        // Both servers' answers agree, and every deleted message's edits are blank.
        const QList<ChatMessage> onA = history(a, ra), onB = history(b, rb);
        QCOMPARE(onA, onB);
        QSet<qint64> deleted;
        for (const ChatMessage &m : onA) {
            if (m.isMessage() && m.deleted)
                deleted.insert(m.seq);
        }
        QCOMPARE(deleted.size(), 20);
        for (const ChatMessage &m : onA) {
            if (m.kind == ChatMessage::Kind::Edit) {
                QVERIFY(deleted.contains(m.target));
                QCOMPARE(m.text, QString());
            }
        }
        const QByteArrayList holding = keysHolding(*m_redis, "general", "edited two");
        QVERIFY2(holding.isEmpty(), holding.join(' ').constData());
    }

    void manyServersReactingKeepTheEmojiLimit()
    {
        Node a(*m_redis), b(*m_redis);
        QVERIFY(a.start() && b.start());
        Room ra(QStringLiteral("general"), QString()), rb(QStringLiteral("general"), QString());
        User alice = user("alice");
        QVERIFY(join(a, ra, alice));
        QVERIFY(join(b, rb, alice));
        const qint64 target = send(a, ra, draft(alice, "react to me"))->message.seq;
        int answered = 0, stored = 0, tooMany = 0;
        for (int i = 0; i < 30; ++i) {
            Node &n = i % 2 ? a : b;
            Room &r = i % 2 ? ra : rb;
            // Emoji-like distinct strings: the script counts distinct keys.
            const QString emoji = QString(QChar(0x2600 + i));
            n.storage->applyEvent(
                r, roomEvent(ChatMessage::Kind::Reaction, user(QString::number(i)), target, emoji),
                {}, false, [&](std::optional<EventOutcome> o) {
                    ++answered;
                    if (o && o->verdict == Verdict::Stored)
                        ++stored;
                    if (o && o->verdict == Verdict::TooManyEmoji)
                        ++tooMany;
                });
        }
        QTRY_COMPARE(answered, 30);
        QCOMPARE(stored, protocol::MaxEmojiPerMessage);
        QCOMPARE(tooMany, 30 - protocol::MaxEmojiPerMessage);
        QCOMPARE(history(b, rb).first().reactions.size(), protocol::MaxEmojiPerMessage);
    }

    void bansAreKeptInRedisAndReachEveryServer()
    {
        Node a(*m_redis), b(*m_redis);
        QVERIFY(a.start() && b.start());
        QSignalSpy bans(b.storage.get(), &Storage::remoteBan);
        QSignalSpy kicks(b.storage.get(), &Storage::remoteKick);
        QSignalSpy ownBans(a.storage.get(), &Storage::remoteBan);
        const protocol::UserInfo op{"u-op", "op", true};
        const qint64 until = QDateTime::currentMSecsSinceEpoch() + 60000;
        const Ban ban{"u-guest", "10.1.2.3", until, "spam"};
        auto saved =
            await<bool>([&](Then<bool> then) { a.storage->saveBan(ban, op, std::move(then)); });
        QVERIFY(saved && *saved && **saved);
        QTRY_COMPARE(bans.size(), 1);
        QCOMPARE(bans.at(0).at(0).value<Ban>(), ban);
        QCOMPARE(bans.at(0).at(1).value<protocol::UserInfo>(), op);
        QCOMPARE(ownBans.size(), 0); // its own server handles it itself
        auto find = [&](Node &n, const QString &id, const QString &ip) {
            auto f = await<std::optional<Ban>>(
                [&](Then<std::optional<Ban>> then) { n.storage->findBan(id, ip, then); });
            return f && *f ? **f : std::optional<Ban>(Ban{"unavailable", {}, 0, {}});
        };
        QCOMPARE(find(b, "u-guest", {}), std::optional<Ban>(ban));
        QCOMPARE(find(b, "u-new-id", "10.1.2.3"), std::optional<Ban>(ban)); // by its address
        QCOMPARE(find(b, "u-other", "10.9.9.9"), std::optional<Ban>());
        // A second address of the same user; a server started later sees both.
        const Ban second{"u-guest", "10.1.2.4", until, "spam"};
        QVERIFY(await<bool>([&](Then<bool> then) { a.storage->saveBan(second, op, then); }));
        Node later(*m_redis);
        QVERIFY(later.start());
        QCOMPARE(find(later, "u-x", "10.1.2.4")->ip, QStringLiteral("10.1.2.4"));
        // Unban lifts the user's ban and its addresses.
        auto removed = await<bool>([&](Then<bool> then) { b.storage->removeBan("u-guest", then); });
        QVERIFY(removed && *removed && **removed);
        QCOMPARE(find(a, "u-guest", "10.1.2.3"), std::optional<Ban>());
        QCOMPARE(find(a, "u-y", "10.1.2.4"), std::optional<Ban>());
        removed = await<bool>([&](Then<bool> then) { b.storage->removeBan("u-guest", then); });
        QVERIFY(removed && *removed && !**removed);
        // A ban ends by itself.
        const Ban brief{"u-brief", {}, QDateTime::currentMSecsSinceEpoch() + 300, "brief"};
        QVERIFY(await<bool>([&](Then<bool> then) { a.storage->saveBan(brief, op, then); }));
        QVERIFY(find(b, "u-brief", {}));
        QTRY_COMPARE(find(b, "u-brief", {}), std::optional<Ban>());

        // Kicks reach the other servers.
        a.storage->relayKick("general", "u-bob", op, "line one\nline two");
        QTRY_COMPARE(kicks.size(), 1);
        QCOMPARE(kicks.at(0).at(0).toString(), QStringLiteral("general"));
        QCOMPARE(kicks.at(0).at(1).toString(), QStringLiteral("u-bob"));
        QCOMPARE(kicks.at(0).at(2).value<protocol::UserInfo>(), op);
        QCOMPARE(kicks.at(0).at(3).toString(), QStringLiteral("line one\nline two"));
    }

    void withoutRedisAHelloIsJudgedByTheBansThisServerHasSeen()
    {
        // A guest's hello needs nothing else from Redis: while it is away, findBan answers from
        // the bans this server saved or was told of, rather than refusing every guest.
        Node a(*m_redis), b(*m_redis);
        QVERIFY(a.start() && b.start());
        QSignalSpy relayed(b.storage.get(), &Storage::remoteBan);
        const Ban ban{"u-guest", "10.1.2.3", QDateTime::currentMSecsSinceEpoch() + 60000, "spam"};
        QVERIFY(await<bool>([&](Then<bool> then) {
            a.storage->saveBan(ban, {"u-op", "op", true}, then);
        }));
        QTRY_COMPARE(relayed.size(), 1);
        m_redis->kill();
        QTRY_VERIFY(!a.storage->available() && !b.storage->available());
        for (Node *n : {&a, &b}) {
            auto f = await<std::optional<Ban>>([&](Then<std::optional<Ban>> then) {
                n->storage->findBan("u-new", "10.1.2.3", then);
            });
            QVERIFY(f && *f);
            QCOMPARE(**f, std::optional<Ban>(ban));
            f = await<std::optional<Ban>>([&](Then<std::optional<Ban>> then) {
                n->storage->findBan("u-other", "10.9.9.9", then);
            });
            QVERIFY(f && *f);
            QCOMPARE(**f, std::optional<Ban>());
        }
    }

    // Whole servers from here on: a client on each, the protocol on the wire.

    void eventsOnOneServerAreSeenOnTheOther()
    {
        auto [a, b] = twoServers();
        QVERIFY(a && b);
        TestClient alice, bob;
        QVERIFY(alice.enter(a->port(), "alice"));
        QVERIFY(bob.enter(b->port(), "bob"));
        alice.take("presence");
        const QJsonObject sent = alice.request(
            {{"type", "send"}, {"room", "general"}, {"text", "the secret launch code"}});
        const qint64 s1 = sent.value("seq").toInteger();
        QVERIFY(s1 > 0);
        QCOMPARE(bob.take("message").value("seq").toInteger(), s1);
        // Replies: to a message of the room, else not_found.
        const QJsonObject reply = bob.request(
            {{"type", "send"}, {"room", "general"}, {"text", "a reply"}, {"reply_to", s1}});
        QCOMPARE(reply.value("reply_to").toInteger(), s1);
        QCOMPARE(alice.take("message").value("reply_to").toInteger(), s1);
        QCOMPARE(bob.request({{"type", "send"},
                              {"room", "general"},
                              {"text", "to nothing"},
                              {"reply_to", 999}})
                     .value("code")
                     .toString(),
                 QStringLiteral("not_found"));
        // An edit on A, live on B; a reaction on B, live on A.
        const QJsonObject edit = alice.request({{"type", "edit"},
                                                {"room", "general"},
                                                {"target", s1},
                                                {"text", "the edited launch code"}});
        QCOMPARE(edit.value("type").toString(), QStringLiteral("edit"));
        const QJsonObject editOnB = bob.take("edit");
        QCOMPARE(editOnB.value("seq"), edit.value("seq"));
        QCOMPARE(editOnB.value("text").toString(), QStringLiteral("the edited launch code"));
        const QJsonObject react = bob.request(
            {{"type", "react"}, {"room", "general"}, {"target", s1}, {"emoji", "👍"}, {"on", true}});
        QCOMPARE(react.value("type").toString(), QStringLiteral("reaction"));
        QCOMPARE(alice.take("reaction").value("seq"), react.value("seq"));
        // B's history has the message's current state.
        const QJsonObject first =
            bob.request({{"type", "history"}, {"room", "general"}}).value("messages")[0].toObject();
        QCOMPARE(first.value("seq").toInteger(), s1);
        QCOMPARE(first.value("text").toString(), QStringLiteral("the edited launch code"));
        QCOMPARE(first.value("edited_ts"), edit.value("ts"));
        QCOMPARE(first.value("reactions")["👍"].toArray(), QJsonArray{bob.userId()});
        // Search on either server finds the new text, not the old one.
        for (TestClient *c : {&alice, &bob}) {
            QTRY_COMPARE(search(*c, "edited").size(), 1);
            QCOMPARE(search(*c, "secret").size(), 0);
        }
        // A join with since on B learns of every event.
        TestClient carol;
        QVERIFY(carol.open(b->port()));
        carol.hello("carol");
        const QJsonArray since = carol.join("general", {{"since", 0}}).value("history").toArray();
        QCOMPARE(since.size(), 4);
        QCOMPARE(since.at(0)["text"].toString(), QStringLiteral("the edited launch code"));
        QCOMPARE(since.at(2)["type"].toString(), QStringLiteral("edit"));
        QCOMPARE(since.at(3)["type"].toString(), QStringLiteral("reaction"));

        // Deleted on A: gone on B, from history, search and Redis.
        const QJsonObject deletion =
            alice.request({{"type", "delete"}, {"room", "general"}, {"target", s1}});
        QCOMPARE(deletion.value("type").toString(), QStringLiteral("delete"));
        QCOMPARE(bob.take("delete").value("target").toInteger(), s1);
        QCOMPARE(carol.take("delete").value("target").toInteger(), s1);
        const QJsonArray after =
            bob.request({{"type", "history"}, {"room", "general"}}).value("messages").toArray();
        QCOMPARE(after.size(), 5);
        QCOMPARE(after.at(0)["deleted"].toBool(), true);
        QCOMPARE(after.at(0)["text"].toString(), QString());
        QVERIFY(!after.at(0).toObject().contains("reactions"));
        QVERIFY(!after.at(0).toObject().contains("edited_ts"));
        QCOMPARE(after.at(2)["text"].toString(), QString());
        QCOMPARE(after.at(3)["emoji"].toString(), QString());
        for (TestClient *c : {&alice, &bob, &carol})
            QTRY_COMPARE(search(*c, "launch").size(), 0);
        const QByteArrayList holding = keysHolding(*m_redis, "general", "launch code");
        QVERIFY2(holding.isEmpty(), holding.join(' ').constData());
        // A later join since 0 on either server: the blanked versions, seq gapless.
        TestClient dave;
        QVERIFY(dave.open(a->port()));
        dave.hello("dave");
        // Redis here fsyncs every write (appendfsync always): on a loaded machine one may stall
        // past the servers' 500 ms command deadline, and the answer is then `unavailable`,
        // which says to send again. A client does; so does this test, a few times.
        QJsonObject lateJoin;
        for (int attempt = 0; attempt < 5; ++attempt) {
            lateJoin = dave.join("general", {{"since", 0}});
            if (lateJoin.value("code").toString() != QStringLiteral("unavailable"))
                break;
            QTest::qWait(int(lateJoin.value("retry_ms").toInteger()));
        }
        const QJsonArray late = lateJoin.value("history").toArray();
        QVERIFY2(late.size() == 5, QJsonDocument(lateJoin).toJson().constData());
        QVERIFY(late.at(0)["deleted"].toBool());
        QCOMPARE(late.at(2)["text"].toString(), QString());
    }

    void unreadIsTheSameOnEveryServer()
    {
        auto [a, b] = twoServers();
        QVERIFY(a && b);
        const QJsonObject token{{"token", "alice-unread-token-01"}};
        TestClient aliceA, bob;
        QVERIFY(aliceA.open(a->port()));
        aliceA.hello("alice", token);
        aliceA.join("general");
        QVERIFY(bob.enter(b->port(), "bob"));
        qint64 last = 0;
        for (int i = 0; i < 4; ++i)
            last =
                bob.request({{"type", "send"}, {"room", "general"}, {"text", QString::number(i)}})
                    .value("seq")
                    .toInteger();
        // Read up to the first; then an edit, a reaction and a deletion on B (events, and a
        // message no longer there).
        aliceA.send({{"type", "read"}, {"room", "general"}, {"seq", last - 3}});
        QVERIFY(
            bob.request({{"type", "edit"}, {"room", "general"}, {"target", last}, {"text", "x"}})
                .value("type")
            == "edit");
        QVERIFY(bob.request({{"type", "react"},
                             {"room", "general"},
                             {"target", last},
                             {"emoji", "👍"},
                             {"on", true}})
                    .value("type")
                == "reaction");
        QVERIFY(bob.request({{"type", "delete"}, {"room", "general"}, {"target", last - 1}})
                    .value("type")
                == "delete");
        QTest::qWait(200); // the read position reaches Redis
        for (TestServer *s : {a.get(), b.get()}) {
            TestClient again;
            QVERIFY(again.open(s->port()));
            again.hello("alice", token);
            QCOMPARE(again.join("general").value("unread").toInteger(), 2);
        }
    }

    void aDeletionRacingAnEditOnAnotherServerLeavesOneState()
    {
        auto [a, b] = twoServers();
        QVERIFY(a && b);
        const QJsonObject token{{"token", "alice-race-token-0001"}};
        TestClient onA, onB;
        QVERIFY(onA.open(a->port()));
        QVERIFY(onB.open(b->port()));
        onA.hello("alice", token);
        onB.hello("alice", token);
        onA.join("general");
        onB.join("general");
        for (int round = 0; round < 5; ++round) {
            const qint64 target =
                onA.request({{"type", "send"}, {"room", "general"}, {"text", "racing words"}})
                    .value("seq")
                    .toInteger();
            onB.take("message",
                     [&](const QJsonObject &m) { return m.value("seq").toInteger() == target; });
            const QString d = QStringLiteral("d%1").arg(round),
                          e = QStringLiteral("e%1").arg(round);
            onA.send({{"type", "delete"}, {"room", "general"}, {"target", target}, {"id", d}});
            onB.send({{"type", "edit"},
                      {"room", "general"},
                      {"target", target},
                      {"text", "racing edit"},
                      {"id", e}});
            auto answer = [](TestClient &c, const QString &re) {
                // The frame that answers this id, of whatever type.
                QString type;
                (void)QTest::qWaitFor(
                    [&] {
                        for (const QJsonObject &f : c.pending()) {
                            if (f.value("re") == re)
                                type = f.value("type").toString();
                        }
                        return !type.isEmpty();
                    },
                    waitMs());
                return c.take(type, [&](const QJsonObject &f) { return f.value("re") == re; });
            };
            const QJsonObject deleted = answer(onA, d), edited = answer(onB, e);
            QCOMPARE(deleted.value("type").toString(), QStringLiteral("delete"));
            if (edited.value("type") == "error")
                QCOMPARE(edited.value("code").toString(), QStringLiteral("not_found"));
            else
                QVERIFY(edited.value("seq").toInteger() < deleted.value("seq").toInteger());
        }
        const QJsonArray h =
            onB.request({{"type", "history"}, {"room", "general"}}).value("messages").toArray();
        for (const QJsonValue &v : h) {
            QVERIFY(v["type"] != "message" || v["deleted"].toBool());
            QVERIFY(v["type"] != "edit" || v["text"].toString().isEmpty());
        }
        QVERIFY(keysHolding(*m_redis, "general", "racing").isEmpty());
    }

    void aBanOnOneServerHoldsOnEveryServerAndAcrossRestarts()
    {
        auto [a, b] = twoServers(OpSecret);
        QVERIFY(a && b);
        TestClient op;
        QVERIFY(op.open(a->port()));
        const QJsonObject w = op.hello("op", {{"op_password", OpSecret}});
        QCOMPARE(w.value("user")["op"].toBool(), true);
        op.join("general");
        // The member entry in Redis says so (other servers' members lists come from it).
        QVERIFY(m_redis->command({"HGET", "confab:{general}:members", op.userId().toUtf8()})
                    .contains("\"op\":true"));
        const QJsonObject token{{"token", "victim-token-000001"}};
        TestClient victim, bystander;
        QVERIFY(victim.open(b->port()));
        const QString victimId = victim.hello("victim", token).value("user")["id"].toString();
        victim.join("general");
        QVERIFY(bystander.enter(b->port(), "bystander"));
        op.send({{"type", "ban"}, {"user", victimId}, {"minutes", 5}, {"reason", "spam"}});
        const QJsonObject banned = victim.take("error");
        QCOMPARE(banned.value("code").toString(), QStringLiteral("banned"));
        QCOMPARE(banned.value("message").toString(), QStringLiteral("spam"));
        QVERIFY(banned.value("retry_ms").toInteger() > 4 * 60'000);
        QVERIFY(victim.waitClosed());
        QCOMPARE(victim.closeCode(), int(protocol::CloseBanned));
        QVERIFY(op.staysQuiet("error")); // a ban is answered only when it fails
        // Its next hello on either server is refused, also after B restarted.
        auto refusedOn = [&](quint16 port) {
            TestClient again;
            if (!again.open(port))
                return false;
            again.send({{"type", "hello"}, {"nick", "victim"}, {"token", "victim-token-000001"}});
            return again.take("error").value("code") == "banned" && again.waitClosed()
                   && again.closeCode() == int(protocol::CloseBanned);
        };
        QVERIFY(refusedOn(b->port()));
        QVERIFY(refusedOn(a->port()));
        QVERIFY(b->restart());
        QVERIFY(clusterReady(*b));
        QVERIFY(refusedOn(b->port()));
        // Unbanned on B: welcome anywhere.
        TestClient op2;
        QVERIFY(op2.open(b->port()));
        op2.hello("op2", {{"op_password", OpSecret}});
        op2.send({{"type", "unban"}, {"user", victimId}});
        QVERIFY(op2.staysQuiet("error"));
        TestClient back;
        QVERIFY(back.open(a->port()));
        QCOMPARE(back.hello("victim", token).value("user")["id"].toString(), victimId);
    }

    void aKickOnOneServerTakesTheUserOutOfTheRoomOnTheOther()
    {
        auto [a, b] = twoServers(OpSecret);
        QVERIFY(a && b);
        TestClient op, bob, carol;
        QVERIFY(op.open(a->port()));
        op.hello("op", {{"op_password", OpSecret}});
        op.join("general");
        QVERIFY(bob.enter(b->port(), "bob"));
        QVERIFY(carol.enter(b->port(), "carol"));
        const QString reason = QStringLiteral("off\ntopic"); // two lines: the doorbell's last
        op.send(
            {{"type", "kick"}, {"room", "general"}, {"user", bob.userId()}, {"reason", reason}});
        const QJsonObject kicked = bob.take("kicked");
        QCOMPARE(kicked.value("room").toString(), QStringLiteral("general"));
        QCOMPARE(kicked.value("by")["id"].toString(), op.userId());
        QCOMPARE(kicked.value("reason").toString(), reason);
        QCOMPARE(bob.request({{"type", "send"}, {"room", "general"}, {"text", "still here?"}})
                     .value("code")
                     .toString(),
                 QStringLiteral("not_in_room"));
        // The others hear that bob is gone, on both servers, and Redis has him no more.
        for (TestClient *c : {&op, &carol}) {
            const QJsonObject gone = c->take("presence", [&](const QJsonObject &p) {
                return p.value("user")["id"] == bob.userId() && p.value("event") != "join";
            });
            QVERIFY2(gone.value("event") == "kick" || gone.value("event") == "leave",
                     QJsonDocument(gone).toJson().constData());
            // Those told "kick" are told why, on this server and through Redis on the other.
            if (gone.value("event") == "kick")
                QCOMPARE(gone.value("reason").toString(), reason);
        }
        QTRY_VERIFY(
            !m_redis->command({"HEXISTS", "confab:{general}:members", bob.userId().toUtf8()})
                 .startsWith(":1"));
        // A kicked user may join again.
        QCOMPARE(bob.join("general").value("type").toString(), QStringLiteral("joined"));
    }
};

CONFAB_SERVER_TEST_MAIN(TestCluster11)
#include "tst_cluster11.moc"
