// The start page hosts with one click, and the composer sends with Enter: the message comes
// back from the server into the client's model.
import QtQuick
import QtTest
import Confab.Client
import Confab.Ui

TestCase {
    id: test
    name: "ChatFlow"
    width: 1000
    height: 700
    visible: true
    when: windowShown

    ChatClient {
        id: chatClient
        token: "qml-test-token-0123456789"
    }

    Component {
        id: composerComponent
        Composer {
            width: 600
            client: chatClient
        }
    }

    Component {
        id: hostComponent
        HostController {
            dataDir: testDataDir
            bindAddress: "127.0.0.1"
            announce: false
        }
    }

    Component {
        id: startComponent
        StartPage {
            width: 800
            height: 600
        }
    }

    SignalSpy {
        id: entered
        signalName: "entered"
    }

    function test_1_composerSendsWithEnter() {
        chatClient.connectTo("127.0.0.1:" + testPort, "qml")
        tryCompare(chatClient, "state", ChatClient.Online, 5000)
        tryCompare(chatClient, "currentRoom", "general", 5000)
        const composer = createTemporaryObject(composerComponent, test)
        const input = findChild(composer, "input")
        input.forceActiveFocus()
        input.text = "typed in QML"
        keyClick(Qt.Key_Return)
        compare(input.text, "")
        tryVerify(() => chatClient.messages.count === 1 && chatClient.outboxSize === 0, 5000)
        chatClient.disconnectFromServer()
    }

    function test_2_startPageHostsWithOneClick() {
        const host = createTemporaryObject(hostComponent, test)
        const hostClient = chatClient
        const page = createTemporaryObject(startComponent, test, {client: hostClient, host: host})
        entered.target = page
        findChild(page, "portField").text = "0"
        mouseClick(findChild(page, "hostButton"))
        // The chat opens once the embedded server listens and has welcomed the client.
        tryCompare(entered, "count", 1, 5000)
        verify(host.running)
        tryCompare(hostClient, "state", ChatClient.Online, 5000)
        verify(hostClient.address.indexOf(":" + host.port + "/ws") > 0)
        host.stop()
    }

    // A join that cannot work says why on the start page and stays there.
    function test_3_aFailedJoinStaysOnTheStartPage() {
        const host = createTemporaryObject(hostComponent, test)
        const page = createTemporaryObject(startComponent, test, {client: chatClient, host: host})
        entered.target = page
        entered.clear()
        page.joinNow("127.0.0.1:1")
        tryCompare(chatClient, "state", ChatClient.Failed, 5000)
        const status = findChild(page, "connectStatus")
        verify(status.visible)
        verify(status.text.indexOf("refused") >= 0, status.text)
        wait(300)
        compare(entered.count, 0)
        compare(chatClient.state, ChatClient.Failed)
    }

    // Issue 21 (app bug 4): a join under way could not be stopped, and the status line pushed
    // everything below it down when it appeared.
    function test_4_aJoinUnderWayCanBeCancelledAndMovesNothing() {
        const host = createTemporaryObject(hostComponent, test)
        const page = createTemporaryObject(startComponent, test, {client: chatClient, host: host})
        entered.target = page
        entered.clear()
        const tabs = findChild(page, "tabs")
        const tabsY = tabs.mapToItem(page, 0, 0).y
        page.joinNow("192.0.2.1:7300") // TEST-NET: nothing answers, the attempt waits
        tryCompare(chatClient, "state", ChatClient.Connecting, 3000)
        const cancel = findChild(page, "cancelConnect")
        tryVerify(() => cancel.visible)
        compare(tabs.mapToItem(page, 0, 0).y, tabsY, "the status line takes no new room")
        mouseClick(cancel)
        tryVerify(() => !page.waiting && !cancel.visible)
        verify(chatClient.state !== ChatClient.Connecting, "the attempt stopped")
        verify(findChild(page, "joinButton").enabled, "and Join can be pressed again")
        compare(entered.count, 0)
    }
}
