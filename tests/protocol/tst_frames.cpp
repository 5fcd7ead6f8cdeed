// One type per frame (frames.h): every frame survives the wire both ways, and every decoding
// fault gives the server's error code and text, in the order the server checks.
#include "frames.h"

#include <QJsonDocument>
#include <QTest>
#include <functional>

using namespace confab::protocol;

namespace {

QJsonObject json(const QByteArray &text)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        qFatal("not a JSON object in the test: %s", text.constData());
    return doc.object();
}

// Through real bytes: encoded, parsed again by the envelope decoder (HTTP bodies, which have no
// type, by QJsonDocument), then decoded.
template <typename T, typename... Args>
std::optional<T> throughTheWire(const T &frame, Args... args)
{
    QJsonObject object;
    if constexpr (requires { T::Type; }) {
        const auto envelope = decodeFrame(encode(frame.toJson()));
        const Frame *f = std::get_if<Frame>(&envelope);
        if (!f || f->type != T::Type)
            return std::nullopt;
        object = f->object;
    } else {
        object = QJsonDocument::fromJson(encode(frame.toJson())).object();
    }
    auto decoded = T::fromJson(object, args...);
    if (auto *back = std::get_if<T>(&decoded))
        return *back;
    qWarning() << "refused:" << std::get<DecodeError>(decoded).message;
    return std::nullopt;
}

template <typename T, typename... Args> bool roundTrips(const T &frame, Args... args)
{
    return throughTheWire(frame, args...) == std::optional<T>(frame);
}

const UserInfo alice{QStringLiteral("6f0a3c1e-0000-4000-8000-000000000001"),
                     QStringLiteral("alice")};
const UserInfo bob{QStringLiteral("6f0a3c1e-0000-4000-8000-000000000002"), QStringLiteral("bob")};

ChatMessage roomMessage(qint64 seq)
{
    ChatMessage m;
    m.room = QStringLiteral("general");
    m.seq = seq;
    m.id = QStringLiteral("9b2c4c1e-0000-4000-8000-%1").arg(seq, 12, 10, QLatin1Char('0'));
    m.from = alice;
    m.text = QStringLiteral("hi ünïcode %1").arg(seq);
    m.ts = 1732700000000 + seq;
    return m;
}

ChatMessage directMessage()
{
    ChatMessage m;
    m.to = bob.id;
    m.id = QStringLiteral("9b2c4c1e-0000-4000-8000-00000000000d");
    m.from = alice;
    m.text = QStringLiteral("psst");
    m.ts = 1732700000000;
    return m;
}

Joined aJoined()
{
    Joined j;
    j.room = QStringLiteral("général");
    j.topic = QStringLiteral("Sprint \"14\"");
    j.members = {alice, bob};
    j.seq = 57;
    j.epoch = QStringLiteral("1c6a8f5e-0000-4000-8000-000000000000");
    j.read = 40;
    j.history = {roomMessage(56), roomMessage(57)};
    return j;
}

constexpr int MaxText = Limits{}.maxTextBytes;

// The decoder of each request and answer, by the name of its type in this test.
std::optional<DecodeError> faultOf(const QString &decoder, const QJsonObject &o)
{
    auto fault = [](const auto &decoded) -> std::optional<DecodeError> {
        if (const auto *error = std::get_if<DecodeError>(&decoded))
            return *error;
        return std::nullopt;
    };
    static const QHash<QString, std::function<std::optional<DecodeError>(const QJsonObject &)>>
        decoders{
            {"Hello",
             [&](auto &o) {
                 return fault(Hello::fromJson(o));
             }},
            {"Welcome",
             [&](auto &o) {
                 return fault(Welcome::fromJson(o));
             }},
            {"NickRequest",
             [&](auto &o) {
                 return fault(NickRequest::fromJson(o));
             }},
            {"NickAnswer",
             [&](auto &o) {
                 return fault(NickAnswer::fromJson(o));
             }},
            {"JoinRequest",
             [&](auto &o) {
                 return fault(JoinRequest::fromJson(o));
             }},
            {"Joined",
             [&](auto &o) {
                 return fault(Joined::fromJson(o));
             }},
            {"LeaveRequest",
             [&](auto &o) {
                 return fault(LeaveRequest::fromJson(o));
             }},
            {"Left",
             [&](auto &o) {
                 return fault(Left::fromJson(o));
             }},
            {"RoomsAnswer",
             [&](auto &o) {
                 return fault(RoomsAnswer::fromJson(o));
             }},
            {"TopicRequest",
             [&](auto &o) {
                 return fault(TopicRequest::fromJson(o));
             }},
            {"TopicEvent",
             [&](auto &o) {
                 return fault(TopicEvent::fromJson(o));
             }},
            {"Presence",
             [&](auto &o) {
                 return fault(Presence::fromJson(o));
             }},
            {"SendRequest",
             [&](auto &o) {
                 return fault(SendRequest::fromJson(o, MaxText));
             }},
            {"ChatMessage",
             [&](auto &o) {
                 return fault(ChatMessage::fromJson(o));
             }},
            {"HistoryRequest",
             [&](auto &o) {
                 return fault(HistoryRequest::fromJson(o));
             }},
            {"HistoryAnswer",
             [&](auto &o) {
                 return fault(HistoryAnswer::fromJson(o));
             }},
            {"ReadPosition",
             [&](auto &o) {
                 return fault(ReadPosition::fromJson(o));
             }},
            {"SearchRequest",
             [&](auto &o) {
                 return fault(SearchRequest::fromJson(o));
             }},
            {"SearchAnswer",
             [&](auto &o) {
                 return fault(SearchAnswer::fromJson(o));
             }},
            {"TypingRequest",
             [&](auto &o) {
                 return fault(TypingRequest::fromJson(o));
             }},
            {"TypingEvent",
             [&](auto &o) {
                 return fault(TypingEvent::fromJson(o));
             }},
            {"ErrorFrame",
             [&](auto &o) {
                 return fault(ErrorFrame::fromJson(o));
             }},
            {"PublishRequest",
             [&](auto &o) {
                 return fault(PublishRequest::fromJson(o));
             }},
            {"PublishAnswer",
             [&](auto &o) {
                 return fault(PublishAnswer::fromJson(o));
             }},
        };
    if (!decoders.contains(decoder))
        qFatal("no decoder %s in the test", qPrintable(decoder));
    return decoders.value(decoder)(o);
}

} // namespace

