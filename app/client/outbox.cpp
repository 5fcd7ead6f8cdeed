#include "outbox.h"

#include "serverstore.h"

#include <QFile>
#include <QJsonArray>

namespace confab::client {

using namespace Qt::StringLiterals;

void Outbox::open(const QString &file)
{
    m_file = file;
    m_items.clear();
    if (!file.isEmpty()) {
        const QJsonArray items = readJsonFile(file).value("items"_L1).toArray();
        for (const auto &value : items) {
            const QJsonObject o = value.toObject();
            Item item{o.value("id"_L1).toString(), o.value("conversation"_L1).toString(),
                      o.value("text"_L1).toString(), o.value("ts"_L1).toInteger(),
                      o.value("reply_to"_L1).toInteger()};
            if (!item.clientId.isEmpty() && !item.conversation.isEmpty() && !item.text.isEmpty())
                m_items.append(item);
        }
    }
    Q_EMIT changed();
}

void Outbox::close()
{
    m_file.clear();
    m_items.clear();
    Q_EMIT changed();
}

void Outbox::add(const Item &item)
{
    m_items.append(item);
    save();
    Q_EMIT changed();
}

std::optional<Outbox::Item> Outbox::take(const QString &clientId)
{
    for (qsizetype i = 0; i < m_items.size(); ++i) {
        if (m_items[i].clientId == clientId) {
            Item item = m_items.takeAt(i);
            save();
            Q_EMIT changed();
            return item;
        }
    }
    return std::nullopt;
}

const Outbox::Item *Outbox::find(const QString &clientId) const
{
    for (const Item &item : m_items) {
        if (item.clientId == clientId)
            return &item;
    }
    return nullptr;
}

void Outbox::save() const
{
    if (m_file.isEmpty())
        return;
    if (m_items.isEmpty()) {
        QFile::remove(m_file);
        return;
    }
    QJsonArray items;
    for (const Item &item : m_items) {
        QJsonObject o{{"id"_L1, item.clientId},
                      {"conversation"_L1, item.conversation},
                      {"text"_L1, item.text},
                      {"ts"_L1, item.ts}};
        if (item.replyTo > 0)
            o.insert("reply_to"_L1, item.replyTo);
        items.append(o);
    }
    writeJsonFile(m_file, {{"items"_L1, items}});
}

} // namespace confab::client
