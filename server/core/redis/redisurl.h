// Where a cluster's Redis is: redis://[:password@]host[:port][/db], or a unix socket as
// unix:/path/to.sock (also unix:///path) with an optional ?db=N&password=P.
#pragma once

#include <QString>
#include <optional>
#include <variant>

namespace confab {

struct RedisUrl {
    QString host; // empty for a unix socket
    quint16 port = 6379;
    QString unixPath; // empty for TCP
    QString password; // empty: no AUTH
    int db = 0;

    // The URL, or a message saying what is wrong with it (for the operator, so it names the
    // part that is bad and shows the accepted forms).
    static std::variant<RedisUrl, QString> parse(const QString &text);
    // For log lines: the address without the password.
    QString display() const;
};

} // namespace confab
