// Records the log messages of confab's categories while it lives (and still prints them), so
// that a test can count what the server logged.
#pragma once

#include <QMutex>
#include <QStringList>
#include <QtGlobal>

namespace confab::test {

class LogCapture
{
public:
    LogCapture()
    {
        m_previous = qInstallMessageHandler(&LogCapture::handle);
        current() = this;
    }
    ~LogCapture()
    {
        qInstallMessageHandler(m_previous);
        current() = nullptr;
    }
    LogCapture(const LogCapture &) = delete;
    LogCapture &operator=(const LogCapture &) = delete;

    // Messages containing `text`.
    QStringList matching(const QString &text) const
    {
        QMutexLocker lock(&m_mutex);
        return m_lines.filter(text);
    }

private:
    static LogCapture *&current()
    {
        static LogCapture *instance = nullptr;
        return instance;
    }
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        if (LogCapture *self = current()) {
            if (context.category && QByteArrayView(context.category).startsWith("confab.")) {
                QMutexLocker lock(&self->m_mutex);
                self->m_lines.append(message);
            }
            if (self->m_previous)
                self->m_previous(type, context, message);
        }
    }

    QtMessageHandler m_previous = nullptr;
    mutable QMutex m_mutex;
    QStringList m_lines;
};

} // namespace confab::test
