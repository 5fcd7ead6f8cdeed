#include "messagemodel.h"

#include <QDateTime>
#include <QLocale>
#include <QRegularExpression>
#include <QSet>

namespace confab::client {

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 GroupGapMs = 5 * 60 * 1000; // a pause this long starts a new group

QDate localDate(qint64 ts)
{
    return QDateTime::fromMSecsSinceEpoch(ts).date();
}

QString dayText(const QDate &day)
{
    const QDate today = QDate::currentDate();
    if (day == today)
        return QObject::tr("Today");
    if (day == today.addDays(-1))
        return QObject::tr("Yesterday");
    return QLocale().toString(day, QLocale::LongFormat);
}

} // namespace

int MessageModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant MessageModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const int i = index.row();
    const Row &r = m_rows.at(i);
    const Row *previous = i > 0 ? &m_rows.at(i - 1) : nullptr;
    const bool newDay = !previous || localDate(previous->ts) != localDate(r.ts);
    switch (role) {
    case KindRole:
        return r.notice ? QStringLiteral("notice") : QStringLiteral("message");
    case SeqRole:
        return r.seq;
    case MessageIdRole:
        return r.messageId;
    case UserIdRole:
        return r.userId;
    case NickRole:
        return r.nick;
    case Qt::DisplayRole:
    case TextRole:
        return r.text;
    case TsRole:
        return r.ts;
    case TimeTextRole:
        return QDateTime::fromMSecsSinceEpoch(r.ts).toString(QStringLiteral("HH:mm"));
    case DayTextRole:
        return newDay ? dayText(localDate(r.ts)) : QString();
    case ShowHeaderRole:
        // A queued message always shows its header: that is where "sending…" is.
        return r.notice || r.pending || newDay || !previous || previous->notice
               || previous->userId != r.userId || r.ts - previous->ts > GroupGapMs;
    case PendingRole:
        return r.pending;
    case OwnRole:
        return !r.notice && r.userId == m_ownUserId;
    case HtmlRole:
        return linkified(r.text);
    case FirstUnreadRole:
        return i == firstUnreadRow();
    case MentionRole:
        return !r.notice && r.userId != m_ownUserId && mentions(r.text, m_ownNick);
    }
    return {};
}

QHash<int, QByteArray> MessageModel::roleNames() const
{
    return {{KindRole, "kind"},
            {SeqRole, "seq"},
            {MessageIdRole, "messageId"},
            {UserIdRole, "userId"},
            {NickRole, "nick"},
            {TextRole, "text"},
            {TsRole, "ts"},
            {TimeTextRole, "timeText"},
            {DayTextRole, "dayText"},
            {ShowHeaderRole, "showHeader"},
            {PendingRole, "pending"},
            {OwnRole, "own"},
            {HtmlRole, "html"},
            {FirstUnreadRole, "firstUnread"},
            {MentionRole, "mentionsMe"}};
}

bool MessageModel::mentions(const QString &text, const QString &nick)
{
    if (nick.isEmpty())
        return false;
    const QRegularExpression word(
        u"(?<![\\w])@?"_s + QRegularExpression::escape(nick) + u"(?![\\w])"_s,
        QRegularExpression::CaseInsensitiveOption | QRegularExpression::UseUnicodePropertiesOption);
    return word.match(text).hasMatch();
}

void MessageModel::setReadMarker(qint64 seq)
{
    if (seq == m_readMarker)
        return;
    const int before = firstUnreadRow();
    m_readMarker = seq;
    const int after = firstUnreadRow();
    for (int row : {before, after}) {
        if (row >= 0)
            Q_EMIT dataChanged(index(row), index(row), {FirstUnreadRole});
    }
}

int MessageModel::firstUnreadRow() const
{
    if (m_readMarker <= 0)
        return -1; // never read: no line above everything
    for (int i = 0; i < m_rows.size(); ++i) {
        const Row &r = m_rows[i];
        if (!r.notice && !r.pending && r.seq > m_readMarker)
            return i;
    }
    return -1;
}

QString MessageModel::linkified(const QString &text)
{
    // Escaping comes first, so nothing from the network can become markup; the URL pattern
    // then only sees escaped text and stops at whitespace, quotes and angle brackets.
    static const QRegularExpression url(
        QStringLiteral(R"((https?://[^\s<>"'&]*(?:&amp;[^\s<>"'&]*)*[^\s<>"'&.,;:!?)]))"));
    QString escaped = text.toHtmlEscaped();
    escaped.replace(url, QStringLiteral(R"(<a href="\1">\1</a>)"));
    escaped.replace(QLatin1Char('\n'), QStringLiteral("<br>"));
    return escaped;
}

MessageModel::Row MessageModel::rowFrom(const protocol::ChatMessage &m)
{
    Row r;
    r.seq = m.seq;
    r.messageId = m.id;
    r.userId = m.from.id;
    r.nick = m.from.nick;
    r.text = m.text;
    r.ts = m.ts;
    return r;
}

