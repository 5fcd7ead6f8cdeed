// Host or join: the two clicks between launching Confab and chatting.
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
    property string initialNick: ""
    property int initialPort: 7300
    property string initialPassword: ""

    signal entered()

    function nickOrDefault() {
        return nickField.text.trim().length > 0 ? nickField.text.trim() : ""
    }

    // Waiting for the server's welcome: the chat opens only once it came, and a failure is
    // shown here, on the start screen.
    property bool waiting: false

    function hostNow() {
        if (page.waiting)
            return // Enter again while the first attempt is under way
        prefs.nick = nickField.text
        page.waiting = true
        host.start(Number(portField.text), hostPassword.text, qsTr("%1's Confab").arg(nickOrDefault() || qsTr("Someone")))
    }

    function joinNow(address) {
        if (page.waiting)
            return
        prefs.nick = nickField.text
        // Whatever started it (a recent server, a discovered host, --join): the address stays
        // in the field, to be corrected if it fails.
        addressField.text = address
        tabs.currentIndex = 1
        page.waiting = true
        if (!client.connectTo(address, nickOrDefault(), joinPassword.text))
            page.waiting = false // not an address: the status line below says why
    }

    Connections {
        target: page.host
        function onRunningChanged() {
            if (page.waiting && page.host.running)
                page.client.connectTo(page.host.localAddress, page.nickOrDefault(), hostPassword.text, false, page.host.opPassword)
        }
        function onErrorChanged() {
            if (page.host.error.length > 0)
                page.waiting = false
        }
    }

    Connections {
        target: page.client
        function onStateChanged() {
            if (!page.waiting)
                return
            if (page.client.state === ChatClient.Online) {
                page.waiting = false
                page.entered()
            } else if (page.client.state === ChatClient.Failed || page.client.state === ChatClient.Offline) {
                page.waiting = false
            }
        }
    }

    // Enter in the nick field does what the open tab is for.
    function defaultAction() {
        if (tabs.currentIndex === 0)
            hostNow()
        else if (addressField.text.trim().length > 0)
            joinNow(addressField.text.trim())
        else
            addressField.forceActiveFocus()
    }

    Preferences {
        id: prefs
    }

    Component.onCompleted: nickField.forceActiveFocus()

    LanDiscovery {
        id: discovery
        Component.onCompleted: listen()
    }

    background: Rectangle {
        color: Material.background
    }

    ScrollView {
        anchors.fill: parent
        contentWidth: availableWidth

        ColumnLayout {
            width: Math.min(parent.width - 48, 460)
            x: (parent.width - width) / 2
            spacing: 16

            Item { Layout.preferredHeight: 40 }

            Label {
                text: qsTr("Confab")
                font.pixelSize: 40
                font.weight: Font.DemiBold
                Layout.alignment: Qt.AlignHCenter
            }
            Label {
                text: qsTr("Chat for your team, class or LAN party")
                opacity: 0.7
                Layout.alignment: Qt.AlignHCenter
            }

            TextField {
                id: nickField
                Layout.fillWidth: true
                placeholderText: qsTr("Your nick")
                objectName: "nickField"
                focus: true
                text: page.initialNick.length > 0 ? page.initialNick : prefs.nick
                maximumLength: 32
                onAccepted: page.defaultAction()
            }

            // What is under way or went wrong, with a way to stop waiting. Its place is kept
            // (two lines) whether it says something or not: nothing below it moves under the
            // mouse when it does.
            RowLayout {
                Layout.fillWidth: true
                Layout.preferredHeight: statusMetrics.height * 2 + 4
                Label {
                    objectName: "connectStatus"
                    readonly property bool shown: page.waiting || page.client.state === ChatClient.Failed
                    visible: true
                    // Idle, it says what to do (its place is kept anyway).
                    text: shown ? page.client.statusText : qsTr("Pick a nick, then host a chat here or join one.")
                    opacity: shown ? 1 : 0.6
                    color: page.client.state === ChatClient.Failed ? Material.color(Material.Red) : Material.foreground
                    wrapMode: Text.WordWrap
                    maximumLineCount: 2
                    elide: Text.ElideRight
                    Layout.fillWidth: true
                    ToolTip.visible: truncated && statusHover.hovered
                    ToolTip.text: text
                    HoverHandler { id: statusHover }
                    FontMetrics { id: statusMetrics }
                }
                AppButton {
                    id: cancelButton
                    objectName: "cancelConnect"
                    text: qsTr("Cancel")
                    flat: true
                    visible: page.waiting
                    Layout.maximumHeight: statusMetrics.height * 2 + 4
                    onClicked: {
                        page.waiting = false
                        page.client.leaveServer()
                    }
                }
            }

            TabBar {
                id: tabs
                objectName: "tabs"
                Layout.fillWidth: true
                Material.elevation: 0 // its shadow is a ShaderEffect: no software rendering
                AppTabButton { text: qsTr("Host") }
                AppTabButton { text: qsTr("Join") }
            }

            StackLayout {
                currentIndex: tabs.currentIndex
                Layout.fillWidth: true

                ColumnLayout {
                    spacing: 12
                    Label {
                        Layout.fillWidth: true
                        wrapMode: Text.WordWrap
                        opacity: 0.8
                        text: qsTr("Start a chat server on this computer. Others on your network join with the address shown next.")
                    }
                    RowLayout {
                        Layout.fillWidth: true
                        spacing: 12
                        TextField {
                            id: portField
                            objectName: "portField"
                            Layout.preferredWidth: 110
                            placeholderText: qsTr("Port")
                            text: String(page.initialPort)
                            validator: IntValidator { bottom: 0; top: 65535 }
                            onAccepted: page.hostNow()
                        }
                        TextField {
                            id: hostPassword
                            Layout.fillWidth: true
                            placeholderText: qsTr("Password (optional)")
                            echoMode: TextInput.Password
                            text: page.initialPassword
                            onAccepted: page.hostNow()
                        }
                    }
                    Label {
                        visible: text.length > 0
                        text: page.host ? page.host.error : ""
                        color: Material.color(Material.Red)
                        wrapMode: Text.WordWrap
                        Layout.fillWidth: true
                    }
                    AppButton {
                        objectName: "hostButton"
                        text: qsTr("Start hosting")
                        highlighted: true
                        enabled: !page.waiting
                        Layout.fillWidth: true
                        onClicked: page.hostNow()
                    }
                }

                ColumnLayout {
                    spacing: 12
                    TextField {
                        id: addressField
                        objectName: "addressField"
                        Layout.fillWidth: true
                        placeholderText: qsTr("Address, e.g. 192.168.1.20 or chat.example.org:7300")
                        onAccepted: if (joinButton.enabled) joinButton.clicked()
                    }
                    TextField {
                        id: joinPassword
                        Layout.fillWidth: true
                        placeholderText: qsTr("Password (if the host set one)")
                        echoMode: TextInput.Password
                        text: page.initialPassword
                        onAccepted: if (joinButton.enabled) joinButton.clicked()
                    }
                    AppButton {
                        id: joinButton
                        objectName: "joinButton"
                        text: qsTr("Join")
                        highlighted: true
                        enabled: addressField.text.trim().length > 0 && !page.waiting
                        Layout.fillWidth: true
                        onClicked: page.joinNow(addressField.text.trim())
                    }
                    Label {
                        text: discovery.count > 0 ? qsTr("On your network") : qsTr("Looking for hosts on your network…")
                        opacity: 0.7
                    }
                    Repeater {
                        model: discovery
                        delegate: AppItemDelegate {
                            required property string name
                            required property string address
                            required property bool password
                            Layout.fillWidth: true
                            text: name + (password ? "  🔒" : "")
                            ToolTip.visible: hovered
                            ToolTip.text: address
                            onClicked: {
                                addressField.text = address
                                if (!password || joinPassword.text.length > 0)
                                    page.joinNow(address)
                                else
                                    joinPassword.forceActiveFocus()
                            }
                        }
                    }
                    Label {
                        visible: recentList.count > 0
                        text: qsTr("Recent servers")
                        opacity: 0.7
                    }
                    Repeater {
                        id: recentList
                        model: prefs.recentServers
                        delegate: AppItemDelegate {
                            required property string modelData
                            Layout.fillWidth: true
                            text: modelData
                            onClicked: page.joinNow(modelData)
                        }
                    }
                }
            }
            Item { Layout.preferredHeight: 24 }
        }
    }
}
