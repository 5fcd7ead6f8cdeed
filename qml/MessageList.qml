// The conversation: day separators, grouped messages, notices, pending outbox messages.
//
// Scrolling: the view follows the newest message while it is at the bottom (also while
// delegates change height after a room switch or a resize), and stays where the reader left
// it otherwise. Older history is asked for as the top comes near, and when it arrives the
// message the reader was looking at keeps its place on the screen.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import Confab.Client

ListView {
    id: list

    required property ChatClient client
    property real readableWidth: 760
    // Older pages are asked for when fewer than this many pixels are left above the view.
    property real loadAheadPx: Math.max(height, 400)
    // True while the reader is at the newest message.
    property bool followTail: true
    // The seq of the message a search result opened (highlighted for a while), 0 for none.
    property real highlightSeq: 0
    // A message to show once it is loaded (search results point at old ones).
    property real wantedSeq: 0
    signal copyRequested(string text)

    clip: true
    model: client.messages
    spacing: 0
    topMargin: 8
    // No bottom margin: positionViewAtEnd ignores it, so the newest row would sit below it.
    // Delegates around the view exist before they scroll in, so heights are known and the
    // scroll bar does not jump.
    cacheBuffer: 1200
    boundsBehavior: Flickable.StopAtBounds
    ScrollBar.vertical: ScrollBar {
        id: scrollBar
        onPressedChanged: if (!pressed) list.updateFollow()
    }

    // True when the newest row is in view, to its bottom.
    function atTail(): bool {
        return count === 0 || atYEnd
    }

    function scrollToEnd() {
        positionViewAtEnd()
    }

    // Each positionViewAtEnd refines ListView's estimate of the rows' heights above, which can
    // move the end again: repeat until it holds (a few rounds at most).
    function followIfAtTail() {
        for (let round = 0; round < 6 && followTail && !atTail(); ++round)
            scrollToEnd()
    }

    // Called whenever the reader (not the code) moved the view.
    function updateFollow() {
        followTail = atTail() || contentHeight <= height
    }

    // Opens the conversation at this message (loading older pages until it is here).
    function showMessage(seq: real) {
        followTail = false
        wantedSeq = seq
        revealWanted()
    }

    function revealWanted() {
        if (wantedSeq <= 0)
            return
        const row = model ? model.rowOfSeq(wantedSeq) : -1
        if (row >= 0) {
            anchorItem = null
            restoreTimer.stop()
            anchorHold.stop()
            highlightSeq = wantedSeq
            wantedSeq = 0
            forceLayout()
            positionViewAtIndex(row, ListView.Center)
            highlightTimer.restart()
        } else if (!model || model.firstSeq <= 1) {
            wantedSeq = 0 // not in this room's history any more
        } else {
            client.loadOlder()
        }
    }

    function nearTop(): bool {
        return contentY - originY < loadAheadPx
    }

    // The client sends one history request at a time and none once the first message is here.
    function maybeLoadOlder() {
        if (count > 0 && model && model.firstSeq > 1 && nearTop() && !(followTail && contentHeight > height))
            client.loadOlder()
    }

    // Rows inserted above the view (an older page): the delegate at the top of the view and its
    // offset are noted before the insertion, and once the view has laid the new rows out that
    // delegate (the same item: visible delegates are moved, not rebuilt) is put back in place.
    property Item anchorItem: null
    property string anchorText: ""
    property real anchorOffset: 0
    Connections {
        target: list.model
        function onRowsAboutToBeInserted(parent, first, last) {
            if (list.followTail || list.count === 0 || list.anchorItem || list.wantedSeq > 0)
                return // following the tail, an anchor pending, or a jump to a message under way
            const top = list.indexAt(list.width / 2, list.contentY + list.topMargin + 1)
            if (top < 0 || first > top)
                return
            const item = list.itemAtIndex(top)
            if (!item)
                return
            list.anchorItem = item
            list.anchorText = (item as MessageDelegate)?.text ?? ""
            list.anchorOffset = item.y - list.contentY
        }
        function onRowsInserted(parent, first, last) {
            if (!list.anchorItem)
                return
            restoreTimer.restart()
            anchorHold.restart()
        }
    }
    // The place is held for a moment after the insertion: the former first row loses its day
    // separator a little later (its height changes above the reader), and the list's layout of
    // the new rows can take more than one pass. Any scrolling by the reader ends the hold.
    property bool restoring: false
    function restoreAnchor() {
        const item = anchorItem as MessageDelegate
        if (!item || item.text !== anchorText) {
            anchorItem = null
            return
        }
        if (restoring)
            return
        restoring = true
        cancelFlick() // a flick would carry on from where it was, undoing this
        forceLayout()
        contentY = item.y - anchorOffset
        restoring = false
    }
    function releaseAnchor() {
        anchorItem = null
        anchorHold.stop()
        loadTimer.restart()
    }
    Timer {
        id: anchorHold
        interval: 400
        onTriggered: list.releaseAnchor()
    }
    onMovementStarted: if (anchorItem) { anchorItem = null; anchorHold.stop() }
    Timer {
        id: restoreTimer
        interval: 0
        onTriggered: list.restoreAnchor()
    }

    // Rows moving under a still pointer (a message arrived, the view followed) show no hover
    // bar: it would pop up on row after row (and was made for each, at 10 messages a second
    // a third of the app's CPU); it comes once the list has been still for a moment.
    property bool scrolledLately: false
    Timer {
        id: stillTimer
        interval: 300
        onTriggered: list.scrolledLately = false
    }

    onContentYChanged: {
        scrolledLately = true
        stillTimer.restart()
        if (moving || scrollBar.pressed)
            updateFollow()
        else if (followTail)
            followTimer.restart() // moved by a relayout, not by the reader: back to the tail
        maybeLoadOlder()
    }
    onMovementEnded: updateFollow()
    onCountChanged: {
        if (followTail)
            scrollToEnd()
        if (wantedSeq > 0)
            revealTimer.restart()
    }
    // Wrapped messages take their real height after layout; the tail must follow them.
    onContentHeightChanged: {
        if (followTail)
            followTimer.restart()
        else if (anchorItem && anchorHold.running)
            restoreAnchor()
    }
    onHeightChanged: if (followTail) followTimer.restart()
    onOriginYChanged: {
        if (followTail)
            followTimer.restart()
        else if (anchorItem && anchorHold.running)
            restoreAnchor()
    }
    onAtYEndChanged: if (followTail && !atYEnd && !moving) followTimer.restart()
    onWidthChanged: if (followTail) followTimer.restart()
    onModelChanged: {
        editingSeq = 0
        followTail = true
        anchorItem = null
        highlightSeq = 0
        scrollToEnd()
        followTimer.restart()
    }

    // After the layout that a change starts, not inside it (each coalesces repeated requests).
    // Rows take their real heights over the next frames (ListView estimates those it has not
    // built), and not every such change is signalled: after a change the tail is checked again
    // for a short while, then the timer rests.
    Timer {
        id: followTimer
        property int rounds: 0
        interval: 40
        repeat: true
        onRunningChanged: if (running) rounds = 0
        onTriggered: {
            list.followIfAtTail()
            if (++rounds >= 12 || !list.followTail)
                stop()
        }
    }
    // And a slow check while following, for the relayouts that signal nothing.
    Timer {
        interval: 250
        repeat: true
        running: list.followTail && list.visible && !list.moving && list.count > 0
        onTriggered: list.followIfAtTail()
    }
    Timer {
        id: loadTimer
        interval: 0
        onTriggered: list.maybeLoadOlder()
    }
    Timer {
        id: revealTimer
        interval: 0
        onTriggered: list.revealWanted()
    }
    Timer {
        id: highlightTimer
        interval: 4000
        onTriggered: list.highlightSeq = 0
    }

    // The seq of the message being edited in place, 0 for none.
    property real editingSeq: 0

    // Up arrow in an empty composer: my newest message (false when there is none).
    function editLast(): bool {
        const seq = model ? model.lastOwnSeq() : 0
        if (seq <= 0)
            return false
        editingSeq = seq
        positionViewAtIndex(model.rowOfSeq(seq), ListView.Contain)
        return true
    }
    signal editFinished()

    function finishEdit(seq: real, text: string) {
        // ChatClient::edit ignores a blank text. (No method call on a typed string parameter
        // here: qmllint 6.4 reads an uninitialised register for one and crashes now and then.)
        client.edit(seq, text)
        editingSeq = 0
        editFinished()
    }

    function openPalette(message: MessageDelegate, position: point) {
        const p = message.mapToItem(list, position)
        emojiPopup.seq = message.seq
        emojiPopup.mine = message.myReactions
        emojiPopup.x = Math.min(Math.max(0, p.x - emojiPopup.implicitWidth + 28), list.width - emojiPopup.implicitWidth)
        emojiPopup.y = Math.min(p.y, list.height - emojiPopup.implicitHeight)
        emojiPopup.open()
    }

    function confirmDelete(seq: real) {
        deleteDialog.seq = seq
        deleteDialog.open()
    }

    delegate: MessageDelegate {
        id: message
        required seq
        required edited
        required deleted
        required reactions
        required replyTo
        required replyNick
        required replyText
        required replyDeleted
        required mentionsMe
        required canEdit
        required canDelete
        required canReact
        width: ListView.view.width
        readableWidth: list.readableWidth
        still: !list.scrolledLately
        highlighted: seq > 0 && seq === list.highlightSeq
        editing: seq > 0 && seq === list.editingSeq
        onMenuRequested: position => {
            const p = message.mapToItem(list, position)
            messageMenu.message = message
            messageMenu.popup(list, p.x, p.y)
        }
        onReplyRequested: list.client.reply(seq)
        onReactRequested: position => list.openPalette(message, position)
        onReactionToggled: (emoji, on) => list.client.react(seq, emoji, on)
        onEditRequested: list.editingSeq = seq
        onDeleteRequested: list.confirmDelete(seq)
        onQuoteClicked: quoted => list.showMessage(quoted)
        onEditSubmitted: text => list.finishEdit(seq, text)
        onEditCancelled: {
            list.editingSeq = 0
            list.editFinished()
        }
    }

    EmojiPalette {
        id: emojiPopup
        objectName: "palette"
        onChosen: (emoji, on) => list.client.react(seq, emoji, on)
    }

    Dialog {
        id: deleteDialog
        objectName: "deleteDialog"
        property real seq: 0
        anchors.centerIn: parent
        modal: true
        title: qsTr("Delete this message?")
        Material.elevation: 0
        background: PopupBackground {}
        Label {
            text: qsTr("It is deleted for everyone, for good.")
        }
        standardButtons: Dialog.Ok | Dialog.Cancel
        footer: AppDialogButtons {}
        Component.onCompleted: {
            const ok = standardButton(Dialog.Ok)
            ok.text = qsTr("Delete")
            ok.objectName = "confirmDelete"
        }
        onAccepted: list.client.remove(seq)
    }

    Menu {
        id: messageMenu
        property MessageDelegate message
        Material.elevation: 0
        background: Rectangle {
            implicitWidth: 200
            color: messageMenu.Material.dialogColor
            border.color: messageMenu.Material.dividerColor
            radius: 2
        }
        AppMenuItem {
            objectName: "replyItem"
            text: qsTr("Reply")
            visible: messageMenu.message !== null && messageMenu.message.actionable && messageMenu.message.canReact
            height: visible ? implicitHeight : 0
            onTriggered: list.client.reply(messageMenu.message.seq)
        }
        AppMenuItem {
            objectName: "reactItem"
            text: qsTr("React…")
            visible: messageMenu.message !== null && messageMenu.message.actionable && messageMenu.message.canReact
            height: visible ? implicitHeight : 0
            onTriggered: list.openPalette(messageMenu.message, Qt.point(messageMenu.message.width / 2, 24))
        }
        AppMenuItem {
            objectName: "editItem"
            text: qsTr("Edit")
            visible: messageMenu.message !== null && messageMenu.message.actionable && messageMenu.message.canEdit
            height: visible ? implicitHeight : 0
            onTriggered: list.editingSeq = messageMenu.message.seq
        }
        AppMenuItem {
            objectName: "deleteItem"
            text: qsTr("Delete")
            visible: messageMenu.message !== null && messageMenu.message.actionable && messageMenu.message.canDelete
            height: visible ? implicitHeight : 0
            onTriggered: list.confirmDelete(messageMenu.message.seq)
        }
        AppMenuItem {
            objectName: "copyText"
            text: qsTr("Copy text")
            onTriggered: if (messageMenu.message) list.copyRequested(messageMenu.message.text)
        }
        AppMenuItem {
            text: qsTr("Mention %1").arg(messageMenu.message ? messageMenu.message.nick : "")
            visible: messageMenu.message !== null && messageMenu.message.kind === "message" && !messageMenu.message.own
            height: visible ? implicitHeight : 0
            onTriggered: list.mentionRequested(messageMenu.message.nick)
        }
        AppMenuItem {
            text: qsTr("Message %1 directly").arg(messageMenu.message ? messageMenu.message.nick : "")
            visible: messageMenu.message !== null && messageMenu.message.kind === "message" && !messageMenu.message.own
            height: visible ? implicitHeight : 0
            onTriggered: list.client.openDirect(messageMenu.message.userId, messageMenu.message.nick)
        }
    }
    signal mentionRequested(string nick)

    Label {
        anchors.centerIn: parent
        visible: list.count === 0
        text: qsTr("No messages yet. Say hello!")
        opacity: 0.6
    }
}
