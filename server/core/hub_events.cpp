// Protocol 1.1 room events: edits, deletions and reactions of a room's messages. Each is a
// member's request (not_in_room first, a token per frame like any), checked by the store in the
// same step as its write (Storage::applyEvent: the servers of a cluster race), and delivered to
// every member like a message, the sender's copy carrying `re`.
#include "connection.h"
#include "eventframes.h"
#include "hub.h"
#include "storage.h"

#include <QDateTime>
#include <QPointer>
#include <QUuid>

namespace confab {

using namespace Qt::StringLiterals;
using protocol::ChatMessage;
using protocol::Error;
using Verdict = EventOutcome::Verdict;

namespace {

ChatMessage draftEvent(ChatMessage::Kind kind, const QString &room, qint64 target,
                       const protocol::UserInfo &from)
{
    ChatMessage e;
    e.kind = kind;
    e.room = room;
    e.target = target;
    e.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    e.from = from;
    e.ts = QDateTime::currentMSecsSinceEpoch();
    return e;
}

} // namespace

void Hub::handleEdit(Connection *c, const Frame &f)
{
    const auto request =
        decode<protocol::EditRequest>(c, f, Access::MembersOnly, m_config.limits.maxTextBytes);
    Room *room = request ? memberRoom(c, f, request->room) : nullptr;
    if (!room)
        return;
    ChatMessage draft =
        draftEvent(ChatMessage::Kind::Edit, room->name, request->target, c->user->info());
    draft.text = request->text;
    applyEvent(c, f, *room, std::move(draft));
}

void Hub::handleDelete(Connection *c, const Frame &f)
{
    const auto request = decode<protocol::DeleteRequest>(c, f, Access::MembersOnly);
    Room *room = request ? memberRoom(c, f, request->room) : nullptr;
    if (!room)
        return;
    applyEvent(c, f, *room,
               draftEvent(ChatMessage::Kind::Delete, room->name, request->target, c->user->info()));
}

void Hub::handleReact(Connection *c, const Frame &f)
{
    const auto request = decode<protocol::ReactRequest>(c, f, Access::MembersOnly);
    Room *room = request ? memberRoom(c, f, request->room) : nullptr;
    if (!room)
        return;
    ChatMessage draft =
        draftEvent(ChatMessage::Kind::Reaction, room->name, request->target, c->user->info());
    draft.emoji = request->emoji;
    draft.on = request->on;
    applyEvent(c, f, *room, std::move(draft));
}

void Hub::applyEvent(Connection *c, const Frame &f, Room &room, ChatMessage draft)
{
    // Only edits are de-duplicated by their id (a repeated deletion or reaction changes
    // nothing anyway).
    const QString clientId = draft.kind == ChatMessage::Kind::Edit && f.hasId ? f.id : QString();
    // An operator may delete any message (the op flag is the user's, set at hello).
    const bool mayModerate = c->user->info().op;
    m_store.applyEvent(
        room, draft, clientId, mayModerate,
        [this, p = QPointer<Connection>(c), f](std::optional<EventOutcome> outcome) {
            Connection *sender = p && p->user ? p.data() : nullptr;
            if (!outcome) {
                if (sender)
                    sendUnavailable(sender, f);
                return;
            }
            switch (outcome->verdict) {
            case Verdict::Stored:
                if (Room *room = m_rooms.value(outcome->event.room))
                    deliverRoomMessage(*room, outcome->event, sender, &f);
                return;
            case Verdict::Unchanged:
                return; // nothing stored, nothing to answer
            case Verdict::Duplicate:
                if (sender)
                    reply(sender, f, outcome->event.toJson());
                return;
            case Verdict::NotFound:
                if (sender)
                    sendError(sender, &f, Error::NotFound, u"no such message in the room"_s);
                return;
            case Verdict::Forbidden:
                if (sender)
                    sendError(sender, &f, Error::Forbidden,
                              outcome->event.kind == ChatMessage::Kind::Edit
                                  ? u"only its author may edit a message"_s
                                  : u"only its author or an operator may delete a message"_s);
                return;
            case Verdict::TooManyEmoji:
                if (sender)
                    sendError(sender, &f, Error::BadRequest,
                              u"a message has at most %1 different emoji"_s.arg(
                                  protocol::MaxEmojiPerMessage));
                return;
            case Verdict::TooManyOfYours:
                if (sender)
                    sendError(sender, &f, Error::BadRequest,
                              u"one person may put at most %1 different emoji on a message"_s.arg(
                                  protocol::MaxEmojiPerUser));
                return;
            }
        });
}

} // namespace confab