// The slots are defined below the class: inside a class body, moc 6.4's scanner stumbles on some
// of the raw JSON strings of these tests and then finds no slots (or no class) at all.
class TestFrames : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void sessionFramesRoundTrip();
    void roomFramesRoundTrip();
    void messageFramesRoundTrip();
    void errorAndHttpFramesRoundTrip();
    void membersHaveTheContractsNames();
    void integersAreExact();
    void joinedAroundEncodedMembers_data();
    void joinedAroundEncodedMembers();
    void listsSkipWhatTheyCannotRead();
    void errorsMayComeWithoutAMessage();
    void decodedNamesAreNfc();
    void theEnvelopeCarriesRe();
    void helloCredentialsAreReadOnTheirOwn();
    void faultsAreTheServers_data();
    void faultsAreTheServers();
    void boundsAreInclusive();
};

void TestFrames::sessionFramesRoundTrip()
{
    QVERIFY(roundTrips(Hello{}));
    QVERIFY(roundTrips(Hello{QStringLiteral("alice"), QStringLiteral("pw"),
                             QStringLiteral("0123456789abcdef!~")}));
    QVERIFY(roundTrips(Welcome{Version, alice, QStringLiteral("Confab"), QStringLiteral("1.2"),
                               Limits{100, 2000, 2.5, 3, 9007199254740993}}));
    QVERIFY(roundTrips(NickRequest{QStringLiteral("bob")}));
    QVERIFY(roundTrips(NickAnswer{bob, QStringLiteral("alice")}));
}

void TestFrames::roomFramesRoundTrip()
{
    QVERIFY(roundTrips(JoinRequest{QStringLiteral("general"), std::nullopt}));
    QVERIFY(roundTrips(JoinRequest{QStringLiteral("general"), 0}));
    QVERIFY(roundTrips(JoinRequest{QStringLiteral("general"), 40}));
    QVERIFY(roundTrips(aJoined()));
    QVERIFY(
        roundTrips(Joined{QStringLiteral("empty"), {}, {alice}, 0, QStringLiteral("e"), 0, {}}));
    QVERIFY(roundTrips(LeaveRequest{QStringLiteral("general")}));
    QVERIFY(roundTrips(Left{QStringLiteral("general")}));
    QVERIFY(roundTrips(RoomsRequest{}));
    QVERIFY(roundTrips(RoomsAnswer{}));
    QVERIFY(roundTrips(RoomsAnswer{
        {{QStringLiteral("a"), 3, QString()}, {QStringLiteral("b"), 0, QStringLiteral("kept")}}}));
    QVERIFY(roundTrips(TopicRequest{QStringLiteral("general"), QString()}));
    QVERIFY(roundTrips(TopicRequest{QStringLiteral("general"), QString(MaxTopicChars, u'x')}));
    QVERIFY(roundTrips(TopicEvent{QStringLiteral("general"), QStringLiteral("t"), bob, 17}));
    QVERIFY(roundTrips(Presence{QStringLiteral("general"), Presence::Event::Join, bob, {}, 1}));
    QVERIFY(roundTrips(Presence{QStringLiteral("general"), Presence::Event::Leave, bob, {}, 2}));
    QVERIFY(roundTrips(Presence{QStringLiteral("general"), Presence::Event::Nick, bob,
                                QStringLiteral("robert"), 3}));
}

