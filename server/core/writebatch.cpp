#include "writebatch.h"

#include "connection.h"

#include <algorithm>

namespace confab {

void WriteBatch::enqueue(Connection *c)
{
    m_dirty.push_back(c);
    if (!m_posted) {
        m_posted = true;
        // A queued call runs once this turn's events are handled, before the loop polls again.
        QMetaObject::invokeMethod(this, &WriteBatch::flush, Qt::QueuedConnection);
    }
}

void WriteBatch::forget(Connection *c)
{
    std::erase(m_dirty, c);
}

void WriteBatch::flush()
{
    m_posted = false;
    // Flushing may close a connection (too slow). A closed connection is deleted later, by the
    // event loop, never during this loop, so every pointer taken here stays valid until its
    // flushFromBatch(). One deleted before the flush began has been forget()-ed already.
    auto dirty = std::exchange(m_dirty, {});
    for (Connection *c : dirty)
        c->flushFromBatch();
}

} // namespace confab
