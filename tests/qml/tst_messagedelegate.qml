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

    // Parts a row seldom shows are made only when shown: not made is not shown.
    function shown(item) {
        return item !== null && item.visible
    }

    function test_messageShowsHeaderAndEscapedText() {
        const item = createTemporaryObject(row, this)
        verify(item.implicitHeight > 30)
        const body = findChild(item, "body")
        verify(body.visible)
        compare(body.hoveredLink, "")
        compare(body.getText(0, body.length), "<b>not bold</b> https://example.org", "shown as typed")
        compare(findChild(item, "stamp").text, "09:41")
        verify(!shown(findChild(item, "notice")))
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
        // Made on demand, it takes the row's width, less the avatar's column as the text has.
        compare(notice.width, findChild(item, "body").parent.width)
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
        verify(!shown(findChild(delivered, "pendingNote")))
    }

    // Whether a message mentions the user, and where, is the model's (tst_models): the row
    // shows the mark and the model's marked html with the mention in the accent colour.
    function test_mentionOfMeIsHighlighted() {
        const plain = createTemporaryObject(row, this, {text: "hello all", html: "hello all"})
        verify(!shown(findChild(plain, "mark")))
        const item = createTemporaryObject(row, this, {mentionsMe: true, text: "hi @Ada, look",
                                                       html: "hi <span class=\"mention\">@Ada</span>, look"})
        verify(shown(findChild(item, "mark")))
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

    // Issue 21: the hover bar sat over the top right of every row, so on a continued group (no
    // header line) it hid the end of the text's first line. It never covers the hovered
    // message's text: beside the text where the row has room, on the header line of a headed
    // row, and for a continued row in a narrow list a "⋯" in the empty avatar column opens the
    // same actions (the message menu).

    function barCoversText(item) {
        const bar = findChild(item, "actionBar")
        const body = findChild(item, "body")
        const b = bar.mapToItem(item, 0, 0)
        const t = body.mapToItem(item, 0, 0)
        const line = body.positionToRectangle(0) // the first line of text, all the width
        return b.x < t.x + body.width && b.x + bar.width > t.x
               && b.y < t.y + line.y + line.height && b.y + bar.height > t.y + line.y
    }

    function hoveredRow(properties) {
        const words = "word ".repeat(400)
        const item = createTemporaryObject(row, this, Object.assign({
            html: words, text: words, seq: 7, canReact: true, canEdit: true, canDelete: true,
            dayText: ""}, properties))
        mouseMove(item, 5, 5) // moved, inside the window (the row is taller)
        mouseMove(item, 30, 60)
        return item
    }

    function test_hoverBarNeverCoversTheText_data() {
        return [
            {tag: "continued row, narrow", width: 600, showHeader: false},
            {tag: "headed row, narrow", width: 600, showHeader: true},
            {tag: "continued row, wide", width: 1200, showHeader: false},
            {tag: "headed row, wide", width: 1200, showHeader: true},
        ]
    }

    function test_hoverBarNeverCoversTheText(data) {
        const item = hoveredRow({width: data.width, showHeader: data.showHeader})
        const shown = name => findChild(item, name) !== null && findChild(item, name).visible
        tryVerify(() => shown("actionBar") || shown("gutterMoreButton"), 2000, "something to act with on hover")
        const bar = findChild(item, "actionBar")
        const more = findChild(item, "gutterMoreButton")
        if (bar.visible)
            verify(!barCoversText(item), "the bar covers the first line of text: bar y " + bar.mapToItem(item, 0, 0).y + ", height " + bar.height + ", text y " + findChild(item, "body").mapToItem(item, 0, 0).y + ", row height " + item.height)
        else
            verify(!data.showHeader && data.width < 1000, "the bar gives way only on a narrow continued row")
        if (more.visible) {
            const m = more.mapToItem(item, 0, 0)
            const body = findChild(item, "body").mapToItem(item, 0, 0)
            verify(m.x + more.width <= body.x, "the ⋯ sits left of the text")
            let asked = null
            item.menuRequested.connect(p => asked = p)
            mouseClick(more)
            verify(asked !== null, "the ⋯ opens the message's menu")
        }
    }

    // Rows moving under a still pointer (MessageList: a message came and the view followed)
    // make no hover bar; it comes once the list is still again.
    function test_noHoverBarWhileTheListMoves() {
        const item = hoveredRow({width: 600, showHeader: true, still: false})
        wait(50)
        verify(findChild(item, "actionBar") === null && findChild(item, "gutterMoreButton") === null,
               "no bar made while the rows move")
        item.still = true
        tryVerify(() => findChild(item, "actionBar") !== null && findChild(item, "actionBar").visible, 2000)
    }
}
