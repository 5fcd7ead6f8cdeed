// Where the reader left off, against a real server: coming back to a room draws the "new
// messages" line above the first message that came while away (and nowhere else); the room
// list counts mentions of the reader apart from the unread count, and a room can be muted from
// its own menu in the list and from the header menu.
import QtQuick
import QtTest
import Confab.Client
import Confab.Ui

TestCase {
    id: test
    name: "Unread"
    width: 1000
    height: 700
    visible: true
    when: windowShown

    ChatClient {
        id: writer
        token: "qml-unread-writer-0123456789"
    }
    ChatClient {
        id: reader
        token: "qml-unread-reader-0123456789"
        windowActive: true // what is shown is read, as in a focused window
    }
    HostController {
        id: idleHost
        dataDir: testDataDir + "/unread-idle"
        announce: false
    }

    Component {
        id: listComponent
        MessageList {
            width: 600
            height: 650
        }
    }
    Component {
        id: roomsComponent
        RoomList {
            width: 260
            height: 650
        }
    }
    Component {
        id: chatComponent
        ChatPage {
            width: 1000
            height: 700
        }
    }

    function connectBoth() {
        if (writer.state !== ChatClient.Online) {
            writer.connectTo("127.0.0.1:" + testPort, "scribe")
            tryCompare(writer, "state", ChatClient.Online, 5000)
        }
        if (reader.state !== ChatClient.Online) {
            reader.connectTo("127.0.0.1:" + testPort, "reader")
            tryCompare(reader, "state", ChatClient.Online, 5000)
        }
    }

    function send(room, texts) {
        writer.currentRoom = room
        for (const text of texts)
            writer.sendMessage(text)
        tryVerify(() => writer.outboxSize === 0, 5000, "the writer's messages were delivered")
    }

    // Both in a room of their own; the reader reads what is there, then looks elsewhere.
    function enterRoom(room) {
        writer.joinRoom(room)
        tryCompare(writer, "currentRoom", room, 5000)
        reader.joinRoom(room)
        tryCompare(reader, "currentRoom", room, 5000)
    }

    function delegates(list) {
        const items = []
        for (let i = 0; i < list.count; ++i) {
            const item = list.itemAtIndex(i)
            if (item)
                items.push(item)
        }
        return items
    }

    function test_1_newMessagesLineAboveTheFirstUnread() {
        connectBoth()
        enterRoom("news")
        send("news", ["before 1", "before 2", "before 3"])
        tryVerify(() => reader.messages.count >= 3, 5000)
        reader.currentRoom = "general"
        send("news", ["after 1", "after 2"])
        tryVerify(() => reader.rooms.count > 0 && unreadOf("news") === 2, 5000, "two unread in news")

        reader.currentRoom = "news"
        const list = createTemporaryObject(listComponent, test, {client: reader})
        tryVerify(() => delegates(list).some(d => d.text === "after 2"), 5000)
        const items = delegates(list)
        const withLine = items.filter(d => findChild(d, "newMessagesLine") !== null && findChild(d, "newMessagesLine").visible)
        compare(withLine.length, 1, "one line")
        compare(withLine[0].text, "after 1", "above the first message that came while away")
        // Below the line who wrote it is said again, even when the same person wrote above.
        verify(findChild(withLine[0], "header").visible)
        // The line is drawn above the message: its place is between the two rows.
        const line = findChild(withLine[0], "newMessagesLine")
        const body = findChild(withLine[0], "body")
        verify(line.mapToItem(list.contentItem, 0, 0).y < body.mapToItem(list.contentItem, 0, 0).y)
        const before = items.find(d => d.text === "before 3")
        verify(before.y + before.height <= withLine[0].y + line.y + line.height)
    }

    function unreadOf(room) {
        const rooms = reader.rooms
        for (let i = 0; i < rooms.count; ++i) {
            const index = rooms.index(i, 0)
            if (rooms.data(index, RoomListModel.NameRole) === room)
                return rooms.data(index, RoomListModel.UnreadRole)
        }
        return -1
    }

    function roomDelegate(pane, room) {
        return findChild(pane, "room-" + room)
    }

    function test_2_mentionsAreCountedInTheRoomList() {
        connectBoth()
        enterRoom("mentions")
        reader.currentRoom = "general"
        const pane = createTemporaryObject(roomsComponent, test, {client: reader, host: idleHost})
        send("mentions", ["just talk", "reader: are you there?", "and @reader again"])
        tryVerify(() => unreadOf("mentions") === 3, 5000)
        const item = roomDelegate(pane, "mentions")
        verify(item)
        const badge = findChild(item, "mentionBadge")
        tryVerify(() => badge.visible, 2000, "a mention badge")
        compare(findChild(item, "mentionCount").text, "@2")
        compare(findChild(item, "unreadCount").text, "3")
        // Reading the room clears both.
        reader.currentRoom = "mentions"
        tryVerify(() => !badge.visible && !findChild(item, "unreadBadge").visible, 5000)
    }

    function test_3_aRoomIsMutedFromItsMenuAndFromTheHeader() {
        connectBoth()
        enterRoom("quiet")
        reader.setMuted("quiet", false)
        const page = createTemporaryObject(chatComponent, test, {client: reader, host: idleHost})
        tryVerify(() => roomDelegate(page, "quiet") !== null, 3000)
        const item = roomDelegate(page, "quiet")
        const mark = findChild(item, "mutedMark")
        verify(!mark.visible)
        mouseClick(item, item.width / 2, item.height / 2, Qt.RightButton)
        const mute = findChild(item, "roomMute")
        tryVerify(() => mute.visible, 2000, "the room's menu is open")
        compare(mute.text, "Mute notifications")
        mouseClick(mute)
        tryVerify(() => mark.visible, 2000, "marked muted in the list")
        verify(reader.currentMuted)

        // The header menu shows it and takes it back.
        mouseClick(findChild(page, "menuButton"))
        const headerMute = findChild(page, "muteRoom")
        tryVerify(() => headerMute.visible, 2000)
        verify(headerMute.checked)
        mouseClick(headerMute)
        tryVerify(() => !mark.visible, 2000)
        verify(!reader.currentMuted)

        // A muted room does not ask for attention: mentions there stay in the list only.
        reader.setMuted("quiet", true)
        reader.currentRoom = "general"
        attention.clear()
        send("quiet", ["reader, a quiet word"])
        tryVerify(() => unreadOf("quiet") === 1, 5000)
        wait(100)
        compare(attention.count, 0)
        reader.setMuted("quiet", false)
    }

    HostController {
        id: runningHost
        dataDir: testDataDir + "/unread-host"
        bindAddress: "127.0.0.1"
        announce: false
    }
    ChatClient {
        id: hostClient
        token: "qml-unread-host-0123456789"
    }

    // Hosting in a short window: the hosting box (addresses, links, QR code) must not squeeze
    // the rooms away (seen at 600 px: no room but the first was visible).
    function test_4_hostingLeavesRoomForTheRooms() {
        runningHost.start(0, "", "Short window")
        tryVerify(() => runningHost.running, 5000, "the host listens")
        hostClient.connectTo(runningHost.localAddress, "short")
        tryCompare(hostClient, "state", ChatClient.Online, 5000)
        hostClient.joinRoom("second")
        hostClient.joinRoom("third")
        tryVerify(() => hostClient.rooms.count === 3, 5000)
        const pane = createTemporaryObject(roomsComponent, test, {client: hostClient, host: runningHost, height: 560})
        const view = findChild(pane, "roomsView")
        tryVerify(() => roomDelegate(pane, "third") !== null, 2000,
                  "the last room has a delegate in view (" + view.height + " px for " + view.contentHeight + ")")
        const third = roomDelegate(pane, "third")
        verify(view.height >= third.y + third.height, "every room is in view: " + view.height + " < " + (third.y + third.height))
        hostClient.disconnectFromServer()
        pane.destroy()
        wait(0)
        runningHost.stop()
        tryVerify(() => !runningHost.running, 5000)
    }

    SignalSpy {
        id: attention
        target: reader
        signalName: "attentionNeeded"
    }
}
