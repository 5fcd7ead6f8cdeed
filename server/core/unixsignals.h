// Turns SIGINT and SIGTERM into a Qt signal on the event loop (self-pipe), so that shutdown
// runs as ordinary event-loop code rather than inside a signal handler.
#pragma once

#include <QObject>
#include <QSocketNotifier>
#include <initializer_list>
#include <memory>

namespace confab {

class UnixSignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit UnixSignalWatcher(std::initializer_list<int> signalNumbers, QObject *parent = nullptr);
    ~UnixSignalWatcher() override;

Q_SIGNALS:
    void received(int signal);

private:
    std::unique_ptr<QSocketNotifier> m_notifier;
};

} // namespace confab
