// Material's ripple (the wave a control draws when pressed) is not drawn right by Qt Quick's
// software renderer, which the app picks without a GPU: after a click on a room, a tab or a
// menu item, a grey disc about 230 px wide stayed over the window's top-left corner until that
// area was drawn again (issue 21). The app's controls draw their own backgrounds, without a
// ripple: none is anywhere in the start page or the chat page, their menus and dialogs.
import QtQuick
import QtQuick.Controls
import QtTest
import Confab.Client
import Confab.Ui

TestCase {
    id: test
    name: "NoRipple"
    width: 1000
    height: 700
    visible: true
    when: windowShown

    ChatClient {
        id: client
        token: "qml-noripple-user-0123456789"
    }
    HostController {
        id: host
        dataDir: testDataDir + "/noripple"
        announce: false
    }
    Component {
        id: chatComponent
        ChatPage {
            width: 1000
            height: 700
        }
    }
    Component {
        id: startComponent
        StartPage {
            width: 1000
            height: 700
        }
    }

    function test_noRippleInTheStartPage() {
        const page = createTemporaryObject(startComponent, test, {client: client, host: host})
        verify(page !== null)
        const ripples = inspector.find(page, "QQuickMaterialRipple")
        compare(ripples.length, 0, "ripples in: " + ripples.join("; "))
    }

    function test_noRippleInTheChatPage() {
        client.connectTo("127.0.0.1:" + testPort, "noripple")
        tryCompare(client, "state", ChatClient.Online, 5000)
        tryCompare(client, "currentRoom", "general", 5000)
        const page = createTemporaryObject(chatComponent, test, {client: client, host: host})
        verify(page !== null)
        waitForRendering(page)
        const ripples = inspector.find(page, "QQuickMaterialRipple")
        compare(ripples.length, 0, "ripples in: " + ripples.join("; "))
    }
}