void TestFrames::messageFramesRoundTrip()
{
    QVERIFY(roundTrips(
        SendRequest{QStringLiteral("general"), std::nullopt, QStringLiteral("hello")}, MaxText));
    QVERIFY(roundTrips(SendRequest{QString(), bob.id, QStringLiteral("psst")}, MaxText));
    QVERIFY(roundTrips(SendRequest{QStringLiteral("general"), std::nullopt, QString(MaxText, u'x')},
                       MaxText));
    QVERIFY(roundTrips(roomMessage(42)));
    QVERIFY(roundTrips(directMessage()));
    QVERIFY(roundTrips(HistoryRequest{QStringLiteral("general"), std::nullopt, std::nullopt}));
    QVERIFY(roundTrips(HistoryRequest{QStringLiteral("general"), 0, 1}));
    QVERIFY(roundTrips(HistoryAnswer{QStringLiteral("general"), {roomMessage(1)}}));
    QVERIFY(roundTrips(ReadPosition{QStringLiteral("general"), 42}));
    QVERIFY(roundTrips(SearchRequest{QStringLiteral("deploy"), std::nullopt, std::nullopt}));
    QVERIFY(roundTrips(SearchRequest{QStringLiteral("deploy"), QStringLiteral("general"), 5}));
    QVERIFY(roundTrips(SearchAnswer{QStringLiteral("deploy"), {roomMessage(3)}}));
    QVERIFY(roundTrips(TypingRequest{QStringLiteral("general")}));
    QVERIFY(roundTrips(TypingEvent{QStringLiteral("general"), alice}));
}

void TestFrames::errorAndHttpFramesRoundTrip()
{
    QVERIFY(roundTrips(ErrorFrame(Error::NotInRoom, QStringLiteral("join 'x' first"))));
    QVERIFY(roundTrips(ErrorFrame(Error::RateLimited, QStringLiteral("too many"), 120)));
    QVERIFY(
        roundTrips(PublishRequest{QStringLiteral("general"), QStringLiteral("hi"), std::nullopt}));
    QVERIFY(roundTrips(PublishRequest{QStringLiteral("general"), QStringLiteral("hi"),
                                      QStringLiteral("deploy-bot")}));
    QVERIFY(roundTrips(PublishAnswer{QStringLiteral("general"), 43}));
    QVERIFY(ErrorFrame(Error::TooLong, QString()).is(Error::TooLong));
    QCOMPARE(ErrorFrame(Error::TooLong, QString()).code, QStringLiteral("too_long"));
}

// The members a frame has on the wire, as the contract names them.
void TestFrames::membersHaveTheContractsNames()
{
    QCOMPARE(roomMessage(42).toJson(), json(R"({"type":"message","room":"general","seq":42,
                      "id":"9b2c4c1e-0000-4000-8000-000000000042",
                      "from":{"id":"6f0a3c1e-0000-4000-8000-000000000001","nick":"alice"},
                      "text":"hi ünïcode 42","ts":1732700000042})"));
    QCOMPARE(Welcome(Version, alice, QStringLiteral("n"), QStringLiteral("v"), Limits{}).toJson(),
             json(R"({"type":"welcome","protocol":1,
                      "user":{"id":"6f0a3c1e-0000-4000-8000-000000000001","nick":"alice"},
                      "server":{"name":"n","version":"v"},
                      "limits":{"max_text_bytes":4096,"max_frame_bytes":65536,
                                "rate_per_sec":10,"burst":8,"max_queue_bytes":1048576}})"));
    QCOMPARE(
        Presence(QStringLiteral("r"), Presence::Event::Nick, bob, QStringLiteral("o"), 5).toJson(),
        json(R"({"type":"presence","room":"r","event":"nick","old":"o","ts":5,
                      "user":{"id":"6f0a3c1e-0000-4000-8000-000000000002","nick":"bob"}})"));
    QCOMPARE(Presence(QStringLiteral("r"), Presence::Event::Leave, bob, {}, 5).toJson(),
             json(R"({"type":"presence","room":"r","event":"leave","ts":5,
                      "user":{"id":"6f0a3c1e-0000-4000-8000-000000000002","nick":"bob"}})"));
    QCOMPARE(ErrorFrame(Error::RateLimited, QStringLiteral("m"), 9).toJson(),
             json(R"({"type":"error","code":"rate_limited","message":"m","retry_ms":9})"));
    QCOMPARE(SendRequest(QString(), bob.id, QStringLiteral("t")).toJson(),
             json(R"({"type":"send","to":"6f0a3c1e-0000-4000-8000-000000000002","text":"t"})"));
    QCOMPARE(Hello{}.toJson(), json(R"({"type":"hello","protocol":1})"));
    QCOMPARE(SearchRequest(QStringLiteral("q"), std::nullopt, std::nullopt).toJson(),
             json(R"({"type":"search","q":"q"})"));
}

