// Where messages are written. Enter sends, Shift+Enter starts a new line, Tab moves on to the
// next control (never a tab character), and `@` offers the room's members to mention. Up arrow
// in an empty field edits my last message (editLastRequested); a reply in the making shows
// above the field, with what it answers.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Confab.Client

Pane {
    id: pane

    required property ChatClient client
    // Up arrow in the empty field: the list edits my last message; false when there is none.
    property var editLast: function() { return false }

    padding: 8
    background: PanelBackground { edge: Qt.TopEdge; tint: "transparent" }

    function focusInput() {
        input.forceActiveFocus()
    }

    function send() {
        if (input.text.trim().length === 0)
            return
        // Kept when it could not go (removed from the room: the bar above says so).
        if (pane.client.sendMessage(input.text))
            input.clear()
        completion.close()
    }

    // Puts "@nick " at the cursor (from a message's menu).
    function insertMention(nick: string) {
        input.insert(input.cursorPosition, "@" + nick + " ")
        input.forceActiveFocus()
    }

    // The "@part" being typed right before the cursor, or "" when there is none.
    function mentionPrefix(): string {
        const before = input.text.substring(0, input.cursorPosition)
        const match = before.match(/(^|\s)@([^\s@]*)$/)
        return match ? "@" + match[2] : ""
    }

    function updateCompletion() {
        const prefix = mentionPrefix()
        if (prefix.length === 0 || pane.client.currentIsDirect || !pane.client.members) {
            completion.close()
            return
        }
        const own = pane.client.nick
        const nicks = pane.client.members.nicksStartingWith(prefix.substring(1)).filter(n => n !== own)
        completion.nicks = nicks
        completion.currentIndex = 0
        if (nicks.length > 0)
            completion.open()
        else
            completion.close()
    }

    function complete(nick: string) {
        const prefix = mentionPrefix()
        const start = input.cursorPosition - prefix.length
        input.remove(start, input.cursorPosition)
        input.insert(start, "@" + nick + " ")
        completion.close()
    }

    function returnPressed(event: KeyEvent) {
        if (completion.opened)
            complete(completion.nicks[completion.currentIndex])
        else if (event.modifiers & Qt.ShiftModifier)
            event.accepted = false
        else
            send()
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 4

    // Replying: to whom and what, and a way out.
    RowLayout {
        objectName: "replyBar"
        visible: pane.client.replyToSeq > 0
        Layout.fillWidth: true
        Layout.leftMargin: 4
        spacing: 8
        Rectangle {
            Layout.preferredWidth: 3
            Layout.fillHeight: true
            color: pane.Material.accent
        }
        Label {
            objectName: "replyText"
            Layout.fillWidth: true
            textFormat: Text.PlainText
            elide: Text.ElideRight
            maximumLineCount: 1
            font.pixelSize: 12
            text: qsTr("Replying to %1: %2").arg(pane.client.replyToNick).arg(pane.client.replyToText.replace(/\s+/g, " "))
        }
        SmallButton {
            objectName: "cancelReply"
            text: "✕"
            tip: qsTr("Cancel the reply (Esc)")
            size: 24
            onClicked: pane.client.cancelReply()
        }
    }

    RowLayout {
        Layout.fillWidth: true
        Layout.fillHeight: true
        spacing: 8
        ScrollView {
            Layout.fillWidth: true
            Layout.maximumHeight: 140
            TextArea {
                id: input
                objectName: "input"
                focus: true
                placeholderText: pane.client.currentIsDirect ? qsTr("Message %1").arg(pane.client.currentTitle) : qsTr("Message #%1").arg(pane.client.currentTitle)
                wrapMode: TextArea.Wrap
                textFormat: TextEdit.PlainText
                onTextChanged: {
                    if (text.length > 0)
                        pane.client.userTyping()
                    pane.updateCompletion()
                }
                onCursorPositionChanged: if (completion.opened) pane.updateCompletion()
                Keys.onReturnPressed: event => pane.returnPressed(event)
                Keys.onEnterPressed: event => pane.returnPressed(event)
                Keys.onTabPressed: event => {
                    if (completion.opened)
                        pane.complete(completion.nicks[completion.currentIndex])
                    else
                        input.nextItemInFocusChain(true).forceActiveFocus(Qt.TabFocusReason)
                }
                Keys.onBacktabPressed: event => input.nextItemInFocusChain(false).forceActiveFocus(Qt.BacktabFocusReason)
                Keys.onUpPressed: event => {
                    if (completion.opened)
                        completion.currentIndex = Math.max(0, completion.currentIndex - 1)
                    else if (input.length > 0 || !pane.editLast())
                        event.accepted = false
                }
                Keys.onDownPressed: event => {
                    if (completion.opened)
                        completion.currentIndex = Math.min(completion.nicks.length - 1, completion.currentIndex + 1)
                    else
                        event.accepted = false
                }
                Keys.onEscapePressed: event => {
                    if (completion.opened)
                        completion.close()
                    else if (pane.client.replyToSeq > 0)
                        pane.client.cancelReply()
                    else
                        event.accepted = false
                }
            }
        }
        AppButton {
            objectName: "sendButton"
            text: qsTr("Send")
            highlighted: true
            enabled: input.text.trim().length > 0
            onClicked: pane.send()
        }
    }
    }

    // Members to mention, above the field; keys stay in the field (arrows, Enter or Tab, Esc).
    Popup {
        id: completion
        objectName: "completion"
        property var nicks: []
        property int currentIndex: 0
        x: 8
        y: -height
        width: 240
        padding: 4
        focus: false
        closePolicy: Popup.CloseOnPressOutside
        Material.elevation: 0
        background: PopupBackground {}
        Column {
            width: completion.availableWidth
            Repeater {
                model: completion.nicks
                delegate: AppItemDelegate {
                    id: choice
                    required property string modelData
                    required property int index
                    width: completion.availableWidth
                    height: 36
                    highlighted: index === completion.currentIndex
                    onClicked: pane.complete(modelData)
                    contentItem: RowLayout {
                        spacing: 8
                        Avatar {
                            nick: choice.modelData
                            size: 22
                        }
                        Label {
                            text: choice.modelData
                            textFormat: Text.PlainText
                            Layout.fillWidth: true
                        }
                    }
                }
            }
        }
    }
}