int MessageModel::indexOfSeq(qint64 seq) const
{
    // Delivered rows are in seq order: search from the end, where new messages land, and stop
    // at the first smaller seq. (A resume that brings 1,000 messages stays linear.)
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        const Row &r = m_rows[i];
        if (r.notice || r.pending || r.seq <= 0)
            continue;
        if (r.seq == seq)
            return i;
        if (r.seq < seq)
            return -1;
    }
    return -1;
}

int MessageModel::indexOfId(const QString &messageId) const
{
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        if (m_rows[i].messageId == messageId)
            return i;
    }
    return -1;
}

int MessageModel::insertPositionFor(qint64 seq) const
{
    // Before the first delivered message with a higher seq; else before the pending rows (which
    // always end the list). Searched from the end, where new messages land.
    int position = int(m_rows.size());
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        const Row &r = m_rows[i];
        if (r.pending) {
            position = i;
            continue;
        }
        if (r.notice)
            continue;
        if (seq > 0 && r.seq > seq) {
            position = i;
            continue;
        }
        break; // delivered rows before this one all have smaller seqs
    }
    return position;
}

void MessageModel::insertRow(int position, const Row &row)
{
    beginInsertRows({}, position, position);
    m_rows.insert(position, row);
    endInsertRows();
    // The next row's header and day separator depend on this one.
    if (position + 1 < m_rows.size()) {
        const QModelIndex next = index(position + 1);
        Q_EMIT dataChanged(next, next, {ShowHeaderRole, DayTextRole});
    }
    Q_EMIT countChanged();
}

void MessageModel::addMessage(const protocol::ChatMessage &m)
{
    if (m.isDirect() ? indexOfId(m.id) >= 0 : indexOfSeq(m.seq) >= 0)
        return;
    insertRow(m.isDirect() ? insertPositionFor(0) : insertPositionFor(m.seq), rowFrom(m));
}

void MessageModel::prependHistory(const QList<protocol::ChatMessage> &messages)
{
    QSet<qint64> known;
    for (const Row &r : std::as_const(m_rows)) {
        if (!r.notice && !r.pending)
            known.insert(r.seq);
    }
    QList<Row> older;
    for (const auto &m : messages) {
        if (!known.contains(m.seq))
            older.append(rowFrom(m));
    }
    if (older.isEmpty())
        return;
    const int firstUnread = firstUnreadRow();
    const bool hadRows = !m_rows.isEmpty();
    beginInsertRows({}, 0, int(older.size()) - 1);
    m_rows = older + m_rows;
    endInsertRows();
    // The former first row may lose its day separator and header now that rows precede it.
    if (hadRows) {
        const QModelIndex former = index(int(older.size()));
        Q_EMIT dataChanged(former, former, {ShowHeaderRole, DayTextRole});
    }
    // The line may move up into the older page.
    if (firstUnread >= 0) {
        const QModelIndex moved = index(firstUnread + int(older.size()));
        Q_EMIT dataChanged(moved, moved, {FirstUnreadRole});
    }
    Q_EMIT countChanged();
}

void MessageModel::addPending(const QString &clientId, const protocol::UserInfo &from,
                              const QString &text, qint64 ts)
{
    Row r;
    r.clientId = clientId;
    r.userId = from.id;
    r.nick = from.nick;
    r.text = text;
    r.ts = ts > 0 ? ts : QDateTime::currentMSecsSinceEpoch();
    r.pending = true;
    insertRow(int(m_rows.size()), r);
}

void MessageModel::confirm(const QString &clientId, const protocol::ChatMessage &message)
{
    removePending(clientId);
    addMessage(message); // a no-op when the message already arrived (e.g. with join since)
}

void MessageModel::removePending(const QString &clientId)
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].pending && m_rows[i].clientId == clientId) {
            beginRemoveRows({}, i, i);
            m_rows.removeAt(i);
            endRemoveRows();
            Q_EMIT countChanged();
            return;
        }
    }
}

void MessageModel::addNotice(const QString &text, qint64 ts)
{
    Row r;
    r.notice = true;
    r.text = text;
    r.ts = ts;
    insertRow(insertPositionFor(0), r);
}

void MessageModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
    Q_EMIT countChanged();
}

qint64 MessageModel::firstSeq() const
{
    for (const Row &r : m_rows) {
        if (!r.notice && !r.pending && r.seq > 0)
            return r.seq;
    }
    return 0;
}

qint64 MessageModel::lastSeq() const
{
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        if (!m_rows[i].notice && !m_rows[i].pending && m_rows[i].seq > 0)
            return m_rows[i].seq;
    }
    return 0;
}

int MessageModel::messageCount() const
{
    int n = 0;
    for (const Row &r : m_rows)
        n += !r.notice && !r.pending;
    return n;
}

} // namespace confab::client
