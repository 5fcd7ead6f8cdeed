// One row of the conversation. Message text is never interpreted: the model escapes it and
// only turns http(s) addresses into links.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts

Item {
    id: row

    required property string kind
    required property string nick
    required property string html
    required property string text
    required property string timeText
    required property string dayText
    required property bool showHeader
    required property bool pending
    required property bool own

    implicitHeight: column.implicitHeight + (showHeader ? 10 : 2)

    ColumnLayout {
        id: column
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.bottom: parent.bottom
        anchors.leftMargin: 16
        anchors.rightMargin: 16
        spacing: 2

        RowLayout {
            visible: row.dayText.length > 0
            Layout.fillWidth: true
            Layout.topMargin: 8
            Layout.bottomMargin: 6
            Rectangle { height: 1; Layout.fillWidth: true; color: Material.dividerColor }
            Label { text: row.dayText; opacity: 0.6; font.pixelSize: 12 }
            Rectangle { height: 1; Layout.fillWidth: true; color: Material.dividerColor }
        }

        Label {
            objectName: "notice"
            visible: row.kind === "notice"
            text: row.text
            textFormat: Text.PlainText
            opacity: 0.6
            font.italic: true
            font.pixelSize: 13
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }

        RowLayout {
            visible: row.kind === "message" && row.showHeader
            spacing: 8
            Label {
                text: row.nick
                textFormat: Text.PlainText
                font.weight: Font.DemiBold
                color: row.own ? Material.accent : Material.foreground
            }
            Label {
                objectName: "stamp"
                text: row.pending ? qsTr("sending…") : row.timeText
                opacity: 0.55
                font.pixelSize: 12
            }
        }

        Label {
            objectName: "body"
            visible: row.kind === "message"
            text: row.html
            textFormat: Text.StyledText
            wrapMode: Text.Wrap
            opacity: row.pending ? 0.55 : 1
            linkColor: Material.accent
            Layout.fillWidth: true
            onLinkActivated: link => Qt.openUrlExternally(link)
            HoverHandler {
                cursorShape: parent.hoveredLink.length > 0 ? Qt.PointingHandCursor : Qt.ArrowCursor
            }
        }
    }
}
