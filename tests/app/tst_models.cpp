// The client's list models: ordering, pending outbox rows, grouping, notices.
#include "chatclient.h"
#include "membermodel.h"
#include "messagemodel.h"
#include "roomlistmodel.h"
#include "session.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QSignalSpy>
#include <QTest>

using namespace confab;
using namespace confab::client;

namespace {
protocol::ChatMessage msg(qint64 seq, const QString &user, const QString &text, qint64 ts)
{
    protocol::ChatMessage m;
    m.room = QStringLiteral("general");
    m.seq = seq;
    m.id = QStringLiteral("id-%1").arg(seq);
    m.from = {user, user.toUpper()};
    m.text = text;
    m.ts = ts;
    return m;
}

QList<qint64> seqs(const MessageModel &model)
{
    QList<qint64> out;
    for (const auto &row : model.rows())
        out.append(row.pending ? -1 : row.notice ? 0 : row.seq);
    return out;
}

const qint64 base = 1732700000000;

// A 1.1 room event (edit, delete, reaction) of `user` about the message at `target`.
protocol::ChatMessage roomEvent(protocol::ChatMessage::Kind kind, qint64 seq, const QString &user,
                                qint64 target, const QString &textOrEmoji = {}, bool on = true)
{
    protocol::ChatMessage e = msg(seq, user, {}, base + seq * 1000);
    e.kind = kind;
    e.target = target;
    if (kind == protocol::ChatMessage::Kind::Edit)
        e.text = textOrEmoji;
    if (kind == protocol::ChatMessage::Kind::Reaction) {
        e.emoji = textOrEmoji;
        e.on = on;
    }
    return e;
}

// Every model under test is checked by Qt's model tester too (rows, signals, roles).
struct ModelTester : QAbstractItemModelTester {
    explicit ModelTester(QAbstractItemModel *model)
        : QAbstractItemModelTester(model, FailureReportingMode::QtTest)
    {}
};
} // namespace