// Seq numbers, times and byte counts are integers on the wire, exactly, also past 2^53
// (where a double has gaps): 9007199254740993 is not a double.
void TestFrames::integersAreExact()
{
    constexpr qint64 big = 9007199254740993;
    ChatMessage m = roomMessage(1);
    m.seq = big;
    m.ts = big;
    QVERIFY(encode(m.toJson()).contains("\"seq\":9007199254740993"));
    QVERIFY(roundTrips(m));
    QVERIFY(roundTrips(ReadPosition{QStringLiteral("general"), big}));
    QVERIFY(roundTrips(JoinRequest{QStringLiteral("general"), big}));
    const auto read =
        ReadPosition::fromJson(json(R"({"type":"read","room":"a","seq":9007199254740993})"));
    QCOMPARE(std::get<ReadPosition>(read).seq, big);
    // Integral values written another way are integers too; fractions are not.
    const auto since = JoinRequest::fromJson(json(R"({"room":"a","since":4e1})"));
    QCOMPARE(std::get<JoinRequest>(since).since, std::optional<qint64>(40));
    QVERIFY(std::holds_alternative<DecodeError>(
        JoinRequest::fromJson(json(R"({"room":"a","since":40.5})"))));
    QVERIFY(std::holds_alternative<DecodeError>(
        JoinRequest::fromJson(json(R"({"room":"a","since":1e300})"))));
}

void TestFrames::joinedAroundEncodedMembers_data()
{
    QTest::addColumn<QList<UserInfo>>("members");
    QTest::addColumn<QString>("re");
    QTest::newRow("two, no re") << QList<UserInfo>{alice, bob} << QString();
    QTest::newRow("two, re") << QList<UserInfo>{alice, bob} << QStringLiteral("c\"1");
    QTest::newRow("none") << QList<UserInfo>{} << QStringLiteral("x");
}

void TestFrames::joinedAroundEncodedMembers()
{
    QFETCH(QList<UserInfo>, members);
    QFETCH(QString, re);
    const std::optional<QString> optionalRe =
        re.isNull() ? std::nullopt : std::optional<QString>(re);
    Joined full = aJoined();
    full.members = members;
    Joined head = full;
    head.members.clear();
    const QByteArray membersJson = QJsonDocument(toJson(members)).toJson(QJsonDocument::Compact);
    const QByteArray bytes = encodeJoined(head, membersJson, optionalRe);
    QCOMPARE(bytes, encode(withRe(full.toJson(), optionalRe)));
    const auto back = Joined::fromJson(QJsonDocument::fromJson(bytes).object());
    QCOMPARE(std::get<Joined>(back), full);
    // As a server sends it: a text frame in pieces around the list.
    const auto [start, tail] = joinedTextFrameAround(head, membersJson.size(), optionalRe);
    QCOMPARE(start + membersJson + tail, textFrame(bytes));
}

// A version 1.1 server lists edits, deletions and reactions among a room's messages; a 1.0
// client skips what it does not know, and so it does for members and rooms it cannot read.
void TestFrames::listsSkipWhatTheyCannotRead()
{
    const QJsonObject o = json(R"({"type":"joined","room":"general","topic":"","seq":3,
        "epoch":"e","read":0,
        "members":[{"id":"u1","nick":"a"},{"id":7},"x",{"id":"u2","nick":"b"}],
        "history":[
          {"type":"message","room":"general","seq":1,"id":"m1",
           "from":{"id":"u1","nick":"a"},"text":"one","ts":1},
          {"type":"edit","room":"general","seq":2,"id":"m2","from":{"id":"u1","nick":"a"},
           "target":1,"text":"uno","ts":2},
          {"type":"message","room":"general","seq":3,"id":"m3","text":"no sender","ts":3}]})");
    const auto decoded = Joined::fromJson(o);
    const Joined &joined = std::get<Joined>(decoded);
    QCOMPARE(joined.members.size(), 2);
    QCOMPARE(joined.members.last().nick, QStringLiteral("b"));
    // 1.1: an edit is a room event like a message; the entry without a sender is skipped.
    QCOMPARE(joined.history.size(), 2);
    QCOMPARE(joined.history.first().text, QStringLiteral("one"));
    QCOMPARE(joined.history.last().kind, ChatMessage::Kind::Edit);
    QCOMPARE(joined.history.last().target, 1);
    QCOMPARE(joined.history.last().text, QStringLiteral("uno"));

    const auto rooms = RoomsAnswer::fromJson(json(R"({"type":"rooms","rooms":[
        {"room":"a","members":1,"topic":""},{"room":"b","members":-1,"topic":""},
        {"room":"c","topic":""},{"room":"d","members":2,"topic":"t"}]})"));
    QCOMPARE(std::get<RoomsAnswer>(rooms).rooms.size(), 2);
    QCOMPARE(std::get<RoomsAnswer>(rooms).rooms.last().room, QStringLiteral("d"));
}

void TestFrames::errorsMayComeWithoutAMessage()
{
    const auto e =
        ErrorFrame::fromJson(json(R"({"type":"error","code":"unavailable","retry_ms":500})"));
    QCOMPARE(std::get<ErrorFrame>(e).code, QStringLiteral("unavailable"));
    QCOMPARE(std::get<ErrorFrame>(e).message, QString());
    QCOMPARE(std::get<ErrorFrame>(e).retryMs, std::optional<qint64>(500));
}

void TestFrames::decodedNamesAreNfc()
{
    const auto join = JoinRequest::fromJson(json("{\"room\":\"cafe\\u0301\"}"));
    QCOMPARE(std::get<JoinRequest>(join).room, QStringLiteral("café"));
    const auto nick = NickRequest::fromJson(json("{\"nick\":\"Zoe\\u0308\"}"));
    QCOMPARE(std::get<NickRequest>(nick).nick, QStringLiteral("Zoë"));
}

