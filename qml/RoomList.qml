// Rooms and direct conversations with unread counts, a way to join or create a room, and, when
// hosting, the addresses others can use.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Confab.Client

Pane {
    id: pane

    required property ChatClient client
    required property HostController host
    signal chosen()

    function focusNewRoom() {
        newRoom.forceActiveFocus()
    }

    padding: 0
    Material.elevation: 1

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        Label {
            text: pane.client.serverName
            font.weight: Font.DemiBold
            elide: Label.ElideRight
            Layout.fillWidth: true
            Layout.margins: 16
            Layout.bottomMargin: 4
        }
        Label {
            text: qsTr("Signed in as %1").arg(pane.client.nick)
            opacity: 0.7
            font.pixelSize: 12
            Layout.leftMargin: 16
            Layout.bottomMargin: 8
        }

        ListView {
            id: rooms
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: pane.client.rooms
            delegate: ItemDelegate {
                id: roomItem
                required property string name
                required property string title
                required property int unread
                required property bool direct
                width: ListView.view.width
                highlighted: name === pane.client.currentRoom
                onClicked: {
                    pane.client.currentRoom = name
                    pane.chosen()
                }
                contentItem: RowLayout {
                    spacing: 8
                    Label {
                        text: (roomItem.direct ? "@" : "#") + roomItem.title
                        font.weight: roomItem.unread > 0 ? Font.Bold : Font.Normal
                        elide: Label.ElideRight
                        Layout.fillWidth: true
                    }
                    Rectangle {
                        visible: roomItem.unread > 0
                        radius: height / 2
                        color: Material.accent
                        implicitHeight: 20
                        implicitWidth: roomItem.unread > 99 ? 32 : roomItem.unread > 9 ? 26 : 20
                        Label {
                            anchors.centerIn: parent
                            text: roomItem.unread > 99 ? "99+" : roomItem.unread
                            color: "white"
                            font.pixelSize: 11
                            font.bold: true
                        }
                    }
                }
            }
        }

        RowLayout {
            Layout.fillWidth: true
            Layout.margins: 8
            TextField {
                id: newRoom
                Layout.fillWidth: true
                placeholderText: qsTr("Join or create a room (Ctrl+K)")
                onAccepted: {
                    pane.client.joinRoom(text)
                    text = ""
                    pane.chosen()
                }
            }
        }

        Pane {
            visible: pane.host.running
            Layout.fillWidth: true
            background: Rectangle {
                color: Material.accent
                opacity: 0.15 // a tint that works in light and dark
            }
            ColumnLayout {
                width: parent.width
                spacing: 2
                Label {
                    text: qsTr("You are hosting. Others join at:")
                    font.pixelSize: 12
                    wrapMode: Text.WordWrap
                    Layout.fillWidth: true
                }
                Repeater {
                    model: pane.host.addresses
                    delegate: Label {
                        required property string modelData
                        text: modelData
                        font.family: "monospace"
                        font.pixelSize: 13
                    }
                }
                Label {
                    text: qsTr("From a browser or a phone (scan the code):")
                    font.pixelSize: 12
                    wrapMode: Text.WordWrap
                    Layout.fillWidth: true
                    Layout.topMargin: 6
                }
                Repeater {
                    model: pane.host.webLinks
                    delegate: ColumnLayout {
                        id: webLink
                        required property string modelData
                        spacing: 2
                        Label {
                            text: webLink.modelData
                            font.family: "monospace"
                            font.pixelSize: 12
                        }
                        Image {
                            source: "image://qr/" + encodeURIComponent(webLink.modelData)
                            sourceSize.width: 132
                            sourceSize.height: 132
                            smooth: false // sharp modules scan best
                            Layout.preferredWidth: 132
                            Layout.preferredHeight: 132
                            Accessible.name: qsTr("QR code of %1").arg(webLink.modelData)
                        }
                    }
                }
            }
        }
    }
}
