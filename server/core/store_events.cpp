// Protocol 1.1 room events in SQLite: edits, deletions and reactions, checked and written in one
// step, and the message state they leave (edited text, deletion, reactions, unread).
//
// The store is single-threaded, so "one step" is: commit what is queued (the checks then read
// everything stored before this event), check, give the seq, and queue the write for the group
// commit like a message's, so the event is on disk before any member receives it (hub.h). The
// next event's checks commit this one first.
//
// A deletion erases: the message's text and its edits' texts are blanked, its reactions and
// their emoji removed, its text removed from the FTS index in the same transaction, and with
// PRAGMA secure_delete what SQLite frees is zeroed. FTS5 still keeps a removed text's terms in
// its older segments until they are merged (SQLite 3.40 has no fts5 secure-delete), so a purge
// merges the index into one segment after deletions, in small steps on the event loop.
#include "logging.h"
#include "room.h"
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
        if (e.isMessage()) // a message with reply_to
            return m_unindexed.push_back({insert.lastInsertId().toLongLong(), e.text});
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
            reindex(target, e.text);
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
            reindex(target, QString());
            schedulePurge();
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

void Store::reindex(const Target &target, const QString &text)
{
    if (target.rowid > m_indexedRowid) { // not indexed yet: the batch indexes the new text
        const auto it = std::find_if(m_unindexed.begin(), m_unindexed.end(),
                                     [&](const auto &row) { return row.first == target.rowid; });
        if (it == m_unindexed.end())
            return;
        if (text.isEmpty())
            m_unindexed.erase(it);
        else
            it->second = text;
        return;
    }
    // External content: FTS5 removes an entry given the text it indexed, which is the row's
    // text before this write.
    QSqlQuery &q = cached(QStringLiteral("INSERT INTO messages_fts(messages_fts, rowid, text)"
                                         " VALUES ('delete', ?, ?)"));
    q.addBindValue(target.rowid);
    q.addBindValue(target.text);
    exec(q, "unindex message");
    if (text.isEmpty())
        return;
    m_indexMessage->bindValue(0, target.rowid);
    m_indexMessage->bindValue(1, text);
    exec(*m_indexMessage, "reindex message");
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
    commit();
    indexPending(); // then the index holds exactly the room's live messages, with their texts
    write([&] {
        const auto run = [this, &name](const QString &sql) {
            QSqlQuery q = prepare(sql);
            q.addBindValue(name);
            exec(q, "forget room");
        };
        // External content: FTS5 removes an entry given the text it indexed.
        run(QStringLiteral("INSERT INTO messages_fts(messages_fts, rowid, text) SELECT 'delete',"
                           " rowid, text FROM messages WHERE room = ? AND kind = 0 AND"
                           " deleted = 0"));
        run(QStringLiteral("DELETE FROM messages WHERE room = ?"));
        run(QStringLiteral("DELETE FROM reactions WHERE room = ?"));
    });
    schedulePurge();
}

void Store::schedulePurge()
{
    m_purgeOwed = true;
    if (m_purgeTimer.isActive())
        return; // deletions close together share one purge
    // A purge rewrites the whole index, so its cost grows with the history: the next one
    // waits PurgeDutyFactor times as long as the last one took, keeping purges under about 5 %
    // of the loop in a chat of millions of messages (a steady stream of deletions purged
    // nonstop before). In a small chat that is the usual 2 s.
    const qint64 sinceLast = m_lastPurgeEndMs ? purgeClockMs() - m_lastPurgeEndMs : 0;
    const qint64 spacing = m_lastPurgeMs * PurgeDutyFactor - sinceLast;
    m_purgeTimer.start(int(std::clamp<qint64>(spacing, PurgeDelayMs, MaxPurgeSpacingMs)));
}

qint64 Store::purgeClockMs() const
{
    if (m_purgeClock)
        return m_purgeClock();
    return QDateTime::currentMSecsSinceEpoch(); // coarse is enough: purges take milliseconds
}

void Store::purgeSome()
{
    if (!m_purging) {
        m_purging = true;
        m_purgeSpentMs = 0;
        m_purgeOwed = false; // the deletions so far are this purge's (later ones: owed again)
    }
    const qint64 started = purgeClockMs();
    const bool done = purgeStep(PurgePages);
    m_purgeSpentMs += purgeClockMs() - started;
    if (!done)
        return m_purgeTimer.start(0); // the next step after whatever else is waiting
    m_purging = false;
    m_lastPurgeMs = m_purgeSpentMs;
    m_lastPurgeEndMs = purgeClockMs();
    if (m_purgeOwed) // deletions during this purge: another, spaced
        schedulePurge();
}

bool Store::purgeStep(int pages)
{
    if (!m_db.isOpen())
        return true;
    commit();
    // 'merge' with a negative page count merges any segments, about that many pages per call;
    // once the index is one segment, the removed entries are gone with the old ones. A call that
    // changes fewer than two rows found nothing left to merge (FTS5's documented test).
    QSqlQuery q(m_db);
    const auto changes = [&q] {
        return sql::run(q, QStringLiteral("SELECT total_changes()")) && q.next()
                   ? q.value(0).toLongLong()
                   : 0;
    };
    const qint64 before = changes();
    q = prepare(QStringLiteral("INSERT INTO messages_fts(messages_fts, rank) VALUES ('merge', ?)"));
    q.addBindValue(-pages);
    if (!exec(q, "index purge"))
        return true;
    return changes() - before < 2;
}

} // namespace confab
