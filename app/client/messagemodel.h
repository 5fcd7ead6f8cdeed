// One conversation's timeline: messages ordered by seq, notices (join, leave, nick, topic),
// and pending messages from the outbox at the end. Texts are plain text, always.
#pragma once

#include "codec.h"

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>

namespace confab::client {

class MessageModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Owned by ChatClient")
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    // The oldest loaded message's seq (0 when none): above 1, older history can be loaded.
    Q_PROPERTY(qint64 firstSeq READ firstSeq NOTIFY countChanged)
public:
    enum Role {
        KindRole = Qt::UserRole + 1, // "message" or "notice"
        SeqRole,
        MessageIdRole,
        UserIdRole,
        NickRole,
        TextRole,
        TsRole,
        TimeTextRole,    // local time, hh:mm
        DayTextRole,     // set on the first row of a day: "Today", "Yesterday", a date
        ShowHeaderRole,  // false when the row continues the previous sender's group
        PendingRole,     // still in the outbox
        OwnRole,         // sent by this user
        HtmlRole,        // the text HTML-escaped, with URLs made links (for StyledText)
        FirstUnreadRole, // the first message after the read position: the "new messages" line
        MentionRole,     // the text names this user
    };

    struct Row {
        bool notice = false;
        qint64 seq = 0;
        QString messageId;
        QString clientId; // set on pending rows
        QString userId;
        QString nick;
        QString text;
        qint64 ts = 0;
        bool pending = false;
    };

    using QAbstractListModel::QAbstractListModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setOwnUserId(const QString &id) { m_ownUserId = id; }
    void setOwnNick(const QString &nick) { m_ownNick = nick; }
    // Where the user had read to when the conversation was opened; the first message after it
    // carries FirstUnreadRole.
    void setReadMarker(qint64 seq);
    qint64 readMarker() const { return m_readMarker; }

    // True when the text names the nick as a word (case-insensitive, with or without '@').
    static bool mentions(const QString &text, const QString &nick);

    // Plain text to safe StyledText: everything escaped first, then http(s) URLs linked.
    static QString linkified(const QString &text);

    // A delivered message; ignored when its seq (or, for direct messages, id) is already here.
    void addMessage(const protocol::ChatMessage &message);
    // Older messages (ascending), put before everything else.
    void prependHistory(const QList<protocol::ChatMessage> &messages);
    void addPending(const QString &clientId, const protocol::UserInfo &from, const QString &text,
                    qint64 ts = 0);
    // The server's copy of an outbox message arrived: the pending row becomes the message.
    void confirm(const QString &clientId, const protocol::ChatMessage &message);
    // An outbox message the server refused for good.
    void removePending(const QString &clientId);
    void addNotice(const QString &text, qint64 ts);
    void clear();

    qint64 firstSeq() const; // 0 when no message is loaded
    // The row of the delivered message with this seq, -1 if it is not loaded.
    Q_INVOKABLE int rowOfSeq(qint64 seq) const { return indexOfSeq(seq); }
    qint64 lastSeq() const;
    int messageCount() const;
    const QList<Row> &rows() const { return m_rows; }

Q_SIGNALS:
    void countChanged();

private:
    int indexOfSeq(qint64 seq) const;
    int indexOfId(const QString &messageId) const;
    int insertPositionFor(qint64 seq) const;
    void insertRow(int position, const Row &row);
    static Row rowFrom(const protocol::ChatMessage &m);

    int firstUnreadRow() const;

    QList<Row> m_rows;
    QString m_ownUserId;
    QString m_ownNick;
    qint64 m_readMarker = 0;
};

} // namespace confab::client
