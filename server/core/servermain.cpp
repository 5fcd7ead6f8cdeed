#include "servermain.h"

#include "chatserver.h"
#include "configloader.h"
#include "epolldispatcher.h"
#include "logging.h"
#include "unixsignals.h"

#include <QCoreApplication>
#include <csignal>
#include <cstdio>

namespace confab {

int serverMain(int argc, char *argv[], const char *programName)
{
    // The event loop runs on epoll (see epolldispatcher.h). Where that is switched off
    // (CONFAB_EVENT_DISPATCHER=qt), Qt's own poll dispatcher still beats GLib's, which costs O(n)
    // per socket write (un-registering a write notifier scans every notifier; with 5,000 members a
    // broadcast took 1.3 s, against 88 ms on Qt's). Both must be chosen before the
    // application exists.
    if (epollDispatcherWanted())
        QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
    else if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QString::fromLatin1(programName));
    QCoreApplication::setApplicationVersion(QStringLiteral(CONFAB_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Confab chat server: WebSocket chat (PROTOCOL v1) with HTTP health,"
                       " metrics and publish on the same port.\nEvery option can also be set"
                       " in the --config ini file or as CONFAB_<OPTION> in the environment."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    ConfigLoader::addOptions(parser);
    QStringList arguments = app.arguments();
    arguments.removeAll(QStringLiteral("--headless")); // `confab --headless` passes it on
    if (!parser.parse(arguments)) {
        std::fprintf(stderr, "%s: %s\nTry '%s --help'.\n", programName,
                     qPrintable(parser.errorText()), programName);
        return 2;
    }
    if (parser.isSet(help))
        parser.showHelp(0);
    if (parser.isSet(version))
        parser.showVersion();
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "%s: unexpected argument '%s'\n", programName,
                     qPrintable(parser.positionalArguments().constFirst()));
        return 2;
    }

    ServerConfig config;
    config.dataDir = defaultDataDir();
    if (auto error = ConfigLoader::load(parser, QProcessEnvironment::systemEnvironment(), config)) {
        std::fprintf(stderr, "%s: %s\n", programName, qPrintable(*error));
        return 2;
    }
    applyLogLevel(config.logLevel);

    ChatServer server(config);
    if (auto error = server.start()) {
        qCCritical(lcServer).noquote() << *error;
        return 1;
    }
    UnixSignalWatcher signalWatcher({SIGINT, SIGTERM});
    QObject::connect(&signalWatcher, &UnixSignalWatcher::received, &server, [&server](int s) {
        qCInfo(lcServer) << "signal" << s << "received";
        server.stop();
    });
    QObject::connect(&server, &ChatServer::stopped, &app, &QCoreApplication::quit);
    return app.exec();
}

} // namespace confab
