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
    signal inviteRequested()
    signal directoryRequested()
    signal nickRequested()

    function focusNewRoom() {
        newRoom.forceActiveFocus()
    }

    padding: 0
    background: PanelBackground { edge: Qt.RightEdge }

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
        AppItemDelegate {
            objectName: "signedInAs"
            Layout.fillWidth: true
            Layout.bottomMargin: 4
            padding: 4
            leftPadding: 16
            onClicked: pane.nickRequested()
            ToolTip.visible: hovered
            ToolTip.text: qsTr("Change nick")
            ToolTip.delay: 600
            contentItem: RowLayout {
                spacing: 8
                Avatar {
                    nick: pane.client.nick
                    size: 24
                }
                Label {
                    text: qsTr("Signed in as %1").arg(pane.client.nick)
                    opacity: 0.7
                    font.pixelSize: 12
                    elide: Text.ElideRight
                    Layout.fillWidth: true
                }
            }
        }

        ListView {
            id: rooms
            objectName: "roomsView"
            Layout.fillWidth: true
            Layout.fillHeight: true
            // Never squeezed away by the hosting box below (a short window showed no rooms).
            Layout.minimumHeight: Math.min(contentHeight, 144)
            clip: true
            model: pane.client.rooms
            delegate: AppItemDelegate {
                id: roomItem
                required property string name
                required property string title
                required property int unread
                required property bool direct
                required property int mentions
                required property bool muted
                objectName: "room-" + name
                width: ListView.view.width
                highlighted: name === pane.client.currentRoom
                onClicked: {
                    pane.client.currentRoom = name
                    pane.chosen()
                }
                // Muting is per room: from its own menu here, or the header menu when open.
                TapHandler {
                    acceptedButtons: Qt.RightButton
                    onTapped: roomMenu.popup()
                }
                onPressAndHold: roomMenu.popup()
                Menu {
                    id: roomMenu
                    Material.elevation: 0
                    background: PopupBackground { implicitWidth: 220 }
                    AppMenuItem {
                        objectName: "roomMute"
                        text: roomItem.muted ? qsTr("Unmute notifications") : qsTr("Mute notifications")
                        onTriggered: pane.client.setMuted(roomItem.name, !roomItem.muted)
                    }
                    AppMenuItem {
                        text: roomItem.direct ? qsTr("Close this conversation") : qsTr("Leave #%1").arg(roomItem.title)
                        onTriggered: pane.client.leaveRoom(roomItem.name)
                    }
                }
                contentItem: RowLayout {
                    spacing: 8
                    Label {
                        text: (roomItem.direct ? "@" : "#") + roomItem.title
                        font.weight: roomItem.unread > 0 && !roomItem.muted ? Font.Bold : Font.Normal
                        opacity: roomItem.muted ? 0.6 : 1
                        elide: Label.ElideRight
                        Layout.fillWidth: true
                    }
                    Label {
                        objectName: "mutedMark"
                        visible: roomItem.muted
                        text: qsTr("muted")
                        opacity: 0.6
                        font.pixelSize: 11
                        Accessible.name: qsTr("Notifications muted")
                    }
                    // Mentions of me (and direct messages) stand out from the plain unread count.
                    Rectangle {
                        objectName: "mentionBadge"
                        visible: roomItem.mentions > 0 && !roomItem.direct
                        radius: height / 2
                        color: Material.color(Material.Red, Material.Shade700)
                        implicitHeight: 20
                        implicitWidth: roomItem.mentions > 99 ? 40 : roomItem.mentions > 9 ? 32 : 26
                        Label {
                            objectName: "mentionCount"
                            anchors.centerIn: parent
                            text: "@" + (roomItem.mentions > 99 ? "99+" : roomItem.mentions)
                            color: "white"
                            font.pixelSize: 11
                            font.bold: true
                        }
                        Accessible.name: qsTr("%n mention(s)", "", roomItem.mentions)
                    }
                    Rectangle {
                        objectName: "unreadBadge"
                        visible: roomItem.unread > 0
                        radius: height / 2
                        color: roomItem.muted ? Material.color(Material.Grey) : Material.accent
                        implicitHeight: 20
                        implicitWidth: roomItem.unread > 99 ? 32 : roomItem.unread > 9 ? 26 : 20
                        Label {
                            objectName: "unreadCount"
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
            Layout.bottomMargin: 0
            spacing: 4
            TextField {
                id: newRoom
                Layout.fillWidth: true
                placeholderText: qsTr("Join or create a room (Ctrl+K)")
                onAccepted: {
                    if (text.trim().length === 0)
                        return
                    pane.client.joinRoom(text.trim())
                    text = ""
                    pane.chosen()
                }
            }
        }
        AppButton {
            objectName: "browseRooms"
            text: qsTr("Browse rooms…")
            flat: true
            Layout.leftMargin: 8
            Layout.bottomMargin: 4
            onClicked: pane.directoryRequested()
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
                    delegate: TextEdit {
                        required property string modelData
                        text: modelData
                        readOnly: true
                        selectByMouse: true
                        color: Material.foreground
                        selectionColor: Material.accent
                        font.family: "monospace"
                        font.pixelSize: 13
                    }
                }
                AppButton {
                    objectName: "hostCopyInvite"
                    text: qsTr("Copy invite")
                    flat: true
                    onClicked: pane.inviteRequested()
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
                        TextEdit {
                            text: webLink.modelData
                            readOnly: true
                            selectByMouse: true
                            color: Material.foreground
                            selectionColor: Material.accent
                            font.family: "monospace"
                            font.pixelSize: 12
                        }
                        // In a low window the code would push the rooms out: a button shows it.
                        AppButton {
                            objectName: "showQr"
                            visible: pane.height < 700
                            text: qsTr("Show QR code")
                            flat: true
                            onClicked: {
                                qrPopup.link = webLink.modelData
                                qrPopup.open()
                            }
                        }
                        Image {
                            objectName: "hostQr"
                            // Only where there is room for it and for the rooms above.
                            visible: pane.height >= 700
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

    // The QR code of the web link, big, for a phone to scan (a low window has no room for it
    // in the panel).
    Popup {
        id: qrPopup
        objectName: "qrPopup"
        property string link: ""
        parent: Overlay.overlay
        anchors.centerIn: parent
        modal: true
        padding: 16
        background: PopupBackground {}
        Overlay.modal: Rectangle { color: Qt.rgba(0, 0, 0, 0.45) }
        ColumnLayout {
            spacing: 8
            Label {
                text: qrPopup.link
                font.family: "monospace"
                Layout.alignment: Qt.AlignHCenter
            }
            Image {
                objectName: "bigQr"
                source: qrPopup.link.length > 0 ? "image://qr/" + encodeURIComponent(qrPopup.link) : ""
                sourceSize.width: 240
                sourceSize.height: 240
                smooth: false
                Layout.preferredWidth: 240
                Layout.preferredHeight: 240
                Layout.alignment: Qt.AlignHCenter
                Accessible.name: qsTr("QR code of %1").arg(qrPopup.link)
            }
            AppButton {
                text: qsTr("Close")
                flat: true
                Layout.alignment: Qt.AlignHCenter
                onClicked: qrPopup.close()
            }
        }
    }
}
