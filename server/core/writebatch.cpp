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
    // Take one connection off the list at a time: flushing one may close it (too slow), and a
    // closed connection may be deleted later, but only once it is off this list.
    auto dirty = std::exchange(m_dirty, {});
    for (Connection *c : dirty)
        c->flushFromBatch();
}

} // namespace confab
