// Copies the SQLite write-ahead log back into the database on a thread of its own.
//
// SQLite normally does this inside a commit once the WAL passes 1,000 pages, and with
// synchronous=NORMAL that checkpoint fsyncs the WAL and the database: 2 to 8 ms on these
// machines, during which the event loop (and every delivery waiting for a commit) stands still.
// The store moves SQLite's automatic checkpoint out to 10,000 pages (a safety net) and this
// thread runs a PASSIVE checkpoint every interval on its own connection; writers go on
// appending to the WAL meanwhile.
#pragma once

#include "threadconnection.h"

#include <QMutex>
#include <QSqlDatabase>
#include <QString>
#include <QThread>
#include <QWaitCondition>

namespace confab {

class WalCheckpointer : public QThread
{
public:
    WalCheckpointer(QString databasePath, int intervalMs);
    ~WalCheckpointer() override; // stops and joins

    void stop();
    // Once the thread's connection has its files open (see ThreadConnection).
    bool waitUntilOpen(int timeoutMs) { return m_opened.wait(timeoutMs); }
    // Checkpoints done so far (for tests).
    int checkpoints() const;

protected:
    void run() override;

private:
    static constexpr int MaxPasses = 8;
    static constexpr int ShortLogFrames = 256; // 1 MiB: the log has been started again
    void checkpointUntilRestartable(QSqlDatabase &db);

    const QString m_path;
    const int m_intervalMs;
    mutable QMutex m_mutex;
    QWaitCondition m_wake;
    bool m_stopping = false;
    int m_checkpoints = 0;
    OpenedSignal m_opened;
};

} // namespace confab
