// Protocol 1.1 operators: kick, ban and unban, and what a kicked user is told (PROTOCOL.md,
// "Operators"). Who is an operator is the server's business (op_password, the hosting app's own
// user); these are the frames.
#pragma once

#include "frames.h"

namespace confab::protocol {

// Client → server, operators only. `user` is a user id; `reason` is optional free text (at
// most MaxReasonChars characters).
struct KickRequest {
    static constexpr QLatin1StringView Type{"kick"};
    QString room; // NFC when decoded
    QString user;
    QString reason;
    QJsonObject toJson() const;
    static Decoded<KickRequest> fromJson(const QJsonObject &object);
    friend bool operator==(const KickRequest &, const KickRequest &) = default;
};

// `minutes` from MinBanMinutes to MaxBanMinutes. Answered only when it fails.
struct BanRequest {
    static constexpr QLatin1StringView Type{"ban"};
    QString user;
    qint64 minutes = 0;
    QString reason;
    // The ban also holds new tokens (and none) from the addresses the user was connected from;
    // `"address":false` limits it to the user's id.
    bool address = true;
    QJsonObject toJson() const;
    static Decoded<BanRequest> fromJson(const QJsonObject &object);
    friend bool operator==(const BanRequest &, const BanRequest &) = default;
};

struct UnbanRequest {
    static constexpr QLatin1StringView Type{"unban"};
    QString user;
    QJsonObject toJson() const;
    static Decoded<UnbanRequest> fromJson(const QJsonObject &object);
    friend bool operator==(const UnbanRequest &, const UnbanRequest &) = default;
};

// Server → every connection of a kicked user: it has left the room.
struct Kicked {
    static constexpr QLatin1StringView Type{"kicked"};
    QString room;
    UserInfo by;
    QString reason;
    QJsonObject toJson() const;
    static Decoded<Kicked> fromJson(const QJsonObject &object);
    friend bool operator==(const Kicked &, const Kicked &) = default;
};

} // namespace confab::protocol
