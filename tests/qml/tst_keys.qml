// Focus and keys, as a person uses them: the start page's nick field has focus and Enter hosts;
// the chat opens with the message field focused; Tab leaves the message field; the topic dialog
// opens focused, Enter confirms, Esc cancels and a stray space changes nothing; search results
// are picked with the arrows and Enter and open the room at that message, highlighted.
import QtQuick
import QtTest
import Confab.Client
import Confab.Ui

TestCase {
    id: test
    name: "Keys"
    width: 1000
    height: 700
    visible: true
    when: windowShown

    ChatClient {
        id: client
        token: "qml-keys-user-0123456789"
    }
    ChatClient {
        id: hostClient
        token: "qml-keys-host-0123456789"
    }
    ChatClient {
        id: other
        token: "qml-keys-other-0123456789"
    }
    HostController {
        id: idleHost
        dataDir: testDataDir + "/keys-idle"
        announce: false
    }

    Component {
        id: hostComponent
        HostController {
            dataDir: testDataDir + "/keys-host"
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
    Component {
        id: chatComponent
        ChatPage {
            width: 1000
            height: 700
        }
    }
    SignalSpy {
        id: entered
        signalName: "entered"
    }

    function online() {
        if (client.state !== ChatClient.Online) {
            client.connectTo("127.0.0.1:" + testPort, "keys")
            tryCompare(client, "state", ChatClient.Online, 5000)
            tryCompare(client, "currentRoom", "general", 5000)
        }
    }

    function test_1_startPageNickFocusedAndEnterHosts() {
        const host = createTemporaryObject(hostComponent, test)
        const page = createTemporaryObject(startComponent, test, {client: hostClient, host: host})
        entered.target = page
        entered.clear()
        const nick = findChild(page, "nickField")
        tryVerify(() => nick.activeFocus, 2000, "the nick field has focus at start")
        findChild(page, "portField").text = "0"
        nick.text = ""
        keyClick(Qt.Key_S)
        keyClick(Qt.Key_A)
        keyClick(Qt.Key_M)
        compare(nick.text, "sam")
        keyClick(Qt.Key_Return)
        // The chat opens once the embedded server listens and has welcomed the client.
        tryCompare(entered, "count", 1, 5000, "Enter in the nick field hosted")
        verify(host.running)
        compare(hostClient.state, ChatClient.Online)
        compare(hostClient.nick, "sam")
        hostClient.disconnectFromServer()
        host.stop()
    }

    function test_2_chatOpensWithTheMessageFieldFocused_tabMovesOn() {
        online()
        const page = createTemporaryObject(chatComponent, test, {client: client, host: idleHost})
        const input = findChild(page, "input")
        tryVerify(() => input.activeFocus, 2000, "the message field has focus")
        input.text = "draft"
        input.cursorPosition = 5
        keyClick(Qt.Key_Tab)
        compare(input.text, "draft", "Tab inserted nothing")
        verify(!input.activeFocus, "Tab moved the focus on")
        input.text = ""
    }

    function test_3_topicDialogKeys() {
        online()
        const page = createTemporaryObject(chatComponent, test, {client: client, host: idleHost})
        const dialog = findChild(page, "topicDialog")
        const field = findChild(page, "topicField")
        const start = client.currentTopic
        const notices = client.messages.count

        dialog.open()
        tryVerify(() => dialog.opened && field.activeFocus, 2000, "opens with the field focused")
        keyClick(Qt.Key_Space) // goes into the field, never to a button
        verify(dialog.opened, "a space did not press a button")
        keyClick(Qt.Key_Escape)
        tryVerify(() => !dialog.visible, 2000, "Esc closed the dialog")
        wait(300)
        compare(client.currentTopic, start, "Esc changed nothing")
        compare(client.messages.count, notices, "no topic notice")

        // Opened and confirmed unchanged: nothing is sent.
        dialog.open()
        tryVerify(() => field.activeFocus, 2000)
        keyClick(Qt.Key_Return)
        tryVerify(() => !dialog.visible, 2000, "Enter confirmed")
        wait(300)
        compare(client.messages.count, notices, "an unchanged topic is not sent")

        dialog.open()
        tryVerify(() => field.activeFocus, 2000)
        field.text = "Keys and focus " + Date.now()
        const wanted = field.text
        keyClick(Qt.Key_Return)
        tryVerify(() => !dialog.visible, 2000)
        tryCompare(client, "currentTopic", wanted, 5000)
    }

    function test_4_searchWithArrowsAndEnterOpensTheMessage() {
        online()
        if (other.state !== ChatClient.Online) {
            other.connectTo("127.0.0.1:" + testPort, "other")
            tryCompare(other, "state", ChatClient.Online, 5000)
        }
        other.joinRoom("searchroom")
        tryCompare(other, "currentRoom", "searchroom", 5000)
        other.sendMessage("zebra one")
        for (let i = 0; i < 80; ++i)
            other.sendMessage("filler " + i)
        other.sendMessage("zebra two")
        tryVerify(() => other.outboxSize === 0, 10000)
        client.joinRoom("searchroom")
        tryCompare(client, "currentRoom", "searchroom", 5000)
        client.currentRoom = "general"

        const page = createTemporaryObject(chatComponent, test, {client: client, host: idleHost})
        const popup = findChild(page, "searchPopup")
        const field = findChild(page, "searchField")
        page.openSearch()
        tryVerify(() => popup.opened && field.activeFocus, 2000, "the search field has focus")
        field.text = "zebra"
        keyClick(Qt.Key_Return)
        tryVerify(() => client.searchResults.count === 2, 5000)
        const results = findChild(page, "searchResults")
        compare(results.currentIndex, 0)
        keyClick(Qt.Key_Down)
        compare(results.currentIndex, 1)
        keyClick(Qt.Key_Up)
        compare(results.currentIndex, 0)
        const first = client.searchResults.get(0)
        const target = client.searchResults.get(1)
        keyClick(Qt.Key_Down)
        keyClick(Qt.Key_Return)
        tryVerify(() => !popup.visible, 2000, "Enter picked the result")
        compare(client.currentRoom, target.room)
        const list = findChild(page, "messageList")
        tryVerify(() => list.highlightSeq === target.seq, 5000, "the message is highlighted")
        const row = client.messages.rowOfSeq(target.seq)
        verify(row >= 0, "the message was loaded")
        const item = list.itemAtIndex(row)
        verify(item !== null && item.highlighted)
        verify(item.y + item.height > list.contentY && item.y < list.contentY + list.height,
               "the message is in view")
        verify(first.seq !== target.seq)

        // Esc closes the popup while its field has focus.
        page.openSearch()
        tryVerify(() => field.activeFocus, 2000)
        keyClick(Qt.Key_Escape)
        tryVerify(() => !popup.visible, 2000, "Esc closed the search")
    }

    function test_5_atCompletesMembers() {
        online()
        if (other.state !== ChatClient.Online) {
            other.connectTo("127.0.0.1:" + testPort, "other")
            tryCompare(other, "state", ChatClient.Online, 5000)
        }
        client.currentRoom = "general"
        tryVerify(() => client.members.nicksStartingWith("oth").length === 1, 5000)
        const page = createTemporaryObject(chatComponent, test, {client: client, host: idleHost})
        const input = findChild(page, "input")
        const completion = findChild(page, "completion")
        tryVerify(() => input.activeFocus, 2000)
        input.text = ""
        keyClick(Qt.Key_H)
        keyClick(Qt.Key_I)
        keyClick(Qt.Key_Space)
        keyClick(Qt.Key_At, Qt.ShiftModifier)
        keyClick(Qt.Key_O)
        tryVerify(() => completion.opened, 2000, "@ offered the members")
        compare(completion.nicks, ["other"])
        keyClick(Qt.Key_Tab)
        compare(input.text, "hi @other ", "Tab completed the nick")
        verify(!completion.opened)
        verify(input.activeFocus, "and the focus stayed in the field")
        input.text = ""
    }
}
