// A few scripted chat partners for --demo: real WebSocket clients that join the app's server
// and hold a short conversation, so a screenshot shows a busy chat made the honest way.
#pragma once

#include <QList>
#include <QObject>
#include <QWebSocket>
#include <memory>

namespace confab::app {

class DemoBots : public QObject
{
    Q_OBJECT
public:
    explicit DemoBots(quint16 port, QObject *parent = nullptr);
    void start();

Q_SIGNALS:
    void finished();

private:
    enum class Action { Send, Topic, Join };
    struct Line {
        int bot;
        Action action;
        QString text;
    };
    void next();

    quint16 m_port;
    QList<std::shared_ptr<QWebSocket>> m_bots;
    QList<Line> m_script;
    int m_step = 0;
};

} // namespace confab::app
