// Who is in the room; click someone to message them directly.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Confab.Client

Pane {
    id: pane

    required property ChatClient client
    signal chosen()

    padding: 0
    background: PanelBackground { edge: Qt.LeftEdge }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0
        Label {
            text: pane.client.currentIsDirect ? qsTr("Direct message") : qsTr("Members — %1").arg(list.count)
            font.weight: Font.DemiBold
            Layout.margins: 16
        }
        ListView {
            id: list
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: pane.client.currentIsDirect ? null : pane.client.members
            delegate: ItemDelegate {
                id: member
                required property string userId
                required property string nick
                width: ListView.view.width
                text: nick + (userId === pane.client.userId ? qsTr(" (you)") : "")
                contentItem: RowLayout {
                    spacing: 10
                    Avatar {
                        nick: member.nick
                        size: 28
                    }
                    Label {
                        text: member.text
                        textFormat: Text.PlainText
                        elide: Text.ElideRight
                        Layout.fillWidth: true
                    }
                }
                onClicked: {
                    pane.client.openDirect(userId, nick)
                    if (userId !== pane.client.userId)
                        pane.chosen()
                }
                ToolTip.visible: hovered && userId !== pane.client.userId
                ToolTip.text: qsTr("Send %1 a direct message").arg(nick)
                ToolTip.delay: 600
            }
        }
    }
}
