// An event dispatcher on Linux epoll for the server's event-loop threads.
//
// Qt's own dispatchers (GLib's, and Qt's poll()-based one that QT_NO_GLIB selects) hand the
// kernel the whole list of sockets on every loop iteration. With 1,000 clients each sending now
// and then, every wake-up for one message cost a poll() over 1,000 descriptors: more than half of
// the server's time in the "rooms" benchmark. epoll keeps the interest list in the kernel, so a
// wake-up costs what is ready, not what is open.
//
// Timers are kept in a deadline-ordered map (all treated as precise); posted events go through
// QCoreApplication::sendPostedEvents; wakeUp() writes to an eventfd. Only for threads without a
// GUI: the desktop app's GUI thread keeps Qt's dispatcher.
#pragma once

#include <QAbstractEventDispatcher>
#include <QHash>
#include <atomic>
#include <map>

class QSocketNotifier;

namespace confab {

class EpollEventDispatcher : public QAbstractEventDispatcher
{
    Q_OBJECT
public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;
    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;
    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;
    void wakeUp() override;
    void interrupt() override;

private:
    struct Watch {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        QSocketNotifier *exception = nullptr;
        uint32_t events = 0; // what epoll was last told
    };
    struct Timer {
        qint64 intervalMs = 0;
        Qt::TimerType type = Qt::CoarseTimer;
        QObject *object = nullptr;
        qint64 deadlineNs = 0;
        bool firing = false; // its timer event is being delivered (nested loops skip it)
    };
    using Deadlines = std::multimap<qint64, int>;

    void updateWatch(int fd, Watch &w);
    void activate(QSocketNotifier *notifier);
    int activateTimers();
    int timeoutMs() const;
    void schedule(int timerId, Timer &t, qint64 deadlineNs);
    void unschedule(int timerId, const Timer &t);

    int m_epoll = -1;
    int m_wakeFd = -1;
    std::atomic<bool> m_wakeUps{false};
    std::atomic<bool> m_interrupt{false};
    QHash<int, Watch> m_watches;
    QHash<int, Timer> m_timers;
    Deadlines m_deadlines;
};

// Makes the calling thread's future event loops use EpollEventDispatcher (call before
// QCoreApplication exists, or set it on a QThread before start()). CONFAB_EVENT_DISPATCHER=qt in
// the environment keeps Qt's own instead.
bool epollDispatcherWanted();

} // namespace confab
