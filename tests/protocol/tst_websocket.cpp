// The server's WebSocket framing (RFC 6455) on its own: decoding masked client frames in any
// split, fragments, control frames, close codes, UTF-8, and every way a frame can be refused.
#include "websocket.h"

#include <QTest>

using namespace confab::ws;

namespace {

constexpr quint32 Mask = 0x37fa213d;

QList<Event> decodeAll(FrameDecoder &d)
{
    QList<Event> events;
    while (auto e = d.next())
        events.append(*e);
    return events;
}

} // namespace

class TestWebSocket : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void acceptKeyMatchesTheRfcExample()
    {
        // RFC 6455 section 1.3.
        QCOMPARE(acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        QVERIFY(isValidClientKey("dGhlIHNhbXBsZSBub25jZQ=="));
        QVERIFY(!isValidClientKey("dGhlIHNhbXBsZSBub25jZQ")); // no padding
        QVERIFY(!isValidClientKey("c2hvcnQ="));
    }

    void decodesFramesSplitAtEveryByte()
    {
        const QByteArray hello = R"({"type":"hello"})";
        const QByteArray large(70000, 'x'); // the 64-bit length form
        const QByteArray stream = clientFrame(Opcode::Text, hello, Mask)
                                  + clientFrame(Opcode::Ping, "p", Mask)
                                  + clientFrame(Opcode::Binary, large, Mask);
        for (int step : {1, 2, 3, 7, 13, 1000, int(stream.size())}) {
            FrameDecoder d(100000);
            QList<Event> events;
            for (qsizetype i = 0; i < stream.size(); i += step) {
                d.feed(
                    QByteArrayView(stream).sliced(i, std::min<qsizetype>(step, stream.size() - i)));
                events += decodeAll(d);
            }
            QCOMPARE(events.size(), 3);
            QCOMPARE(events[0].kind, Event::Kind::Text);
            QCOMPARE(events[0].payload, hello);
            QCOMPARE(events[1].kind, Event::Kind::Ping);
            QCOMPARE(events[1].payload, QByteArray("p"));
            QCOMPARE(events[2].kind, Event::Kind::Binary);
            QCOMPARE(events[2].payload, large);
            QVERIFY(!d.failure());
            QCOMPARE(d.bufferedBytes(), 0);
        }
    }

    void reassemblesFragmentsWithControlFramesBetween()
    {
        FrameDecoder d(1000);
        d.feed(clientFrame(Opcode::Text, "{\"ty", Mask, false) + clientFrame(Opcode::Ping, "", Mask)
               + clientFrame(Opcode::Continuation, "pe\":", Mask, false)
               + clientFrame(Opcode::Continuation, "\"rooms\"}", Mask));
        const QList<Event> events = decodeAll(d);
        QCOMPARE(events.size(), 4);
        QCOMPARE(events[0].kind, Event::Kind::Fragment);
        QCOMPARE(events[1].kind, Event::Kind::Ping);
        QCOMPARE(events[2].kind, Event::Kind::Fragment);
        QCOMPARE(events[3].kind, Event::Kind::Text);
        QCOMPARE(events[3].payload, QByteArray(R"({"type":"rooms"})"));
    }

    void aUtf8CharacterMaySpanFragments()
    {
        const QByteArray e = "\xc3\xa9"; // é
        FrameDecoder d(1000);
        d.feed(clientFrame(Opcode::Text, e.left(1), Mask, false)
               + clientFrame(Opcode::Continuation, e.mid(1), Mask));
        const QList<Event> events = decodeAll(d);
        QCOMPARE(events.last().payload, e);
    }

    void closeFrames()
    {
        FrameDecoder d(1000);
        d.feed(clientFrame(Opcode::Close, QByteArray("\x03\xe8", 2) + "bye", Mask));
        auto e = d.next();
        QVERIFY(e);
        QCOMPARE(e->kind, Event::Kind::Close);
        QCOMPARE(e->closeCode, CloseNormal);
        QCOMPARE(e->payload, QByteArray("bye"));
        FrameDecoder empty(1000);
        empty.feed(clientFrame(Opcode::Close, {}, Mask));
        QCOMPARE(empty.next()->closeCode, CloseNoStatus);
        // A close frame a server sends: the reason is cut on a character boundary.
        const QByteArray frame = closeFrame(4001, QString(200, QChar(0xe9)).toUtf8());
        QVERIFY(frame.size() <= 2 + MaxControlPayload);
        QVERIFY(isValidUtf8(frame.mid(4)));
    }

    void refusals_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("code");
        QByteArray unmasked = serverFrame(Opcode::Text, "hi");
        QTest::newRow("unmasked") << unmasked << int(CloseProtocolError);
        QByteArray rsv = clientFrame(Opcode::Text, "hi", Mask);
        rsv[0] = char(rsv[0] | 0x40);
        QTest::newRow("reserved bit") << rsv << int(CloseProtocolError);
        QByteArray opcode = clientFrame(Opcode::Text, "hi", Mask);
        opcode[0] = char(0x83);
        QTest::newRow("unknown opcode") << opcode << int(CloseProtocolError);
        QTest::newRow("fragmented ping")
            << clientFrame(Opcode::Ping, "x", Mask, false) << int(CloseProtocolError);
        QTest::newRow("long ping")
            << clientFrame(Opcode::Ping, QByteArray(126, 'x'), Mask) << int(CloseProtocolError);
        QTest::newRow("continuation first")
            << clientFrame(Opcode::Continuation, "x", Mask) << int(CloseProtocolError);
        QTest::newRow("message inside a message")
            << clientFrame(Opcode::Text, "a", Mask, false) + clientFrame(Opcode::Text, "b", Mask)
            << int(CloseProtocolError);
        QTest::newRow("too big") << clientFrame(Opcode::Text, QByteArray(1001, 'x'), Mask)
                                 << int(CloseTooBig);
        QTest::newRow("too big in fragments")
            << clientFrame(Opcode::Text, QByteArray(600, 'x'), Mask, false)
                   + clientFrame(Opcode::Continuation, QByteArray(600, 'x'), Mask)
            << int(CloseTooBig);
        QTest::newRow("invalid UTF-8")
            << clientFrame(Opcode::Text, "\xc3(", Mask) << int(CloseInvalidPayload);
        QTest::newRow("surrogate in UTF-8")
            << clientFrame(Opcode::Text, "\xed\xa0\x80", Mask) << int(CloseInvalidPayload);
        QTest::newRow("overlong") << clientFrame(Opcode::Text, "\xc0\xaf", Mask)
                                  << int(CloseInvalidPayload);
        QTest::newRow("one-byte close")
            << clientFrame(Opcode::Close, "\x03", Mask) << int(CloseProtocolError);
        QTest::newRow("close code 1005")
            << clientFrame(Opcode::Close, QByteArray("\x03\xed", 2), Mask)
            << int(CloseProtocolError);
        QByteArray nonMinimal;
        nonMinimal.append(char(0x81)).append(char(0x80 | 126)).append('\0').append(char(5));
        QTest::newRow("non-minimal length") << nonMinimal << int(CloseProtocolError);
    }

    void refusals()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, code);
        FrameDecoder d(1000);
        d.feed(bytes);
        decodeAll(d);
        QVERIFY(d.failure());
        QCOMPARE(int(d.failure()->code), code);
        QCOMPARE(d.bufferedBytes(), 0); // nothing is kept after a failure
        d.feed(clientFrame(Opcode::Text, "late", Mask));
        QVERIFY(!d.next());
    }

    void anOversizedMessageIsRefusedFromItsHeader()
    {
        // Only the header has arrived: the decoder must not wait for (and buffer) the payload.
        FrameDecoder d(1000);
        d.feed(clientFrame(Opcode::Binary, QByteArray(5000, 'x'), Mask).left(14));
        QVERIFY(!d.next());
        QCOMPARE(int(d.failure()->code), int(CloseTooBig));
    }

    void utf8()
    {
        QVERIFY(isValidUtf8("plain ascii that is longer than eight bytes"));
        QVERIFY(isValidUtf8("\xf0\x9f\x98\x80 \xe2\x82\xac \xc3\xa9"));
        QVERIFY(!isValidUtf8("\xf4\x90\x80\x80")); // above U+10FFFF
        QVERIFY(!isValidUtf8("abc\xe2\x82"));      // truncated
        QVERIFY(!isValidUtf8("\xff"));
    }
};

QTEST_GUILESS_MAIN(TestWebSocket)
#include "tst_websocket.moc"
