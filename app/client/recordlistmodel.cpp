#include "recordlistmodel.h"

namespace confab::client {

namespace {
constexpr int FirstFieldRole = Qt::UserRole + 1;
constexpr int RecordRole = Qt::UserRole; // "modelData"
} // namespace

RecordListModel::RecordListModel(const QList<QByteArray> &fields, QObject *parent)
    : QAbstractListModel(parent)
    , m_fields(fields)
{}

int RecordListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_records.size());
}

QVariant RecordListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const QVariantMap &record = m_records.at(index.row());
    if (role == RecordRole)
        return record;
    const int field = role == Qt::DisplayRole ? 0 : role - FirstFieldRole;
    if (field < 0 || field >= m_fields.size())
        return {};
    return record.value(QString::fromLatin1(m_fields.at(field)));
}

QHash<int, QByteArray> RecordListModel::roleNames() const
{
    QHash<int, QByteArray> names{{RecordRole, "modelData"}};
    for (int i = 0; i < m_fields.size(); ++i)
        names.insert(FirstFieldRole + i, m_fields.at(i));
    return names;
}

void RecordListModel::replace(const QList<QVariantMap> &records)
{
    const bool countChanges = records.size() != m_records.size();
    beginResetModel();
    m_records = records;
    endResetModel();
    if (countChanges)
        Q_EMIT countChanged();
}

} // namespace confab::client
