// A list of records with named fields, for lists that are only ever replaced as a whole: the
// search results and the room directory. Each field is a role; the role "modelData" is the
// whole record (a map), so a delegate may use either.
#pragma once

#include <QAbstractListModel>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

namespace confab::client {

class RecordListModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Owned by ChatClient")
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
public:
    explicit RecordListModel(const QList<QByteArray> &fields, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // One record, for keyboard choice in a list (the current index's record); empty when out of
    // range. A QVariant, so that QML reads its fields without a type to check them against.
    Q_INVOKABLE QVariant get(int row) const { return m_records.value(row); }

    void replace(const QList<QVariantMap> &records);
    const QList<QVariantMap> &records() const { return m_records; }

Q_SIGNALS:
    void countChanged();

private:
    QList<QByteArray> m_fields;
    QList<QVariantMap> m_records;
};

} // namespace confab::client
