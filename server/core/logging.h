// One logging category per subsystem. Debug output is off by default; message texts, tokens and
// passwords are never logged at any level.
#pragma once

#include <QLoggingCategory>

namespace confab {

Q_DECLARE_LOGGING_CATEGORY(lcServer)     // confab.server: start, stop, listening
Q_DECLARE_LOGGING_CATEGORY(lcConnection) // confab.connection: sockets, limits, closes
Q_DECLARE_LOGGING_CATEGORY(lcHub)        // confab.hub: users, rooms, protocol handling
Q_DECLARE_LOGGING_CATEGORY(lcStore)      // confab.store: SQLite
Q_DECLARE_LOGGING_CATEGORY(lcRedis)      // confab.redis: the cluster's Redis
Q_DECLARE_LOGGING_CATEGORY(lcHttp)       // confab.http: HTTP routes
Q_DECLARE_LOGGING_CATEGORY(lcConfig)     // confab.config: settings

// Applies a level name ("error", "warning", "info", "debug") to every confab.* category.
// Returns false for an unknown name.
bool applyLogLevel(const QString &level);

} // namespace confab
