// The Lua scripts that make each cluster operation one atomic step in Redis (redisscripts.cpp
// has their texts and says what each one does). Every key a script touches carries the same
// hash tag, so each script runs on one slot of a Redis Cluster.
#pragma once

#include <QByteArray>

namespace confab::redis {

struct Script {
    const char *name;
    QByteArray body;
    QByteArray sha; // SHA-1 of the body, for EVALSHA
};

const Script &appendScript();  // de-duplication check, next seq, log append, doorbell: one step
const Script &eventScript();   // edit, deletion, reaction: checks, next seq, log, state, doorbell
const Script &historyScript(); // a page of events in their current state
const Script &rangeScript();   // events from a seq on (catch-up, the search copy)
const Script &joinScript();    // the room (a new epoch if none), presence, history
const Script &leaveScript();   // presence leave when the user's last server left the room
const Script &topicScript();
const Script &typingScript();   // the 2 s throttle per user and room, and the relay
const Script &readScript();     // a read position that only moves forward, and its relay
const Script &userScript();     // a token's user: the stored one or the given one, and its reads
const Script &nickScript();     // a member entry's new nick, where the user is a member
const Script &roomInfoScript(); // a room's topic, seq and member count (the rooms list)
const Script &directScript();   // a direct message's client id, claimed for 24 h (or its original)

// Every script, for SCRIPT LOAD on connect.
const Script *const *allScripts();

} // namespace confab::redis
