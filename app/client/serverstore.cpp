#include "serverstore.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSaveFile>
#include <QStandardPaths>

Q_LOGGING_CATEGORY(lcStore, "confab.client.store", QtInfoMsg)

namespace confab::client {

QString serverStateDir(const QUrl &server, const QString &token)
{
    // Readable for a person looking at the folder, unique through the hash of the whole URL
    // and the identity.
    QString host = server.host();
    for (QChar &c : host) {
        if (!c.isLetterOrNumber() && c != u'.' && c != u'-')
            c = u'_';
    }
    const QByteArray hash = QCryptographicHash::hash((server.toString() + u'\n' + token).toUtf8(),
                                                     QCryptographicHash::Sha1)
                                .toHex();
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
           + QStringLiteral("/servers/%1-%2-%3")
                 .arg(host)
                 .arg(server.port())
                 .arg(QString::fromLatin1(hash.left(8)));
}

QJsonObject readJsonFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError)
        qCWarning(lcStore) << "ignored unreadable" << path << error.errorString();
    return doc.object();
}

bool writeJsonFile(const QString &path, const QJsonObject &object)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)
        || file.write(QJsonDocument(object).toJson(QJsonDocument::Compact)) < 0 || !file.commit()) {
        qCWarning(lcStore) << "could not write" << path << file.errorString();
        return false;
    }
    return true;
}

} // namespace confab::client
