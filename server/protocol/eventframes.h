// Protocol 1.1 room events besides messages: edits, deletions and reactions, the requests that
// make them and the events every member gets (PROTOCOL.md, "Version 1.1"). Each event has the
// room's next seq, like a message, so `join` with `since` recovers missed edits and reactions as
// it recovers missed messages. Written like frames.h: toJson without `re`, fromJson checking
// every member.
#pragma once

#include "frames.h"

namespace confab::protocol {

// What welcome.features lists for a 1.1 server.
QStringList featuresV11();

// Client → server. `target` is the seq of a message in the room; the text rules are send's.
struct EditRequest {
    static constexpr QLatin1StringView Type{"edit"};
    QString room; // NFC when decoded
    qint64 target = 0;
    QString text;
    QJsonObject toJson() const;
    static Decoded<EditRequest> fromJson(const QJsonObject &object, int maxTextBytes);
    friend bool operator==(const EditRequest &, const EditRequest &) = default;
};

struct DeleteRequest {
    static constexpr QLatin1StringView Type{"delete"};
    QString room;
    qint64 target = 0;
    QJsonObject toJson() const;
    static Decoded<DeleteRequest> fromJson(const QJsonObject &object);
    friend bool operator==(const DeleteRequest &, const DeleteRequest &) = default;
};

// `on` false takes the reaction back. The emoji rules: isValidEmoji (validation.h).
struct ReactRequest {
    static constexpr QLatin1StringView Type{"react"};
    QString room;
    qint64 target = 0;
    QString emoji;
    bool on = true;
    QJsonObject toJson() const;
    static Decoded<ReactRequest> fromJson(const QJsonObject &object);
    friend bool operator==(const ReactRequest &, const ReactRequest &) = default;
};

// Server → every member of the room: one stored event.
struct EditEvent {
    static constexpr QLatin1StringView Type{"edit"};
    QString room;
    qint64 seq = 0;
    QString id; // server-made UUID
    UserInfo from;
    qint64 target = 0;
    QString text;
    qint64 ts = 0;
    QJsonObject toJson() const;
    static Decoded<EditEvent> fromJson(const QJsonObject &object);
    friend bool operator==(const EditEvent &, const EditEvent &) = default;
};

struct DeleteEvent {
    static constexpr QLatin1StringView Type{"delete"};
    QString room;
    qint64 seq = 0;
    QString id;
    UserInfo from;
    qint64 target = 0;
    qint64 ts = 0;
    QJsonObject toJson() const;
    static Decoded<DeleteEvent> fromJson(const QJsonObject &object);
    friend bool operator==(const DeleteEvent &, const DeleteEvent &) = default;
};

struct ReactionEvent {
    static constexpr QLatin1StringView Type{"reaction"};
    QString room;
    qint64 seq = 0;
    QString id;
    UserInfo from;
    qint64 target = 0;
    QString emoji;
    bool on = true;
    qint64 ts = 0;
    QJsonObject toJson() const;
    static Decoded<ReactionEvent> fromJson(const QJsonObject &object);
    friend bool operator==(const ReactionEvent &, const ReactionEvent &) = default;
};

} // namespace confab::protocol
