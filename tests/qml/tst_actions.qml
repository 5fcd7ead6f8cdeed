// The chat's actions, against a real server: a message's menu copies its text; the header menu
// leaves a room and copies an invite; the nick dialog changes the nick with Enter; the room
// directory lists the server's rooms and joins one with Enter.
import QtQuick
import QtQuick.Controls
import QtTest
import Confab.Client
import Confab.Ui

TestCase {
    id: test
    name: "Actions"
    width: 1000
    height: 700
    visible: true
    when: windowShown

    ChatClient {
        id: client
        token: "qml-actions-user-0123456789"
    }
    ChatClient {
        id: other
        token: "qml-actions-other-0123456789"
    }
    HostController {
        id: idleHost
        dataDir: testDataDir + "/actions-idle"
        announce: false
    }
    Component {
        id: chatComponent
        ChatPage {
            width: 1000
            height: 700
        }
    }
    // Reads the clipboard back.
    TextEdit {
        id: paster
        textFormat: TextEdit.PlainText
    }

    function online() {
        if (client.state !== ChatClient.Online) {
            client.connectTo("127.0.0.1:" + testPort, "actor")
            tryCompare(client, "state", ChatClient.Online, 5000)
            tryCompare(client, "currentRoom", "general", 5000)
        }
    }

    function pasted() {
        paster.text = ""
        paster.paste()
        return paster.text
    }

    function test_1_messageMenuCopiesItsText() {
        online()
        client.joinRoom("copyroom")
        tryCompare(client, "currentRoom", "copyroom", 5000)
        client.sendMessage("copy me <exactly> & all")
        tryVerify(() => client.outboxSize === 0 && client.messages.count > 0, 5000)
        const page = createTemporaryObject(chatComponent, test, {client: client, host: idleHost})
        const list = findChild(page, "messageList")
        tryVerify(() => list.itemAtIndex(list.count - 1) !== null, 2000)
        const row = list.itemAtIndex(list.count - 1)
        const body = findChild(row, "body")
        mouseClick(body, 10, body.height / 2, Qt.RightButton)
        const copy = findChild(list, "copyText")
        tryVerify(() => copy.visible, 2000, "the message's menu opened")
        mouseClick(copy)
        compare(pasted(), "copy me <exactly> & all", "Copy text put the plain text on the clipboard")
    }

    function test_2_copyInviteAndLeave() {
        online()
        client.joinRoom("leaveroom")
        tryCompare(client, "currentRoom", "leaveroom", 5000)
        const rooms = client.rooms.rowCount()
        const page = createTemporaryObject(chatComponent, test, {client: client, host: idleHost})
        const menuButton = findChild(page, "menuButton")
        mouseClick(menuButton)
        const invite = findChild(page, "copyInvite")
        tryVerify(() => invite.visible, 2000)
        mouseClick(invite)
        verify(pasted().indexOf("127.0.0.1:" + testPort) >= 0, "the invite has the join address")
        verify(pasted().indexOf("http://127.0.0.1:" + testPort + "/") >= 0, "and the web link: " + pasted())

        mouseClick(menuButton)
        const leave = findChild(page, "leaveRoom")
        tryVerify(() => leave.visible, 2000)
        compare(leave.text, "Leave #leaveroom")
        mouseClick(leave)
        tryVerify(() => client.rooms.rowCount() === rooms - 1, 5000, "the room was left")
        verify(client.currentRoom !== "leaveroom")
    }

    function test_3_nickDialogChangesNickWithEnter() {
        online()
        const page = createTemporaryObject(chatComponent, test, {client: client, host: idleHost})
        const dialog = findChild(page, "nickDialog")
        const field = findChild(page, "nickField")
        mouseClick(findChild(page, "signedInAs"))
        tryVerify(() => dialog.opened && field.activeFocus, 2000, "opens focused")
        compare(field.text, client.nick)
        field.text = "actor2"
        keyClick(Qt.Key_Return)
        tryVerify(() => !dialog.visible, 2000)
        tryCompare(client, "nick", "actor2", 5000)
    }

    function test_4_directoryListsRoomsAndJoinsWithEnter() {
        online()
        if (other.state !== ChatClient.Online) {
            other.connectTo("127.0.0.1:" + testPort, "lister")
            tryCompare(other, "state", ChatClient.Online, 5000)
        }
        other.joinRoom("findable")
        tryCompare(other, "currentRoom", "findable", 5000)
        const page = createTemporaryObject(chatComponent, test, {client: client, host: idleHost})
        const dialog = findChild(page, "directoryDialog")
        mouseClick(findChild(page, "browseRooms"))
        const list = findChild(page, "directoryList")
        tryVerify(() => dialog.opened && list.count > 0, 5000, "the directory lists rooms")
        let index = -1
        for (let i = 0; i < client.directory.count; ++i) {
            if (client.directory.get(i).room === "findable")
                index = i
        }
        verify(index >= 0, "with the other user's room")
        list.currentIndex = index
        keyClick(Qt.Key_Return)
        tryVerify(() => !dialog.visible, 2000)
        tryCompare(client, "currentRoom", "findable", 5000)
    }

    HostController {
        id: runningHost
        dataDir: testDataDir + "/actions-host"
        bindAddress: "127.0.0.1"
        announce: false
    }
    ChatClient {
        id: hostClient
        token: "qml-actions-host-0123456789"
    }

    function test_5_hostScreenCopiesTheInvite() {
        const host = runningHost
        host.start(0, "", "Invite test")
        tryVerify(() => host.running, 5000, "the host listens")
        hostClient.connectTo(host.localAddress, "hoster")
        tryCompare(hostClient, "state", ChatClient.Online, 5000)
        const page = createTemporaryObject(chatComponent, test, {client: hostClient, host: host})
        const button = findChild(page, "hostCopyInvite")
        tryVerify(() => button.visible && host.addresses.length > 0, 3000)
        mouseClick(button)
        verify(pasted().indexOf(host.addresses[0]) >= 0, "the invite has the host's address")
        verify(pasted().indexOf(host.webLinks[0]) >= 0, "and the host's web link: " + pasted())
        // Issue 21 (app bug 4): in a window 600 px high the QR code was hidden for good.
        page.height = 600
        const side = findChild(page, "sideRooms") // (the drawer has a room list of its own)
        const qr = findChild(side, "hostQr")
        const show = findChild(side, "showQr")
        tryVerify(() => !qr.visible && show.visible, 2000, "a low window offers the code behind a button")
        mouseClick(show)
        const popup = findChild(side, "qrPopup")
        tryVerify(() => popup.opened, 2000)
        const big = findChild(popup.contentItem, "bigQr")
        tryCompare(big, "status", Image.Ready, 2000)
        verify(big.source.toString().indexOf(encodeURIComponent(host.webLinks[0])) > 0, "the code of the web link")
        popup.close()
        hostClient.disconnectFromServer()
        page.destroy()
        wait(0)
        host.stop()
    }
}