class TestModels : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // Bug: a 1.1 server lists edits, deletions and reactions among joined's history; each showed
    // as a new (empty) message. They change the message they target instead.
    void eventsInJoinedHistoryAreNotNewMessages()
    {
        using Kind = protocol::ChatMessage::Kind;
        Session session;
        Conversations conversations(session);
        protocol::Joined joined;
        joined.room = "general";
        joined.seq = 4;
        joined.epoch = "e1";
        joined.members = {{"u1", "U1"}};
        joined.history = {msg(1, "u1", "typo", base), roomEvent(Kind::Edit, 2, "u1", 1, "fixed"),
                          roomEvent(Kind::Reaction, 3, "u2", 1, "👍"),
                          msg(4, "u2", "next", base + 4000)};
        conversations.onJoined(joined);
        MessageModel &m = conversations.find("general")->messages;
        QCOMPARE(m.rowCount(), 2);
        QCOMPARE(m.index(0).data(MessageModel::TextRole).toString(), "typo");
        QCOMPARE(m.index(1).data(MessageModel::TextRole).toString(), "next");
    }

    // A message queued under the sender's own header still says "sending…" (the header holds it).
    void aPendingRowUnderAnExistingHeaderShowsItsHeader()
    {
        MessageModel m;
        const ModelTester tester(&m);
        m.setOwnUserId("me");
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        m.addMessage(msg(1, "me", "delivered", now - 1000));
        m.addPending("c-1", {"me", "ME"}, "queued");
        QCOMPARE(m.rowCount(), 2);
        QCOMPARE(m.index(1).data(MessageModel::PendingRole).toBool(), true);
        QCOMPARE(m.index(1).data(MessageModel::ShowHeaderRole).toBool(), true);
        // Once delivered it joins the group again.
        protocol::ChatMessage delivered = msg(2, "me", "queued", now);
        m.confirm("c-1", delivered);
        QCOMPARE(m.index(1).data(MessageModel::ShowHeaderRole).toBool(), false);
    }

    void messagesStayInSeqOrderWithoutDuplicates()
    {
        MessageModel m;
        const ModelTester tester(&m);
        m.addMessage(msg(2, "a", "two", base + 2));
        m.addMessage(msg(4, "a", "four", base + 4));
        m.addMessage(msg(3, "a", "three", base + 3)); // arrives late
        m.addMessage(msg(3, "a", "three", base + 3)); // arrives twice
        m.prependHistory({msg(1, "a", "one", base + 1), msg(2, "a", "two", base + 2)});
        QCOMPARE(seqs(m), (QList<qint64>{1, 2, 3, 4}));
        QCOMPARE(m.firstSeq(), 1);
        QCOMPARE(m.lastSeq(), 4);
    }

    void aResumeOfManyMessagesKeepsOrderNoticesAndPendingRows()
    {
        MessageModel m;
        const ModelTester tester(&m);
        m.setOwnUserId("me");
        m.addMessage(msg(1, "a", "one", base));
        m.addNotice("b joined", base + 1);
        m.addMessage(msg(3, "a", "three", base + 3));
        m.addPending("c-1", {"me", "ME"}, "typed while away");
        // What a resume brings: everything after 3, some twice, one that fills the gap at 2.
        for (int seq = 4; seq <= 1003; ++seq)
            m.addMessage(msg(seq, "b", "resumed", base + seq));
        for (int seq = 1000; seq <= 1003; ++seq)
            m.addMessage(msg(seq, "b", "resumed", base + seq));
        m.addMessage(msg(2, "a", "two", base + 2));
        QList<qint64> expected{1, 0, 2, 3}; // 0: the notice
        for (qint64 seq = 4; seq <= 1003; ++seq)
            expected.append(seq);
        expected.append(-1); // the pending row, still last
        QCOMPARE(seqs(m), expected);
        // The late "two" went after the notice that came between one and three.
        QCOMPARE(m.data(m.index(1), MessageModel::TextRole).toString(), u"b joined");
        QCOMPARE(m.data(m.index(2), MessageModel::TextRole).toString(), u"two");
    }

    void pendingRowsStayLastUntilConfirmed()
    {
        MessageModel m;
        const ModelTester tester(&m);
        m.setOwnUserId("me");
        m.addMessage(msg(1, "a", "one", base));
        m.addPending("c-1", {"me", "ME"}, "hello");
        QCOMPARE(m.data(m.index(1), MessageModel::PendingRole).toBool(), true);
        QCOMPARE(m.data(m.index(1), MessageModel::OwnRole).toBool(), true);
        m.addMessage(msg(2, "b", "from b", base + 1)); // goes before the pending row
        QCOMPARE(seqs(m), (QList<qint64>{1, 2, -1}));
        m.confirm("c-1", msg(3, "me", "hello", base + 2));
        QCOMPARE(seqs(m), (QList<qint64>{1, 2, 3}));
        QCOMPARE(m.data(m.index(2), MessageModel::PendingRole).toBool(), false);
        // Confirming what was already delivered (e.g. by join since) leaves one copy.
        m.addPending("c-2", {"me", "ME"}, "again");
        m.addMessage(msg(4, "me", "again", base + 3));
        m.confirm("c-2", msg(4, "me", "again", base + 3));
        QCOMPARE(seqs(m), (QList<qint64>{1, 2, 3, 4}));
        m.addPending("c-3", {"me", "ME"}, "refused");
        m.removePending("c-3");
        QCOMPARE(m.rowCount(), 4);
    }

    void consecutiveMessagesAreGroupedAndDaysSeparated()
    {
        MessageModel m;
        const ModelTester tester(&m);
        // Times anchored to the start of today, not to now: run just after midnight, "a minute
        // ago" was yesterday (seen in a CI run at 00:00).
        const qint64 today = QDate::currentDate().startOfDay().toMSecsSinceEpoch();
        const qint64 yesterday = today - 12 * 3600 * 1000;
        m.addMessage(msg(1, "a", "x", yesterday));
        m.addMessage(msg(2, "a", "y", today + 1000));
        m.addMessage(msg(3, "a", "z", today + 31000));
        m.addMessage(msg(4, "b", "w", today + 41000));
        m.addMessage(msg(5, "b", "v", today + 61000));
        auto header = [&](int row) {
            return m.data(m.index(row), MessageModel::ShowHeaderRole).toBool();
        };
        auto day = [&](int row) {
            return m.data(m.index(row), MessageModel::DayTextRole).toString();
        };
        QCOMPARE(day(0), QStringLiteral("Yesterday"));
        QCOMPARE(day(1), QStringLiteral("Today"));
        QCOMPARE(day(2), QString());
        QVERIFY(header(1)); // a new day starts a new group
        QVERIFY(!header(2));
        QVERIFY(header(3)); // another sender
        QVERIFY(!header(4));
        QVERIFY(!m.data(m.index(0), MessageModel::TimeTextRole).toString().isEmpty());
    }

    void noticesAreRowsOfTheirOwn()
    {
        MessageModel m;
        const ModelTester tester(&m);
        m.addMessage(msg(1, "a", "x", base));
        m.addNotice("bob joined", base + 1);
        m.addMessage(msg(2, "a", "y", base + 2));
        QCOMPARE(m.data(m.index(1), MessageModel::KindRole).toString(), QStringLiteral("notice"));
        QVERIFY(m.data(m.index(2), MessageModel::ShowHeaderRole).toBool());
    }

    void textIsKeptExactlyAsSent()
    {
        MessageModel m;
        const ModelTester tester(&m);
        m.addMessage(msg(1, "a", "<b>not bold</b> &amp;", base));
        QCOMPARE(m.data(m.index(0), MessageModel::TextRole).toString(),
                 QStringLiteral("<b>not bold</b> &amp;"));
    }

    void linksAreMadeFromEscapedTextOnly()
    {
        QCOMPARE(MessageModel::linkified("see https://example.org/a?b=1&c=2."),
                 QStringLiteral("see <a href=\"https://example.org/a?b=1&amp;c=2\">"
                                "https://example.org/a?b=1&amp;c=2</a>."));
        QCOMPARE(MessageModel::linkified("<img src=x onerror=alert(1)>"),
                 QStringLiteral("&lt;img src=x onerror=alert(1)&gt;"));
        QCOMPARE(MessageModel::linkified("http://a.b/\"onclick=\"x"),
                 QStringLiteral("<a href=\"http://a.b/\">http://a.b/</a>&quot;onclick=&quot;x"));
        QCOMPARE(MessageModel::linkified("two\nlines"), QStringLiteral("two<br>lines"));
    }

    // Mentions and what the user may do are the model's (issue 21: QML recomputed them).
    void mentionsOfTheUserAreMarkedOutsideLinks()
    {
        MessageModel m;
        const ModelTester tester(&m);
        m.setOwnUserId("me");
        m.setOwnNick("ada");
        m.addMessage(msg(1, "b", "hi @Ada, see https://ada.example/ada", base));
        m.addMessage(msg(2, "b", "canada & co", base + 1));
        m.addMessage(msg(3, "me", "@ada is me", base + 2));
        m.addMessage(msg(4, "b", "ada: ping", base + 3));
        const auto html = [&](int row) {
            return m.data(m.index(row), MessageModel::HtmlRole).toString();
        };
        const auto mentioned = [&](int row) {
            return m.data(m.index(row), MessageModel::MentionRole).toBool();
        };
        QVERIFY(mentioned(0));
        QCOMPARE(html(0),
                 QStringLiteral("hi <span class=\"mention\">@Ada</span>, see "
                                "<a href=\"https://ada.example/ada\">https://ada.example/ada</a>"));
        QVERIFY(!mentioned(1));
        QCOMPARE(html(1), QStringLiteral("canada &amp; co"));
        QVERIFY(!mentioned(2)); // one's own message is no mention
        QCOMPARE(html(2), QStringLiteral("@ada is me"));
        QVERIFY(mentioned(3));
        QCOMPARE(html(3), QStringLiteral("<span class=\"mention\">ada</span>: ping"));
        // A nick change marks other words.
        QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
        m.setOwnNick("co");
        QVERIFY(!changed.isEmpty());
        QVERIFY(mentioned(1));
        QVERIFY(!mentioned(0));
    }

    void whatTheUserMayDoIsTheModels()
    {
        MessageModel m;
        const ModelTester tester(&m);
        m.setOwnUserId("me");
        m.setOwnNick("me");
        m.addMessage(msg(1, "me", "mine", base));
        m.addMessage(msg(2, "b", "theirs", base + 1));
        m.addPending("c-1", {"me", "me"}, "on its way", base + 2);
        const auto can = [&](int row, MessageModel::Role role) {
            return m.data(m.index(row), role).toBool();
        };
        QVERIFY(can(0, MessageModel::CanEditRole) && can(0, MessageModel::CanDeleteRole)
                && can(0, MessageModel::CanReactRole));
        QVERIFY(!can(1, MessageModel::CanEditRole) && !can(1, MessageModel::CanDeleteRole)
                && can(1, MessageModel::CanReactRole));
        QVERIFY(!can(2, MessageModel::CanEditRole) && !can(2, MessageModel::CanDeleteRole)
                && !can(2, MessageModel::CanReactRole));
        m.setOwnOperator(true); // an operator deletes anyone's, edits only their own
        QVERIFY(!can(1, MessageModel::CanEditRole) && can(1, MessageModel::CanDeleteRole));
        m.applyEvents({roomEvent(protocol::ChatMessage::Kind::Delete, 4, "b", 2)});
        QVERIFY(!can(1, MessageModel::CanDeleteRole) && !can(1, MessageModel::CanReactRole));
        m.setDirect(true); // no edits, deletions or reactions in a direct conversation
        QVERIFY(!can(0, MessageModel::CanEditRole) && !can(0, MessageModel::CanDeleteRole)
                && !can(0, MessageModel::CanReactRole));
    }

    void roomsSortRoomsBeforeDirectConversations()
    {
        RoomListModel r;
        const ModelTester tester(&r);
        QSignalSpy count(&r, &RoomListModel::countChanged);
        r.upsert({"zeta", "zeta", {}, 0, 1, false});
        r.upsert({"@u1", "Alice", {}, 0, 2, true});
        r.upsert({"alpha", "alpha", {}, 0, 1, false});
        QCOMPARE(r.names(), (QStringList{"alpha", "zeta", "@u1"}));
        r.setUnread("zeta", 3);
        r.setUnread("@u1", 2);
        QCOMPARE(r.totalUnread(), 5);
        QCOMPARE(r.data(r.index(1), RoomListModel::UnreadRole).toInt(), 3);
        r.remove("zeta");
        QCOMPARE(r.totalUnread(), 2);
        QCOMPARE(count.count(), 4);
    }

    void membersAreSortedByNick()
    {
        MemberModel m;
        const ModelTester tester(&m);
        m.reset({{"1", "carol"}, {"2", "Alice"}});
        m.add({"3", "bob"});
        m.add({"3", "bob"});
        QCOMPARE(m.rowCount(), 3);
        QCOMPARE(m.data(m.index(1), MemberModel::NickRole).toString(), QStringLiteral("bob"));
        m.rename({"2", "zed"});
        QCOMPARE(m.data(m.index(2), MemberModel::NickRole).toString(), QStringLiteral("zed"));
        m.remove("1");
        QCOMPARE(m.rowCount(), 2);
    }

    // For @-completion in the composer.
    void membersAreFoundByNickPrefix()
    {
        MemberModel m;
        m.reset({{"1", "carol"}, {"2", "Alice"}, {"3", "alfred"}, {"4", "Bob"}, {"5", "alice"}});
        QStringList al = m.nicksStartingWith("al");
        al.sort();
        QCOMPARE(al, (QStringList{QStringLiteral("Alice"), QStringLiteral("alfred"),
                                  QStringLiteral("alice")}));
        QCOMPARE(m.nicksStartingWith("B"), QStringList{QStringLiteral("Bob")});
        QCOMPARE(m.nicksStartingWith("x"), QStringList{});
        QCOMPARE(m.nicksStartingWith("").size(), 5);
    }

    // The rows an older page lands in front of have their rows and view positions recorded by
    // the list; the one row that changes is the old first row: it loses its day separator.
    void olderHistoryRefreshesTheFormerFirstRow()
    {
        MessageModel m;
        m.addMessage(msg(3, "u1", "three", 1'000'000));
        QVERIFY(!m.data(m.index(0), MessageModel::DayTextRole).toString().isEmpty());
        QSignalSpy changed(&m, &MessageModel::dataChanged);
        m.prependHistory({msg(1, "u1", "one", 999'000), msg(2, "u1", "two", 999'500)});
        QCOMPARE(m.rowOfSeq(3), 2);
        QCOMPARE(m.firstSeq(), 1);
        QVERIFY(m.data(m.index(2), MessageModel::DayTextRole).toString().isEmpty());
        QVERIFY(!m.data(m.index(2), MessageModel::ShowHeaderRole).toBool());
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.first().at(0).toModelIndex().row(), 2);
    }

    // Live 1.1 events change the message they target: its text and "(edited)", its reaction
    // chips (count, mine, who), "message deleted"; an event about a message that is not here,
    // or is deleted, changes nothing.
    void liveEventsChangeTheirTarget()
    {
        using Kind = protocol::ChatMessage::Kind;
        MessageModel m;
        const ModelTester tester(&m);
        m.setOwnUserId("me");
        m.addMessage(msg(1, "u1", "helo", base));
        m.addMessage(msg(2, "me", "mine", base + 1000));
        QSignalSpy changed(&m, &MessageModel::dataChanged);

        QVERIFY(m.applyEvent(roomEvent(Kind::Edit, 3, "u1", 1, "hello")));
        QCOMPARE(m.rowCount(), 2);
        QCOMPARE(m.index(0).data(MessageModel::TextRole).toString(), "hello");
        QVERIFY(m.index(0).data(MessageModel::EditedRole).toBool());
        QVERIFY(!m.index(1).data(MessageModel::EditedRole).toBool());
        QCOMPARE(changed.count(), 1);
        // Only the author edits (the server refuses others; a client does not trust a relay).
        QVERIFY(!m.applyEvent(roomEvent(Kind::Edit, 4, "u2", 1, "hijacked")));
        QCOMPARE(m.index(0).data(MessageModel::TextRole).toString(), "hello");

        QVERIFY(m.applyEvent(roomEvent(Kind::Reaction, 5, "u2", 1, "👍")));
        QVERIFY(m.applyEvent(roomEvent(Kind::Reaction, 6, "me", 1, "👍")));
        QVERIFY(m.applyEvent(roomEvent(Kind::Reaction, 7, "u2", 1, "🎉")));
        QVERIFY2(!m.applyEvent(roomEvent(Kind::Reaction, 8, "u2", 1, "🎉")),
                 "already so: no change");
        auto chips = m.index(0).data(MessageModel::ReactionsRole).toList();
        QCOMPARE(chips.size(), 2);
        QCOMPARE(chips[0].toMap().value("emoji").toString(), "👍");
        QCOMPARE(chips[0].toMap().value("count").toInt(), 2);
        QVERIFY(chips[0].toMap().value("mine").toBool());
        QCOMPARE(chips[0].toMap().value("who").toString(), "U2, you");
        QCOMPARE(chips[1].toMap().value("count").toInt(), 1);
        QVERIFY(!chips[1].toMap().value("mine").toBool());
        QVERIFY(m.applyEvent(roomEvent(Kind::Reaction, 9, "me", 1, "👍", false)));
        QVERIFY(m.applyEvent(roomEvent(Kind::Reaction, 10, "u2", 1, "🎉", false)));
        chips = m.index(0).data(MessageModel::ReactionsRole).toList();
        QCOMPARE(chips.size(), 1);
        QCOMPARE(chips[0].toMap().value("count").toInt(), 1);
        QVERIFY(!chips[0].toMap().value("mine").toBool());

        // Not here: skipped (a message loaded later comes in its current state).
        QVERIFY(!m.applyEvent(roomEvent(Kind::Edit, 11, "u9", 99, "ghost")));
        QVERIFY(!m.applyEvent(roomEvent(Kind::Reaction, 12, "u9", 99, "👍")));
        QCOMPARE(m.rowCount(), 2);

        // Deleted by an operator (not its author): the text and the reactions are gone.
        QVERIFY(m.applyEvent(roomEvent(Kind::Delete, 13, "op", 1)));
        QVERIFY(m.index(0).data(MessageModel::DeletedRole).toBool());
        QCOMPARE(m.index(0).data(MessageModel::TextRole).toString(), "");
        QVERIFY(m.index(0).data(MessageModel::ReactionsRole).toList().isEmpty());
        QVERIFY(!m.index(0).data(MessageModel::EditedRole).toBool());
        // Events about a deleted message are skipped.
        QVERIFY(!m.applyEvent(roomEvent(Kind::Edit, 14, "u1", 1, "back")));
        QVERIFY(!m.applyEvent(roomEvent(Kind::Reaction, 15, "u2", 1, "👍")));
        QCOMPARE(m.index(0).data(MessageModel::TextRole).toString(), "");
        QCOMPARE(m.rowCount(), 2);
        // Up arrow edits my newest message that is not deleted.
        QCOMPARE(m.lastOwnSeq(), 2);
        QVERIFY(m.applyEvent(roomEvent(Kind::Delete, 16, "me", 2)));
        QCOMPARE(m.lastOwnSeq(), 0);
    }

    // A resume (joined with since) brings events about messages the client has: they apply.
    // Messages of the same list are in their current state: events about them are not applied
    // again (a reaction taken back later would come back).
    void aResumeAppliesEventsToMessagesAlreadyHere()
    {
        using Kind = protocol::ChatMessage::Kind;
        Session session;
        Conversations conversations(session);
        protocol::Joined joined;
        joined.room = "general";
        joined.epoch = "e1";
        joined.seq = 2;
        joined.members = {{"u1", "U1"}, {"u2", "U2"}};
        joined.history = {msg(1, "u1", "one", base), msg(2, "u2", "two", base + 1000)};
        conversations.onJoined(joined);
        MessageModel &m = conversations.find("general")->messages;
        const ModelTester tester(&m);

        protocol::ChatMessage five = msg(5, "u1", "five", base + 5000);
        five.reactions = {{"👍", {"u2"}}};
        five.replyTo = 2;
        protocol::ChatMessage eight = msg(8, "u1", "", base + 8000);
        eight.deleted = true;
        joined.seq = 9;
        joined.history = {roomEvent(Kind::Edit, 3, "u1", 1, "one, fixed"),
                          roomEvent(Kind::Reaction, 4, "u1", 2, "❤️"),
                          five,
                          roomEvent(Kind::Reaction, 6, "u2", 5, "👍"),
                          roomEvent(Kind::Reaction, 7, "u2", 5, "👍", false),
                          eight,
                          roomEvent(Kind::Delete, 9, "u1", 8)};
        conversations.onJoined(joined);
        QCOMPARE(seqs(m), (QList<qint64>{1, 2, 5, 8}));
        QCOMPARE(m.index(0).data(MessageModel::TextRole).toString(), "one, fixed");
        QVERIFY(m.index(0).data(MessageModel::EditedRole).toBool());
        QCOMPARE(m.index(1).data(MessageModel::ReactionsRole).toList().size(), 1);
        // Five came with its current reactions: 👍 by U2 stays.
        const auto chips = m.index(2).data(MessageModel::ReactionsRole).toList();
        QCOMPARE(chips.size(), 1);
        QCOMPARE(chips[0].toMap().value("who").toString(), "U2");
        QCOMPARE(m.index(2).data(MessageModel::ReplyToRole).toLongLong(), 2);
        QCOMPARE(m.index(2).data(MessageModel::ReplyNickRole).toString(), "U2");
        QCOMPARE(m.index(2).data(MessageModel::ReplyTextRole).toString(), "two");
        QVERIFY(m.index(3).data(MessageModel::DeletedRole).toBool());
    }

    // Issue 19: an answer names at most 20 reactors per emoji and counts them all in
    // reaction_counts; the chip counts every one, and the unnamed ones can take theirs back.
    void aCutListOfReactorsCountsTheUnnamedToo()
    {
        using Kind = protocol::ChatMessage::Kind;
        MessageModel m;
        const ModelTester tester(&m);
        m.setOwnUserId("me");
        protocol::ChatMessage popular = msg(1, "u1", "popular", base);
        QStringList named;
        for (int i = 0; i < protocol::MaxReactorsListed; ++i)
            named.append(QStringLiteral("fan%1").arg(i));
        popular.reactions = {{"🎉", named}};
        popular.reactionCounts = {{"🎉", protocol::MaxReactorsListed + 2}};
        m.addMessage(popular);
        auto chip = [&] {
            return m.index(0).data(MessageModel::ReactionsRole).toList()[0].toMap();
        };
        QCOMPARE(chip().value("count").toInt(), 22);
        QVERIFY(chip().value("who").toString().endsWith("2 more"));
        QCOMPARE(chip().value("mine").toBool(), false);
        // One not named takes it back, then a named one; then this user reacts.
        QVERIFY(m.applyEvent(roomEvent(Kind::Reaction, 2, "unnamed", 1, "🎉", false)));
        QCOMPARE(chip().value("count").toInt(), 21);
        QVERIFY(m.applyEvent(roomEvent(Kind::Reaction, 3, "fan0", 1, "🎉", false)));
        QCOMPARE(chip().value("count").toInt(), 20);
        QVERIFY(m.applyEvent(roomEvent(Kind::Reaction, 4, "me", 1, "🎉")));
        QCOMPARE(chip().value("count").toInt(), 21);
        QCOMPARE(chip().value("mine").toBool(), true);
        // The last unnamed one goes: the named ones stay, counted.
        QVERIFY(m.applyEvent(roomEvent(Kind::Reaction, 5, "other", 1, "🎉", false)));
        QCOMPARE(chip().value("count").toInt(), 20);
        QVERIFY(!chip().value("who").toString().contains("more"));
        // Nobody left unnamed: one more unknown "off" changes nothing.
        QVERIFY(!m.applyEvent(roomEvent(Kind::Reaction, 6, "stranger", 1, "🎉", false)));
    }

    // A reply shows the quoted message's author and text, and follows its edit and deletion.
    void repliesQuoteTheMessageTheyAnswer()
    {
        using Kind = protocol::ChatMessage::Kind;
        MessageModel m;
        const ModelTester tester(&m);
        m.addMessage(msg(1, "u1", "question?", base));
        protocol::ChatMessage answer = msg(2, "u2", "answer", base + 1000);
        answer.replyTo = 1;
        m.addMessage(answer);
        protocol::ChatMessage far = msg(3, "u2", "to something old", base + 2000);
        far.replyTo = 1000; // not loaded
        m.addMessage(far);
        QCOMPARE(m.index(1).data(MessageModel::ReplyNickRole).toString(), "U1");
        QCOMPARE(m.index(1).data(MessageModel::ReplyTextRole).toString(), "question?");
        QCOMPARE(m.index(2).data(MessageModel::ReplyNickRole).toString(), "");
        QSignalSpy changed(&m, &MessageModel::dataChanged);
        m.applyEvent(roomEvent(Kind::Edit, 4, "u1", 1, "better question?"));
        QCOMPARE(m.index(1).data(MessageModel::ReplyTextRole).toString(), "better question?");
        bool replyRefreshed = false;
        for (const auto &args : changed)
            replyRefreshed = replyRefreshed || args.at(0).toModelIndex().row() == 1;
        QVERIFY(replyRefreshed);
        m.applyEvent(roomEvent(Kind::Delete, 5, "u1", 1));
        QVERIFY(m.index(1).data(MessageModel::ReplyDeletedRole).toBool());
        QCOMPARE(m.index(1).data(MessageModel::ReplyTextRole).toString(), "");
        // A pending reply quotes too.
        m.addPending("c-1", {"me", "ME"}, "me too", 0, 2);
        QCOMPARE(m.index(3).data(MessageModel::ReplyNickRole).toString(), "U2");
    }

    // An older page of events only (reactions, edits) still moves the loaded start back, or
    // the list would ask for the same page again and again.
    void anOlderPageOfEventsOnlyMovesTheStartBack()
    {
        using Kind = protocol::ChatMessage::Kind;
        MessageModel m;
        const ModelTester tester(&m);
        m.prependHistory({msg(60, "u1", "sixty", base + 60000)});
        QCOMPARE(m.firstSeq(), 60);
        QSignalSpy count(&m, &MessageModel::countChanged);
        m.prependHistory({roomEvent(Kind::Reaction, 50, "u1", 10, "👍"),
                          roomEvent(Kind::Edit, 51, "u1", 10, "x")});
        QCOMPARE(m.rowCount(), 1);
        QCOMPARE(m.firstSeq(), 50);
        QCOMPARE(count.count(), 1);
    }

    // With 1.1 a room's seq counts events: the unread count is joined.unread, then kept up by
    // messages (not edits or reactions); a deleted unread message no longer counts.
    void unreadCountsMessagesNotEvents()
    {
        using Kind = protocol::ChatMessage::Kind;
        Session session;
        Conversations conversations(session);
        conversations.setCountsUnread(true);
        conversations.setSelf({"me", "ME"});
        conversations.setWindowActive(false);
        protocol::Joined joined;
        joined.room = "general";
        joined.epoch = "e1";
        joined.members = {{"me", "ME"}, {"u1", "U1"}};
        joined.seq = 10;
        joined.read = 2;
        joined.unread = 3;
        joined.history = {msg(3, "u1", "a", base),
                          roomEvent(Kind::Reaction, 4, "u1", 3, "👍"),
                          msg(5, "u1", "b", base + 1000),
                          roomEvent(Kind::Edit, 6, "u1", 5, "bb"),
                          msg(7, "u1", "c", base + 2000),
                          roomEvent(Kind::Reaction, 8, "u1", 7, "👍"),
                          roomEvent(Kind::Reaction, 9, "u1", 7, "🎉"),
                          roomEvent(Kind::Reaction, 10, "u1", 5, "🎉")};
        conversations.onJoined(joined);
        auto unread = [&] {
            return conversations.rooms()->find("general")->unread;
        };
        QCOMPARE(unread(), 3); // not 10 - 2 = 8
        conversations.onMessage(roomEvent(Kind::Reaction, 11, "u1", 3, "😂"), {});
        QCOMPARE(unread(), 3);
        conversations.onMessage(msg(12, "u1", "d", base + 3000), {});
        QCOMPARE(unread(), 4);
        conversations.onMessage(roomEvent(Kind::Delete, 13, "u1", 12), {});
        QCOMPARE(unread(), 3);
        QCOMPARE(conversations.find("general")->messages.rowCount(), 4);
    }

    // Operators are marked in the member list (from joined's members and presence).
    void membersSayWhoIsAnOperator()
    {
        MemberModel m;
        const ModelTester tester(&m);
        protocol::UserInfo op{"u1", "Olga"};
        op.op = true;
        m.reset({op, {"u2", "Ben"}});
        QCOMPARE(m.index(0).data(MemberModel::NickRole).toString(), "Ben");
        QVERIFY(!m.index(0).data(MemberModel::OpRole).toBool());
        QVERIFY(m.index(1).data(MemberModel::OpRole).toBool());
        QVERIFY(m.isOp("u1"));
        QVERIFY(m.roleNames().values().contains("op"));
    }

    void addressesBecomeWebSocketUrls_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("url");
        QTest::newRow("host") << "chat.lan"
                              << "ws://chat.lan:7300/ws";
        QTest::newRow("host:port") << "192.168.1.20:7400"
                                   << "ws://192.168.1.20:7400/ws";
        QTest::newRow("ipv6") << "[::1]:7301"
                              << "ws://[::1]:7301/ws";
        QTest::newRow("ws url") << "ws://example.org:80/chat"
                                << "ws://example.org:80/chat";
        QTest::newRow("wss no port") << "wss://example.org"
                                     << "wss://example.org/ws";
        QTest::newRow("spaces") << "  box:7300 "
                                << "ws://box:7300/ws";
        QTest::newRow("empty") << ""
                               << "";
        // The web link the host window shows is an address too (issue 21, app bug 1).
        QTest::newRow("web link") << "http://192.0.2.2:7401/"
                                  << "ws://192.0.2.2:7401/ws";
        QTest::newRow("web link, https") << "https://chat.example.org/"
                                         << "wss://chat.example.org/ws";
        QTest::newRow("web link, no port") << "http://example.org"
                                           << "ws://example.org/ws";
        QTest::newRow("ftp") << "ftp://example.org"
                             << "";
        QTest::newRow("two words") << "my host"
                                   << "";
        QTest::newRow("bad port") << "host:99999"
                                  << "";
    }
    void addressesBecomeWebSocketUrls()
    {
        QFETCH(QString, address);
        QFETCH(QString, url);
        QString error;
        const QUrl result = ChatClient::urlFromAddress(address, &error);
        QCOMPARE(result.toString(), url);
        QCOMPARE(error.isEmpty(), !url.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestModels)
#include "tst_models.moc"
