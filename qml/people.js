// Colours and initials for people: a nick gets the same colour on every machine and in every
// session (a hash of the nick), light enough on a dark background and dark enough on a light
// one.
.pragma library

function hue(key) {
    // FNV-1a over the UTF-16 code units: stable, cheap, well spread for short ids.
    let h = 0x811c9dc5
    for (let i = 0; i < key.length; ++i) {
        h ^= key.charCodeAt(i)
        h = Math.imul(h, 0x01000193) >>> 0
    }
    return (h % 360) / 360
}

// Text colour for a nick (contrast of at least 4.5:1 on Material's light and dark backgrounds).
function nickColor(key, dark) {
    return Qt.hsla(hue(key), dark ? 0.65 : 0.7, dark ? 0.72 : 0.36, 1)
}

// Background of an avatar; white initials are readable on it in both themes.
function avatarColor(key) {
    return Qt.hsla(hue(key), 0.55, 0.42, 1)
}

// "Ada Lovelace" -> "AL", "grace_hopper" -> "GH", "bob" -> "BO", "😀x" -> "😀".
function initials(nick) {
    const words = nick.split(/[\s_.\-]+/).filter(w => w.length > 0)
    if (words.length === 0)
        return "?"
    const first = Array.from(words[0])
    if (words.length === 1)
        return (first.slice(0, 2).join("")).toUpperCase()
    return (first[0] + Array.from(words[words.length - 1])[0]).toUpperCase()
}
