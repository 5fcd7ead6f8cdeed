// One conversation's timeline: messages ordered by seq, notices (join, leave, nick, topic),
// and pending messages from the outbox at the end. Texts are plain text, always.
//
// Protocol 1.1: a room's seq counts events, and edits, deletions and reactions change the message
// they target (applyEvent) instead of adding rows. An event whose target is not loaded, or is
// known to be deleted, is skipped: a message loaded later comes in its current state.
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
        HtmlRole,        // the text HTML-escaped, URLs made links, mentions of this user
                         // marked <span class="mention"> (rich text; the view styles it)
        FirstUnreadRole, // the first message after the read position: the "new messages" line
        MentionRole,     // the text names this user
        EditedRole,      // 1.1: its text was edited ("(edited)")
        DeletedRole,     // 1.1: deleted ("message deleted"; text empty)
        // 1.1: [{emoji, count, mine, who}] in the order the emoji first came; `who` lists the
        // nicks ("Ada, Sam").
        ReactionsRole,
        ReplyToRole,   // 1.1: the seq of the message it answers, 0 when none
        ReplyNickRole, // the answered message's author, empty when it is not loaded
        ReplyTextRole, // and its text (empty when not loaded or deleted)
        ReplyDeletedRole,
        // What this user may do with it (1.1): edit their own, delete their own or, as an
        // operator, anyone's; react. Never in a direct conversation, on a pending, deleted or
        // notice row.
        CanEditRole,
        CanDeleteRole,
        CanReactRole,
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
        qint64 editedTs = 0; // 0: never edited
        bool deleted = false;
        // emoji → user ids, in the order they reacted; emoji in the order they first came.
        QList<std::pair<QString, QStringList>> reactions;
        // emoji → reactors counted but not named: an answer names at most MaxReactorsListed
        // per emoji and gives the whole number in reaction_counts.
        QHash<QString, qint64> unlisted;
        qint64 replyTo = 0;
    };

    using QAbstractListModel::QAbstractListModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Who this user is (their rows are "own"; mentions of their nick are marked) and whether
    // they are an operator; whether this is a direct conversation. Rows change with them.
    void setOwnUserId(const QString &id);
    void setOwnNick(const QString &nick);
    void setOwnOperator(bool op);
    void setDirect(bool direct);
    // Where the user had read to when the conversation was opened; the first message after it
    // carries FirstUnreadRole.
    void setReadMarker(qint64 seq);
    qint64 readMarker() const { return m_readMarker; }
    // The row below the "new messages" line: the first message after the read marker, -1 for
    // no line (nothing after it, or no marker).
    int firstUnreadRow() const;

    // True when the text names the nick as a word (case-insensitive, with or without '@').
    static bool mentions(const QString &text, const QString &nick);

    // Plain text to safe rich text: everything escaped first, then http(s) URLs linked, and
    // outside the links the mentions of `mentionNick` (when given) marked.
    static QString linkified(const QString &text, const QString &mentionNick = {});

    // A delivered message; ignored when its seq (or, for direct messages, id) is already here.
    void addMessage(const protocol::ChatMessage &message);
    // A live room event of any kind: a message is added, an edit, deletion or reaction changes
    // its target when that is loaded and not deleted. False when it changed nothing.
    bool applyEvent(const protocol::ChatMessage &event);
    // A list of events in seq order (joined's history): its messages come in their current
    // state, so events about them are skipped; the others are applied.
    void applyEvents(const QList<protocol::ChatMessage> &events);
    // An older page (ascending), put before everything else. Its messages are in their current
    // state and its events are older than anything loaded: only the messages count.
    void prependHistory(const QList<protocol::ChatMessage> &events);
    void addPending(const QString &clientId, const protocol::UserInfo &from, const QString &text,
                    qint64 ts = 0, qint64 replyTo = 0);
    // Who a user id is, for the reactions' "who" (members and event senders tell it).
    void learnNick(const protocol::UserInfo &user);
    // The server's copy of an outbox message arrived: the pending row becomes the message.
    void confirm(const QString &clientId, const protocol::ChatMessage &message);
    // An outbox message the server refused for good.
    void removePending(const QString &clientId);
    void addNotice(const QString &text, qint64 ts);
    void clear();

    // The oldest seq loaded (of a message or any other event), 0 when none: a page of older
    // history that held only events still moves it back.
    qint64 firstSeq() const;
    // The row of the delivered message with this seq, -1 if it is not loaded.
    Q_INVOKABLE int rowOfSeq(qint64 seq) const { return indexOfSeq(seq); }
    qint64 lastSeq() const;
    int messageCount() const;
    // The newest delivered, not deleted message of this user (Up arrow edits it), 0 when none.
    Q_INVOKABLE qint64 lastOwnSeq() const;
    // The text and author of the delivered message at seq (for the edit field, the reply bar).
    Q_INVOKABLE QString textOf(qint64 seq) const;
    Q_INVOKABLE QString nickOf(qint64 seq) const;
    // Messages above `readSeq` from others that are not deleted (the unread count).
    int unreadAfter(qint64 readSeq) const;
    // Whether the loaded message at seq is deleted (false when it is not loaded).
    bool isDeleted(qint64 seq) const;
    const QList<Row> &rows() const { return m_rows; }

Q_SIGNALS:
    void countChanged();

private:
    int indexOfSeq(qint64 seq) const;
    int indexOfId(const QString &messageId) const;
    int insertPositionFor(qint64 seq) const;
    void insertRow(int position, const Row &row);
    static Row rowFrom(const protocol::ChatMessage &m);

    QVariantList reactionsOf(const Row &r) const;
    // The rows changed: they and the replies quoting them are refreshed.
    void rowChanged(int i, const QList<int> &roles);

    QList<Row> m_rows;
    QHash<QString, QString> m_nicks; // user id → nick, for the reactions' "who"
    qint64 m_oldestEventSeq = 0;     // the oldest seq seen in a list or event, 0 when none
    QString m_ownUserId;
    QString m_ownNick;
    bool m_ownOperator = false;
    bool m_direct = false;
    qint64 m_readMarker = 0;
};

} // namespace confab::client
