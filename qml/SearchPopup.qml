// Search across the rooms: its own field (also in a narrow window, where the header has none),
// results picked with the mouse or with the arrows and Enter; Esc closes it.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Confab.Client

Popup {
    id: popup

    required property ChatClient client
    property string query: ""
    signal resultChosen(string room, real seq)

    modal: false
    focus: true
    padding: 8
    closePolicy: Popup.CloseOnEscape | Popup.CloseOnPressOutside
    Material.elevation: 0
    background: PopupBackground {}
    onAboutToShow: {
        field.text = query
        if (query.length === 0)
            client.search("") // no results of an earlier search without their query
    }
    onOpened: {
        field.forceActiveFocus()
        field.selectAll()
    }
    onClosed: query = ""

    function choose(index: int) {
        const result = client.searchResults.get(index)
        if (result.room === undefined)
            return
        resultChosen(result.room, result.seq)
        close()
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 4

        TextField {
            id: field
            objectName: "searchField"
            Layout.fillWidth: true
            placeholderText: qsTr("Search messages")
            onAccepted: {
                if (list.currentIndex >= 0 && list.count > 0 && text === popup.query)
                    popup.choose(list.currentIndex)
                else {
                    popup.query = text
                    popup.client.search(text)
                    list.currentIndex = 0
                }
            }
            Keys.onDownPressed: list.currentIndex = Math.min(list.currentIndex + 1, list.count - 1)
            Keys.onUpPressed: list.currentIndex = Math.max(list.currentIndex - 1, 0)
            Keys.onEscapePressed: popup.close()
        }

        ListView {
            id: list
            objectName: "searchResults"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            currentIndex: 0
            model: popup.client.searchResults
            ScrollBar.vertical: ScrollBar {}
            highlightMoveDuration: 0
            delegate: AppItemDelegate {
                id: result
                required property var modelData
                required property int index
                width: ListView.view.width
                highlighted: ListView.isCurrentItem
                contentItem: ColumnLayout {
                    Label {
                        text: "#" + result.modelData.room + " · " + result.modelData.nick + " · " + result.modelData.when
                        textFormat: Text.PlainText
                        opacity: 0.7
                        font.pixelSize: 12
                    }
                    Label {
                        text: result.modelData.text
                        textFormat: Text.PlainText
                        wrapMode: Text.Wrap
                        maximumLineCount: 3
                        elide: Text.ElideRight
                        Layout.fillWidth: true
                    }
                }
                onClicked: popup.choose(result.index)
            }
            Label {
                anchors.centerIn: parent
                visible: list.count === 0
                text: popup.query.length > 0 ? qsTr("No messages found") : qsTr("Type and press Enter")
                opacity: 0.6
            }
        }
    }
}
