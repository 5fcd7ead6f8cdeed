#include "messagemodel.h"

#include <QDateTime>
#include <QHash>
#include <QLocale>
#include <QRegularExpression>
#include <QSet>
#include <algorithm>

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

// A nick's pattern, compiled once: data() asks for the mention and the markup of every row it
// draws, and compiling a pattern per call was most of that (models live on the GUI thread).
const QRegularExpression &nickPattern(const QString &pattern)
{
    static QHash<QString, QRegularExpression> compiled;
    if (compiled.size() > 64) // nicks change rarely: a bound, not a policy
        compiled.clear();
    auto it = compiled.find(pattern);
    if (it == compiled.end())
        it = compiled.insert(
            pattern,
            QRegularExpression(pattern, QRegularExpression::CaseInsensitiveOption
                                            | QRegularExpression::UseUnicodePropertiesOption));
    return *it;
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
        return linkified(r.text, !r.notice && r.userId != m_ownUserId && mentions(r.text, m_ownNick)
                                     ? m_ownNick
                                     : QString());
    case FirstUnreadRole:
        return i == firstUnreadRow();
    case MentionRole:
        return !r.notice && r.userId != m_ownUserId && mentions(r.text, m_ownNick);
    case EditedRole:
        return r.editedTs > 0 && !r.deleted;
    case DeletedRole:
        return r.deleted;
    case ReactionsRole:
        return reactionsOf(r);
    case ReplyToRole:
        return r.replyTo;
    case ReplyNickRole:
    case ReplyTextRole:
    case ReplyDeletedRole: {
        const int quoted = r.replyTo > 0 ? indexOfSeq(r.replyTo) : -1;
        if (quoted < 0)
            return role == ReplyDeletedRole ? QVariant(false) : QVariant(QString());
        const Row &q = m_rows.at(quoted);
        if (role == ReplyNickRole)
            return q.nick;
        if (role == ReplyTextRole)
            return q.deleted ? QString() : q.text;
        return q.deleted;
    }
    case CanEditRole:
    case CanDeleteRole:
    case CanReactRole: {
        if (r.notice || r.pending || r.deleted || r.seq <= 0 || m_direct)
            return false;
        const bool own = r.userId == m_ownUserId;
        return role == CanReactRole || (role == CanEditRole ? own : own || m_ownOperator);
    }
    }
    return {};
}

void MessageModel::setOwnUserId(const QString &id)
{
    if (id == m_ownUserId)
        return;
    m_ownUserId = id;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0), index(int(m_rows.size()) - 1));
}

void MessageModel::setOwnNick(const QString &nick)
{
    if (nick == m_ownNick)
        return;
    m_ownNick = nick;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0), index(int(m_rows.size()) - 1), {MentionRole, HtmlRole});
}

void MessageModel::setOwnOperator(bool op)
{
    if (op == m_ownOperator)
        return;
    m_ownOperator = op;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0), index(int(m_rows.size()) - 1), {CanDeleteRole});
}

void MessageModel::setDirect(bool direct)
{
    if (direct == m_direct)
        return;
    m_direct = direct;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0), index(int(m_rows.size()) - 1),
                           {CanEditRole, CanDeleteRole, CanReactRole});
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
            {MentionRole, "mentionsMe"},
            {EditedRole, "edited"},
            {DeletedRole, "deleted"},
            {ReactionsRole, "reactions"},
            {ReplyToRole, "replyTo"},
            {ReplyNickRole, "replyNick"},
            {ReplyTextRole, "replyText"},
            {ReplyDeletedRole, "replyDeleted"},
            {CanEditRole, "canEdit"},
            {CanDeleteRole, "canDelete"},
            {CanReactRole, "canReact"}};
}

QVariantList MessageModel::reactionsOf(const Row &r) const
{
    QVariantList out;
    for (const auto &[emoji, users] : r.reactions) {
        QStringList who;
        for (const QString &id : users)
            who.append(id == m_ownUserId ? QObject::tr("you") : m_nicks.value(id, id.left(8)));
        const qint64 others = r.unlisted.value(emoji);
        if (others > 0)
            who.append(QObject::tr("%1 more").arg(others));
        out.append(QVariantMap{{u"emoji"_s, emoji},
                               {u"count"_s, int(users.size() + others)},
                               {u"mine"_s, users.contains(m_ownUserId)},
                               {u"who"_s, who.join(u", "_s)}});
    }
    return out;
}

void MessageModel::learnNick(const protocol::UserInfo &user)
{
    if (!user.id.isEmpty() && !user.nick.isEmpty())
        m_nicks.insert(user.id, user.nick);
}

