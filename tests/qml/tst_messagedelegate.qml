// A message row shows text as given (escaped by the model), marks pending messages (also under
// an earlier header), shows notices on their own, highlights mentions of the user, has an avatar
// with initials, selectable text, and wraps at a readable width in a wide window.
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
            userId: "u-sam"
            html: "&lt;b&gt;not bold&lt;/b&gt; <a href=\"https://example.org\">https://example.org</a>"
            text: "<b>not bold</b> https://example.org"
            timeText: "09:41"
            dayText: "Today"
            showHeader: true
            pending: false
            own: false
            firstUnread: false
        }
    }

    function test_messageShowsHeaderAndEscapedText() {
        const item = createTemporaryObject(row, this)
        verify(item.implicitHeight > 30)
        const body = findChild(item, "body")
        verify(body.visible)
        compare(body.hoveredLink, "")
        compare(body.getText(0, body.length), "<b>not bold</b> https://example.org", "shown as typed")
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

    function test_pendingUnderAnEarlierHeaderSaysSending() {
        const item = createTemporaryObject(row, this, {pending: true, showHeader: false, dayText: ""})
        const note = findChild(item, "pendingNote")
        verify(note !== null && note.visible, "a queued message in a group says so")
        compare(note.text, "sending…")
        const delivered = createTemporaryObject(row, this, {showHeader: false, dayText: ""})
        verify(!findChild(delivered, "pendingNote").visible)
    }

    // Whether a message mentions the user, and where, is the model's (tst_models): the row
    // shows the mark and the model's marked html with the mention in the accent colour.
    function test_mentionOfMeIsHighlighted() {
        const plain = createTemporaryObject(row, this, {text: "hello all", html: "hello all"})
        verify(!findChild(plain, "mark").visible)
        const item = createTemporaryObject(row, this, {mentionsMe: true, text: "hi @Ada, look",
                                                       html: "hi <span class=\"mention\">@Ada</span>, look"})
        verify(findChild(item, "mark").visible)
        const body = findChild(item, "body").text
        verify(/<span style="[^"]*font-weight:700; color:#[0-9a-f]+;">@Ada<\/span>/.test(body),
               "the mention is bold in a colour: " + body)
    }

    function test_avatarWithInitialsAndNickColour() {
        const item = createTemporaryObject(row, this, {nick: "Ada Lovelace"})
        const avatar = findChild(item, "avatar")
        verify(avatar.visible)
        compare(avatar.children[0].text, "AL")
        const again = createTemporaryObject(row, this, {nick: "Ada Lovelace"})
        verify(Qt.colorEqual(findChild(again, "nick").color, findChild(item, "nick").color), "stable")
        const other = createTemporaryObject(row, this, {nick: "Grace"})
        verify(!Qt.colorEqual(findChild(other, "nick").color, findChild(item, "nick").color))
        compare(findChild(other, "avatar").children[0].text, "GR")
        const grouped = createTemporaryObject(row, this, {showHeader: false, dayText: ""})
        verify(!findChild(grouped, "avatar").visible)
    }

    function test_textIsSelectable() {
        const item = createTemporaryObject(row, this)
        const body = findChild(item, "body")
        verify(body.selectByMouse && body.readOnly)
        body.selectAll()
        compare(body.selectedText, "<b>not bold</b> https://example.org")
    }

    function test_wrapsAtReadableWidth() {
        const item = createTemporaryObject(row, this, {width: 1800})
        const body = findChild(item, "body")
        verify(body.width <= 800, "text lines stay readable (" + body.width + " px)")
        verify(body.width >= 600)
    }
}
