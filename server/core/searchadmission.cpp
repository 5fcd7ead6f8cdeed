#include "searchadmission.h"

namespace confab {

using namespace Qt::StringLiterals;

namespace {

void release(QHash<QString, int> &counts, const QString &key)
{
    const auto it = counts.find(key);
    if (it != counts.end() && --*it <= 0)
        counts.erase(it);
}

} // namespace

std::optional<QString> SearchAdmission::admit(const QString &user, const QString &address)
{
    if (m_byUser.value(user) >= MaxPerUser)
        return u"at most %1 searches at a time"_s.arg(MaxPerUser);
    if (m_byAddress.value(address) >= MaxPerAddress)
        return u"at most %1 searches at a time from one address"_s.arg(MaxPerAddress);
    if (m_inAll >= MaxInAll)
        return u"the server is busy searching"_s;
    ++m_byUser[user];
    ++m_byAddress[address];
    ++m_inAll;
    return std::nullopt;
}

void SearchAdmission::finished(const QString &user, const QString &address)
{
    release(m_byUser, user);
    release(m_byAddress, address);
    --m_inAll;
}

} // namespace confab
