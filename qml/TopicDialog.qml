// Sets the room's topic. Opens with the text field focused; Enter confirms, Esc cancels, and
// the topic is only sent when it changed (a stray key cannot clear it).
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import Confab.Client

Dialog {
    id: dialog

    required property ChatClient client

    title: qsTr("Room topic")
    modal: true
    focus: true
    standardButtons: Dialog.Ok | Dialog.Cancel
    footer: AppDialogButtons {}
    Material.elevation: 0
    background: PopupBackground {}
    onAboutToShow: topicField.text = client.currentTopic
    onOpened: {
        topicField.forceActiveFocus()
        topicField.selectAll()
    }
    onAccepted: {
        if (topicField.text.trim() !== client.currentTopic)
            client.setTopic(topicField.text.trim())
    }
    Component.onCompleted: {
        // The buttons never take keyboard focus: Enter and Esc act for them, and a space meant
        // for the text cannot press one.
        for (const button of [standardButton(Dialog.Ok), standardButton(Dialog.Cancel)]) {
            if (button)
                button.focusPolicy = Qt.NoFocus
        }
    }

    TextField {
        id: topicField
        objectName: "topicField"
        width: parent.width
        maximumLength: 256
        placeholderText: qsTr("What is this room about?")
        onAccepted: dialog.accept()
    }
}
