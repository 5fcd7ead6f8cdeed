// The rooms of this server, to browse and join.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Confab.Client

Dialog {
    id: dialog

    required property ChatClient client

    title: qsTr("Rooms on %1").arg(client.serverName)
    modal: true
    focus: true
    standardButtons: Dialog.Close
    footer: AppDialogButtons {}
    Material.elevation: 0
    background: PopupBackground {}
    onAboutToShow: client.refreshDirectory()
    onOpened: rooms.forceActiveFocus()

    ListView {
        id: rooms
        objectName: "directoryList"
        anchors.fill: parent
        clip: true
        keyNavigationEnabled: true
        model: dialog.client.directory
        ScrollBar.vertical: ScrollBar {}
        Keys.onReturnPressed: {
            if (currentIndex >= 0 && currentIndex < count) {
                dialog.client.joinRoom(dialog.client.directory.get(currentIndex).room)
                dialog.close()
            }
        }
        delegate: AppItemDelegate {
            id: entry
            required property var modelData
            required property int index
            width: ListView.view.width
            highlighted: ListView.isCurrentItem
            onClicked: {
                dialog.client.joinRoom(entry.modelData.room)
                dialog.close()
            }
            contentItem: ColumnLayout {
                spacing: 2
                RowLayout {
                    Label {
                        text: "#" + entry.modelData.room
                        font.weight: Font.DemiBold
                        Layout.fillWidth: true
                        elide: Text.ElideRight
                    }
                    Label {
                        // Spelled out: without a translation, %n would say "member(s)".
                        text: entry.modelData.members === 1 ? qsTr("1 member")
                                                            : qsTr("%1 members").arg(entry.modelData.members)
                        opacity: 0.6
                        font.pixelSize: 12
                    }
                }
                Label {
                    visible: text.length > 0
                    text: entry.modelData.topic
                    textFormat: Text.PlainText
                    opacity: 0.75
                    elide: Text.ElideRight
                    Layout.fillWidth: true
                }
            }
        }
        Label {
            anchors.centerIn: parent
            visible: rooms.count === 0
            text: qsTr("No rooms yet")
            opacity: 0.6
        }
    }
}
