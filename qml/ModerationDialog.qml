// An operator removes someone: kick (out of this room, may come back) or ban (off the server
// for a while). The reason is optional; the person is told it.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Confab.Client

Dialog {
    id: dialog

    required property ChatClient client
    property bool banning: false
    property string userId: ""
    property string nick: ""
    // The durations offered ({text, minutes}): the client's, shared with the web client.
    readonly property var durations: client.banDurations

    function ask(ban: bool, id: string, who: string) {
        banning = ban
        userId = id
        nick = who
        reason.text = ""
        duration.currentIndex = 1
        open()
        reason.forceActiveFocus()
    }

    anchors.centerIn: Overlay.overlay
    width: Math.min(400, (Overlay.overlay ? Overlay.overlay.width : 400) - 32)
    modal: true
    title: banning ? qsTr("Ban %1").arg(nick) : qsTr("Remove %1 from #%2").arg(nick).arg(client.currentRoom)
    Material.elevation: 0
    background: PopupBackground {}

    ColumnLayout {
        anchors.fill: parent
        spacing: 8
        Label {
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            opacity: 0.8
            text: dialog.banning ? qsTr("%1 is disconnected and cannot come back until the ban ends.").arg(dialog.nick)
                                 : qsTr("%1 leaves the room and may join it again.").arg(dialog.nick)
        }
        ComboBox {
            id: duration
            objectName: "banDuration"
            // The list's background: Material's is a layer with a shader effect (its
            // elevation), which the software renderer leaves out: the options lay over the
            // dialog's text. PopupBackground is what every other popup here has.
            popup.background: PopupBackground {}
            // And no ripple in the field itself (see AppMenuItem).
            background: Rectangle {
                implicitWidth: 120
                implicitHeight: duration.Material.buttonHeight
                color: duration.down || duration.hovered ? duration.Material.rippleColor : "transparent"
                border.width: duration.visualFocus ? 2 : 1
                border.color: duration.visualFocus ? duration.Material.accentColor : duration.Material.dividerColor
                radius: 2
            }
            visible: dialog.banning
            Layout.fillWidth: true
            model: dialog.durations
            textRole: "text"
            Material.elevation: 0
            delegate: AppMenuItem {
                required property var modelData
                required property int index
                width: ListView.view ? ListView.view.width : implicitWidth
                text: modelData.text
                highlighted: duration.highlightedIndex === index
            }
        }
        TextField {
            id: reason
            objectName: "reason"
            Layout.fillWidth: true
            placeholderText: qsTr("Reason (optional, shown to %1)").arg(dialog.nick)
            maximumLength: 256
            onAccepted: dialog.accept()
        }
    }

    standardButtons: Dialog.Ok | Dialog.Cancel

    footer: AppDialogButtons {}
    onBanningChanged: standardButton(Dialog.Ok).text = banning ? qsTr("Ban") : qsTr("Remove")
    Component.onCompleted: {
        const ok = standardButton(Dialog.Ok)
        ok.text = qsTr("Remove")
        ok.objectName = "confirmModeration"
    }

    onAccepted: {
        if (banning)
            client.ban(userId, durations[duration.currentIndex].minutes, reason.text)
        else
            client.kick(userId, reason.text)
    }
}
