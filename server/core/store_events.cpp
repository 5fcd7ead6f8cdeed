// Protocol 1.1 room events in SQLite: edits, deletions and reactions, checked and written in one
// step, and the message state they leave (edited text, deletion, reactions, unread).
//
// The store is single-threaded, so "one step" is: commit what is queued (the checks then read
// everything stored before this event), check, give the seq, and queue the write for the group
// commit like a message's, so the event is on disk before any member receives it (hub.h). The
// next event's checks commit this one first.
//
// A deletion erases: the message's text and its edits' texts are blanked, its reactions and
// their emoji removed, and with PRAGMA secure_delete what SQLite frees is zeroed. The search
// index (search.db, searchindexer.h) drops the text a moment later, from a search_changes row
// written in the same transaction, and then purges its old segments (FTS5 keeps a removed
// text's terms in them until they are merged; SQLite 3.40 has no fts5 secure-delete). A
// search never shows a deleted text meanwhile: it reads each found message's current row.
#include "logging.h"
#include "room.h"
#include "searchindexer.h"
#include "sqlstatements.h"
#include "store.h"

#include <QDateTime>
#include <QScopeGuard>
#include <QSqlError>

namespace confab {

using protocol::ChatMessage;
using Kind = protocol::ChatMessage::Kind;
using Verdict = EventOutcome::Verdict;

std::optional<Store::Target> Store::findTarget(const QString &room, qint64 seq)
{
    m_findTarget->bindValue(0, room);
    m_findTarget->bindValue(1, seq);
    if (!exec(*m_findTarget, "event target") || !m_findTarget->next())
        return std::nullopt;
    Target t{m_findTarget->value(0).toLongLong(), Kind(m_findTarget->value(1).toInt()),
             m_findTarget->value(2).toString(), m_findTarget->value(3).toString(),
             m_findTarget->value(4).toInt() != 0};
    m_findTarget->finish();
    return t;
}

std::optional<Verdict> Store::checkReaction(const ChatMessage &draft)
{
    QSqlQuery &q = cached(QStringLiteral("SELECT COUNT(DISTINCT emoji), SUM(emoji = ? AND"
                                         " user_id = ?), SUM(emoji = ?), SUM(user_id = ?)"
                                         " FROM reactions WHERE room = ? AND seq = ?"));
    q.addBindValue(draft.emoji);
    q.addBindValue(draft.from.id);
    q.addBindValue(draft.emoji);
    q.addBindValue(draft.from.id);
    q.addBindValue(draft.room);
    q.addBindValue(draft.target);
    const auto done = qScopeGuard([&q] { q.finish(); });
    if (!exec(q, "reaction check") || !q.next())
        return Verdict::Unchanged;
    const bool already = q.value(1).toLongLong() > 0;
    if (already == draft.on)
        return Verdict::Unchanged; // nothing to store, nothing to answer
    const bool newEmoji = q.value(2).toLongLong() == 0;
    if (draft.on && newEmoji && q.value(0).toLongLong() >= protocol::MaxEmojiPerMessage)
        return Verdict::TooManyEmoji;
    // A user reacts with an emoji once: its rows on the message are its different emoji.
    if (draft.on && q.value(3).toLongLong() >= protocol::MaxEmojiPerUser)
        return Verdict::TooManyOfYours;
    return std::nullopt;
}

void Store::applyEvent(Room &room, const ChatMessage &draft, const QString &clientId,
                       bool mayModerate, Then<EventOutcome> then)
{
    // The checks see every write of this turn: it is in the open transaction (write).
    if (draft.kind == Kind::Edit && !clientId.isEmpty()) {
        const qint64 minTs = QDateTime::currentMSecsSinceEpoch() - protocol::DedupWindowMs;
        if (auto original = findByClientId(room.name, draft.from.id, clientId, minTs, Kind::Edit))
            return then(EventOutcome{Verdict::Duplicate, *original});
    }
    const auto target = findTarget(room.name, draft.target);
    if (!target || target->kind != Kind::Message || target->deleted)
        return then(EventOutcome{Verdict::NotFound, draft});
    switch (draft.kind) {
    case Kind::Edit:
        if (target->userId != draft.from.id)
            return then(EventOutcome{Verdict::Forbidden, draft});
        break;
    case Kind::Delete:
        if (target->userId != draft.from.id && !mayModerate)
            return then(EventOutcome{Verdict::Forbidden, draft});
        break;
    case Kind::Reaction:
        if (const auto refused = checkReaction(draft))
            return then(EventOutcome{*refused, draft});
        break;
    case Kind::Message: // not an event of this call
        return then(EventOutcome{Verdict::NotFound, draft});
    }
    ChatMessage event = draft;
    event.seq = ++room.lastSeq;
    writeEvent(event, clientId, *target);
    then(EventOutcome{Verdict::Stored, std::move(event)});
}

void Store::writeEvent(const ChatMessage &e, const QString &clientId, const Target &target)
{
    write([&] {
        const auto orNull = [](bool set, const QVariant &value) {
            return set ? value : QVariant();
        };
        const bool reaction = e.kind == Kind::Reaction;
        QSqlQuery &insert = *m_insertEvent;
        insert.bindValue(0, e.room);
        insert.bindValue(1, e.seq);
        insert.bindValue(2, e.id);
        insert.bindValue(3, e.from.id);
        insert.bindValue(4, e.from.nick);
        insert.bindValue(5, e.text.isNull() ? QStringLiteral("") : e.text); // never NULL
        insert.bindValue(6, e.ts);
        insert.bindValue(7, orNull(!clientId.isEmpty(), clientId));
        insert.bindValue(8, int(e.kind));
        insert.bindValue(9, orNull(!e.isMessage(), e.target));
        insert.bindValue(10, orNull(reaction, e.emoji));
        insert.bindValue(11, orNull(reaction, int(e.on)));
        insert.bindValue(12, orNull(e.replyTo.has_value(), e.replyTo.value_or(0)));
        if (!exec(insert, "insert event"))
            return;
        m_lastRowid = insert.lastInsertId().toLongLong();
        if (e.isMessage()) // a message with reply_to
            return void(m_indexNews = true);
        const auto run = [this](const QString &sql, const QVariantList &values) {
            QSqlQuery &q = cached(sql);
            for (const QVariant &v : values)
                q.addBindValue(v);
            exec(q, "event write");
        };
        switch (e.kind) {
        case Kind::Edit:
            run(QStringLiteral("UPDATE messages SET text = ?, edited_ts = ? WHERE rowid = ?"),
                {e.text, e.ts, target.rowid});
            noteChange(target.rowid);
            break;
        case Kind::Delete:
            run(QStringLiteral("UPDATE messages SET text = '', deleted = 1, edited_ts = NULL"
                               " WHERE rowid = ?"),
                {target.rowid});
            run(QStringLiteral("UPDATE messages SET text = '' WHERE room = ? AND target = ? AND"
                               " kind = 1"),
                {e.room, e.target});
            run(QStringLiteral("UPDATE messages SET emoji = '' WHERE room = ? AND target = ? AND"
                               " kind = 3"),
                {e.room, e.target});
            run(QStringLiteral("DELETE FROM reactions WHERE room = ? AND seq = ?"),
                {e.room, e.target});
            noteChange(target.rowid);
            break;
        case Kind::Reaction:
            if (e.on) {
                run(QStringLiteral("INSERT OR IGNORE INTO reactions(room, seq, emoji, user_id, at)"
                                   " VALUES (?, ?, ?, ?, ?)"),
                    {e.room, e.target, e.emoji, e.from.id, e.seq});
                m_anyReactions = true;
            } else {
                run(QStringLiteral("DELETE FROM reactions WHERE room = ? AND seq = ? AND"
                                   " emoji = ? AND user_id = ?"),
                    {e.room, e.target, e.emoji, e.from.id});
            }
            break;
        case Kind::Message:
            break;
        }
    });
}

void Store::noteChange(qint64 rowid)
{
    // What the index has applied is of no use any more (a few rows at most, deleted in passing).
    const qint64 applied = m_indexer ? m_indexer->appliedChange() : 0;
    if (applied > m_trimmedChange) {
        QSqlQuery &trim = cached(QStringLiteral("DELETE FROM search_changes WHERE id <= ?"));
        trim.addBindValue(applied);
        exec(trim, "search changes");
        m_trimmedChange = applied;
    }
    QSqlQuery &q = cached(QStringLiteral("INSERT INTO search_changes(msg_rowid) VALUES (?)"));
    q.addBindValue(rowid);
    if (exec(q, "search change")) {
        m_lastChange = q.lastInsertId().toLongLong();
        m_indexNews = true;
    }
}

void Store::attachReactions(QList<ChatMessage> &events)
{
    if (!m_anyReactions || events.isEmpty())
        return;
    QHash<qint64, ChatMessage *> bySeq;
    for (ChatMessage &m : events) {
        if (m.isMessage() && !m.deleted)
            bySeq.insert(m.seq, &m);
    }
    if (bySeq.isEmpty())
        return;
    QSqlQuery &q = cached(QStringLiteral("SELECT seq, emoji, user_id FROM reactions WHERE room = ?"
                                         " AND seq BETWEEN ? AND ? ORDER BY seq, at"));
    q.addBindValue(events.first().room);
    q.addBindValue(events.first().seq);
    q.addBindValue(events.last().seq);
    if (!exec(q, "reactions"))
        return;
    while (q.next()) {
        if (ChatMessage *m = bySeq.value(q.value(0).toLongLong()))
            m->reactions[q.value(1).toString()].append(q.value(2).toString());
    }
    q.finish();
}

qint64 Store::unreadAbove(const QString &room, qint64 read, qint64 lastSeq)
{
    if (read >= lastSeq)
        return 0;
    // Seqs are consecutive: the rows above `read` are lastSeq - read, and those that are not
    // counted (events, deleted messages) are few and in an index of their own.
    QSqlQuery &q = cached(QStringLiteral("SELECT COUNT(*) FROM messages WHERE room = ? AND seq > ?"
                                         " AND (kind <> 0 OR deleted <> 0)"));
    q.addBindValue(room);
    q.addBindValue(read);
    const qint64 uncounted = exec(q, "unread") && q.next() ? q.value(0).toLongLong() : 0;
    q.finish();
    return std::max<qint64>(0, lastSeq - read - uncounted);
}

void Store::forgetRoom(const QString &name)
{
    write([&] {
        const auto run = [this, &name](const QString &sql) {
            QSqlQuery q = prepare(sql);
            q.addBindValue(name);
            exec(q, "forget room");
        };
        const qint64 newestBefore = m_lastRowid;
        // Each of its messages leaves the index (searchindexer.h).
        run(QStringLiteral("INSERT INTO search_changes(msg_rowid) SELECT rowid FROM messages"
                           " WHERE room = ? AND kind = 0 ORDER BY rowid"));
        run(QStringLiteral("DELETE FROM messages WHERE room = ?"));
        run(QStringLiteral("DELETE FROM reactions WHERE room = ?"));
        readNewest();
        // The newest rows went: SQLite gives their rowids again, below where the index has
        // read. A mark tells it to read again from here.
        if (m_lastRowid < newestBefore)
            noteChange(-1 - m_lastRowid);
        m_indexNews = true;
    });
}

} // namespace confab
