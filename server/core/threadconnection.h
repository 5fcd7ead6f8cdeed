// A SQLite connection of one worker thread (the WAL checkpointer, the search indexer, the search
// worker), and the signal that the thread has opened its files.
//
// A QSqlDatabase connection belongs to the thread that made it, under a name of its own, and
// must be removed there once every query on it is gone: ThreadConnection does that dance.
// SQLite opens a WAL database's -wal and -shm files at the first read, not at open, so the
// constructor reads once: every descriptor the connection needs is taken before the thread
// says it is ready (OpenedSignal). The store waits for that before the server listens; a
// connect storm at start then cannot take the descriptors these files need (tst_security saw
// 11 of them opened after a crowd of sockets, leaving 5 of 64 free).
#pragma once

#include <QSemaphore>
#include <QSqlDatabase>
#include <QString>

namespace confab {

class ThreadConnection
{
public:
    // `purpose` names the connection in Qt's list (a uuid follows) and in failures logged.
    ThreadConnection(const QString &purpose, const QString &path, const QString &options = {});
    ~ThreadConnection(); // closes and removes; queries on it must be gone by then
    ThreadConnection(const ThreadConnection &) = delete;
    ThreadConnection &operator=(const ThreadConnection &) = delete;

    QSqlDatabase &db() { return m_db; }
    bool isOpen() const { return m_db.isOpen(); }

private:
    const QString m_name;
    QSqlDatabase m_db;
};

// Set once by a worker thread when its files are open (or failed to open); waited for by the
// thread that started it.
class OpenedSignal
{
public:
    void set() { m_opened.release(); }
    // False when the thread did not say so within timeoutMs.
    bool wait(int timeoutMs);

private:
    QSemaphore m_opened;
    bool m_seen = false;
};

} // namespace confab
