// Protocol 1.1 frames (eventframes.h, operatorframes.h): each survives the wire both ways, and
// each decoding fault gives the error code and text a server answers.
#include "eventframes.h"
#include "operatorframes.h"
#include "validation.h"

#include <QJsonDocument>
#include <QTest>

using namespace confab::protocol;

namespace {

QJsonObject json(const QByteArray &text)
{
    const QJsonDocument doc = QJsonDocument::fromJson(text);
    if (!doc.isObject())
        qFatal("not a JSON object in the test: %s", text.constData());
    return doc.object();
}

// Encoded, parsed again by the envelope decoder, then decoded.
template <typename T, typename... Args> std::optional<T> throughTheWire(const T &frame, Args... a)
{
    const auto envelope = decodeFrame(encode(frame.toJson()));
    const Frame *f = std::get_if<Frame>(&envelope);
    if (!f || f->type != T::Type)
        return std::nullopt;
    auto decoded = T::fromJson(f->object, a...);
    if (auto *back = std::get_if<T>(&decoded))
        return *back;
    qWarning() << "refused:" << std::get<DecodeError>(decoded).message;
    return std::nullopt;
}

// A room event of any kind, encoded and read back as a ChatMessage.
std::optional<ChatMessage> throughTheWireAs(const ChatMessage &event, const char *type)
{
    const auto envelope = decodeFrame(encode(event.toJson()));
    const Frame *f = std::get_if<Frame>(&envelope);
    if (!f || f->type != QLatin1StringView(type))
        return std::nullopt;
    auto decoded = ChatMessage::fromJson(f->object);
    if (auto *back = std::get_if<ChatMessage>(&decoded))
        return *back;
    return std::nullopt;
}

template <typename T, typename... Args> DecodeError fault(const QByteArray &text, Args... a)
{
    auto decoded = T::fromJson(json(text), a...);
    if (auto *error = std::get_if<DecodeError>(&decoded))
        return *error;
    return {Error::UnknownType, QStringLiteral("(decoded: no fault)"), {}};
}

const UserInfo ana{QStringLiteral("0b7f4a52-1c7e-4d2a-9a51-3c1f1b2a4d10"), QStringLiteral("ana")};

// Outside the test class: moc 6.4 loses the class's slots when raw JSON strings are in its body.
void addFaultRows()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message");
    QTest::newRow("edit target missing")
        << QByteArray(R"({"type":"edit","room":"general","text":"x"})") << "bad_request"
        << "\"target\" must be a seq (an integer, 0 or more)";
    // 0 is a well-formed seq that names no message: the hub answers not_found.
    QTest::newRow("edit target negative")
        << QByteArray(R"({"type":"edit","room":"general","target":-1,"text":"x"})") << "bad_request"
        << "\"target\" must be a seq (an integer, 0 or more)";
    QTest::newRow("edit target fraction")
        << QByteArray(R"({"type":"edit","room":"general","target":1.5,"text":"x"})")
        << "bad_request"
        << "\"target\" must be a seq (an integer, 0 or more)";
    QTest::newRow("edit bad room")
        << QByteArray(R"({"type":"edit","room":"no spaces","target":1,"text":"x"})") << "bad_room"
        << "";
    QTest::newRow("delete target string")
        << QByteArray(R"({"type":"delete","room":"general","target":"42"})") << "bad_request"
        << "\"target\" must be a seq (an integer, 0 or more)";
    QTest::newRow("react emoji with a space")
        << QByteArray(R"({"type":"react","room":"general","target":1,"emoji":"a b","on":true})")
        << "bad_request"
        << "\"emoji\" must be 1 to 32 bytes of UTF-8 that show something, without spaces, control "
           "or direction characters";
    QTest::newRow("react empty emoji")
        << QByteArray(R"({"type":"react","room":"general","target":1,"emoji":"","on":true})")
        << "bad_request"
        << "\"emoji\" must be 1 to 32 bytes of UTF-8 that show something, without spaces, control "
           "or direction characters";
    QTest::newRow("react on as number")
        << QByteArray(R"({"type":"react","room":"general","target":1,"emoji":"👍","on":1})")
        << "bad_request"
        << "\"on\" must be true or false";
    QTest::newRow("react on missing")
        << QByteArray(R"({"type":"react","room":"general","target":1,"emoji":"👍"})")
        << "bad_request"
        << "\"on\" must be true or false";
    QTest::newRow("ban 0 minutes")
        << QByteArray(R"({"type":"ban","user":"u","minutes":0})") << "bad_request"
        << "\"minutes\" must be an integer from 1 to 525600";
    QTest::newRow("ban over a year")
        << QByteArray(R"({"type":"ban","user":"u","minutes":525601})") << "bad_request"
        << "\"minutes\" must be an integer from 1 to 525600";
    QTest::newRow("ban address not a boolean")
        << QByteArray(R"({"type":"ban","user":"u","minutes":5,"address":0})") << "bad_request"
        << "\"address\" must be true or false";
    QTest::newRow("ban no user") << QByteArray(R"({"type":"ban","minutes":5})") << "bad_request"
                                 << "\"user\" must be a user id";
    QTest::newRow("kick reason too long")
        << (R"({"type":"kick","room":"general","user":"u","reason":")" + QByteArray(257, 'x')
            + R"("})")
        << "too_long"
        << "a reason has at most 256 characters";
}

