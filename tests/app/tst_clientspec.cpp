// The client rules written once (tests/clientspec/cases.json), run against the desktop app's
// ChatClient and its models with a real server and protocol bots. The web client runs the same
// cases (tests/clientspec/run-web.mjs): a rule changed in one client and not the other fails.
#include "apptest.h"
#include "chatclient.h"
#include "conversations.h"
#include "testclient.h"
#include "testserver.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTest>
#include <map>
#include <memory>

using namespace Qt::StringLiterals;
using namespace confab;
using namespace confab::client;
using namespace confab::test;

namespace {

QJsonArray loadCases()
{
    QFile file(QStringLiteral(CONFAB_CLIENTSPEC_DIR "/cases.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).array();
}

// The addresses the message's markup makes links of, unescaped.
QJsonArray linksOf(const QString &html)
{
    static const QRegularExpression href(QStringLiteral(R"re(<a href="([^"]*)")re"));
    QJsonArray out;
    for (const auto &m : href.globalMatch(html)) {
        QString url = m.captured(1);
        url.replace(u"&quot;"_s, u"\""_s).replace(u"&lt;"_s, u"<"_s).replace(u"&gt;"_s, u">"_s);
        out.append(url.replace(u"&amp;"_s, u"&"_s));
    }
    return out;
}

// One case's run: the server, the bots, the app as carol.
class Run
{
public:
    bool start()
    {
        if (!server.start())
            return false;
        return app.connectTo(server.port(), QStringLiteral("carol"));
    }

    TestClient &bot(const QString &nick)
    {
        auto &b = bots[nick];
        if (!b) {
            b = std::make_unique<TestClient>();
            if (!b->enter(server.port(), nick))
                qWarning("bot %s could not enter", qPrintable(nick));
        }
        return *b;
    }

    // "$seq:TEXT": the seq of the room message with that text, as a bot saw it.
    QJsonValue resolve(const QJsonValue &v)
    {
        if (v.isString() && v.toString().startsWith(u"$seq:")) {
            const QString text = v.toString().mid(5);
            if (seqOf.contains(text))
                return seqOf.value(text);
            for (const auto &[nick, b] : bots) {
                for (const QJsonObject &f : b->pending()) {
                    if (f["type"].toString() == u"message" && f.contains("room")
                        && f["text"] == text)
                        return f["seq"];
                }
            }
            qWarning("no message '%s' seen", qPrintable(text));
            return v;
        }
        if (v.isObject()) {
            QJsonObject o = v.toObject();
            for (auto it = o.begin(); it != o.end(); ++it)
                it.value() = resolve(it.value());
            return o;
        }
        return v;
    }

    void botStep(const QJsonObject &step)
    {
        TestClient &b = bot(step["bot"].toString());
        QJsonObject frame = resolve(step["frame"]).toObject();
        const QString id = QStringLiteral("%1-%2").arg(step["bot"].toString()).arg(++next);
        frame.insert("id", id);
        b.send(frame);
        if (frame["type"].toString() == u"typing")
            return; // never answered
        const QJsonObject answer = b.take(
            {}, [&](const QJsonObject &f) { return f["re"].toString() == id; }, 2000);
        if (answer["type"].toString() == u"message" && answer.contains("room"))
            seqOf.insert(answer["text"].toString(), answer["seq"].toInteger());
    }

    // What the app shows, in the case's terms (only what the expectation names).
    QJsonObject shown(const QJsonObject &expect) const
    {
        const QString name =
            expect.contains("in") ? expect["in"].toString() : expect["room"].toString();
        const Conversations &all = app.client.conversations();
        const Conversations::Conversation *c = all.find(name);
        QJsonObject got;
        const RoomListModel *rooms = all.rooms();
        const int row = rooms->indexOf(name);
        if (expect.contains("unread"))
            got["unread"] =
                row < 0 ? -1 : rooms->index(row).data(RoomListModel::UnreadRole).toInt();
        if (expect.contains("mentions"))
            got["mentions"] =
                row < 0 ? -1 : rooms->index(row).data(RoomListModel::MentionsRole).toInt();
        if (expect.contains("messages") && c) {
            QJsonArray list;
            const MessageModel &model = c->messages;
            for (int i = 0; i < model.rowCount(); ++i) {
                const QModelIndex at = model.index(i);
                if (at.data(MessageModel::KindRole).toString() != u"message")
                    continue;
                QJsonObject reactions;
                for (const QVariant &r : at.data(MessageModel::ReactionsRole).toList()) {
                    const QVariantMap m = r.toMap();
                    if (m["count"].toInt() > 0)
                        reactions[m["emoji"].toString()] = m["count"].toInt();
                }
                QJsonObject m{
                    {"text", at.data(MessageModel::TextRole).toString()},
                    {"from", at.data(MessageModel::NickRole).toString()},
                    {"edited", at.data(MessageModel::EditedRole).toBool()},
                    {"deleted", at.data(MessageModel::DeletedRole).toBool()},
                    {"mentionsMe", at.data(MessageModel::MentionRole).toBool()},
                    {"reactions", reactions},
                    {"links", linksOf(at.data(MessageModel::HtmlRole).toString())},
                    {"replyTo", QJsonValue::Null},
                };
                if (at.data(MessageModel::ReplyToRole).toLongLong() > 0
                    && !at.data(MessageModel::ReplyNickRole).toString().isEmpty()) {
                    m["replyTo"] = QJsonObject{
                        {"from", at.data(MessageModel::ReplyNickRole).toString()},
                        {"text", at.data(MessageModel::ReplyDeletedRole).toBool()
                                     ? QString()
                                     : at.data(MessageModel::ReplyTextRole).toString()}};
                }
                list.append(m);
            }
            const qsizetype want = expect["messages"].toArray().size();
            QJsonArray last;
            for (qsizetype i = std::max<qsizetype>(0, list.size() - want); i < list.size(); ++i)
                last.append(list[i]);
            got["messages"] = last;
        }
        if (expect.contains("members")) {
            QStringList nicks;
            if (c) {
                for (int i = 0; i < c->members.rowCount(); ++i)
                    nicks.append(c->members.index(i).data(MemberModel::NickRole).toString());
            }
            nicks.sort();
            got["members"] = QJsonArray::fromStringList(nicks);
        }
        if (expect.contains("typing"))
            got["typing"] = QJsonArray::fromStringList(all.typingNicks(name));
        if (expect.contains("newLine")) {
            const int line = c ? c->messages.firstUnreadRow() : -1;
            got["newLine"] =
                line < 0
                    ? QJsonValue(QJsonValue::Null)
                    : QJsonValue(c->messages.index(line).data(MessageModel::TextRole).toString());
        }
        return got;
    }

    TestServer server;
    App app;
    std::map<QString, std::unique_ptr<TestClient>> bots;
    QHash<QString, qint64> seqOf;
    int next = 0;
};

// Every field the case names is compared; objects in the case are subsets of what is shown,
// except reactions, compared whole (a count taken back must be gone).
bool matches(const QJsonValue &want, const QJsonValue &have, const QString &key = {})
{
    if (want.isObject() && key != u"reactions") {
        const QJsonObject w = want.toObject();
        const QJsonObject h = have.toObject();
        for (auto it = w.begin(); it != w.end(); ++it) {
            if (it.key() == u"in" || it.key() == u"room")
                continue;
            if (!h.contains(it.key()) || !matches(it.value(), h[it.key()], it.key()))
                return false;
        }
        return have.isObject();
    }
    if (want.isArray()) {
        const QJsonArray w = want.toArray();
        const QJsonArray h = have.toArray();
        if (w.size() != h.size())
            return false;
        for (qsizetype i = 0; i < w.size(); ++i) {
            if (!matches(w[i], h[i]))
                return false;
        }
        return true;
    }
    return want == have;
}

} // namespace

class TestClientSpec : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init() { useFreshAppState(); }

    // The numbers both clients use (constants.json).
    void theNumbersAreTheSharedOnes()
    {
        QFile file(QStringLiteral(CONFAB_CLIENTSPEC_DIR "/constants.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject constants = QJsonDocument::fromJson(file.readAll()).object();
        QJsonArray minutes;
        for (const QVariant &d : ChatClient::banDurations())
            minutes.append(d.toMap()[u"minutes"_s].toInt());
        QCOMPARE(minutes, constants["banDurationsMinutes"].toArray());
        QCOMPARE(Conversations::TypingShownMs, constants["typingShownMs"].toInt());
        QCOMPARE(Conversations::ReadIntervalMs, constants["readIntervalMs"].toInteger());
    }

    void everyCaseHolds_data()
    {
        QTest::addColumn<QJsonObject>("spec");
        const QJsonArray cases = loadCases();
        QVERIFY2(!cases.isEmpty(), "tests/clientspec/cases.json is missing or empty");
        for (const QJsonValue &c : cases)
            QTest::newRow(qPrintable(c["name"].toString())) << c.toObject();
    }

    void everyCaseHolds()
    {
        QFETCH(QJsonObject, spec);
        Run run;
        QVERIFY(run.start());
        for (const QJsonValue &v : spec["steps"].toArray()) {
            const QJsonObject step = v.toObject();
            const QString user = step["user"].toString();
            if (step.contains("bot")) {
                run.botStep(step);
            } else if (user == u"open") {
                run.app.client.setCurrentRoom(step["room"].toString());
            } else if (user == u"join") {
                const QString was = run.app.client.currentRoom();
                const QString room = step["room"].toString();
                run.app.client.joinRoom(room);
                QTRY_VERIFY_WITH_TIMEOUT(run.app.client.conversations().find(room)
                                             && run.app.client.conversations().find(room)->joined,
                                         waitMs());
                run.app.client.setCurrentRoom(was); // joined, not opened (the app opens it)
            } else if (user == u"away") {
                run.app.client.setWindowActive(false);
            } else if (user == u"back") {
                run.app.client.setWindowActive(true);
            } else if (user == u"send") {
                QVERIFY(run.app.client.sendMessage(step["text"].toString()));
            } else if (step.contains("wait_ms")) {
                QTest::qWait(step["wait_ms"].toInt());
            } else if (step.contains("expect")) {
                const QJsonObject expect = step["expect"].toObject();
                if (!step["at_once"].toBool())
                    (void)QTest::qWaitFor([&] { return matches(expect, run.shown(expect)); }, 3000);
                const QJsonObject have = run.shown(expect);
                QVERIFY2(
                    matches(expect, have),
                    qPrintable(
                        u"expected "_s
                        + QString::fromUtf8(QJsonDocument(expect).toJson(QJsonDocument::Compact))
                        + u"\n   shown   "_s
                        + QString::fromUtf8(QJsonDocument(have).toJson(QJsonDocument::Compact))));
            } else {
                QFAIL(qPrintable(
                    u"unknown step "_s
                    + QString::fromUtf8(QJsonDocument(step).toJson(QJsonDocument::Compact))));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestClientSpec)
#include "tst_clientspec.moc"
