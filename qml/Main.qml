// The window: the start screen until the user hosts or joins, then the chat.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Window
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

    // Made and owned by the app in C++ (main.cpp), not here.
    readonly property ChatClient chatClient: App.client
    readonly property HostController hostController: App.host

    // Fits the screen's free area (a 1280x800 window overflows a 1280x800 screen once panels
    // and the title bar are counted); the last geometry is restored when it still fits.
    width: Math.min(1280, Math.max(minimumWidth, Screen.desktopAvailableWidth - 40))
    height: Math.min(800, Math.max(minimumHeight, Screen.desktopAvailableHeight - 60))
    minimumWidth: 480
    minimumHeight: 400
    visible: true
    title: chatClient.totalUnread > 0 ? qsTr("(%1) Confab").arg(chatClient.totalUnread) : qsTr("Confab")

    Material.accent: Material.Teal
    Material.primary: Material.BlueGrey

    Preferences {
        id: prefs
    }

    // The theme chosen in the app; without a choice, the system's (or the environment's).
    function applyTheme() {
        if (prefs.theme === "dark")
            Material.theme = Material.Dark
        else if (prefs.theme === "light")
            Material.theme = Material.Light
    }

    function restoreGeometry() {
        const saved = prefs.windowGeometry
        if (saved.length !== 4)
            return
        const g = {x: Number(saved[0]), y: Number(saved[1]), width: Number(saved[2]), height: Number(saved[3])}
        if (g.width < minimumWidth || g.height < minimumHeight)
            return
        const w = Math.min(g.width, Screen.desktopAvailableWidth)
        const h = Math.min(g.height, Screen.desktopAvailableHeight)
        width = w
        height = h
        // Only a position that keeps the window on the screen.
        if (g.x >= Screen.virtualX && g.y >= Screen.virtualY
                && g.x + w <= Screen.virtualX + Screen.desktopAvailableWidth
                && g.y + h <= Screen.virtualY + Screen.desktopAvailableHeight) {
            x = g.x
            y = g.y
        }
    }
    // Saved a moment after the last move or resize (not on every pixel).
    Timer {
        id: saveGeometry
        interval: 500
        onTriggered: if (window.visibility === Window.Windowed) prefs.windowGeometry = [window.x, window.y, window.width, window.height]
    }
    onXChanged: saveGeometry.restart()
    onYChanged: saveGeometry.restart()
    onWidthChanged: saveGeometry.restart()
    onHeightChanged: saveGeometry.restart()

    Binding {
        target: window.chatClient
        property: "windowActive"
        value: window.active
    }

    Notifier {
        id: notifier
        window: window
    }

    Connections {
        target: window.chatClient
        function onAttentionNeeded(title: string, text: string) {
            notifier.notify(title, text)
        }
        // Leaving the server (or a failure before any welcome) ends on the start screen.
        function onStateChanged() {
            if (window.chatClient.state === ChatClient.Offline && stack.depth > 1)
                stack.pop()
        }
    }

    // Quitting ends the chat for everyone when hosting, and unsent messages wait for the next
    // run: both are said before the window closes.
    property bool quitConfirmed: false
    onClosing: close => {
        if (quitConfirmed || (!hostController.running && chatClient.outboxSize === 0))
            return
        close.accepted = false
        quitDialog.open()
    }

    Shortcut {
        sequence: "Ctrl+Q"
        context: Qt.ApplicationShortcut
        onActivated: window.close()
    }

    Dialog {
        id: quitDialog
        objectName: "quitDialog"
        title: qsTr("Quit Confab?")
        anchors.centerIn: parent
        width: Math.min(window.width - 40, 440)
        modal: true
        // Flat, like every popup: Material's elevation is a ShaderEffect, which the software
        // renderer does not draw (the dialog's middle was see-through).
        Material.elevation: 0
        background: PopupBackground {}
        Label {
            width: parent.width
            wrapMode: Text.WordWrap
            text: (window.hostController.running ? qsTr("You are hosting this chat: quitting ends it for everyone.") + "\n" : "")
                  + (window.chatClient.outboxSize === 1 ? qsTr("1 message is waiting: it will be sent the next time you connect to this server.")
                     : window.chatClient.outboxSize > 1 ? qsTr("%1 messages are waiting: they will be sent the next time you connect to this server.").arg(window.chatClient.outboxSize)
                     : "")
        }
        standardButtons: Dialog.Ok | Dialog.Cancel
        footer: AppDialogButtons {}
        Component.onCompleted: standardButton(Dialog.Ok).text = qsTr("Quit")
        onAccepted: {
            window.quitConfirmed = true
            window.close()
        }
    }

    StackView {
        id: stack
        anchors.fill: parent
        initialItem: startPage
    }

    StartPage {
        id: startPage
        visible: false // shown by the StackView
        client: window.chatClient
        host: window.hostController
        initialNick: window.initialNick
        initialPort: window.initialPort
        initialPassword: window.initialPassword
        onEntered: stack.push(chatPage)
    }

    Component {
        id: chatPage
        ChatPage {
            client: window.chatClient
            host: window.hostController
            onDarkThemeRequested: dark => {
                prefs.theme = dark ? "dark" : "light"
                window.applyTheme()
            }
        }
    }

    Component.onCompleted: {
        restoreGeometry()
        applyTheme()
        if (autoHost)
            startPage.hostNow()
        else if (autoJoin.length > 0)
            startPage.joinNow(autoJoin)
    }
}
