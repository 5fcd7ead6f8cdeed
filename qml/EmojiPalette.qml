// The reaction palette: the common emoji and the recently used ones. Choosing one adds it to
// the message, or takes it back when this user had reacted so already.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import Confab.Client

Popup {
    id: emojiPalette

    // The message reacted to, and the emoji this user has on it already.
    property real seq: 0
    property var mine: []
    readonly property var common: ["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"]
    readonly property var recent: Array.from(prefs.recentEmoji).filter(e => common.indexOf(e) < 0).slice(0, 8)
    signal chosen(string emoji, bool on)

    padding: 6
    Material.elevation: 0
    background: PopupBackground {}

    Preferences {
        id: prefs
    }

    function choose(emoji: string) {
        chosen(emoji, mine.indexOf(emoji) < 0)
        close()
    }

    Column {
        spacing: 4
        Row {
            spacing: 2
            Repeater {
                model: emojiPalette.common
                delegate: SmallButton {
                    id: choice
                    required property string modelData
                    objectName: "emoji-" + modelData
                    text: modelData
                    size: 38
                    glyphSize: 22
                    checked: emojiPalette.mine.indexOf(modelData) >= 0
                    background: Rectangle {
                        radius: 4
                        readonly property color accent: emojiPalette.Material.accent
                        color: choice.checked ? Qt.rgba(accent.r, accent.g, accent.b, 0.25)
                             : choice.hovered ? emojiPalette.Material.rippleColor : "transparent"
                    }
                    onClicked: emojiPalette.choose(modelData)
                }
            }
        }
        Label {
            visible: emojiPalette.recent.length > 0
            text: qsTr("Recently used")
            opacity: 0.6
            font.pixelSize: 11
        }
        Row {
            visible: emojiPalette.recent.length > 0
            spacing: 2
            Repeater {
                model: emojiPalette.recent
                delegate: SmallButton {
                    required property string modelData
                    objectName: "recent-" + modelData
                    text: modelData
                    size: 38
                    glyphSize: 22
                    onClicked: emojiPalette.choose(modelData)
                }
            }
        }
    }
}
