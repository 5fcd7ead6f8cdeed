// One row of the conversation. Message text is never interpreted: the model escapes it and
// only turns http(s) addresses into links. Text can be selected and copied; a right click
// offers the message's actions (menuRequested).
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import "people.js" as People

Item {
    id: row

    required property string kind
    required property string nick
    required property string userId
    required property string html
    required property string text
    required property string timeText
    required property string dayText
    required property bool showHeader
    required property bool pending
    required property bool own
    required property bool firstUnread // the reader's place: a "new messages" line above
    // A message below the line starts a group again: who wrote it is not above the line.
    readonly property bool headed: showHeader || firstUnread

    property string myNick: ""        // mentions of it are highlighted
    property bool highlighted: false  // the message a search result pointed at
    property int readableWidth: 760   // longer lines are hard to read: text wraps here
    readonly property bool dark: Material.theme === Material.Dark
    readonly property bool mentionsMe: kind === "message" && !own && People.mentions(text, myNick)
    readonly property int avatarSize: 32

    signal menuRequested(point position)

    implicitHeight: column.implicitHeight + (headed ? 10 : 2)

    // A mention of me, or the message a search result opened, stands out from the rest.
    Rectangle {
        objectName: "mark"
        anchors.fill: parent
        visible: row.mentionsMe || row.highlighted
        color: row.highlighted ? Material.color(Material.Amber) : Material.accent
        opacity: row.highlighted ? 0.25 : 0.1
        Rectangle {
            visible: row.mentionsMe
            width: 3
            height: parent.height
            color: Material.accent
        }
    }

    // Plain positioning, no Layouts: a row's height must be right the moment the list creates
    // it (Layouts settle a frame later, and the list's estimate of where its end is would move).
    Column {
        id: column
        x: 16
        width: Math.min(row.width - 32, row.readableWidth)
        anchors.bottom: parent.bottom
        spacing: 2

        Item {
            visible: row.dayText.length > 0
            width: parent.width
            height: visible ? dayLabel.implicitHeight + 14 : 0
            Rectangle {
                x: 0
                width: (parent.width - dayLabel.implicitWidth) / 2 - 8
                y: dayLabel.y + dayLabel.height / 2
                height: 1
                color: Material.dividerColor
            }
            Label {
                id: dayLabel
                anchors.horizontalCenter: parent.horizontalCenter
                y: 8
                text: row.dayText
                opacity: 0.6
                font.pixelSize: 12
            }
            Rectangle {
                x: parent.width - width
                width: (parent.width - dayLabel.implicitWidth) / 2 - 8
                y: dayLabel.y + dayLabel.height / 2
                height: 1
                color: Material.dividerColor
            }
        }

        // Where the reader left off: everything below came since.
        Item {
            objectName: "newMessagesLine"
            visible: row.firstUnread
            width: parent.width
            height: visible ? newLabel.implicitHeight + 10 : 0
            Rectangle {
                width: parent.width - newLabel.implicitWidth - 8
                y: newLabel.y + newLabel.height / 2
                height: 1
                color: Material.color(Material.Red)
            }
            Label {
                id: newLabel
                x: parent.width - width
                y: 4
                text: qsTr("New messages")
                color: Material.color(Material.Red)
                font.pixelSize: 12
                font.weight: Font.DemiBold
            }
        }

        Label {
            objectName: "notice"
            visible: row.kind === "notice"
            x: row.avatarSize + 10
            width: parent.width - x
            text: row.text
            textFormat: Text.PlainText
            opacity: 0.6
            font.italic: true
            font.pixelSize: 13
            wrapMode: Text.Wrap
        }

        Item {
            visible: row.kind === "message"
            width: parent.width
            height: visible ? Math.max(texts.height, row.headed ? row.avatarSize + 2 : 0) : 0

            Avatar {
                objectName: "avatar"
                visible: row.headed
                y: 2
                nick: row.nick
                size: row.avatarSize
            }

            Column {
                id: texts
                x: row.avatarSize + 10
                width: parent.width - x
                spacing: 0

                Row {
                    objectName: "header"
                    visible: row.headed
                    spacing: 8
                    Label {
                        objectName: "nick"
                        text: row.nick
                        textFormat: Text.PlainText
                        font.weight: Font.DemiBold
                        color: People.nickColor(row.nick, row.dark)
                    }
                    Label {
                        objectName: "stamp"
                        anchors.baseline: parent.children[0].baseline
                        text: row.pending ? qsTr("sending…") : row.timeText
                        opacity: 0.55
                        font.pixelSize: 12
                    }
                }

                TextEdit {
                    id: body
                    objectName: "body"
                    width: parent.width
                    // Rich text ignores linkColor: links take the accent from a style sheet.
                    text: "<style>a { color: " + String(Material.accent) + "; }</style>"
                          + People.highlightMentions(row.html, row.mentionsMe ? row.myNick : "",
                                                     String(Material.accent))
                    textFormat: TextEdit.RichText
                    readOnly: true
                    selectByMouse: true
                    persistentSelection: false
                    wrapMode: TextEdit.Wrap
                    color: Material.foreground
                    selectionColor: Material.accent
                    selectedTextColor: "white"
                    font.pixelSize: 14
                    opacity: row.pending ? 0.55 : 1
                    onLinkActivated: link => Qt.openUrlExternally(link)
                    HoverHandler {
                        cursorShape: body.hoveredLink.length > 0 ? Qt.PointingHandCursor : Qt.IBeamCursor
                    }
                    TapHandler {
                        acceptedButtons: Qt.RightButton
                        onTapped: (eventPoint, button) => row.menuRequested(body.mapToItem(row, eventPoint.position))
                    }
                    Keys.onMenuPressed: row.menuRequested(Qt.point(body.x, body.y + body.height))
                }

                // Under a header the stamp says "sending…"; a continued group needs its own.
                Label {
                    objectName: "pendingNote"
                    visible: row.pending && !row.headed
                    text: qsTr("sending…")
                    opacity: 0.55
                    font.pixelSize: 12
                }
            }
        }
    }
}