void checkEditTextRules()
{
    const auto empty =
        fault<EditRequest>(R"({"type":"edit","room":"general","target":1,"text":""})", 4096);
    const auto emptySend =
        fault<SendRequest>(R"({"type":"send","room":"general","text":""})", 4096);
    QCOMPARE(empty.error, emptySend.error);
    QCOMPARE(empty.message, emptySend.message);
    const QByteArray big =
        R"({"type":"edit","room":"general","target":1,"text":")" + QByteArray(11, 'x') + R"("})";
    QCOMPARE(errorName(fault<EditRequest>(big, 10).error), "too_long");
}

void checkReplyToRules()
{
    const auto reply = SendRequest::fromJson(
        QJsonDocument::fromJson(R"({"type":"send","room":"general","text":"yes","reply_to":42})")
            .object(),
        4096);
    QCOMPARE(std::get<SendRequest>(reply).replyTo, 42);
    // 0 is a well-formed seq (it names no message: the hub answers not_found).
    const auto zero = SendRequest::fromJson(
        QJsonDocument::fromJson(R"({"type":"send","room":"general","text":"yes","reply_to":0})")
            .object(),
        4096);
    QCOMPARE(std::get<SendRequest>(zero).replyTo, 0);
    const auto negative =
        fault<SendRequest>(R"({"type":"send","room":"general","text":"yes","reply_to":-1})", 4096);
    QCOMPARE(negative.message, "\"reply_to\" must be a seq (an integer, 0 or more)");
    const auto direct =
        fault<SendRequest>(R"({"type":"send","to":"someone","text":"yes","reply_to":3})", 4096);
    QCOMPARE(direct.message, "\"reply_to\" is for messages in a room");
}

} // namespace