bool MessageModel::mentions(const QString &text, const QString &nick)
{
    if (nick.isEmpty())
        return false;
    return nickPattern(u"(?<![\\w])@?"_s + QRegularExpression::escape(nick) + u"(?![\\w])"_s)
        .match(text)
        .hasMatch();
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
    // From the end (delivered rows are in seq order): as far back as the unread go, not the
    // whole history, for every row a delegate asks about.
    int first = -1;
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        const Row &r = m_rows[i];
        if (r.notice || r.pending)
            continue;
        if (r.seq <= m_readMarker)
            break;
        first = i;
    }
    return first;
}

QString MessageModel::linkified(const QString &text, const QString &mentionNick)
{
    // Escaping comes first, so nothing from the network can become markup; the URL pattern
    // then only sees escaped text and stops at whitespace, quotes and angle brackets. The web
    // client's rule (web/chat.js urlPattern; tests/clientspec): after a word boundary, and not
    // ending in punctuation or a closing bracket.
    static const QRegularExpression url(
        QStringLiteral(R"(\b(https?://[^\s<>"'&]*(?:&amp;[^\s<>"'&]*)*[^\s<>"'&.,;:!?)\]}]))"));
    const QString escaped = text.toHtmlEscaped();
    // A mention of the nick (itself escaped) as a word, outside the links; not right after an
    // entity's ';' or an '@' that is not its own.
    static const QRegularExpression none;
    const QRegularExpression &mention =
        mentionNick.isEmpty()
            ? none
            : nickPattern(u"(?<![\\w@;])@?"_s
                          + QRegularExpression::escape(mentionNick.toHtmlEscaped())
                          + u"(?![\\w])"_s);
    const auto marked = [&](QStringView plain) {
        if (mentionNick.isEmpty())
            return plain.toString();
        QString out;
        qsizetype last = 0;
        for (const auto &m : mention.globalMatch(plain)) {
            out += plain.mid(last, m.capturedStart() - last);
            out += u"<span class=\"mention\">"_s + m.captured() + u"</span>"_s;
            last = m.capturedEnd();
        }
        out += plain.mid(last);
        return out;
    };
    QString html;
    qsizetype last = 0;
    for (const auto &m : url.globalMatch(escaped)) {
        html += marked(QStringView(escaped).mid(last, m.capturedStart() - last));
        html += u"<a href=\""_s + m.captured(1) + u"\">"_s + m.captured(1) + u"</a>"_s;
        last = m.capturedEnd();
    }
    html += marked(QStringView(escaped).mid(last));
    html.replace(QLatin1Char('\n'), QStringLiteral("<br>"));
    return html;
}

MessageModel::Row MessageModel::rowFrom(const protocol::ChatMessage &m)
{
    Row r;
    r.seq = m.seq;
    r.messageId = m.id;
    r.userId = m.from.id;
    r.nick = m.from.nick;
    r.text = m.deleted ? QString() : m.text;
    r.ts = m.ts;
    r.editedTs = m.editedTs.value_or(0);
    r.deleted = m.deleted;
    r.replyTo = m.replyTo.value_or(0);
    for (auto it = m.reactions.cbegin(); it != m.reactions.cend(); ++it) {
        if (it.value().isEmpty())
            continue;
        r.reactions.append({it.key(), it.value()});
        if (const qint64 n = m.reactionCounts.value(it.key()); n > it.value().size())
            r.unlisted.insert(it.key(), n - it.value().size());
    }
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
    if (!m.isMessage()) { // an event is never a row of its own
        applyEvent(m);
        return;
    }
    learnNick(m.from);
    if (m.isDirect() ? indexOfId(m.id) >= 0 : indexOfSeq(m.seq) >= 0)
        return;
    insertRow(m.isDirect() ? insertPositionFor(0) : insertPositionFor(m.seq), rowFrom(m));
}

void MessageModel::rowChanged(int i, const QList<int> &roles)
{
    const QModelIndex at = index(i);
    Q_EMIT dataChanged(at, at, roles);
    // Replies quote this message: their quote follows its edit or deletion.
    const qint64 seq = m_rows.at(i).seq;
    for (int j = i + 1; j < m_rows.size(); ++j) {
        if (m_rows.at(j).replyTo == seq) {
            const QModelIndex reply = index(j);
            Q_EMIT dataChanged(reply, reply, {ReplyNickRole, ReplyTextRole, ReplyDeletedRole});
        }
    }
}

