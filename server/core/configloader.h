// Reads a ServerConfig from an ini file (--config), CONFAB_* environment variables and the
// command line, in that order, the command line winning. Shared by confab-server and
// `confab --headless`, so both take the same options.
#pragma once

#include "serverconfig.h"

#include <QCommandLineParser>
#include <QProcessEnvironment>
#include <optional>

namespace confab {

class ConfigLoader
{
public:
    // Adds --config and every server option to the parser.
    static void addOptions(QCommandLineParser &parser);

    // Fills config from the three sources. Returns an error message for a bad value (which
    // names the source and the setting), or nothing on success.
    static std::optional<QString> load(const QCommandLineParser &parser,
                                       const QProcessEnvironment &env, ServerConfig &config);

    // The environment variable for a setting, e.g. "max-connections" -> CONFAB_MAX_CONNECTIONS.
    static QString envName(const QString &setting);
};

} // namespace confab
