// Scrolling a conversation against a real server: wheeling up loads every older page as the
// top comes near, without the view jumping, down to the first message; a room opens at its
// newest message and stays there through room switches and resizes, with long wrapped lines.
import QtQuick
import QtTest
import Confab.Client
import Confab.Ui

TestCase {
    id: test
    name: "Scrolling"
    width: 700
    height: 500
    visible: true
    when: windowShown

    ChatClient {
        id: writer
        token: "qml-scroll-writer-0123456789"
    }
    ChatClient {
        id: reader
        token: "qml-scroll-reader-0123456789"
    }

    // What was at the top of the view the moment a page of history came in.
    property var watchedList: null
    property string topBeforeInsert: ""
    property int inserts: 0
    Connections {
        id: insertWatch
        target: null
        function onRowsAboutToBeInserted() {
            test.topBeforeInsert = test.topText(test.watchedList)
        }
        function onRowsInserted() {
            ++test.inserts
        }
    }

    Component {
        id: listComponent
        MessageList {
            width: 500
            height: 360
        }
    }

    function connectBoth() {
        if (writer.state !== ChatClient.Online) {
            writer.connectTo("127.0.0.1:" + testPort, "writer")
            tryCompare(writer, "state", ChatClient.Online, 5000)
        }
        if (reader.state !== ChatClient.Online) {
            reader.connectTo("127.0.0.1:" + testPort, "reader")
            tryCompare(reader, "state", ChatClient.Online, 5000)
        }
    }

    // The writer fills a room; the reader joins it afterwards (its join brings the last page).
    function fill(room, count, textOf) {
        writer.joinRoom(room)
        tryCompare(writer, "currentRoom", room, 5000)
        for (let i = 1; i <= count; ++i)
            writer.sendMessage(textOf(i))
        tryVerify(() => writer.outboxSize === 0, 20000, "the writer's messages were delivered")
        reader.joinRoom(room)
        tryCompare(reader, "currentRoom", room, 5000)
        tryVerify(() => reader.messages.count > 0, 5000)
    }

    function topText(list) {
        const row = list.indexAt(10, list.contentY + list.topMargin + 2)
        const item = row >= 0 ? list.itemAtIndex(row) : null
        return item ? item.text : ""
    }

    function test_1_wheelUpReachesTheFirstMessageWithoutJumps() {
        connectBoth()
        fill("scrollback", 300, i => "line " + i)
        const list = createTemporaryObject(listComponent, test, {client: reader})
        tryVerify(() => list.atYEnd, 3000, "opens at the newest message")
        watchedList = list
        insertWatch.target = reader.messages
        let loads = 0
        for (let step = 0; step < 600 && !(topText(list) === "line 1" && list.atYBeginning); ++step) {
            mouseWheel(list, 100, 100, 0, 120)
            const seen = inserts
            tryVerify(() => !list.moving || inserts > seen, 3000)
            if (inserts > seen) {
                ++loads
                // The message at the top stays at the top: no jump when a page comes in.
                const before = topBeforeInsert
                wait(50)
                compare(topText(list), before, "the view stayed where it was after a load")
            }
        }
        insertWatch.target = null
        compare(reader.messages.count, 300, "every message was loaded")
        verify(loads >= 5, "history came in pages as the top came near (" + loads + " loads)")
        compare(topText(list), "line 1")
    }

    function test_2_roomOpensAndStaysAtItsNewestMessage() {
        connectBoth()
        const longText = "This is a long message that wraps over several lines in a narrow window, "
                   + "and its height is only known once it has been laid out at the list's width. "
        fill("longlines", 40, i => "long " + i + ": " + longText + longText + longText)
        reader.joinRoom("general")
        tryCompare(reader, "currentRoom", "general", 5000)
        const list = createTemporaryObject(listComponent, test, {client: reader})
        const atNewest = () => {
            const last = list.itemAtIndex(list.count - 1)
            return list.count > 0 && last !== null
                && last.y + last.height <= list.contentY + list.height + 1
                && last.y + last.height >= list.contentY + list.height - list.bottomMargin - 2
        }
        for (let round = 0; round < 3; ++round) {
            reader.currentRoom = "longlines"
            tryVerify(atNewest, 2000, "the newest long message is in view after a switch")
            wait(100)
            verify(atNewest(), "and stays there once the rows are laid out")
            reader.currentRoom = "general"
            wait(50)
        }
        reader.currentRoom = "longlines"
        tryVerify(atNewest, 2000)
        list.width = 300 // narrower: every long message grows
        tryVerify(atNewest, 2000, "still at the newest message after a resize")
        wait(100)
        verify(atNewest())
        list.width = 650
        list.height = 200
        tryVerify(atNewest, 2000, "still at the newest message after a second resize")
        // A new message arrives while at the bottom: it is shown.
        writer.currentRoom = "longlines"
        writer.sendMessage("the newest " + longText + longText)
        tryVerify(() => reader.messages.count === 41, 5000)
        tryVerify(atNewest, 2000, "followed the new message")
    }
}
