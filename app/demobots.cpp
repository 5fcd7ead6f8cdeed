#include "demobots.h"

#include "frames.h"

#include <QTimer>

namespace confab::app {

namespace {
const QStringList nicks{QStringLiteral("Priya"), QStringLiteral("Sam"), QStringLiteral("Jonas")};
const QString room = QStringLiteral("general");

void send(QWebSocket &socket, const QJsonObject &frame)
{
    socket.sendTextMessage(QString::fromUtf8(protocol::encode(frame)));
}
} // namespace

DemoBots::DemoBots(quint16 port, QObject *parent)
    : QObject(parent)
    , m_port(port)
{
    m_script = {
        {0, Action::Topic, "Sprint 14: release on Friday"},
        {0, Action::Send,
         "Morning! The staging build is up: https://staging.example.org/build/214"},
        {1, Action::Send, "Nice. Running the smoke tests now"},
        {1, Action::Send, "Login and search look good"},
        {2, Action::Join, {}},
        {2, Action::Send, "Sorry I'm late, the train was stuck at Hauptbahnhof"},
        {0, Action::Send, "No worries Jonas. Can you check the <b>release notes</b> draft?"},
        {2, Action::Send, "On it. I'll paste the summary here in 10 minutes"},
        {1, Action::Send, "Uploads over 2 GB still time out, filed as #482"},
        {0, Action::Send, "Thanks Sam, let's keep that for next week"},
    };
}

void DemoBots::start()
{
    for (int i = 0; i < nicks.size(); ++i) {
        auto socket = std::make_shared<QWebSocket>();
        const QString nick = nicks[i];
        const bool joinsLater = i == 2;
        connect(socket.get(), &QWebSocket::connected, this, [socket, nick, joinsLater] {
            protocol::Hello hello;
            hello.nick = nick;
            send(*socket, hello.toJson());
            if (!joinsLater)
                send(*socket, protocol::JoinRequest{room, std::nullopt}.toJson());
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
    switch (line.action) {
    case Action::Join:
        send(bot, protocol::JoinRequest{room, std::nullopt}.toJson());
        break;
    case Action::Topic:
        send(bot, protocol::TopicRequest{room, line.text}.toJson());
        break;
    case Action::Send:
        send(bot, protocol::TypingRequest{room}.toJson());
        send(bot, protocol::SendRequest{room, std::nullopt, line.text}.toJson());
        break;
    }
    QTimer::singleShot(120, this, &DemoBots::next);
}

} // namespace confab::app
