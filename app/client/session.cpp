#include "session.h"

#include <QDateTime>
#include <QJsonArray>
#include <QLocale>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QRegularExpression>

Q_LOGGING_CATEGORY(lcSession, "confab.client.session", QtInfoMsg)

namespace confab::client {

using namespace Qt::StringLiterals;

namespace {
constexpr int MaxReconnectDelayMs = 10000;
}

Session::Session(QObject *parent)
    : QObject(parent)
{
    connect(&m_socket, &QWebSocket::connected, this, &Session::onConnected);
    connect(&m_socket, &QWebSocket::disconnected, this, [this] { onGone(std::nullopt); });
    connect(&m_socket, &QWebSocket::textMessageReceived, this, &Session::onText);
    // A refused or failed attempt does not always end in disconnected().
    connect(&m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            [this](QAbstractSocket::SocketError error) {
                m_lastError = error; // disconnected() may follow, without it
                if (m_socket.state() == QAbstractSocket::UnconnectedState)
                    onGone(error);
            });
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &Session::connectSocket);
    m_countdown.setInterval(1000);
    connect(&m_countdown, &QTimer::timeout, this, &Session::updateCountdown);
    m_connectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        qCInfo(lcSession) << m_url.toString() << "gave no welcome in" << connectTimeoutMs << "ms";
        if (m_established) {
            // A reconnect that hangs (a network gone quiet) is one more failed attempt.
            m_socketOpen = false;
            m_socket.abort();
            return scheduleReconnect();
        }
        fail(m_handshakeDone ? tr("%1 accepted the connection but never greeted us: it does not"
                                  " seem to be a Confab server.")
                                   .arg(m_url.authority())
                             : tr("%1 did not answer in time. Check the address and the port.")
                                   .arg(m_url.authority()));
    });
}

Session::~Session()
{
    m_socket.disconnect(this);
}

void Session::open(const QUrl &url, const protocol::Hello &hello)
{
    m_socketOpen = false; // what the old socket reports now is of no interest
    m_socket.abort();
    m_url = url;
    m_hello = hello;
    m_established = false;
    m_attempt = 0;
    m_banned = false;
    m_bannedUntil = 0;
    m_banReason.clear();
    m_reconnectTimer.stop();
    connectSocket();
}

void Session::stop()
{
    m_reconnectTimer.stop();
    m_countdown.stop();
    m_connectTimer.stop();
    m_socketOpen = false;
    m_established = false;
    m_socket.close();
}

void Session::close()
{
    stop();
    setState(Offline, tr("Disconnected"));
}

void Session::refuse(const QString &reason)
{
    stop();
    m_state = Failed;
    m_statusText = reason;
    Q_EMIT stateChanged();
}

void Session::send(const QJsonObject &frame)
{
    if (m_state == Online)
        m_socket.sendTextMessage(QString::fromUtf8(protocol::encode(frame)));
}

void Session::connectSocket()
{
    m_countdown.stop();
    m_reconnectSeconds = 0;
    Q_EMIT reconnectSecondsChanged();
    m_socketOpen = true;
    m_handshakeDone = false;
    m_lastError.reset();
    m_refusal.clear();
    m_connectTimer.start(connectTimeoutMs);
    setState(m_established ? Reconnecting : Connecting,
             m_established ? tr("Reconnecting to %1…").arg(m_url.host())
                           : tr("Connecting to %1…").arg(m_url.authority()));
    m_socket.open(m_url);
}

void Session::onConnected()
{
    m_handshakeDone = true;
    protocol::Hello hello = m_hello;
    if (!m_opPassword.isEmpty())
        hello.opPassword = m_opPassword;
    m_socket.sendTextMessage(QString::fromUtf8(protocol::encode(hello.toJson())));
}

void Session::onText(const QString &text)
{
    const auto decoded = protocol::decodeFrame(text.toUtf8());
    const auto *frame = std::get_if<protocol::Frame>(&decoded);
    if (!frame)
        return;
    if (frame->type == protocol::Welcome::Type) {
        auto welcome = protocol::Welcome::fromJson(frame->object);
        if (auto *w = std::get_if<protocol::Welcome>(&welcome)) {
            m_connectTimer.stop();
            m_established = true;
            m_attempt = 0;
            m_hello.nick = w->user.nick;
            m_features = w->features;
            setState(Online, tr("Connected to %1").arg(w->serverName));
            Q_EMIT welcomed(*w);
        }
        return;
    }
    if (frame->type == protocol::ErrorFrame::Type) {
        // A ban comes as this error, then the close 4004 (before a welcome or while online).
        const auto decoded = protocol::ErrorFrame::fromJson(frame->object);
        if (const auto *error = std::get_if<protocol::ErrorFrame>(&decoded);
            error && error->is(protocol::Error::Banned)) {
            m_banned = true;
            m_banReason = error->message;
            m_bannedUntil =
                error->retryMs ? QDateTime::currentMSecsSinceEpoch() + *error->retryMs : 0;
        }
    }
    if (m_state != Online && frame->type == protocol::ErrorFrame::Type) {
        // Before the welcome an error is the server's reason for refusing us.
        const auto decoded = protocol::ErrorFrame::fromJson(frame->object);
        if (const auto *error = std::get_if<protocol::ErrorFrame>(&decoded)) {
            m_refusal = error->message;
            if (error->is(protocol::Error::BadNick))
                return fail(tr("The server refused the nick: %1").arg(m_refusal));
        }
    }
    Q_EMIT frameReceived(*frame);
}

