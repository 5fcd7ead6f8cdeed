// The chat page's layout: drawn the same by Qt Quick's software renderer (the header bar and
// the buttons were not drawn there: white title on white); in a narrow window search has a field
// and the members are reachable; the connection banner overlays the conversation instead of
// pushing it down.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtTest
import Confab.Client
import Confab.Ui

TestCase {
    id: test
    name: "Layout"
    width: 1000
    height: 700
    visible: true
    when: windowShown

    ChatClient {
        id: client
        token: "qml-layout-user-0123456789"
    }
    ChatClient {
        id: offline
    }
    HostController {
        id: idleHost
        dataDir: testDataDir + "/layout-idle"
        announce: false
    }
    Component {
        id: chatComponent
        ChatPage {
            width: 1000
            height: 700
        }
    }

    function online() {
        if (client.state !== ChatClient.Online) {
            client.connectTo("127.0.0.1:" + testPort, "layout")
            tryCompare(client, "state", ChatClient.Online, 5000)
            tryCompare(client, "currentRoom", "general", 5000)
        }
    }

    function distance(a, b) {
        return Math.abs(a.r - b.r) + Math.abs(a.g - b.g) + Math.abs(a.b - b.b)
    }

    function test_1_headerAndButtonsAreDrawnBySoftwareRenderer() {
        compare(GraphicsInfo.api, GraphicsInfo.Software, "these tests run on the software renderer")
        online()
        const page = createTemporaryObject(chatComponent, test, {client: client, host: idleHost})
        waitForRendering(page)
        const header = findChild(page, "headerBar")
        const shot = grabImage(page)
        const barPixel = shot.pixel(header.width / 2, 4)
        verify(distance(barPixel, page.Material.toolBarColor) < 0.05,
               "the header bar is drawn in the toolbar's colour, not " + barPixel)
        verify(distance(barPixel, page.Material.backgroundColor) > 0.3, "and not the page's")

        const input = findChild(page, "input")
        input.text = "ready"
        const send = findChild(page, "sendButton")
        waitForRendering(page)
        const p = send.mapToItem(page, send.width / 2, send.height - 9)
        const buttonPixel = grabImage(page).pixel(p.x, p.y)
        verify(distance(buttonPixel, page.Material.accentColor) < 0.1,
               "the Send button's background is drawn, not " + buttonPixel)
        input.text = ""
    }

    // Issue 21 (app bug 4): a long topic was cut in the header and could be read nowhere whole.
    function test_1b_aLongTopicCanBeReadWhole() {
        online()
        const topic = "Sprint 14: " + "everything we agreed on, written out at length, ".repeat(4) + "the end"
        client.setTopic(topic)
        tryCompare(client, "currentTopic", topic, 5000)
        const page = createTemporaryObject(chatComponent, test, {client: client, host: idleHost})
        const label = findChild(page, "headerTopic")
        tryVerify(() => label.truncated, 2000, "the header cuts it")
        mouseMove(label, 20, label.height / 2)
        const tip = findChild(page, "topicTip")
        tryVerify(() => tip.visible, 3000, "hovering shows it")
        compare(tip.contentItem.text, topic)
        verify(tip.width <= 480 && tip.contentItem.lineCount > 1, "whole, wrapped")
        client.setTopic("layout tests")
        tryCompare(client, "currentTopic", "layout tests", 5000)
    }

    function test_2_narrowWindowHasSearchFieldAndMembers() {
        online()
        const page = createTemporaryObject(chatComponent, test, {client: client, host: idleHost, width: 600})
        verify(page.narrow)
        page.forceActiveFocus()
        keyClick(Qt.Key_F, Qt.ControlModifier)
        const popup = findChild(page, "searchPopup")
        const field = findChild(page, "searchField")
        tryVerify(() => popup.opened, 2000, "Ctrl+F opened search")
        verify(field.visible && field.width > 100, "with a search field")
        tryVerify(() => field.activeFocus, 2000, "that has focus")
        keyClick(Qt.Key_Escape)
        tryVerify(() => !popup.visible, 2000)

        const button = findChild(page, "membersButton")
        verify(button.visible, "the members are reachable from the header")
        mouseClick(button)
        const drawer = findChild(page, "membersDrawer")
        tryVerify(() => drawer.position === 1, 3000, "the member drawer opened")
        drawer.close()
        tryVerify(() => drawer.position === 0, 3000)
    }

    function test_3_bannerOverlaysTheConversation() {
        const page = createTemporaryObject(chatComponent, test, {client: offline, host: idleHost})
        const banner = findChild(page, "banner")
        const list = findChild(page, "messageList")
        verify(banner.visible, "offline: the banner is shown")
        const top = list.mapToItem(page.contentItem, 0, 0).y
        compare(top, 0, "the conversation is not pushed down")
    }
}
