// A hash that owns its values. value() answers a plain pointer (nullptr when absent), as QHash's
// does for pointer values; remove() destroys the value. A pointer stays valid until its value is
// removed: std::unordered_map never moves its nodes, where QHash may on any insert.
#pragma once

#include <QString>
#include <memory>
#include <unordered_map>

namespace confab {

template <typename T> class OwningHash
{
public:
    T *value(const QString &key) const
    {
        const auto it = m_map.find(key);
        return it == m_map.end() ? nullptr : it->second.get();
    }
    // Takes the value; a value already under this key is destroyed.
    T &insert(const QString &key, std::unique_ptr<T> value)
    {
        auto &slot = m_map[key];
        slot = std::move(value);
        return *slot;
    }
    void remove(const QString &key) { m_map.erase(key); }
    qsizetype size() const { return qsizetype(m_map.size()); }
    // Iterates (key, std::unique_ptr<T>) pairs, in no particular order.
    auto begin() const { return m_map.begin(); }
    auto end() const { return m_map.end(); }

private:
    std::unordered_map<QString, std::unique_ptr<T>> m_map;
};

} // namespace confab