// The envelope: "re" is read once for a client, and written once for a server.
void TestFrames::theEnvelopeCarriesRe()
{
    const auto decoded = decodeFrame(R"({"type":"left","room":"a","re":"c7"})");
    QCOMPARE(std::get<Frame>(decoded).re, std::optional<QString>(QStringLiteral("c7")));
    const auto without = decodeFrame(R"({"type":"left","room":"a","re":7})");
    QCOMPARE(std::get<Frame>(without).re, std::nullopt);
    const auto request = decodeFrame(R"({"type":"leave","room":"a","id":"c8"})");
    QCOMPARE(std::get<Frame>(request).replyRe(), std::optional<QString>(QStringLiteral("c8")));
    QCOMPARE(withRe(Left{QStringLiteral("a")}.toJson(), std::get<Frame>(request)),
             json(R"({"type":"left","room":"a","re":"c8"})"));
    QCOMPARE(withRe(Left{QStringLiteral("a")}.toJson(), std::nullopt),
             json(R"({"type":"left","room":"a"})"));
    const QJsonObject error = ErrorFrame(Error::NotInRoom, QStringLiteral("join first")).toJson();
    QCOMPARE(withRe(error, QStringLiteral("c9")).value(QLatin1StringView("re")).toString(),
             QStringLiteral("c9"));
    QVERIFY(!withRe(error, std::nullopt).contains(QLatin1StringView("re")));
    QCOMPARE(withId(LeaveRequest{QStringLiteral("a")}.toJson(), QStringLiteral("c9")),
             json(R"({"type":"leave","room":"a","id":"c9"})"));
}

// A hello's password is checked after its protocol version and before its token and nick,
// so the credentials are read without judging those.
void TestFrames::helloCredentialsAreReadOnTheirOwn()
{
    const QJsonObject o = json(R"({"type":"hello","password":"pw","token":"short","nick":""})");
    const HelloCredentials c = HelloCredentials::fromJson(o);
    QCOMPARE(c.password, std::optional<QString>(QStringLiteral("pw")));
    QCOMPARE(c.token, std::nullopt); // not a valid token
    const auto valid =
        HelloCredentials::fromJson(json(R"({"password":5,"token":"0123456789abcdef"})"));
    QCOMPARE(valid.password, std::nullopt);
    QCOMPARE(valid.token, std::optional<QString>(QStringLiteral("0123456789abcdef")));
    // A non-string password is no password (checked as a wrong one), not a fault.
    const auto hello = Hello::fromJson(json(R"({"type":"hello","password":5})"));
    QCOMPARE(std::get<Hello>(hello).password, std::nullopt);
}