void Session::onGone(std::optional<QAbstractSocket::SocketError> error)
{
    if (!m_socketOpen)
        return; // already handled (an error followed by disconnected, or closed by us)
    m_socketOpen = false;
    m_connectTimer.stop();
    if (!error) // QWebSocket reports some failures (no such host) only through error()
        error = m_lastError ? m_lastError : std::optional(m_socket.error());
    const bool wasOnline = m_state == Online;
    const int code = int(m_socket.closeCode());
    qCInfo(lcSession) << m_url.toString() << "gone:" << (error ? int(*error) : -1) << code
                      << m_socket.errorString();
    if (wasOnline)
        Q_EMIT connectionLost();
    if (code == protocol::CloseBanned || m_banned) {
        m_banned = true; // no reconnect: every attempt would be refused until the ban ends
        return fail(bannedText());
    }
    if (code == protocol::CloseAuthFailed) {
        if (m_hello.password.value_or(QString()).isEmpty())
            return fail(
                tr("%1 needs a password: type it in the Password field.").arg(m_url.authority()));
        return fail(tr("Wrong password for %1.").arg(m_url.authority()));
    }
    if (code == protocol::CloseProtocolError)
        return fail(tr("%1 speaks another version of the Confab protocol.").arg(m_url.authority()));
    if (!m_established)
        return fail(failureReason(error));
    scheduleReconnect();
}

QString Session::failureReason(std::optional<QAbstractSocket::SocketError> error) const
{
    const QString where = m_url.authority();
    if (int(m_socket.closeCode()) == protocol::CloseServerFull)
        return tr("%1 is full: try again later.").arg(where);
    if (!m_refusal.isEmpty())
        return tr("%1 refused the connection: %2").arg(where, m_refusal);
    // QWebSocket reports a failed upgrade (an HTTP answer other than 101) as a refused
    // connection too; its text tells the two apart.
    const QString detail = m_socket.errorString();
    const bool upgradeFailed = detail.contains("handshake"_L1, Qt::CaseInsensitive)
                               || detail.contains("http"_L1, Qt::CaseInsensitive);
    if (error == QAbstractSocket::HostNotFoundError)
        return tr("No such host: %1. Check the address.").arg(m_url.host());
    if (error == QAbstractSocket::ConnectionRefusedError && !upgradeFailed)
        return tr("Nothing answers at %1 (connection refused). Is the host running, and is the"
                  " port right?")
            .arg(where);
    if (error == QAbstractSocket::SocketTimeoutError || error == QAbstractSocket::NetworkError)
        return tr("%1 did not answer in time. Check the address and the port.").arg(where);
    // A web server's answer, as QWebSocket words it: "…: Unhandled http status code: 404 (…)."
    static const QRegularExpression httpStatus(u"http status code: (\\d+) \\(([^)]*)\\)"_s,
                                               QRegularExpression::CaseInsensitiveOption);
    if (const auto http = httpStatus.match(detail); http.hasMatch())
        return tr("%1 is not a Confab server: it answers as a web server does (HTTP %2 %3).")
            .arg(where, http.captured(1), http.captured(2));
    // Otherwise its text without the "Class::method: " it starts with.
    static const QRegularExpression origin(u"^\\w+::\\w+: "_s);
    QString why = detail;
    why.remove(origin);
    while (why.endsWith(u'.'))
        why.chop(1);
    return tr("%1 is not a Confab server (%2).")
        .arg(where, why.isEmpty() ? tr("it closed the connection") : why);
}

QString Session::bannedText() const
{
    QString text = tr("You are banned from %1").arg(m_url.authority());
    if (m_bannedUntil > 0)
        text += tr(" until %1")
                    .arg(QLocale().toString(QDateTime::fromMSecsSinceEpoch(m_bannedUntil),
                                            QLocale::ShortFormat));
    text += u'.';
    if (!m_banReason.isEmpty())
        text += u' ' + tr("Reason: %1").arg(m_banReason);
    return text;
}

void Session::fail(const QString &reason)
{
    m_socketOpen = false;
    m_connectTimer.stop();
    m_reconnectTimer.stop();
    m_countdown.stop();
    m_socket.abort();
    setState(Failed, reason);
}

void Session::scheduleReconnect()
{
    const int exponent = std::min(m_attempt, 10);
    const int delay = std::min(MaxReconnectDelayMs, reconnectBaseMs << exponent);
    const int jitter = QRandomGenerator::global()->bounded(delay / 4 + 1);
    ++m_attempt;
    m_reconnectTimer.start(delay + jitter);
    m_countdown.start();
    updateCountdown();
}

void Session::updateCountdown()
{
    const int seconds = (m_reconnectTimer.remainingTime() + 999) / 1000;
    if (seconds != m_reconnectSeconds) {
        m_reconnectSeconds = seconds;
        Q_EMIT reconnectSecondsChanged();
    }
    setState(Reconnecting, tr("Connection lost. Reconnecting in %1 s…").arg(seconds));
}

void Session::setState(State state, const QString &text)
{
    if (state == m_state && text == m_statusText)
        return;
    m_state = state;
    m_statusText = text;
    Q_EMIT stateChanged();
}

} // namespace confab::client
