// The frames a connection has queued and the kernel has not taken yet, kept as references to
// the bytes the hub built. A broadcast encodes one frame and every member's queue shares it: no
// copy per member, and the kernel gets all of a turn's frames in one sendmsg() (a gather write).
// What the kernel does not take stays here, still shared, until the socket is writable again. In
// a join storm every presence goes to thousands of members: appending each to a per-connection
// buffer cost a third of the server's time in copies and buffer growth.
#pragma once

#include "outframe.h"

#include <QByteArray>
#include <vector>

namespace confab {

class OutQueue
{
public:
    void append(const QByteArray &frame);
    void append(const OutFrame &frame);
    bool isEmpty() const { return m_bytes == 0; }
    // Bytes of piece lists this thread's queues gave back after a burst, since the last call
    // (HeapTrimmer's cue).
    static qint64 takeReleasedBytes();
    qsizetype size() const { return m_bytes; }
    void clear();

    // Writes as much as the socket takes without blocking, from the front, and drops what was
    // written. Returns false when the socket failed (the caller closes it).
    bool sendTo(int fd);

private:
    // Bytes of a frame (shared, not copied), or a prefix of a growing block.
    struct Piece {
        QByteArray bytes;
        std::shared_ptr<const QByteArray> block;
        qsizetype blockSize = 0;
        const char *data() const { return block ? block->constData() : bytes.constData(); }
        qsizetype size() const { return block ? blockSize : bytes.size(); }
    };

    void dropWritten(qsizetype n);

    std::vector<Piece> m_frames;
    size_t m_first = 0;          // frames before it are written
    qsizetype m_frontOffset = 0; // bytes of m_frames[m_first] already written
    qsizetype m_bytes = 0;       // not yet written
};

} // namespace confab
