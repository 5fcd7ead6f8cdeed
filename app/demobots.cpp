#include "demobots.h"

#include "codec.h"

#include <QJsonObject>
#include <QTimer>

namespace confab::app {

namespace {
const QStringList nicks{QStringLiteral("Priya"), QStringLiteral("Sam"), QStringLiteral("Jonas")};
}

DemoBots::DemoBots(quint16 port, QObject *parent)
    : QObject(parent)
    , m_port(port)
{
    m_script = {
        {0, "topic", "Sprint 14: release on Friday"},
        {0, "send", "Morning! The staging build is up: https://staging.example.org/build/214"},
        {1, "send", "Nice. Running the smoke tests now"},
        {1, "send", "Login and search look good"},
        {2, "join", ""},
        {2, "send", "Sorry I'm late, the train was stuck at Hauptbahnhof"},
        {0, "send", "No worries Jonas. Can you check the <b>release notes</b> draft?"},
        {2, "send", "On it. I'll paste the summary here in 10 minutes"},
        {1, "send", "Uploads over 2 GB still time out, filed as #482"},
        {0, "send", "Thanks Sam, let's keep that for next week"},
    };
}

void DemoBots::start()
{
    for (int i = 0; i < nicks.size(); ++i) {
        auto socket = std::make_shared<QWebSocket>();
        const QString nick = nicks[i];
        const bool joinsLater = i == 2;
        connect(socket.get(), &QWebSocket::connected, this, [socket, nick, joinsLater] {
            socket->sendTextMessage(
                QString::fromUtf8(protocol::encode({{"type", "hello"}, {"nick", nick}})));
            if (!joinsLater)
                socket->sendTextMessage(
                    QString::fromUtf8(protocol::encode({{"type", "join"}, {"room", "general"}})));
        });
        socket->open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(m_port)));
        m_bots.append(socket);
    }
    QTimer::singleShot(400, this, &DemoBots::next);
}

void DemoBots::next()
{
    if (m_step >= m_script.size()) {
        Q_EMIT finished();
        return;
    }
    const Line &line = m_script[m_step++];
    QWebSocket &bot = *m_bots[line.bot];
    QJsonObject frame{{"room", "general"}};
    if (line.type == u"join") {
        frame.insert("type", "join");
    } else if (line.type == u"topic") {
        frame.insert("type", "topic");
        frame.insert("topic", line.text);
    } else {
        bot.sendTextMessage(
            QString::fromUtf8(protocol::encode({{"type", "typing"}, {"room", "general"}})));
        frame.insert("type", "send");
        frame.insert("text", line.text);
    }
    bot.sendTextMessage(QString::fromUtf8(protocol::encode(frame)));
    QTimer::singleShot(120, this, &DemoBots::next);
}

} // namespace confab::app
