// A message row shows text as given (escaped by the model), marks pending messages, and shows
// notices on their own.
import QtQuick
import QtTest
import Confab.Ui

TestCase {
    name: "MessageDelegate"
    width: 600
    height: 400
    visible: true
    when: windowShown

    Component {
        id: row
        MessageDelegate {
            width: 600
            kind: "message"
            nick: "Sam"
            html: "&lt;b&gt;not bold&lt;/b&gt; <a href=\"https://example.org\">https://example.org</a>"
            text: "<b>not bold</b> https://example.org"
            timeText: "09:41"
            dayText: "Today"
            showHeader: true
            pending: false
            own: false
        }
    }

    function test_messageShowsHeaderAndEscapedText() {
        const item = createTemporaryObject(row, this)
        verify(item.implicitHeight > 30)
        const body = findChild(item, "body")
        verify(body.visible)
        compare(body.hoveredLink, "")
        verify(body.text.indexOf("&lt;b&gt;") === 0)
        compare(findChild(item, "stamp").text, "09:41")
        verify(!findChild(item, "notice").visible)
    }

    function test_pendingMessageSaysSending() {
        const item = createTemporaryObject(row, this, {pending: true})
        compare(findChild(item, "stamp").text, "sending…")
        verify(findChild(item, "body").opacity < 1)
    }

    function test_noticeIsPlainAndAlone() {
        const item = createTemporaryObject(row, this, {kind: "notice", text: "<i>Jonas</i> joined"})
        const notice = findChild(item, "notice")
        verify(notice.visible)
        compare(notice.textFormat, Text.PlainText)
        verify(!findChild(item, "body").visible)
    }

    function test_groupedMessageHasNoHeader() {
        const item = createTemporaryObject(row, this, {showHeader: false, dayText: ""})
        verify(!findChild(item, "stamp").parent.visible)
    }
}
