// The window: the start screen until the user hosts or joins, then the chat.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import Confab.Client

ApplicationWindow {
    id: window

    // Set from the command line (main.cpp).
    property bool autoHost: false
    property string autoJoin: ""
    property string initialNick: ""
    property int initialPort: 7300
    property string initialPassword: ""
    property bool announce: true

    width: 1280
    height: 800
    minimumWidth: 480
    minimumHeight: 400
    visible: true
    title: chatClient.totalUnread > 0 ? qsTr("(%1) Confab").arg(chatClient.totalUnread) : qsTr("Confab")

    Material.accent: Material.Teal
    Material.primary: Material.BlueGrey

    ChatClient {
        id: chatClient
        windowActive: window.active
    }

    Notifier {
        id: notifier
        window: window
    }

    Connections {
        target: chatClient
        function onAttentionNeeded(title: string, text: string) {
            notifier.notify(title, text)
        }
    }

    HostController {
        id: hostController
        announce: window.announce
    }

    StackView {
        id: stack
        anchors.fill: parent
        initialItem: startPage
    }

    StartPage {
        id: startPage
        visible: false // shown by the StackView
        client: chatClient
        host: hostController
        initialNick: window.initialNick
        initialPort: window.initialPort
        initialPassword: window.initialPassword
        onEntered: stack.push(chatPage)
    }

    Component {
        id: chatPage
        ChatPage {
            client: chatClient
            host: hostController
        }
    }

    Component.onCompleted: {
        if (autoHost)
            startPage.hostNow()
        else if (autoJoin.length > 0)
            startPage.joinNow(autoJoin)
    }
}
