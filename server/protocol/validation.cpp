#include "validation.h"

#include "protocol.h"

namespace confab::protocol {

bool isValidUnicode(QStringView text)
{
    return text.isValidUtf16();
}

qsizetype codePointCount(QStringView text)
{
    qsizetype count = text.size();
    for (qsizetype i = 0; i + 1 < text.size(); ++i) {
        if (text[i].isHighSurrogate() && text[i + 1].isLowSurrogate()) {
            --count; // a surrogate pair is one code point
            ++i;
        }
    }
    return count;
}

namespace {

// Marks that turn the direction of the text around them (a reaction chip would reorder its
// neighbours): LRM, RLM, ALM, the embeddings and overrides, the isolates.
bool isBidiControl(char32_t c)
{
    return c == 0x200E || c == 0x200F || c == 0x061C || (c >= 0x202A && c <= 0x202E)
           || (c >= 0x2066 && c <= 0x2069);
}

} // namespace

bool isVisible(char32_t c)
{
    switch (QChar::category(c)) {
    case QChar::Other_Control:
    case QChar::Other_Format: // zero-width joiners, tags, bidi marks...
    case QChar::Other_Surrogate:
    case QChar::Other_NotAssigned:
    case QChar::Mark_NonSpacing: // variation selectors, combining marks alone
    case QChar::Mark_Enclosing:
    case QChar::Separator_Space:
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
        return false;
    default:
        break;
    }
    // Letters that draw nothing: the Hangul fillers, and the blank braille pattern.
    return c != 0x115F && c != 0x1160 && c != 0x3164 && c != 0xFFA0 && c != 0x2800;
}

bool isValidEmoji(QStringView emoji)
{
    if (emoji.isEmpty() || !isValidUnicode(emoji) || emoji.toUtf8().size() > MaxEmojiBytes)
        return false;
    bool visible = false;
    for (const char32_t c : emoji.toUcs4()) {
        if (QChar::isSpace(c) || QChar::category(c) == QChar::Other_Control || isBidiControl(c))
            return false;
        visible = visible || isVisible(c);
    }
    return visible; // joiners and variation selectors only inside something that shows
}

std::optional<QString> normalizeRoomName(const QString &name)
{
    if (!isValidUnicode(name))
        return std::nullopt;
    const QString normalized = name.normalized(QString::NormalizationForm_C);
    qsizetype count = 0;
    bool visible = false;
    for (const char32_t c : normalized.toUcs4()) {
        const bool ok = QChar::isLetter(c) || QChar::category(c) == QChar::Number_DecimalDigit
                        || c == U'-' || c == U'_' || c == U'.';
        if (!ok || ++count > MaxRoomChars)
            return std::nullopt;
        visible = visible || isVisible(c);
    }
    if (!visible) // also empty; a filler letter alone would be a blank room in every list
        return std::nullopt;
    return normalized;
}

std::optional<QString> normalizeNick(const QString &nick)
{
    if (!isValidUnicode(nick)) // toUcs4() below would turn a lone surrogate into U+FFFD
        return std::nullopt;
    const QString normalized = nick.normalized(QString::NormalizationForm_C);
    qsizetype count = 0;
    char32_t first = 0;
    char32_t last = 0;
    bool visible = false;
    for (const char32_t c : normalized.toUcs4()) {
        const auto category = QChar::category(c);
        if (category == QChar::Other_Control || category == QChar::Other_Format)
            return std::nullopt;
        if (count == 0)
            first = c;
        last = c;
        if (++count > MaxNickChars)
            return std::nullopt;
        visible = visible || isVisible(c);
    }
    // Empty, padded, or nothing that shows (a Hangul filler, a combining mark alone): a blank
    // entry in every member list, and anyone could pass for anyone.
    if (!visible || QChar::isSpace(first) || QChar::isSpace(last))
        return std::nullopt;
    return normalized;
}

bool isValidToken(const QString &token)
{
    if (token.size() < MinTokenChars || token.size() > MaxTokenChars)
        return false;
    for (QChar c : token) {
        if (c.unicode() < 0x21 || c.unicode() > 0x7E)
            return false;
    }
    return true;
}

bool isValidFrameId(const QJsonValue &id)
{
    return id.isString() && codePointCount(id.toString()) <= MaxFrameIdChars;
}

std::optional<qint64> integerValue(const QJsonValue &value, qint64 min, qint64 max)
{
    if (!value.isDouble()) // every JSON number: Qt keeps integers as qint64 and others as double
        return std::nullopt;
    // toInteger() gives the integer exactly (a qint64 kept as such, or a double with an integral
    // value in range, as 5.0 or 1e3) and the default for anything else; a second default tells
    // a genuine 0 apart. Through toDouble(), integers past 2^53 were rounded.
    const qint64 n = value.toInteger(0);
    if (n == 0 && value.toInteger(1) != 0)
        return std::nullopt;
    if (n < min || n > max)
        return std::nullopt;
    return n;
}

QStringList searchWords(const QString &query)
{
    QStringList words;
    QString current;
    auto flush = [&] {
        if (!current.isEmpty())
            words.append(current.toCaseFolded());
        current.clear();
    };
    for (const char32_t c : query.toUcs4()) {
        if (QChar::isLetterOrNumber(c))
            current.append(QStringView(QChar::fromUcs4(c)));
        else
            flush();
    }
    flush();
    return words;
}

} // namespace confab::protocol
