// The chat: rooms on the left, the conversation in the middle, members on the right (hidden in
// a narrow window).
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Confab.Client

Page {
    id: page

    required property ChatClient client
    required property HostController host
    readonly property bool wide: width >= 900
    readonly property bool narrow: width < 640

    header: ToolBar {
        Material.foreground: "white"
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 8
            anchors.rightMargin: 8
            spacing: 8
            ToolButton {
                visible: page.narrow
                text: "☰"
                onClicked: roomsDrawer.open()
                Accessible.name: qsTr("Rooms")
            }
            ColumnLayout {
                Layout.fillWidth: true
                spacing: 0
                Label {
                    text: (page.client.currentIsDirect ? "@" : "#") + page.client.currentTitle
                    font.pixelSize: 18
                    font.weight: Font.DemiBold
                    elide: Label.ElideRight
                    Layout.fillWidth: true
                }
                Label {
                    visible: text.length > 0
                    text: page.client.currentTopic
                    opacity: 0.8
                    elide: Label.ElideRight
                    Layout.fillWidth: true
                    textFormat: Text.PlainText
                }
            }
            TextField {
                id: searchField
                visible: !page.narrow
                Layout.preferredWidth: 220
                placeholderText: qsTr("Search")
                Material.foreground: Material.foreground
                onAccepted: {
                    page.client.search(text)
                    searchPopup.open()
                }
            }
            ToolButton {
                text: qsTr("Topic")
                visible: !page.client.currentIsDirect
                onClicked: topicDialog.open()
            }
            // Always a way back to the start screen, and out.
            ToolButton {
                objectName: "menuButton"
                text: "⋮"
                Accessible.name: qsTr("Menu")
                onClicked: appMenu.open()
                Menu {
                    id: appMenu
                    y: parent.height
                    width: 260
                    MenuItem {
                        objectName: "leaveServer"
                        text: page.host.running ? qsTr("Stop hosting and leave") : qsTr("Leave this server")
                        onTriggered: {
                            page.client.leaveServer()
                            page.host.stop()
                        }
                    }
                    MenuItem {
                        text: qsTr("Quit (Ctrl+Q)")
                        onTriggered: page.Window.window.close()
                    }
                }
            }
        }
    }

    // Connection trouble is said plainly, above everything else.
    Rectangle {
        id: banner
        visible: page.client.state !== ChatClient.Online
        z: 2
        anchors.left: parent.left
        anchors.right: parent.right
        height: visible ? 32 : 0
        color: page.client.state === ChatClient.Failed ? Material.color(Material.Red) : Material.color(Material.Amber)
        Label {
            anchors.centerIn: parent
            text: page.client.statusText + (page.client.outboxSize > 0 ? " — " + page.client.outboxText : "")
            color: "black"
        }
    }

    // Full keyboard use: every action has a key.
    Shortcut {
        sequences: ["Alt+Down", "Ctrl+Tab"]
        onActivated: page.client.switchRoom(1)
    }
    Shortcut {
        sequences: ["Alt+Up", "Ctrl+Shift+Tab"]
        onActivated: page.client.switchRoom(-1)
    }
    Shortcut {
        sequence: "Ctrl+F"
        onActivated: page.narrow ? searchPopup.open() : searchField.forceActiveFocus()
    }
    Shortcut {
        sequence: "Ctrl+K"
        onActivated: {
            if (page.narrow)
                roomsDrawer.open()
            else
                sideRooms.focusNewRoom()
        }
    }
    Shortcut {
        sequence: "Ctrl+T"
        enabled: !page.client.currentIsDirect
        onActivated: topicDialog.open()
    }
    Shortcut {
        sequence: "Ctrl+L"
        onActivated: composer.focusInput()
    }

    Drawer {
        id: roomsDrawer
        width: Math.min(page.width * 0.8, 300)
        height: page.height
        RoomList {
            anchors.fill: parent
            client: page.client
            host: page.host
            onChosen: roomsDrawer.close()
        }
    }

    RowLayout {
        anchors.fill: parent
        anchors.topMargin: banner.height
        spacing: 0

        RoomList {
            id: sideRooms
            visible: !page.narrow
            Layout.preferredWidth: 260
            Layout.fillHeight: true
            client: page.client
            host: page.host
        }

        ColumnLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: 0

            MessageList {
                Layout.fillWidth: true
                Layout.fillHeight: true
                client: page.client
            }

            Label {
                Layout.fillWidth: true
                Layout.leftMargin: 16
                Layout.preferredHeight: 20
                text: page.client.typingText
                opacity: 0.7
                font.italic: true
                font.pixelSize: 12
            }

            Composer {
                id: composer
                Layout.fillWidth: true
                client: page.client
            }
        }

        MemberList {
            visible: page.wide
            Layout.preferredWidth: 220
            Layout.fillHeight: true
            client: page.client
        }
    }

    Dialog {
        id: topicDialog
        title: qsTr("Room topic")
        anchors.centerIn: parent
        width: Math.min(page.width - 40, 420)
        modal: true
        standardButtons: Dialog.Ok | Dialog.Cancel
        onAboutToShow: topicField.text = page.client.currentTopic
        onAccepted: page.client.setTopic(topicField.text)
        TextField {
            id: topicField
            width: parent.width
            maximumLength: 256
            placeholderText: qsTr("What is this room about?")
        }
    }

    Popup {
        id: searchPopup
        x: page.width - width - 16
        y: 8
        width: Math.min(page.width - 32, 460)
        height: Math.min(page.height - 80, 480)
        ListView {
            anchors.fill: parent
            clip: true
            model: page.client.searchResults
            delegate: ItemDelegate {
                id: result
                required property var modelData
                width: ListView.view.width
                contentItem: ColumnLayout {
                    Label {
                        text: "#" + result.modelData.room + " · " + result.modelData.nick + " · " + result.modelData.when
                        opacity: 0.7
                        font.pixelSize: 12
                    }
                    Label {
                        text: result.modelData.text
                        textFormat: Text.PlainText
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                    }
                }
                onClicked: {
                    page.client.currentRoom = result.modelData.room
                    searchPopup.close()
                }
            }
            Label {
                anchors.centerIn: parent
                visible: parent.count === 0
                text: qsTr("No messages found")
                opacity: 0.6
            }
        }
    }
}
