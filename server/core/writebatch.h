// Gathers the frames written to each connection during one event-loop turn and hands them to
// the kernel together once the turn's work is done: one send() per connection per turn instead
// of one Qt buffered write (ring buffer, write notifier on and off, a poll round, a
// bytesWritten signal) per frame. Fan-out at 500 members spent about 30% of the server's time
// in that Qt machinery. One WriteBatch per event-loop thread; its connections live on it.
#pragma once

#include <QObject>
#include <vector>

namespace confab {

class Connection;

class WriteBatch : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    // CONFAB_WRITE_BATCH=0 writes each frame through Qt's socket buffer instead (to measure).
    bool enabled() const { return m_enabled; }
    // The connection has bytes waiting; flush it at the end of this turn.
    void enqueue(Connection *c);
    // The connection goes away before the flush.
    void forget(Connection *c);
    // Writes everything waiting now.
    void flush();

private:
    std::vector<Connection *> m_dirty;
    bool m_posted = false;
    const bool m_enabled = qEnvironmentVariable("CONFAB_WRITE_BATCH") != QLatin1String("0");
};

} // namespace confab
