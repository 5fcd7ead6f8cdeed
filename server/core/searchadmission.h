// Which searches may wait for the search thread: at most so many per user (all its connections),
// per client address and in all. Past a bound a search is refused (`rate_limited`) rather than
// queued, so an attacker's searches cost a bounded queue; the search thread then takes the
// admitted ones in turns per address (SearchWorker), so they cannot delay anyone else's by
// more than one search each.
#pragma once

#include <QHash>
#include <QString>
#include <optional>

namespace confab {

class SearchAdmission
{
public:
    static constexpr int MaxPerUser = 4;
    static constexpr int MaxPerAddress = 16;
    static constexpr int MaxInAll = 256;

    // Counts the search in and returns nothing, or returns why it is refused (counted nowhere).
    std::optional<QString> admit(const QString &user, const QString &address);
    // A search admitted with these keys was answered, or dropped by the search thread.
    void finished(const QString &user, const QString &address);
    int inAll() const { return m_inAll; }

private:
    QHash<QString, int> m_byUser;
    QHash<QString, int> m_byAddress;
    int m_inAll = 0;
};

} // namespace confab