void TestFrames::faultsAreTheServers_data()
{
    QTest::addColumn<QString>("decoder");
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<int>("error");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("room"); // DecodeError::room; null: none
    QTest::addColumn<int>("close");

    const QString room = QStringLiteral("general");
    const QString noRoom;
    const QString notAString = QStringLiteral("\"room\" must be a string");
    const QString badRoom =
        QStringLiteral("a room name has 1 to 64 letters, digits, '-', '_' or '.'");
    const QString badNick = QStringLiteral(
        "a nick has 1 to 32 characters, no control characters and no surrounding spaces");
    const QString badToken = QStringLiteral("token must be 16 to 128 characters from '!' to '~'");
    const QString badVersion = QStringLiteral("unsupported protocol version; this server speaks 1");
    const QString blankText = QStringLiteral("\"text\" must be a non-empty string");
    const QString blankQ = QStringLiteral("\"q\" must be a non-empty string");
    const QString limit = QStringLiteral("\"limit\" must be a positive integer");
    const int req = int(Error::BadRequest);
    auto row = [&](const char *name, const char *decoder, const QByteArray &frame, int error,
                   const QString &message, const QString &inRoom = QString(), int close = 0) {
        QTest::newRow(name) << QString::fromLatin1(decoder) << frame << error << message << inRoom
                            << close;
    };

    // hello: the version (and a close), then the token, then the nick.
    row("hello protocol 2", "Hello", R"({"protocol":2})", req, badVersion, noRoom, 1002);
    row("hello protocol \"1\"", "Hello", R"({"protocol":"1"})", req, badVersion, noRoom, 1002);
    row("hello protocol null", "Hello", R"({"protocol":null})", req, badVersion, noRoom, 1002);
    row("hello protocol 1.5", "Hello", R"({"protocol":1.5})", req, badVersion, noRoom, 1002);
    row("hello version before token", "Hello", R"({"protocol":2,"token":"x"})", req, badVersion,
        noRoom, 1002);
    row("hello short token", "Hello", R"({"token":"0123456789abcde"})", req, badToken);
    row("hello long token", "Hello", "{\"token\":\"" + QByteArray(129, 't') + "\"}", req, badToken);
    row("hello token with a space", "Hello", R"({"token":"0123456789 abcdef"})", req, badToken);
    row("hello numeric token", "Hello", R"({"token":1234567890123456})", req, badToken);
    row("hello token before nick", "Hello", R"({"token":"x","nick":""})", req, badToken);
    row("hello empty nick", "Hello", R"({"nick":""})", int(Error::BadNick), badNick);
    row("hello numeric nick", "Hello", R"({"nick":7})", int(Error::BadNick), badNick);
    row("hello null nick", "Hello", R"({"nick":null})", int(Error::BadNick), badNick);
    row("hello spaced nick", "Hello", R"({"nick":" alice"})", int(Error::BadNick), badNick);
    row("hello lone surrogate nick", "Hello", R"({"nick":"a\ud800"})", int(Error::BadNick),
        badNick);

    row("nick missing", "NickRequest", "{}", int(Error::BadNick), badNick);
    row("nick control", "NickRequest", R"({"nick":"a\u0007b"})", int(Error::BadNick), badNick);
    row("nick format", "NickRequest", R"({"nick":"a\u200bb"})", int(Error::BadNick), badNick);
    row("nick 33", "NickRequest", "{\"nick\":\"" + QByteArray(33, 'n') + "\"}", int(Error::BadNick),
        badNick);

    row("join no room", "JoinRequest", "{}", req, notAString);
    row("join numeric room", "JoinRequest", R"({"room":5})", req, notAString);
    row("join null room", "JoinRequest", R"({"room":null})", req, notAString);
    row("join spaced room", "JoinRequest", R"({"room":"a b"})", int(Error::BadRoom), badRoom);
    row("join empty room", "JoinRequest", R"({"room":""})", int(Error::BadRoom), badRoom);
    row("join 65", "JoinRequest", "{\"room\":\"" + QByteArray(65, 'r') + "\"}", int(Error::BadRoom),
        badRoom);
    row("join lone surrogate", "JoinRequest", R"({"room":"a\ud800"})", int(Error::BadRoom),
        badRoom);
    const QString since = QStringLiteral("\"since\" must be a seq (0 or more)");
    row("join since -1", "JoinRequest", R"({"room":"general","since":-1})", req, since, room);
    row("join since \"3\"", "JoinRequest", R"({"room":"general","since":"3"})", req, since, room);
    row("join since 1.5", "JoinRequest", R"({"room":"general","since":1.5})", req, since, room);
    row("join room before since", "JoinRequest", R"({"room":"a b","since":-1})",
        int(Error::BadRoom), badRoom);

    row("leave no room", "LeaveRequest", "{}", req, notAString);
    row("leave bad room", "LeaveRequest", R"({"room":"#x"})", int(Error::BadRoom), badRoom);
    row("typing no room", "TypingRequest", "{}", req, notAString);

    // topic: the room (and, past it, the room is known for not_in_room), then the topic.
    const QString topicString = QStringLiteral("\"topic\" must be a string");
    row("topic missing", "TopicRequest", R"({"room":"general"})", req, topicString, room);
    row("topic numeric", "TopicRequest", R"({"room":"general","topic":5})", req, topicString, room);
    row("topic lone surrogate", "TopicRequest", R"({"room":"general","topic":"\udc00"})", req,
        QStringLiteral("\"topic\" must be Unicode text (no lone surrogates such as \\ud800)"),
        room);
    row("topic 257", "TopicRequest",
        "{\"room\":\"general\",\"topic\":\"" + QByteArray(257, 't') + "\"}", int(Error::TooLong),
        QStringLiteral("a topic has at most 256 characters"), room);
    row("topic room first", "TopicRequest", R"({"room":"a b","topic":5})", int(Error::BadRoom),
        badRoom);

    // send: room or to, then the text (with the server's limit), then the room or to.
    const QString either = QStringLiteral("a send names either \"room\" or \"to\"");
    row("send neither", "SendRequest", R"({"text":"x"})", req, either);
    row("send both", "SendRequest", R"({"room":"general","to":"u","text":"x"})", req, either);
    row("send no text", "SendRequest", R"({"room":"general"})", req, blankText);
    row("send empty text", "SendRequest", R"({"room":"general","text":""})", req, blankText);
    row("send numeric text", "SendRequest", R"({"room":"general","text":5})", req, blankText);
    row("send lone surrogate", "SendRequest", R"({"room":"general","text":"a\ud800"})", req,
        QStringLiteral("\"text\" must be Unicode text (no lone surrogates such as \\ud800)"));
    row("send 4097 bytes", "SendRequest",
        "{\"room\":\"general\",\"text\":\"" + QByteArray(MaxText + 1, 'x') + "\"}",
        int(Error::TooLong), QStringLiteral("a message has at most 4096 bytes of UTF-8"));
    row("send text before room", "SendRequest",
        "{\"room\":\"a b\",\"text\":\"" + QByteArray(MaxText + 1, 'x') + "\"}", int(Error::TooLong),
        QStringLiteral("a message has at most 4096 bytes of UTF-8"));
    row("send numeric room", "SendRequest", R"({"room":5,"text":"x"})", req, notAString);
    row("send bad room", "SendRequest", R"({"room":"a b","text":"x"})", int(Error::BadRoom),
        badRoom);
    row("send numeric to", "SendRequest", R"({"to":5,"text":"x"})", req,
        QStringLiteral("\"to\" must be a user id"));

    const QString before = QStringLiteral("\"before\" must be a seq (0 or more)");
    row("history before -1", "HistoryRequest", R"({"room":"general","before":-1})", req, before,
        room);
    row("history before first", "HistoryRequest", R"({"room":"general","before":"x","limit":0})",
        req, before, room);
    row("history limit 0", "HistoryRequest", R"({"room":"general","limit":0})", req, limit, room);
    row("history limit 2.5", "HistoryRequest", R"({"room":"general","limit":2.5})", req, limit,
        room);
    row("history no room", "HistoryRequest", R"({"limit":0})", req, notAString);

    const QString seq = QStringLiteral("\"seq\" must be a seq (0 or more)");
    row("read no seq", "ReadPosition", R"({"room":"general"})", req, seq, room);
    row("read seq -1", "ReadPosition", R"({"room":"general","seq":-1})", req, seq, room);
    row("read seq null", "ReadPosition", R"({"room":"general","seq":null})", req, seq, room);
    row("read bad room", "ReadPosition", R"({"room":"","seq":1})", int(Error::BadRoom), badRoom);

    // search: q, then limit, then the room.
    row("search no q", "SearchRequest", "{}", req, blankQ);
    row("search numeric q", "SearchRequest", R"({"q":5})", req, blankQ);
    row("search blank q", "SearchRequest", R"({"q":" \t "})", req, blankQ);
    row("search 257 bytes", "SearchRequest", "{\"q\":\"" + QByteArray(257, 'q') + "\"}", req,
        QStringLiteral("a search query has at most 256 bytes of UTF-8"));
    row("search 17 words", "SearchRequest", "{\"q\":\"" + QByteArray("w ").repeated(17) + "\"}",
        req, QStringLiteral("a search query has at most 16 words"));
    row("search limit 0", "SearchRequest", R"({"q":"x","limit":0})", req, limit);
    row("search q before limit", "SearchRequest", R"({"q":"","limit":0})", req, blankQ);
    row("search null room", "SearchRequest", R"({"q":"x","room":null})", req, notAString);
    row("search bad room", "SearchRequest", R"({"q":"x","room":"a b"})", int(Error::BadRoom),
        badRoom);
    row("search limit before room", "SearchRequest", R"({"q":"x","limit":0,"room":5})", req, limit);

    row("publish no room", "PublishRequest", R"({"text":"x"})", req, notAString);
    row("publish numeric text", "PublishRequest", R"({"room":"a","text":5})", req,
        QStringLiteral("\"text\" must be a string"));
    row("publish numeric from", "PublishRequest", R"({"room":"a","text":"x","from":5})",
        int(Error::BadNick), badNick);
    row("publish empty from", "PublishRequest", R"({"room":"a","text":"x","from":""})",
        int(Error::BadNick), badNick);

    // Frames a server sends: what the contract says they hold.
    const QByteArray user = R"({"id":"u1","nick":"a"})";
    const QString notAUser =
        QStringLiteral("\"user\" must be a user (an object with string id and nick)");
    row("welcome no user", "Welcome", R"({"protocol":1})", req, notAUser);
    row("welcome no server", "Welcome", R"({"protocol":1,"user":)" + user + "}", req,
        QStringLiteral("\"server\" must be an object"));
    row("welcome numeric server name", "Welcome",
        R"({"protocol":1,"user":)" + user + R"(,"server":{"name":5,"version":"v"}})", req,
        QStringLiteral("\"name\" must be a string"));
    row("welcome no limits", "Welcome",
        R"({"protocol":1,"user":)" + user + R"(,"server":{"name":"n","version":"v"}})", req,
        QStringLiteral("\"limits\" must be an object"));
    row("welcome fractional burst", "Welcome",
        R"({"protocol":1,"user":)" + user
            + R"(,"server":{"name":"n","version":"v"},"limits":{"max_text_bytes":1,
            "max_frame_bytes":1,"rate_per_sec":1,"burst":1.5,"max_queue_bytes":1}})",
        req, QStringLiteral("\"burst\" must be an integer (1 or more)"));
    row("welcome no protocol", "Welcome", "{}", req,
        QStringLiteral("\"protocol\" must be an integer (1 or more)"));
    row("joined seq as a string", "Joined",
        R"({"room":"r","topic":"","members":[],"seq":"1","epoch":"e","read":0,"history":[]})", req,
        QStringLiteral("\"seq\" must be an integer (0 or more)"));
    row("joined members not a list", "Joined",
        R"({"room":"r","topic":"","members":{},"seq":1,"epoch":"e","read":0,"history":[]})", req,
        QStringLiteral("\"members\" must be an array"));
    row("joined no history", "Joined",
        R"({"room":"r","topic":"","members":[],"seq":1,"epoch":"e","read":0})", req,
        QStringLiteral("\"history\" must be an array"));
    row("left no room", "Left", "{}", req, notAString);
    row("rooms no list", "RoomsAnswer", "{}", req, QStringLiteral("\"rooms\" must be an array"));
    row("topic event no by", "TopicEvent", R"({"room":"r","topic":"t","ts":1})", req,
        QStringLiteral("\"by\" must be a user (an object with string id and nick)"));
    row("presence of a later version", "Presence",
        R"({"room":"r","event":"wave","user":)" + user + R"(,"ts":1})", req,
        QStringLiteral("\"event\" must be join, leave, nick or kick"));
    row("presence kick without by", "Presence",
        R"({"room":"r","event":"kick","user":)" + user + R"(,"ts":1})", req,
        QStringLiteral("\"by\" must be a user (an object with string id and nick)"));
    row("presence nick without old", "Presence",
        R"({"room":"r","event":"nick","user":)" + user + R"(,"ts":1})", req,
        QStringLiteral("\"old\" must be a string"));
    row("presence negative ts", "Presence",
        R"({"room":"r","event":"join","user":)" + user + R"(,"ts":-1})", req,
        QStringLiteral("\"ts\" must be an integer (0 or more)"));
    row("message of another type", "ChatMessage",
        R"({"type":"topic","room":"r","seq":1,"id":"m","from":)" + user + R"(,"text":"t","ts":1})",
        req, QStringLiteral("not a room event"));
    row("message seq 0", "ChatMessage",
        R"({"type":"message","room":"r","seq":0,"id":"m","from":)" + user
            + R"(,"text":"t","ts":1})",
        req, QStringLiteral("\"seq\" must be an integer (1 or more)"));
    row("message empty to", "ChatMessage",
        R"({"type":"message","to":"","id":"m","from":)" + user + R"(,"text":"t","ts":1})", req,
        QStringLiteral("\"to\" must be a user id"));
    row("history answer no messages", "HistoryAnswer", R"({"room":"r"})", req,
        QStringLiteral("\"messages\" must be an array"));
    row("search answer no q", "SearchAnswer", R"({"messages":[]})", req,
        QStringLiteral("\"q\" must be a string"));
    row("typing event no user", "TypingEvent", R"({"room":"r"})", req, notAUser);
    row("nick answer no old", "NickAnswer", R"({"user":)" + user + "}", req,
        QStringLiteral("\"old\" must be a string"));
    row("error no code", "ErrorFrame", R"({"message":"m"})", req,
        QStringLiteral("\"code\" must be a string"));
    row("error negative retry", "ErrorFrame", R"({"code":"rate_limited","retry_ms":-1})", req,
        QStringLiteral("\"retry_ms\" must be an integer (0 or more)"));
    row("publish answer seq 0", "PublishAnswer", R"({"room":"r","seq":0})", req,
        QStringLiteral("\"seq\" must be an integer (1 or more)"));
}

