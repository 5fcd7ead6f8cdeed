// The header's menu: what can be done with this conversation and this session.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import Confab.Client

Menu {
    id: menu

    required property ChatClient client
    required property HostController host
    signal topicRequested()
    signal nickRequested()
    signal directoryRequested()
    signal inviteRequested()
    signal darkThemeRequested(bool dark)
    signal quitRequested()

    Material.elevation: 0
    background: PopupBackground { implicitWidth: 240 }

    AppMenuItem {
        text: qsTr("Room topic…")
        enabled: !menu.client.currentIsDirect
        onTriggered: menu.topicRequested()
    }
    AppMenuItem {
        text: qsTr("Browse rooms…")
        onTriggered: menu.directoryRequested()
    }
    AppMenuItem {
        text: qsTr("Change nick…")
        onTriggered: menu.nickRequested()
    }
    AppMenuItem {
        objectName: "copyInvite"
        text: qsTr("Copy invite")
        onTriggered: menu.inviteRequested()
    }
    AppMenuItem {
        objectName: "muteRoom"
        text: qsTr("Mute notifications")
        checkable: true
        checked: menu.client.currentMuted
        enabled: menu.client.currentRoom.length > 0
        onTriggered: menu.client.setMuted(menu.client.currentRoom, checked)
    }
    MenuSeparator {}
    AppMenuItem {
        objectName: "darkTheme"
        text: qsTr("Dark theme")
        checkable: true
        checked: menu.Material.theme === Material.Dark
        onTriggered: menu.darkThemeRequested(checked)
    }
    MenuSeparator {}
    AppMenuItem {
        objectName: "leaveRoom"
        text: menu.client.currentIsDirect ? qsTr("Close this conversation") : qsTr("Leave #%1").arg(menu.client.currentTitle)
        enabled: menu.client.currentRoom.length > 0
        onTriggered: menu.client.leaveRoom(menu.client.currentRoom)
    }
    // The one way back to the start screen (and the one way out), from any conversation.
    MenuSeparator {}
    AppMenuItem {
        objectName: "leaveServer"
        text: menu.host.running ? qsTr("Stop hosting and leave") : qsTr("Leave this server")
        onTriggered: {
            menu.client.leaveServer()
            menu.host.stop()
        }
    }
    AppMenuItem {
        text: qsTr("Quit (Ctrl+Q)")
        onTriggered: menu.quitRequested()
    }
}
