// A process's CPU time and peak memory, read from /proc (Linux).
#pragma once

#include <QFile>
#include <QString>
#include <unistd.h>

namespace confab::bench {

struct ProcStats {
    double cpuSeconds = 0; // user + system
    qint64 peakRssKiB = 0; // VmHWM
    qint64 rssKiB = 0;     // VmRSS
    bool ok = false;
};

inline ProcStats readProcStats(qint64 pid)
{
    ProcStats s;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return s;
    const QByteArray line = stat.readAll();
    // Fields after the command name, which is in parentheses and may contain spaces.
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
    if (fields.size() > 13) {
        const double ticks = double(sysconf(_SC_CLK_TCK));
        s.cpuSeconds = (fields[11].toDouble() + fields[12].toDouble()) / ticks;
    }
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (status.open(QIODevice::ReadOnly)) {
        for (const QByteArray &l : status.readAll().split('\n')) {
            if (l.startsWith("VmHWM:"))
                s.peakRssKiB = l.mid(6).trimmed().split(' ').value(0).toLongLong();
            else if (l.startsWith("VmRSS:"))
                s.rssKiB = l.mid(6).trimmed().split(' ').value(0).toLongLong();
        }
    }
    s.ok = true;
    return s;
}

} // namespace confab::bench
