// The chat: rooms on the left, the conversation in the middle, members on the right. In a
// narrow window the rooms and the members are in drawers, reached from the header.
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
    signal darkThemeRequested(bool dark)

    // What another person needs to join: the host's own addresses, or the one we joined.
    readonly property string joinAddress: {
        if (host.running && host.addresses.length > 0)
            return host.addresses[0]
        const url = client.address
        const match = url.match(/^wss?:\/\/([^/]+)/)
        return match ? match[1] : url
    }
    // The web client of the same chat: the host's link, or the server's own page (http for
    // ws://, https for wss:// as behind a TLS proxy).
    readonly property string webLink: {
        if (host.running && host.webLinks.length > 0)
            return host.webLinks[0]
        const match = client.address.match(/^(wss?):\/\/([^/]+)/)
        return match ? (match[1] === "wss" ? "https://" : "http://") + match[2] + "/" : ""
    }
    function inviteText() {
        const app = qsTr("Join me on Confab (%1): open Confab, choose Join and enter %2")
            .arg(client.serverName).arg(joinAddress)
        return webLink.length > 0 ? app + "\n" + qsTr("Or in a browser: %1").arg(webLink) : app
    }

    // The clipboard, through a hidden text editor (QML has no clipboard of its own).
    function copyToClipboard(text: string) {
        clipboardHelper.text = text
        clipboardHelper.selectAll()
        clipboardHelper.copy()
        clipboardHelper.text = ""
        copiedTip.show(qsTr("Copied"), 1200)
    }
    TextEdit {
        id: clipboardHelper
        visible: false
        textFormat: TextEdit.PlainText
    }
    ToolTip {
        id: copiedTip
        x: (page.width - width) / 2
        y: page.height - height - 80
    }

    function openSearch() {
        searchPopup.open()
    }

    Component.onCompleted: composer.focusInput()
    Connections {
        target: page.client
        function onCurrentRoomChanged() {
            if (!topicDialog.opened && !searchPopup.opened)
                composer.focusInput()
        }
        function onReplyChanged() {
            if (page.client.replyToSeq > 0)
                composer.focusInput()
        }
        // What the server refused, and why we were removed from a room: said for a while.
        function onErrorOccurred(message: string) {
            toast.show(message, 6000)
        }
    }
    ToolTip {
        id: toast
        objectName: "toast"
        x: (page.width - width) / 2
        y: page.height - height - 110
    }

    // Banned: the session is over until the ban ends; this says so, and nothing retries.
    Rectangle {
        objectName: "bannedScreen"
        visible: page.client.banned
        anchors.fill: parent
        z: 10
        color: page.Material.backgroundColor
        MouseArea {
            anchors.fill: parent // nothing under it takes clicks
        }
        ColumnLayout {
            anchors.centerIn: parent
            width: Math.min(parent.width - 48, 460)
            spacing: 12
            Label {
                Layout.fillWidth: true
                text: qsTr("You are banned from %1").arg(page.client.serverName || qsTr("this server"))
                font.pixelSize: 22
                font.weight: Font.DemiBold
                wrapMode: Text.Wrap
                horizontalAlignment: Text.AlignHCenter
            }
            Label {
                objectName: "bannedUntil"
                Layout.fillWidth: true
                visible: text.length > 0
                text: page.client.bannedUntilText.length > 0 ? qsTr("until %1").arg(page.client.bannedUntilText) : ""
                horizontalAlignment: Text.AlignHCenter
                opacity: 0.8
            }
            Label {
                objectName: "bannedReason"
                Layout.fillWidth: true
                visible: page.client.banReason.length > 0
                text: qsTr("Reason: %1").arg(page.client.banReason)
                textFormat: Text.PlainText
                wrapMode: Text.Wrap
                horizontalAlignment: Text.AlignHCenter
            }
            AppButton {
                objectName: "leaveBanned"
                Layout.alignment: Qt.AlignHCenter
                text: qsTr("Back to the start")
                highlighted: true
                onClicked: page.client.leaveServer()
            }
        }
    }

    header: ToolBar {
        id: bar
        objectName: "headerBar"
        // No elevation: Material draws a ToolBar's shadow, and with it the whole bar, through a
        // ShaderEffect that the software renderer cannot draw (white title on white).
        Material.elevation: 0
        Material.foreground: "white"
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 8
            anchors.rightMargin: 8
            spacing: 4
            AppToolButton {
                visible: page.narrow
                text: "☰"
                onClicked: roomsDrawer.open()
                Accessible.name: qsTr("Rooms")
            }
            ColumnLayout {
                Layout.fillWidth: true
                Layout.leftMargin: 4
                spacing: 0
                Label {
                    objectName: "title"
                    text: (page.client.currentIsDirect ? "@" : "#") + page.client.currentTitle
                    font.pixelSize: 18
                    font.weight: Font.DemiBold
                    elide: Label.ElideRight
                    Layout.fillWidth: true
                }
                Label {
                    id: topicLabel
                    objectName: "headerTopic"
                    visible: text.length > 0
                    text: page.client.currentTopic
                    opacity: 0.8
                    elide: Label.ElideRight
                    Layout.fillWidth: true
                    textFormat: Text.PlainText
                    Accessible.name: qsTr("Topic: %1").arg(text)
                    // A long topic is cut here: hovering shows it whole, wrapped.
                    HoverHandler { id: topicHover }
                    ToolTip {
                        objectName: "topicTip"
                        visible: topicLabel.truncated && topicHover.hovered
                        delay: 400
                        width: Math.min(implicitWidth, 480)
                        contentItem: Label {
                            text: topicLabel.text
                            textFormat: Text.PlainText
                            wrapMode: Text.Wrap
                        }
                    }
                }
            }
            TextField {
                id: searchField
                objectName: "headerSearch"
                visible: !page.narrow
                Layout.preferredWidth: 200
                placeholderText: qsTr("Search (Ctrl+F)")
                Material.foreground: "white"
                Material.accent: "white"
                placeholderTextColor: Qt.rgba(1, 1, 1, 0.7)
                onAccepted: {
                    searchPopup.query = text
                    searchPopup.open()
                    page.client.search(text)
                    text = ""
                }
            }
            AppToolButton {
                visible: page.narrow
                objectName: "searchButton"
                text: qsTr("Search")
                onClicked: page.openSearch()
                Accessible.name: qsTr("Search")
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Search (Ctrl+F)")
            }
            AppToolButton {
                objectName: "membersButton"
                visible: !page.wide
                text: qsTr("Members")
                onClicked: membersDrawer.open()
                Accessible.name: qsTr("Members")
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Members")
            }
            AppToolButton {
                objectName: "menuButton"
                text: "⋮"
                font.pixelSize: 20
                onClicked: roomMenu.open()
                Accessible.name: qsTr("Menu")
                ChatMenu {
                    id: roomMenu
                    y: parent.height
                    client: page.client
                    host: page.host
                    onTopicRequested: topicDialog.open()
                    onNickRequested: nickDialog.open()
                    onDirectoryRequested: directoryDialog.open()
                    onInviteRequested: page.copyToClipboard(page.inviteText())
                    onDarkThemeRequested: dark => page.darkThemeRequested(dark)
                    onQuitRequested: page.Window.window.close() // the window asks first
                }
            }
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
        onActivated: page.openSearch()
    }
    Shortcut {
        sequence: "Ctrl+K"
        onActivated: {
            if (page.narrow) {
                roomsDrawer.open()
                drawerRooms.focusNewRoom()
            } else {
                sideRooms.focusNewRoom()
            }
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
        background: PanelBackground { edge: Qt.RightEdge }
        // Material's dim is light grey in the dark theme: the page behind goes darker in both.
        Overlay.modal: Rectangle { color: Qt.rgba(0, 0, 0, 0.45) }
        RoomList {
            id: drawerRooms
            anchors.fill: parent
            client: page.client
            host: page.host
            onChosen: roomsDrawer.close()
            onInviteRequested: page.copyToClipboard(page.inviteText())
            onDirectoryRequested: directoryDialog.open()
            onNickRequested: nickDialog.open()
        }
    }

    Drawer {
        id: membersDrawer
        objectName: "membersDrawer"
        edge: Qt.RightEdge
        width: Math.min(page.width * 0.8, 280)
        height: page.height
        background: PanelBackground { edge: Qt.LeftEdge }
        // Material's dim is light grey in the dark theme: the page behind goes darker in both.
        Overlay.modal: Rectangle { color: Qt.rgba(0, 0, 0, 0.45) }
        MemberList {
            anchors.fill: parent
            client: page.client
            onChosen: membersDrawer.close()
        }
    }

    RowLayout {
        anchors.fill: parent
        spacing: 0

        RoomList {
            id: sideRooms
            objectName: "sideRooms"
            visible: !page.narrow
            Layout.preferredWidth: 260
            Layout.fillHeight: true
            client: page.client
            host: page.host
            onInviteRequested: page.copyToClipboard(page.inviteText())
            onDirectoryRequested: directoryDialog.open()
            onNickRequested: nickDialog.open()
        }

        ColumnLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: 0

            Item {
                Layout.fillWidth: true
                Layout.fillHeight: true

                MessageList {
                    id: messageList
                    objectName: "messageList"
                    anchors.fill: parent
                    client: page.client
                    onCopyRequested: text => page.copyToClipboard(text)
                    onMentionRequested: nick => composer.insertMention(nick)
                    onEditFinished: composer.focusInput()
                }

                // Connection trouble is said plainly, over the top of the conversation: it
                // never pushes the layout down.
                Rectangle {
                    id: banner
                    objectName: "banner"
                    visible: page.client.state !== ChatClient.Online
                    anchors.left: parent.left
                    anchors.right: parent.right
                    anchors.top: parent.top
                    height: bannerText.implicitHeight + 12
                    color: page.client.state === ChatClient.Failed ? Material.color(Material.Red, Material.Shade200) : Material.color(Material.Amber, Material.Shade200)
                    Label {
                        id: bannerText
                        anchors.centerIn: parent
                        width: parent.width - 24
                        horizontalAlignment: Text.AlignHCenter
                        wrapMode: Text.Wrap
                        text: page.client.statusText + (page.client.outboxSize > 0 ? " — " + page.client.outboxText : "")
                        color: "black"
                    }
                }
            }

            Label {
                Layout.fillWidth: true
                Layout.leftMargin: 16
                Layout.preferredHeight: 20
                text: page.client.typingText
                opacity: 0.7
                font.italic: true
                font.pixelSize: 12
                elide: Text.ElideRight
            }

            // Removed from this room by an operator: who and why, where it happened, and the
            // way back in; what was typed stays in the composer.
            Pane {
                objectName: "goneBar"
                visible: page.client.currentGoneText.length > 0
                Layout.fillWidth: true
                padding: 8
                background: Rectangle { color: Material.color(Material.Red, Material.Shade100) }
                RowLayout {
                    anchors.fill: parent
                    spacing: 12
                    Label {
                        Layout.fillWidth: true
                        text: page.client.currentGoneText
                        wrapMode: Text.Wrap
                        color: "black"
                        Accessible.role: Accessible.StaticText
                        Accessible.name: text
                    }
                    AppButton {
                        text: qsTr("Join again")
                        flat: true
                        Accessible.name: qsTr("Join #%1 again").arg(page.client.currentRoom)
                        onClicked: page.client.joinRoom(page.client.currentRoom)
                    }
                }
            }

            Composer {
                id: composer
                objectName: "composer"
                Layout.fillWidth: true
                client: page.client
                editLast: () => messageList.editLast()
            }
        }

        MemberList {
            objectName: "memberList"
            visible: page.wide
            Layout.preferredWidth: 220
            Layout.fillHeight: true
            client: page.client
        }
    }

    TopicDialog {
        id: topicDialog
        objectName: "topicDialog"
        client: page.client
        anchors.centerIn: parent
        width: Math.min(page.width - 40, 420)
        onClosed: composer.focusInput()
    }

    NickDialog {
        id: nickDialog
        objectName: "nickDialog"
        client: page.client
        anchors.centerIn: parent
        width: Math.min(page.width - 40, 420)
        onClosed: composer.focusInput()
    }

    DirectoryDialog {
        id: directoryDialog
        objectName: "directoryDialog"
        client: page.client
        anchors.centerIn: parent
        width: Math.min(page.width - 40, 480)
        height: Math.min(page.height - 80, 520)
        onClosed: composer.focusInput()
    }

    SearchPopup {
        id: searchPopup
        objectName: "searchPopup"
        client: page.client
        x: page.width - width - 16
        y: 8
        width: Math.min(page.width - 32, 460)
        height: Math.min(page.height - 80, 480)
        onResultChosen: (room, seq) => {
            page.client.currentRoom = room
            messageList.showMessage(seq)
        }
        onClosed: composer.focusInput()
    }
}
