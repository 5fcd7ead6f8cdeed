// One row of the conversation. Message text is never interpreted: the model escapes it and
// only turns http(s) addresses into links. Text can be selected and copied; a right click
// offers the message's actions (menuRequested), and so does the bar that shows on hover
// (reply, react, edit, delete). Protocol 1.1: the quoted message of a reply (a click jumps to
// it), "(edited)", reactions as chips (a click toggles mine, hovering lists who), "message
// deleted", and the inline edit field.
pragma ComponentBehavior: Bound
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
    // 1.1 (set from the model's roles by the list; defaults for a plain row).
    property real seq: 0
    property bool edited: false
    property bool deleted: false
    property var reactions: [] // [{emoji, count, mine, who}]
    property real replyTo: 0
    property string replyNick: ""
    property string replyText: ""
    property bool replyDeleted: false
    // What the user may do with it: the model's roles (who may edit, delete, react is decided
    // there, with who the user is and where), set by the list.
    property bool canEdit: false
    property bool canDelete: false
    property bool canReact: false
    property bool editing: false // the inline edit field replaces the text
    // A message below the line starts a group again: who wrote it is not above the line.
    readonly property bool headed: showHeader || firstUnread

    property bool highlighted: false  // the message a search result pointed at
    property int readableWidth: 760   // longer lines are hard to read: text wraps here
    readonly property bool dark: Material.theme === Material.Dark
    property bool mentionsMe: false // the model's: the text names this user (its html marks where)
    readonly property int avatarSize: 32

    readonly property bool actionable: kind === "message" && !deleted && !pending && seq > 0
    readonly property var myReactions: reactions.filter(r => r.mine).map(r => r.emoji)

    signal menuRequested(point position)
    signal replyRequested()
    signal reactRequested(point position) // the palette, below the position
    signal reactionToggled(string emoji, bool on)
    signal editRequested()
    signal deleteRequested()
    signal quoteClicked(real seq)
    signal editSubmitted(string text)
    signal editCancelled()

    // The pointer over the row: the action bar shows.
    HoverHandler {
        id: hover
    }

    implicitHeight: column.implicitHeight + (headed ? 10 : 2)

    // A mention of me, or the message a search result opened, stands out from the rest.
    Repeater {
        model: row.mentionsMe || row.highlighted ? 1 : 0
        Rectangle {
            objectName: "mark"
            anchors.fill: parent
            color: row.highlighted ? Material.color(Material.Amber) : Material.accent
            opacity: row.highlighted ? 0.25 : 0.1
            Rectangle {
                visible: row.mentionsMe
                width: 3
                height: parent.height
                color: Material.accent
            }
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

        Repeater {
            model: row.dayText.length > 0 ? 1 : 0
            Item {
                width: column.width
                height: dayLabel.implicitHeight + 14
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
        }

        // Where the reader left off: everything below came since.
        Repeater {
            model: row.firstUnread ? 1 : 0
            Item {
                objectName: "newMessagesLine"
                width: column.width
                height: newLabel.implicitHeight + 10
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
        }

        Repeater {
            model: row.kind === "notice" ? 1 : 0
            Label {
                objectName: "notice"
                x: row.avatarSize + 10
                width: column.width - x
                text: row.text
                textFormat: Text.PlainText
                opacity: 0.6
                font.italic: true
                font.pixelSize: 13
                wrapMode: Text.Wrap
            }
        }

        Item {
            id: messageBox
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
                    id: headerRow
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

                // The message this one answers: who and what (a click goes there).
                Repeater {
                    model: row.replyTo > 0 && row.kind === "message" ? 1 : 0
                    Item {
                        objectName: "quote"
                        width: texts.width
                        height: quoteLabel.implicitHeight + 6
                        Rectangle {
                            width: 3
                            height: parent.height - 4
                            y: 2
                            radius: 1
                            color: People.nickColor(row.replyNick, row.dark)
                            opacity: 0.8
                        }
                        Label {
                            id: quoteLabel
                            x: 10
                            y: 3
                            width: parent.width - x
                            textFormat: Text.PlainText
                            elide: Text.ElideRight
                            maximumLineCount: 1
                            font.pixelSize: 12
                            opacity: 0.7
                            text: row.replyNick.length === 0 ? qsTr("↪ an earlier message")
                                  : row.replyDeleted ? qsTr("↪ %1: message deleted").arg(row.replyNick)
                                  : qsTr("↪ %1: %2").arg(row.replyNick).arg(row.replyText.replace(/\s+/g, " "))
                        }
                        TapHandler {
                            objectName: "quoteTap"
                            onTapped: row.quoteClicked(row.replyTo)
                        }
                        HoverHandler {
                            cursorShape: Qt.PointingHandCursor
                        }
                    }
                }

                Repeater {
                    model: row.deleted && row.kind === "message" ? 1 : 0
                    Label {
                        objectName: "deletedNote"
                        text: qsTr("message deleted")
                        font.italic: true
                        font.pixelSize: 14
                        opacity: 0.5
                    }
                }

                // Editing in place: Enter saves, Esc (or an unchanged text) cancels. Made when
                // editing starts (a TextArea in every row made each new message's row slower).
                // (A Repeater of none or one: Qt 6.4's Loader cannot make a component that is
                // bound to this file's context.)
                Repeater {
                    model: row.editing ? 1 : 0
                    Column {
                        width: texts.width
                        TextArea {
                            objectName: "editField"
                            width: parent.width
                            wrapMode: TextArea.Wrap
                            textFormat: TextEdit.PlainText
                            font.pixelSize: 14
                            Component.onCompleted: {
                                text = row.text
                                cursorPosition = length
                                forceActiveFocus()
                            }
                            Keys.onReturnPressed: event => {
                                if (event.modifiers & Qt.ShiftModifier)
                                    event.accepted = false
                                else
                                    row.editSubmitted(text)
                            }
                            Keys.onEnterPressed: event => row.editSubmitted(text)
                            Keys.onEscapePressed: row.editCancelled()
                        }
                        Label {
                            text: qsTr("Enter to save, Esc to cancel")
                            opacity: 0.55
                            font.pixelSize: 11
                        }
                    }
                }

                TextEdit {
                    id: body
                    objectName: "body"
                    visible: !row.deleted && !row.editing
                    height: visible ? implicitHeight : 0
                    width: parent.width
                    // Rich text ignores linkColor: links and the mentions the model marked take
                    // the accent from a style sheet.
                    text: "<style>a { color: " + String(Material.accent) + "; } .mention { color: "
                          + String(Material.accent) + "; font-weight: bold; }</style>" + row.html
                          + (row.edited ? " <span style=\"font-size: 11px; color: " + String(Material.hintTextColor)
                                          + ";\">" + qsTr("(edited)") + "</span>" : "")
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

                // Reactions: a chip per emoji with its count; mine are marked, a click toggles
                // mine, hovering says who.
                Repeater {
                    model: row.reactions.length > 0 && !row.deleted ? 1 : 0
                    Flow {
                        objectName: "reactions"
                        width: texts.width
                        spacing: 4
                        topPadding: 3
                        Repeater {
                            model: row.deleted ? [] : row.reactions
                            delegate: AbstractButton {
                                id: chip
                                required property var modelData
                                objectName: "chip-" + modelData.emoji
                                hoverEnabled: true
                                focusPolicy: Qt.NoFocus
                                enabled: row.canReact
                                implicitWidth: implicitContentWidth + 14
                                implicitHeight: 24
                                Accessible.name: qsTr("%1 %2, by %3").arg(chip.modelData.emoji).arg(chip.modelData.count).arg(chip.modelData.who)
                                contentItem: Label {
                                    text: chip.modelData.emoji + " " + chip.modelData.count
                                    horizontalAlignment: Text.AlignHCenter
                                    verticalAlignment: Text.AlignVCenter
                                    font.pixelSize: 12
                                    font.weight: chip.modelData.mine ? Font.DemiBold : Font.Normal
                                }
                                background: Rectangle {
                                    radius: 12
                                    readonly property color accent: chip.Material.accent
                                    color: chip.modelData.mine ? Qt.rgba(accent.r, accent.g, accent.b, chip.hovered ? 0.3 : 0.18)
                                         : chip.hovered ? chip.Material.rippleColor
                                         : (row.dark ? Qt.rgba(1, 1, 1, 0.06) : Qt.rgba(0, 0, 0, 0.04))
                                    border.width: 1
                                    border.color: chip.modelData.mine ? chip.Material.accent : chip.Material.dividerColor
                                }
                                onClicked: row.reactionToggled(chip.modelData.emoji, !chip.modelData.mine)
                                ToolTip.visible: hovered
                                ToolTip.delay: 300
                                ToolTip.text: qsTr("%1 reacted with %2").arg(chip.modelData.who).arg(chip.modelData.emoji)
                            }
                        }
                    }
                }

                // Under a header the stamp says "sending…"; a continued group needs its own.
                Repeater {
                    model: row.pending && !row.headed ? 1 : 0
                    Label {
                        objectName: "pendingNote"
                        text: qsTr("sending…")
                        opacity: 0.55
                        font.pixelSize: 12
                    }
                }
            }
        }
    }

    // On hover: the message's actions, where they cover none of its text: beside the text when
    // the row has room right of it, else on the header line (a name and a time, short) of a
    // headed row. A continued row in a narrow list has neither: a "⋯" in its empty avatar
    // column opens the same actions as the message menu. Made on hover only: six buttons with
    // emoji glyphs in every row cost each new message's row a third of its time.
    property bool barHovered: false // the pointer on the bar (which may stand out of the row)
    property bool still: true // the list is not moving under the pointer (MessageList's)
    readonly property bool showActions: actionable && !editing && still && (hover.hovered || barHovered)
    readonly property real messageTop: column.y + messageBox.y

    // (A Repeater of none or one, as the edit field's.)
    Repeater {
        model: row.showActions ? 1 : 0
        Item {
            z: 2
            Component.onDestruction: row.barHovered = false // gone with the bar
            readonly property bool beside: row.width - (column.x + column.width) >= actionBar.width + 12

            Rectangle {
                id: actionBar
                objectName: "actionBar"
                visible: parent.beside || row.headed
                x: parent.beside ? column.x + column.width + 8 : column.x + column.width - width
                // On the header line its lower edge meets the line's: the rest rises into the
                // row's top padding, over nothing.
                y: parent.beside ? row.messageTop : row.messageTop + headerRow.height - height
                width: actions.implicitWidth + 6
                height: actions.implicitHeight + 6
                radius: 6
                color: row.Material.dialogColor
                border.color: row.Material.dividerColor
                HoverHandler {
                    onHoveredChanged: row.barHovered = hovered
                }
                Row {
                    id: actions
                    x: 3
                    y: 3
                    SmallButton {
                        objectName: "reactButton"
                        visible: row.canReact
                        text: "☺"
                        tip: qsTr("React")
                        onClicked: row.reactRequested(mapToItem(row, 0, height))
                    }
                    SmallButton {
                        objectName: "replyButton"
                        visible: row.canReact
                        text: "↩"
                        tip: qsTr("Reply")
                        onClicked: row.replyRequested()
                    }
                    SmallButton {
                        objectName: "editButton"
                        visible: row.canEdit
                        text: "✎"
                        tip: qsTr("Edit")
                        onClicked: row.editRequested()
                    }
                    SmallButton {
                        objectName: "deleteButton"
                        visible: row.canDelete
                        text: "🗑"
                        tip: qsTr("Delete")
                        onClicked: row.deleteRequested()
                    }
                    SmallButton {
                        objectName: "moreButton"
                        text: "⋯"
                        tip: qsTr("More")
                        onClicked: row.menuRequested(mapToItem(row, 0, height))
                    }
                }
            }

            SmallButton {
                objectName: "gutterMoreButton"
                visible: !actionBar.visible
                x: column.x + (row.avatarSize - width) / 2
                y: row.messageTop
                text: "⋯"
                tip: qsTr("React, reply, edit, delete and more")
                onClicked: row.menuRequested(mapToItem(row, 0, height))
            }
        }
    }
}
