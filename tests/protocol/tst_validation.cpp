// The protocol's rules for room names, nicks, tokens, ids and integers.
#include "validation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace confab::protocol;

class TestValidation : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void codePoints()
    {
        QCOMPARE(codePointCount(u"abc"), 3);
        QCOMPARE(codePointCount(QString::fromUcs4(U"😀😀")), 2); // surrogate pairs count once
        QCOMPARE(codePointCount(u""), 0);
    }

    void roomNames_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected"); // null: invalid
        QTest::newRow("plain") << "general"
                               << "general";
        QTest::newRow("punctuation") << "a-b_c.d"
                                     << "a-b_c.d";
        QTest::newRow("unicode letters") << "Überraum"
                                         << "Überraum";
        QTest::newRow("arabic digits")
            << QString::fromUcs4(U"r\u0663") << QString::fromUcs4(U"r\u0663");
        QTest::newRow("nfc") << QString::fromUcs4(U"cafe\u0301") << QString::fromUcs4(U"caf\u00e9");
        QTest::newRow("64 chars") << QString(64, u'x') << QString(64, u'x');
        QTest::newRow("65 chars") << QString(65, u'x') << QString();
        QTest::newRow("empty") << "" << QString();
        QTest::newRow("space") << "a b" << QString();
        QTest::newRow("slash") << "a/b" << QString();
        QTest::newRow("emoji") << QString::fromUcs4(U"\U0001F600") << QString();
        QTest::newRow("case kept") << "General"
                                   << "General";
        QTest::newRow("lone surrogate") << QStringLiteral("a") + QChar(0xd800) << QString();
        QTest::newRow("hangul filler") << QString::fromUcs4(U"\u3164") << QString();
        QTest::newRow("filler beside a letter")
            << QString::fromUcs4(U"a\u3164") << QString::fromUcs4(U"a\u3164");
    }
    void roomNames()
    {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        const auto result = normalizeRoomName(input);
        QCOMPARE(result.has_value(), !expected.isNull());
        if (result)
            QCOMPARE(*result, expected);
    }

    void nicks_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<bool>("valid");
        QTest::newRow("plain") << "alice" << true;
        QTest::newRow("inner space") << "alice b" << true;
        QTest::newRow("emoji") << QString::fromUcs4(U"al\U0001F600") << true;
        QTest::newRow("32") << QString(32, u'n') << true;
        QTest::newRow("33") << QString(33, u'n') << false;
        QTest::newRow("leading space") << " alice" << false;
        QTest::newRow("trailing tab") << "alice\t" << false;
        QTest::newRow("control") << "al\x01ice" << false;
        QTest::newRow("format (ZWJ)") << QString::fromUcs4(U"al\u200dice") << false;
        QTest::newRow("empty") << "" << false;
        QTest::newRow("hangul filler alone") << QString::fromUcs4(U"\u3164") << false;
        QTest::newRow("fillers around a space") << QString::fromUcs4(U"\u3164 \u3164") << false;
        QTest::newRow("combining mark alone") << QString::fromUcs4(U"\u0301") << false;
        QTest::newRow("blank braille") << QString::fromUcs4(U"\u2800") << false;
        QTest::newRow("filler beside a letter") << QString::fromUcs4(U"a\u3164") << true;
        // Lone surrogates (from a JSON escape like "\ud800") are no Unicode: UTF-8 cannot
        // carry them, so the stored copy would differ from the live one.
        QTest::newRow("lone high surrogate")
            << QStringLiteral("al") + QChar(0xd800) + QStringLiteral("ice") << false;
        QTest::newRow("lone low surrogate at the end")
            << QStringLiteral("alice") + QChar(0xdc00) << false;
        QTest::newRow("swapped pair")
            << QStringLiteral("a") + QChar(0xde00) + QChar(0xd83d) << false;
    }
    void nicks()
    {
        QFETCH(QString, input);
        QFETCH(bool, valid);
        QCOMPARE(normalizeNick(input).has_value(), valid);
    }

    void unicodeText()
    {
        QVERIFY(isValidUnicode(u"plain"));
        QVERIFY(isValidUnicode(u""));
        QVERIFY(isValidUnicode(QString::fromUcs4(U"\U0001F600 and \uFFFD"))); // pairs are fine
        QVERIFY(!isValidUnicode(QStringLiteral("A") + QChar(0xd800) + QStringLiteral("B")));
        QVERIFY(!isValidUnicode(QString(QChar(0xdc00))));
        QVERIFY(!isValidUnicode(QStringLiteral("x") + QChar(0xd83d))); // high one at the end
    }

    void emojiMustShowSomethingAndKeepTheTextsDirection()
    {
        // Issue 19: any 32 bytes were accepted, right-to-left overrides and lone joiners too.
        QVERIFY(isValidEmoji(u"👍"));
        QVERIFY(isValidEmoji(u"👨\u200D👩\u200D👧")); // a family: joiners inside an emoji
        QVERIFY(isValidEmoji(u"❤\uFE0F"));         // a variation selector after a heart
        QVERIFY(isValidEmoji(u"+1"));
        QVERIFY(!isValidEmoji(u"\u200D"));       // a joiner alone
        QVERIFY(!isValidEmoji(u"\uFE0F"));       // a variation selector alone
        QVERIFY(!isValidEmoji(u"\u200B\u200B")); // zero-width spaces
        QVERIFY(!isValidEmoji(u"\u3164"));       // the Hangul filler: a letter that draws nothing
        QVERIFY(!isValidEmoji(u"\u2800"));       // the blank braille pattern
        QVERIFY(!isValidEmoji(u"\u0301"));       // a combining mark alone
        QVERIFY(!isValidEmoji(u"a\u202Eb"));     // a right-to-left override
        QVERIFY(!isValidEmoji(u"👍\u2066"));      // an isolate
        QVERIFY(!isValidEmoji(u"a b"));
        QVERIFY(!isValidEmoji(u""));
    }

    void tokens()
    {
        QVERIFY(isValidToken(QString(16, u'a')));
        QVERIFY(isValidToken(QString(128, u'~')));
        QVERIFY(!isValidToken(QString(15, u'a')));
        QVERIFY(!isValidToken(QString(129, u'a')));
        QVERIFY(!isValidToken(QStringLiteral("abcdefgh ijklmnop"))); // space is 0x20
        QVERIFY(!isValidToken(QString::fromUcs4(U"abcdefghijklmnop\u00e9")));
    }

    void frameIds()
    {
        QVERIFY(isValidFrameId(QJsonValue(QString(64, u'i'))));
        QVERIFY(!isValidFrameId(QJsonValue(QString(65, u'i'))));
        QVERIFY(!isValidFrameId(QJsonValue(42)));
    }

    void integers()
    {
        QCOMPARE(integerValue(QJsonValue(5), 0, 10), std::optional<qint64>(5));
        QCOMPARE(integerValue(QJsonValue(5.5), 0, 10), std::nullopt);
        QCOMPARE(integerValue(QJsonValue(-1), 0, 10), std::nullopt);
        QCOMPARE(integerValue(QJsonValue(QStringLiteral("5")), 0, 10), std::nullopt);
        QCOMPARE(integerValue(QJsonValue(0), 0, 10), std::optional<qint64>(0));
        QCOMPARE(integerValue(QJsonValue(0.0), 0, 10), std::optional<qint64>(0));
        QCOMPARE(integerValue(QJsonValue(5.0), 0, 10), std::optional<qint64>(5));
        QCOMPARE(integerValue(QJsonValue(0.5), 0, 10), std::nullopt);
        QCOMPARE(integerValue(QJsonValue(1e300), 0, std::numeric_limits<qint64>::max()),
                 std::nullopt);
        QCOMPARE(integerValue(QJsonValue(), 0, 10), std::nullopt);
    }

    // Qt keeps a JSON integer as a qint64: read as one, it stays exact past 2^53, where a
    // double would round 9007199254740993 to ...992.
    void integersAreNotReadThroughDoubles()
    {
        constexpr qint64 big = 9007199254740993;
        const qint64 max = std::numeric_limits<qint64>::max();
        QCOMPARE(integerValue(QJsonValue(big), 0, max), std::optional<qint64>(big));
        const QJsonValue parsed = QJsonDocument::fromJson("[9007199254740993]").array().at(0);
        QCOMPARE(integerValue(parsed, 0, max), std::optional<qint64>(big));
        QCOMPARE(integerValue(QJsonValue(big), 0, big - 1), std::nullopt);
        QCOMPARE(integerValue(QJsonValue(max), 0, max), std::optional<qint64>(max));
    }

    void searchWordsSplitAndFold()
    {
        QCOMPARE(searchWords(QStringLiteral("Deploy, the API!")),
                 QStringList({"deploy", "the", "api"}));
        QCOMPARE(searchWords(QStringLiteral("  ... ")), QStringList());
    }
};

QTEST_GUILESS_MAIN(TestValidation)
#include "tst_validation.moc"