bool MessageModel::applyEvent(const protocol::ChatMessage &e)
{
    using Kind = protocol::ChatMessage::Kind;
    if (e.isMessage()) {
        const int before = int(m_rows.size());
        addMessage(e);
        return m_rows.size() != before;
    }
    learnNick(e.from);
    if (e.seq > 0 && (m_oldestEventSeq == 0 || e.seq < m_oldestEventSeq))
        m_oldestEventSeq = e.seq;
    const int i = indexOfSeq(e.target);
    if (i < 0 || m_rows.at(i).deleted)
        return false; // not loaded (it comes in its current state if it ever is), or gone
    Row &r = m_rows[i];
    switch (e.kind) {
    case Kind::Edit:
        if (r.userId != e.from.id)
            return false; // only its author edits a message (the server checks it too)
        r.text = e.text;
        r.editedTs = e.ts;
        rowChanged(i, {TextRole, HtmlRole, EditedRole, MentionRole, Qt::DisplayRole});
        return true;
    case Kind::Delete:
        r.deleted = true;
        r.text.clear();
        r.reactions.clear();
        r.unlisted.clear();
        rowChanged(i, {TextRole, HtmlRole, EditedRole, DeletedRole, ReactionsRole, MentionRole,
                       Qt::DisplayRole});
        return true;
    case Kind::Reaction: {
        auto it = std::find_if(r.reactions.begin(), r.reactions.end(),
                               [&](const auto &entry) { return entry.first == e.emoji; });
        if (e.on) {
            if (it == r.reactions.end()) {
                r.reactions.append({e.emoji, {e.from.id}});
            } else if (!it->second.contains(e.from.id)) {
                it->second.append(e.from.id);
            } else {
                return false;
            }
        } else {
            if (it == r.reactions.end())
                return false;
            if (!it->second.removeOne(e.from.id)) {
                // One the answer did not name took it back.
                auto unnamed = r.unlisted.find(e.emoji);
                if (unnamed == r.unlisted.end())
                    return false;
                if (--*unnamed <= 0)
                    r.unlisted.erase(unnamed);
            }
            if (it->second.isEmpty() && !r.unlisted.contains(e.emoji))
                r.reactions.erase(it);
        }
        const QModelIndex at = index(i);
        Q_EMIT dataChanged(at, at, {ReactionsRole});
        return true;
    }
    case Kind::Message:
        break;
    }
    return false;
}

void MessageModel::applyEvents(const QList<protocol::ChatMessage> &events)
{
    // Messages of the list are in their current state: what the list says about them is in
    // them already (applying it again could undo a later change the list does not repeat).
    QSet<qint64> current;
    for (const auto &e : events) {
        if (e.isMessage())
            current.insert(e.seq);
        if (e.seq > 0 && (m_oldestEventSeq == 0 || e.seq < m_oldestEventSeq))
            m_oldestEventSeq = e.seq;
    }
    for (const auto &e : events) {
        if (e.isMessage())
            addMessage(e);
        else if (!current.contains(e.target))
            applyEvent(e);
    }
}

void MessageModel::prependHistory(const QList<protocol::ChatMessage> &events)
{
    QSet<qint64> known;
    for (const Row &r : std::as_const(m_rows)) {
        if (!r.notice && !r.pending)
            known.insert(r.seq);
    }
    QList<Row> older;
    for (const auto &m : events) {
        if (m.seq > 0 && (m_oldestEventSeq == 0 || m.seq < m_oldestEventSeq))
            m_oldestEventSeq = m.seq;
        if (!m.isMessage())
            continue; // older than every loaded message, about messages in their current state
        learnNick(m.from);
        if (!known.contains(m.seq))
            older.append(rowFrom(m));
    }
    if (older.isEmpty()) {
        Q_EMIT countChanged(); // firstSeq may have moved back (a page of events only)
        return;
    }
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
                              const QString &text, qint64 ts, qint64 replyTo)
{
    Row r;
    r.replyTo = replyTo;
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
    m_oldestEventSeq = 0;
    endResetModel();
    Q_EMIT countChanged();
}

qint64 MessageModel::firstSeq() const
{
    qint64 first = 0;
    for (const Row &r : m_rows) {
        if (!r.notice && !r.pending && r.seq > 0) {
            first = r.seq;
            break;
        }
    }
    if (m_oldestEventSeq > 0 && (first == 0 || m_oldestEventSeq < first))
        return m_oldestEventSeq;
    return first;
}

qint64 MessageModel::lastOwnSeq() const
{
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        const Row &r = m_rows[i];
        if (!r.notice && !r.pending && !r.deleted && r.seq > 0 && r.userId == m_ownUserId)
            return r.seq;
    }
    return 0;
}

QString MessageModel::textOf(qint64 seq) const
{
    const int i = indexOfSeq(seq);
    return i < 0 ? QString() : m_rows[i].text;
}

QString MessageModel::nickOf(qint64 seq) const
{
    const int i = indexOfSeq(seq);
    return i < 0 ? QString() : m_rows[i].nick;
}

bool MessageModel::isDeleted(qint64 seq) const
{
    const int i = indexOfSeq(seq);
    return i >= 0 && m_rows[i].deleted;
}

int MessageModel::unreadAfter(qint64 readSeq) const
{
    int n = 0;
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        const Row &r = m_rows[i];
        if (r.notice || r.pending || r.seq <= 0)
            continue;
        if (r.seq <= readSeq)
            break;
        n += !r.deleted && r.userId != m_ownUserId;
    }
    return n;
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
