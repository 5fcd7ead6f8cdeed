// Protocol 1.1 operator members of the 1.0 frames: hello's op_password, presence's kick with its
// `by`. Each survives the wire both ways; a 1.0 frame's bytes are unchanged.
#include "frames.h"

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

template <typename T> std::optional<T> throughTheWire(const T &frame)
{
    const auto envelope = decodeFrame(encode(frame.toJson()));
    const Frame *f = std::get_if<Frame>(&envelope);
    if (!f || f->type != T::Type)
        return std::nullopt;
    auto decoded = T::fromJson(f->object);
    if (auto *back = std::get_if<T>(&decoded))
        return *back;
    qWarning() << "refused:" << std::get<DecodeError>(decoded).message;
    return std::nullopt;
}

const UserInfo ana{QStringLiteral("0b7f4a52-1c7e-4d2a-9a51-3c1f1b2a4d10"), QStringLiteral("ana")};
const UserInfo teacher{QStringLiteral("5d1c0e9a-7b3f-4c2e-8a61-2f4e6b8d0c13"),
                       QStringLiteral("teacher"), true};

} // namespace

class TestOpFrames : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void helloCarriesTheOpPassword()
    {
        Hello hello;
        hello.nick = QStringLiteral("teacher");
        hello.opPassword = QStringLiteral("s3cret");
        QCOMPARE(hello.toJson().value("op_password"), QJsonValue("s3cret"));
        QCOMPARE(throughTheWire(hello), hello);
        const auto credentials = HelloCredentials::fromJson(hello.toJson());
        QCOMPARE(credentials.opPassword, std::optional<QString>(QStringLiteral("s3cret")));
    }

    void aHelloWithoutOneIsUnchanged()
    {
        Hello hello;
        hello.nick = QStringLiteral("ana");
        QVERIFY(!hello.toJson().contains("op_password"));
        QCOMPARE(HelloCredentials::fromJson(hello.toJson()).opPassword, std::nullopt);
        // Not a string: none (the server then makes the user no operator).
        const auto decoded = Hello::fromJson(json(R"({"type":"hello","op_password":7})"));
        QVERIFY(std::holds_alternative<Hello>(decoded));
        QCOMPARE(std::get<Hello>(decoded).opPassword, std::nullopt);
    }

    void aKickPresenceNamesTheOperator()
    {
        const Presence kick{
            QStringLiteral("general"), Presence::Event::Kick, ana, {}, 1700000000000, teacher};
        const QJsonObject o = kick.toJson();
        QCOMPARE(o.value("event"), QJsonValue("kick"));
        QCOMPARE(o.value("by").toObject().value("id"), QJsonValue(teacher.id));
        QCOMPARE(o.value("by").toObject().value("op"), QJsonValue(true));
        QVERIFY(!o.contains("old"));
        QCOMPARE(throughTheWire(kick), kick);
    }

    void otherPresenceEventsCarryNoBy()
    {
        const Presence join{QStringLiteral("general"), Presence::Event::Join, teacher, {}, 1};
        const QJsonObject o = join.toJson();
        QVERIFY(!o.contains("by"));
        QCOMPARE(o.value("user").toObject().value("op"), QJsonValue(true));
        QCOMPARE(throughTheWire(join), join);
        const Presence leave{QStringLiteral("general"), Presence::Event::Leave, ana, {}, 1};
        QVERIFY(!leave.toJson().value("user").toObject().contains("op"));
    }
};

QTEST_APPLESS_MAIN(TestOpFrames)
#include "tst_opframes.moc"
