// Where the app keeps what it remembers about one server between runs (the outbox, the
// conversations): a folder per server address under QStandardPaths::AppDataLocation, with JSON
// files written atomically (QSaveFile), so a crash mid-write never leaves half a file.
#pragma once

#include <QJsonObject>
#include <QString>
#include <QUrl>

namespace confab::client {

// The folder for this server and this user ("servers/<host>-<port>-<hash of the URL and the
// token>"); created on demand. What is kept there is one user's: another identity on the same
// server (several clients in one process, as in the QML tests) has a folder of its own.
QString serverStateDir(const QUrl &server, const QString &token);
// The file's JSON object; empty when it is missing or unreadable.
QJsonObject readJsonFile(const QString &path);
// Replaces the file as a whole; false (and a warning logged) when it could not.
bool writeJsonFile(const QString &path, const QJsonObject &object);

} // namespace confab::client
