// Requests: the faults of a frame that did not decode (frames.h), and the membership check, in
// the order the server answers them: a malformed room, then not_in_room, then the rest.
#include "connection.h"
#include "hub.h"

namespace confab {

using namespace Qt::StringLiterals;

void Hub::refuse(Connection *c, const Frame &f, const protocol::DecodeError &fault, Access access)
{
    // The room was valid and a later member was not: a connection outside the room learns that
    // first, as it would for a well-formed request.
    if (access == Access::MembersOnly && fault.room && !memberRoom(c, f, *fault.room))
        return;
    sendError(c, &f, fault.error, fault.message);
}

Room *Hub::memberRoom(Connection *c, const Frame &f, const QString &room)
{
    if (!c->rooms.contains(room)) {
        sendError(c, &f, Error::NotInRoom, u"join '%1' first"_s.arg(room));
        return nullptr;
    }
    return m_rooms.value(room);
}

} // namespace confab
