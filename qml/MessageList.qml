// The conversation: day separators, grouped messages, notices, pending outbox messages, and
// older history loaded when scrolled to the top.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Confab.Client

ListView {
    id: list

    required property ChatClient client

    clip: true
    model: client.messages
    spacing: 0
    topMargin: 8
    bottomMargin: 8
    ScrollBar.vertical: ScrollBar {}

    // Stay at the newest message unless the user scrolled up to read.
    property bool followTail: true
    onCountChanged: if (followTail) tailTimer.restart()
    onMovementEnded: followTail = atYEnd
    onModelChanged: { followTail = true; tailTimer.restart() }

    // After the new rows are laid out, not before.
    Timer {
        id: tailTimer
        interval: 0
        onTriggered: list.positionViewAtEnd()
    }
    onAtYBeginningChanged: if (atYBeginning && count > 0 && moving) client.loadOlder()

    delegate: MessageDelegate {
        width: ListView.view.width
    }

    Label {
        anchors.centerIn: parent
        visible: list.count === 0
        text: qsTr("No messages yet. Say hello!")
        opacity: 0.6
    }
}
