// Changes the user's nick on this server. Enter confirms, Esc cancels.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import Confab.Client

Dialog {
    id: dialog

    required property ChatClient client

    title: qsTr("Change nick")
    modal: true
    focus: true
    standardButtons: Dialog.Ok | Dialog.Cancel
    footer: AppDialogButtons {}
    Material.elevation: 0
    background: PopupBackground {}
    onAboutToShow: nickField.text = client.nick
    onOpened: {
        nickField.forceActiveFocus()
        nickField.selectAll()
    }
    onAccepted: {
        if (nickField.text.trim().length > 0 && nickField.text.trim() !== client.nick)
            client.changeNick(nickField.text.trim())
    }

    TextField {
        id: nickField
        objectName: "nickField"
        width: parent.width
        maximumLength: 32
        placeholderText: qsTr("Your new nick")
        onAccepted: dialog.accept()
    }
}
