// A frame on its way to a connection: usually one QByteArray (shared by every recipient of a
// broadcast), or, for `joined`, a head, the room's encoded member list and a tail. The member
// list is not copied into each joiner's frame: the frame keeps a reference to the room's
// append-only block and the length it had (GrowingBlock::Prefix). In a join storm of 5,000 the
// copies of member lists were 875 MB of memmove and as many page faults.
#pragma once

#include <QByteArray>
#include <memory>

namespace confab {

// Bytes that are only ever appended to. A Prefix taken now reads the same bytes later, whatever
// was appended since (a reallocation moves them, it does not change them). Anything that would
// change bytes already written (clear) starts a new block; Prefixes keep the old one alive.
class GrowingBlock
{
public:
    struct Prefix {
        std::shared_ptr<const QByteArray> block;
        qsizetype size = 0;
        const char *data() const { return block->constData(); }
    };

    GrowingBlock()
        : m_block(std::make_shared<QByteArray>())
    {}
    void append(QByteArrayView bytes) { m_block->append(bytes); }
    void append(char c) { m_block->append(c); }
    void clear(qsizetype reserve)
    {
        m_block = std::make_shared<QByteArray>();
        m_block->reserve(reserve);
    }
    qsizetype size() const { return m_block->size(); }
    Prefix prefix() const { return {m_block, m_block->size()}; }
    QByteArrayView view() const { return *m_block; }

private:
    std::shared_ptr<QByteArray> m_block;
};

struct OutFrame {
    OutFrame(QByteArray whole)
        : head(std::move(whole))
    {} // NOLINT: a plain frame converts
    OutFrame(QByteArray head, GrowingBlock::Prefix middle, QByteArray tail)
        : head(std::move(head))
        , middle(std::move(middle))
        , tail(std::move(tail))
    {}
    qsizetype size() const { return head.size() + middle.size + tail.size(); }

    QByteArray head;
    GrowingBlock::Prefix middle; // empty for most frames
    QByteArray tail;
};

} // namespace confab
