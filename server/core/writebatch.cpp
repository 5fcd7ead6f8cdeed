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
    // A flush may close a slow connection, which may enqueue nothing new but may forget().
    auto dirty = std::exchange(m_dirty, {});
    for (Connection *c : dirty) {
        if (c)
            c->flushOut();
    }
}

} // namespace confab
