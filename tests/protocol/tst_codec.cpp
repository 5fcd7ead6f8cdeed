// Decoding inbound frames and encoding outbound ones.
#include "codec.h"

#include <QJsonDocument>
#include <QTest>

using namespace confab::protocol;

class TestCodec : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void decodesAFrame()
    {
        const auto r = decodeFrame(R"({"type":"join","room":"general","id":"c1","extra":true})");
        const Frame *f = std::get_if<Frame>(&r);
        QVERIFY(f);
        QCOMPARE(f->type, QStringLiteral("join"));
        QVERIFY(f->hasId);
        QCOMPARE(f->id, QStringLiteral("c1"));
        QCOMPARE(f->object.value(QLatin1StringView("room")).toString(), QStringLiteral("general"));
    }

    void refusesMalformed_data()
    {
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<int>("error");
        QTest::addColumn<QString>("re");
        QTest::newRow("not json") << QByteArray("{nope") << int(Error::BadJson) << QString();
        QTest::newRow("truncated")
            << QByteArray(R"({"type":"x")") << int(Error::BadJson) << QString();
        QTest::newRow("array") << QByteArray("[1,2]") << int(Error::BadRequest) << QString();
        QTest::newRow("string") << QByteArray(R"("hello")") << int(Error::BadRequest) << QString();
        QTest::newRow("number") << QByteArray("42") << int(Error::BadRequest) << QString();
        QTest::newRow("null") << QByteArray("null") << int(Error::BadRequest) << QString();
        QTest::newRow("two values") << QByteArray("1,2") << int(Error::BadJson) << QString();
        QTest::newRow("empty") << QByteArray("") << int(Error::BadJson) << QString();
        QTest::newRow("no type") << QByteArray(R"({"id":"a"})") << int(Error::BadRequest) << "a";
        QTest::newRow("number type")
            << QByteArray(R"({"type":3})") << int(Error::BadRequest) << QString();
        QTest::newRow("long id") << ("{\"type\":\"rooms\",\"id\":\"" + QByteArray(65, 'x') + "\"}")
                                 << int(Error::BadRequest) << QString();
        QTest::newRow("numeric id")
            << QByteArray(R"({"type":"rooms","id":7})") << int(Error::BadRequest) << QString();
    }
    void refusesMalformed()
    {
        QFETCH(QByteArray, payload);
        QFETCH(int, error);
        QFETCH(QString, re);
        const auto r = decodeFrame(payload);
        const DecodeFailure *d = std::get_if<DecodeFailure>(&r);
        QVERIFY(d);
        QCOMPARE(int(d->error), error);
        QCOMPARE(d->hasRe, !re.isNull());
        QCOMPARE(d->re, re.isNull() ? QString() : re);
        QVERIFY(!d->message.isEmpty());
    }

    void messageRoundTrip()
    {
        ChatMessage m;
        m.room = QStringLiteral("general");
        m.seq = 42;
        m.id = QStringLiteral("9b2c4c1e-0000-4000-8000-000000000001");
        m.from = {QStringLiteral("u1"), QStringLiteral("alice")};
        m.text = QStringLiteral("hi ünïcode");
        m.ts = 1732700000000;
        const QJsonObject json = m.toJson();
        QCOMPARE(json.value(QLatin1StringView("type")).toString(), QStringLiteral("message"));
        QVERIFY(!json.contains(QLatin1StringView("to")));
        const auto back = ChatMessage::fromJson(QJsonDocument::fromJson(encode(json)).object());
        QCOMPARE(std::get<ChatMessage>(back), m);
    }

    void directMessageHasNoRoomOrSeq()
    {
        ChatMessage m;
        m.to = QStringLiteral("u2");
        m.id = QStringLiteral("x");
        m.from = {QStringLiteral("u1"), QStringLiteral("alice")};
        m.text = QStringLiteral("psst");
        m.ts = 1;
        const QJsonObject json = m.toJson();
        QVERIFY(!json.contains(QLatin1StringView("room")));
        QVERIFY(!json.contains(QLatin1StringView("seq")));
        QCOMPARE(std::get<ChatMessage>(ChatMessage::fromJson(json)), m);
    }

    void textFramesHaveTheRightHeader_data()
    {
        QTest::addColumn<int>("length");
        QTest::addColumn<QByteArray>("header");
        QTest::newRow("0") << 0 << QByteArray("\x81\x00", 2);
        QTest::newRow("125") << 125 << QByteArray("\x81\x7d", 2);
        QTest::newRow("126") << 126 << QByteArray("\x81\x7e\x00\x7e", 4);
        QTest::newRow("65535") << 65535 << QByteArray("\x81\x7e\xff\xff", 4);
        QTest::newRow("65536") << 65536
                               << QByteArray("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10);
    }
    void textFramesHaveTheRightHeader()
    {
        QFETCH(int, length);
        QFETCH(QByteArray, header);
        const QByteArray payload(length, 'p');
        const QByteArray frame = textFrame(payload);
        QCOMPARE(frame.left(header.size()), header);
        QCOMPARE(frame.mid(header.size()), payload);
    }

    void everyErrorHasItsWireName()
    {
        QCOMPARE(errorName(Error::RateLimited), QStringLiteral("rate_limited"));
        QCOMPARE(errorName(Error::ServerFull), QStringLiteral("server_full"));
        QCOMPARE(errorName(Error::NoSuchUser), QStringLiteral("no_such_user"));
        QCOMPARE(errorName(Error::UnknownType), QStringLiteral("unknown_type"));
    }
};

QTEST_GUILESS_MAIN(TestCodec)
#include "tst_codec.moc"
