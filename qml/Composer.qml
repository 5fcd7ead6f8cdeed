// Where messages are written. Enter sends, Shift+Enter starts a new line.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Confab.Client

Pane {
    id: pane

    required property ChatClient client

    padding: 8
    Material.elevation: 2

    function focusInput() {
        input.forceActiveFocus()
    }

    function send() {
        if (input.text.trim().length === 0)
            return
        pane.client.sendMessage(input.text)
        input.clear()
    }

    RowLayout {
        anchors.fill: parent
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
                onTextChanged: if (text.length > 0) pane.client.userTyping()
                Keys.onReturnPressed: event => {
                    if (event.modifiers & Qt.ShiftModifier)
                        event.accepted = false
                    else
                        pane.send()
                }
                Keys.onEnterPressed: event => pane.send()
            }
        }
        Button {
            text: qsTr("Send")
            highlighted: true
            enabled: input.text.trim().length > 0
            onClicked: pane.send()
        }
    }
}
