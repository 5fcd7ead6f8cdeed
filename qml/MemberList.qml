// Who is in the room; click someone to message them directly. Operators are marked; a right
// click (or the ⋯ button) opens a member's menu, with kick and ban for an operator.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Confab.Client

Pane {
    id: pane

    required property ChatClient client
    signal chosen()

    padding: 0
    background: PanelBackground { edge: Qt.LeftEdge }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0
        Label {
            text: pane.client.currentIsDirect ? qsTr("Direct message") : qsTr("Members — %1").arg(list.count)
            font.weight: Font.DemiBold
            Layout.margins: 16
        }
        ListView {
            id: list
            objectName: "memberView"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: pane.client.currentIsDirect ? null : pane.client.members
            delegate: AppItemDelegate {
                id: member
                required property string userId
                required property string nick
                required property bool op
                readonly property bool self: userId === pane.client.userId
                width: ListView.view.width
                hoverEnabled: true // the ⋯ button shows on hover
                text: nick + (self ? qsTr(" (you)") : "")
                contentItem: RowLayout {
                    spacing: 10
                    Avatar {
                        nick: member.nick
                        size: 28
                    }
                    Label {
                        text: member.text
                        textFormat: Text.PlainText
                        elide: Text.ElideRight
                        Layout.fillWidth: true
                    }
                    // An operator: may delete messages, kick and ban.
                    Label {
                        objectName: "opMark"
                        visible: member.op
                        text: qsTr("op")
                        font.pixelSize: 11
                        font.weight: Font.DemiBold
                        color: "white"
                        leftPadding: 6
                        rightPadding: 6
                        topPadding: 1
                        bottomPadding: 1
                        background: Rectangle {
                            radius: 8
                            color: member.Material.accent
                        }
                    }
                    SmallButton {
                        objectName: "memberMenuButton"
                        visible: !member.self && (member.hovered || memberMenu.opened)
                        text: "⋯"
                        tip: qsTr("More")
                        size: 24
                        onClicked: pane.openMenu(member, member.userId, member.nick, member.op)
                    }
                }
                // Right button only: a left click still goes to the delegate.
                MouseArea {
                    anchors.fill: parent
                    acceptedButtons: Qt.RightButton
                    onClicked: if (!member.self) pane.openMenu(member, member.userId, member.nick, member.op)
                }
                onClicked: {
                    pane.client.openDirect(userId, nick)
                    if (userId !== pane.client.userId)
                        pane.chosen()
                }
                ToolTip.visible: hovered && !self && !memberMenu.opened
                ToolTip.text: qsTr("Send %1 a direct message").arg(nick)
                ToolTip.delay: 600
            }
        }
    }

    function openMenu(item: Item, userId: string, nick: string, op: bool) {
        memberMenu.userId = userId
        memberMenu.nick = nick
        memberMenu.op = op
        memberMenu.popup(item, item.width - 8, item.height / 2)
    }

    Menu {
        id: memberMenu
        objectName: "memberMenu"
        property string userId: ""
        property string nick: ""
        property bool op: false
        // Operators cannot be kicked or banned (the server says forbidden).
        readonly property bool moderates: pane.client.isOperator && !op && !pane.client.currentIsDirect
        Material.elevation: 0
        // As wide as its widest item (a fixed width cut "Remove from this room…"), up to the
        // window's width; a long nick in the first item is elided beyond that.
        width: Math.min(Math.max(220, directItem.implicitWidth, kickItem.implicitWidth, banItem.implicitWidth),
                        pane.Window.width - 16)
        background: PopupBackground {
            implicitWidth: 220
        }
        AppMenuItem {
            id: directItem
            text: qsTr("Message %1 directly").arg(memberMenu.nick)
            onTriggered: {
                pane.client.openDirect(memberMenu.userId, memberMenu.nick)
                pane.chosen()
            }
        }
        AppMenuItem {
            id: kickItem
            objectName: "kickItem"
            text: qsTr("Remove from this room…")
            visible: memberMenu.moderates
            height: visible ? implicitHeight : 0
            onTriggered: moderation.ask(false, memberMenu.userId, memberMenu.nick)
        }
        AppMenuItem {
            id: banItem
            objectName: "banItem"
            text: qsTr("Ban…")
            visible: memberMenu.moderates
            height: visible ? implicitHeight : 0
            onTriggered: moderation.ask(true, memberMenu.userId, memberMenu.nick)
        }
    }

    ModerationDialog {
        id: moderation
        objectName: "moderation"
        client: pane.client
    }
}
