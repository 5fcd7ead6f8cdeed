// The protocol's rules for names, nicks, tokens and ids, in one place so that the server and
// every client check them the same way.
#pragma once

#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <optional>

namespace confab::protocol {

// True when the text is Unicode: well-formed UTF-16, every surrogate in a pair. A JSON escape of
// a lone surrogate ("\ud800") is valid JSON but no text: UTF-8 (the wire, the store) cannot
// carry it, so a stored copy would differ from the live one. Every text the server keeps or
// relays (message texts, nicks, room names, topics) must pass.
bool isValidUnicode(QStringView text);

// Length in Unicode code points (the protocol's "characters").
qsizetype codePointCount(QStringView text);

// A reaction's emoji (protocol 1.1): Unicode, 1 to MaxEmojiBytes bytes of UTF-8, no whitespace
// and no control (Cc) characters. Any such string counts: the server does not keep a list of
// emoji, which changes every year.
// 1.1 reactions: 1 to MaxEmojiBytes of UTF-8, no whitespace, control or direction (bidi)
// characters, and at least one code point that shows (isVisible): a zero-width joiner or a
// variation selector is fine inside an emoji, not alone.
bool isValidEmoji(QStringView emoji);
// Draws something: not a control, format, space or non-spacing mark, nor a filler letter
// (U+115F, U+1160, U+3164, U+FFA0) or the blank braille pattern.
bool isVisible(char32_t c);

// NFC-normalizes a room name and checks it: Unicode (isValidUnicode), 1-64 characters, each a
// letter (L*), a decimal digit (Nd), '-', '_' or '.', at least one of them visible (isVisible).
// Returns the normalized name, or nothing when invalid.
std::optional<QString> normalizeRoomName(const QString &name);

// NFC-normalizes a nick and checks it: Unicode (isValidUnicode), 1-32 characters, no control or
// format characters (Cc, Cf), no leading or trailing whitespace, at least one visible character
// (isVisible).
std::optional<QString> normalizeNick(const QString &nick);

// A client token: 16-128 characters, each from '!' to '~'.
bool isValidToken(const QString &token);

// A frame id: a string of at most 64 characters.
bool isValidFrameId(const QJsonValue &id);

// A JSON number that is an exact integer within [min, max], or nothing. Read as an integer,
// never through a double: 9007199254740993 stays itself. A number written with a fraction or
// an exponent counts when its value is integral (5.0, 1e3).
std::optional<qint64> integerValue(const QJsonValue &value, qint64 min, qint64 max);

// The words of a search query: runs of letters and digits, lower-cased. Empty when the query
// holds no word.
QStringList searchWords(const QString &query);

} // namespace confab::protocol