void TestFrames::faultsAreTheServers()
{
    QFETCH(QString, decoder);
    QFETCH(QByteArray, frame);
    QFETCH(int, error);
    QFETCH(QString, message);
    QFETCH(QString, room);
    QFETCH(int, close);
    const auto fault = faultOf(decoder, json(frame));
    QVERIFY2(fault, "decoded");
    QCOMPARE(errorName(fault->error), errorName(Error(error)));
    QCOMPARE(fault->message, message);
    QCOMPARE(fault->room, room.isNull() ? std::nullopt : std::optional<QString>(room));
    QCOMPARE(int(fault->close), close);
}

// What the checks above refuse, just inside their bounds, passes.
void TestFrames::boundsAreInclusive()
{
    QVERIFY(!faultOf("Hello", json(R"({"protocol":1.0,"token":")" + QByteArray(128, '~')
                                   + "\",\"nick\":\"" + QByteArray(32, 'n') + "\"}")));
    QVERIFY(!faultOf("Hello", json("{\"token\":\"" + QByteArray(16, '!') + "\"}")));
    QVERIFY(!faultOf("JoinRequest", json("{\"room\":\"" + QByteArray(64, 'r') + "\"}")));
    QVERIFY(!faultOf("JoinRequest", json(R"({"room":"x","since":null})")));
    QVERIFY(!faultOf("TopicRequest",
                     json("{\"room\":\"x\",\"topic\":\""
                          + QByteArray("\\ud83d\\ude00").repeated(MaxTopicChars) + "\"}")));
    QVERIFY(!faultOf("SendRequest",
                     json("{\"room\":\"x\",\"text\":\"" + QByteArray(MaxText, 'x') + "\"}")));
    QVERIFY(!faultOf("SearchRequest", json("{\"q\":\"" + QByteArray(MaxSearchBytes, 'q') + "\"}")));
    QVERIFY(!faultOf("SearchRequest",
                     json("{\"q\":\"" + QByteArray("w ").repeated(MaxSearchWords) + "\"}")));
    QVERIFY(!faultOf("HistoryRequest", json(R"({"room":"x","before":0,"limit":1})")));
    QVERIFY(!faultOf("ReadPosition", json(R"({"room":"x","seq":0})")));
    QVERIFY(!faultOf("SendRequest", json(R"({"to":"","text":"x"})"))); // no_such_user later
}

QTEST_GUILESS_MAIN(TestFrames)
#include "tst_frames.moc"