class TestV11Frames : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void requestsSurviveTheWire()
    {
        const EditRequest edit{QStringLiteral("general"), 42, QStringLiteral("fixed ✓")};
        QCOMPARE(throughTheWire(edit, 4096), edit);
        const DeleteRequest del{QStringLiteral("general"), 42};
        QCOMPARE(throughTheWire(del), del);
        const ReactRequest react{QStringLiteral("general"), 42, QStringLiteral("👍🏽"), false};
        QCOMPARE(throughTheWire(react), react);
        const KickRequest kick{QStringLiteral("general"), ana.id, QStringLiteral("spam")};
        QCOMPARE(throughTheWire(kick), kick);
        const BanRequest ban{ana.id, 60, {}};
        QCOMPARE(throughTheWire(ban), ban);
        const BanRequest byIdOnly{ana.id, 60, QStringLiteral("spam"), false};
        QCOMPARE(throughTheWire(byIdOnly), byIdOnly);
        QCOMPARE(byIdOnly.toJson().value("address"), QJsonValue(false));
        const UnbanRequest unban{ana.id};
        QCOMPARE(throughTheWire(unban), unban);
    }

    void eventsSurviveTheWire()
    {
        const EditEvent edit{
            QStringLiteral("general"),  57,           QStringLiteral("e-1"), ana, 42,
            QStringLiteral("new text"), 1700000000000};
        QCOMPARE(throughTheWire(edit), edit);
        const DeleteEvent del{
            QStringLiteral("general"), 58, QStringLiteral("e-2"), ana, 42, 1700000000001};
        QCOMPARE(throughTheWire(del), del);
        const ReactionEvent reaction{
            QStringLiteral("general"), 59,   QStringLiteral("e-3"), ana, 42,
            QStringLiteral("🎉"),       true, 1700000000002};
        QCOMPARE(throughTheWire(reaction), reaction);
        const Kicked kicked{QStringLiteral("general"), ana, QStringLiteral("be nice")};
        QCOMPARE(throughTheWire(kicked), kicked);
        QCOMPARE(featuresV11(),
                 QStringList({"edit", "delete", "reply", "react", "ops"})); // PROTOCOL.md's list
    }

    void wireNames()
    {
        QCOMPARE(errorName(Error::NotFound), "not_found");
        QCOMPARE(errorName(Error::Forbidden), "forbidden");
        QCOMPARE(errorName(Error::Banned), "banned");
        QCOMPARE(int(CloseBanned), 4004);
        const QJsonObject o =
            ReactRequest{QStringLiteral("r"), 1, QStringLiteral("👍"), true}.toJson();
        QVERIFY(o.value("on").isBool()); // a boolean on the wire, not 1/0
    }

    void faults_data() { addFaultRows(); }

    void faults()
    {
        QFETCH(QByteArray, frame);
        QFETCH(QString, code);
        QFETCH(QString, message);
        const QString type = json(frame).value("type").toString();
        DecodeError error;
        if (type == "edit")
            error = fault<EditRequest>(frame, 4096);
        else if (type == "delete")
            error = fault<DeleteRequest>(frame);
        else if (type == "react")
            error = fault<ReactRequest>(frame);
        else if (type == "ban")
            error = fault<BanRequest>(frame);
        else
            error = fault<KickRequest>(frame);
        QCOMPARE(errorName(error.error), code);
        if (!message.isEmpty())
            QCOMPARE(error.message, message);
    }

    void anEditFollowsTheSendTextRules() { checkEditTextRules(); }

    void aMessageCarriesItsCurrentState()
    {
        ChatMessage m{QStringLiteral("general"),
                      42,
                      QStringLiteral("m-1"),
                      ana,
                      QStringLiteral("fixed"),
                      1700000000000,
                      {}};
        const QByteArray plain = encode(m.toJson());
        QVERIFY(!plain.contains("edited_ts") && !plain.contains("deleted")
                && !plain.contains("reactions") && !plain.contains("reply_to")
                && !plain.contains("\"op\"")); // a 1.0 message is as it was
        m.editedTs = 1700000000500;
        m.replyTo = 41;
        m.reactions.insert(QStringLiteral("👍"), {ana.id, QStringLiteral("u-2")});
        QCOMPARE(throughTheWire(m), m);
        ChatMessage gone = m;
        gone.text.clear();
        gone.deleted = true;
        gone.reactions.clear();
        QCOMPARE(throughTheWire(gone), gone);
        const QJsonObject o = m.toJson();
        QCOMPARE(o.value("reactions").toObject().value("👍").toArray().size(), 2);
        QCOMPARE(o.value("reply_to").toInteger(), 41);
    }

    // Issue 19: an answer lists at most MaxReactorsListed ids per emoji, the asker among them,
    // and counts them all.
    void anAnswerCutsALongListOfReactors()
    {
        ChatMessage m{QStringLiteral("general"),
                      42,
                      QStringLiteral("m-1"),
                      ana,
                      QStringLiteral("popular"),
                      1700000000000,
                      {}};
        QStringList many;
        for (int i = 0; i < MaxReactorsListed + 10; ++i)
            many.append(QStringLiteral("u-%1").arg(i));
        m.reactions.insert(QStringLiteral("🎉"), many);
        m.reactions.insert(QStringLiteral("👍"), {ana.id});
        ChatMessage forLast = m;
        listReactionsFor(forLast, many.last());
        QCOMPARE(forLast.reactions.value(QStringLiteral("🎉")).size(), MaxReactorsListed);
        QCOMPARE(forLast.reactions.value(QStringLiteral("🎉")).last(), many.last());
        QCOMPARE(forLast.reactions.value(QStringLiteral("🎉")).first(), many.first());
        QCOMPARE(forLast.reactionCounts,
                 (QMap<QString, qint64>{{QStringLiteral("🎉"), many.size()}}));
        QCOMPARE(forLast.reactions.value(QStringLiteral("👍")), QStringList{ana.id}); // short: as is
        QCOMPARE(throughTheWire(forLast), forLast);
        ChatMessage forFirst = m;
        listReactionsFor(forFirst, many.first());
        QCOMPARE(forFirst.reactions.value(QStringLiteral("🎉")), many.first(MaxReactorsListed));
        // A count smaller than its list, or for an emoji not listed, is not believed.
        QJsonObject o = forFirst.toJson();
        o.insert("reaction_counts", QJsonObject{{"🎉", 3}, {"🍕", 9}});
        const auto read = ChatMessage::fromJson(o);
        QVERIFY(std::holds_alternative<ChatMessage>(read));
        QVERIFY(std::get<ChatMessage>(read).reactionCounts.isEmpty());
    }

    // A room's log holds events of every kind as ChatMessage (codec.h): each comes back as the
    // frame its typed twin in eventframes.h writes.
    void roomEventsOfEveryKindTravelAsOneType()
    {
        ChatMessage edit;
        edit.kind = ChatMessage::Kind::Edit;
        edit.room = QStringLiteral("general");
        edit.seq = 57;
        edit.id = QStringLiteral("e-1");
        edit.from = ana;
        edit.target = 42;
        edit.text = QStringLiteral("fixed");
        edit.ts = 1700000000000;
        QCOMPARE(edit.toJson(),
                 (EditEvent{edit.room, 57, edit.id, ana, 42, edit.text, edit.ts}.toJson()));
        QCOMPARE(throughTheWireAs(edit, "edit"), edit);

        ChatMessage gone = edit;
        gone.kind = ChatMessage::Kind::Delete;
        gone.text.clear();
        QCOMPARE(gone.toJson(), (DeleteEvent{gone.room, 57, gone.id, ana, 42, gone.ts}.toJson()));
        QCOMPARE(throughTheWireAs(gone, "delete"), gone);

        ChatMessage reaction = gone;
        reaction.kind = ChatMessage::Kind::Reaction;
        reaction.emoji = QStringLiteral("👍");
        reaction.on = false;
        QCOMPARE(reaction.toJson(), (ReactionEvent{reaction.room, 57, reaction.id, ana, 42,
                                                   reaction.emoji, false, reaction.ts}
                                         .toJson()));
        QCOMPARE(throughTheWireAs(reaction, "reaction"), reaction);
    }

    void anOperatorIsMarked()
    {
        const UserInfo op{QStringLiteral("id-op"), QStringLiteral("teacher"), true};
        QCOMPARE(toJson(op).value("op"), QJsonValue(true));
        QCOMPARE(userFromJson(toJson(op)), op);
        QVERIFY(!toJson(ana).contains("op"));
    }

    void aReplyNamesASeqInTheRoom() { checkReplyToRules(); }

    void emoji_data()
    {
        QTest::addColumn<QString>("emoji");
        QTest::addColumn<bool>("valid");
        QTest::newRow("thumbs up") << QStringLiteral("👍") << true;
        QTest::newRow("skin tone") << QStringLiteral("👍🏽") << true;
        QTest::newRow("family (ZWJ)") << QStringLiteral("👨‍👩‍👧") << true;
        QTest::newRow("a word") << QStringLiteral("+1") << true;
        QTest::newRow("32 bytes") << QString(32, QLatin1Char('x')) << true;
        QTest::newRow("33 bytes") << QString(33, QLatin1Char('x')) << false;
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("space") << QStringLiteral("👍 ") << false;
        QTest::newRow("no-break space") << QStringLiteral("a\u00a0b") << false;
        QTest::newRow("newline") << QStringLiteral("a\nb") << false;
        QTest::newRow("DEL (Cc)") << QStringLiteral("a\u007f") << false;
        QTest::newRow("lone surrogate") << QString(QChar(0xd83d)) << false;
    }

    void emoji()
    {
        QFETCH(QString, emoji);
        QFETCH(bool, valid);
        QCOMPARE(isValidEmoji(emoji), valid);
    }
};

QTEST_APPLESS_MAIN(TestV11Frames)
#include "tst_v11frames.moc"
