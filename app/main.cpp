// confab: the desktop app. Hosts (the server core in-process) or joins; `--headless` runs the
// server core alone, with the same options as confab-server.
#include "appcontext.h"
#include "chatclient.h"
#include "demobots.h"
#include "hostcontroller.h"
#include "qrimageprovider.h"
#include "renderbackend.h"
#include "servermain.h"

#include <QCommandLineParser>
#include <QGuiApplication>
#include <QIcon>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTimer>
#include <QtQml/qqmlextensionplugin.h>
#include <cstdio>
#include <cstring>

Q_IMPORT_QML_PLUGIN(Confab_ClientPlugin)
Q_IMPORT_QML_PLUGIN(Confab_UiPlugin)

namespace {

bool hasArgument(int argc, char *argv[], const char *name)
{
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], name) == 0)
            return true;
    }
    return false;
}

// Saves the window once it has rendered (and the demo, if any, has played out).
void screenshotWhenReady(QQuickWindow *window, const QString &file, int delayMs)
{
    QObject::connect(
        window, &QQuickWindow::frameSwapped, window,
        [window, file, delayMs] {
            QTimer::singleShot(delayMs, window, [window, file] {
                const QImage image = window->grabWindow();
                const bool ok = image.save(file);
                std::fprintf(ok ? stdout : stderr, "%s %s (%dx%d)\n",
                             ok ? "saved" : "could not save", qPrintable(file), image.width(),
                             image.height());
                QCoreApplication::exit(ok ? 0 : 1);
            });
        },
        Qt::SingleShotConnection);
}

} // namespace

int main(int argc, char *argv[])
{
    if (hasArgument(argc, argv, "--headless"))
        return confab::serverMain(argc, argv, "confab");
    if (hasArgument(argc, argv, "--version")) { // without a display
        std::printf("confab %s\n", CONFAB_VERSION);
        return 0;
    }

    // Light or dark as the system is; QT_QUICK_CONTROLS_MATERIAL_THEME=Dark|Light overrides.
    if (!qEnvironmentVariableIsSet("QT_QUICK_CONTROLS_MATERIAL_THEME"))
        qputenv("QT_QUICK_CONTROLS_MATERIAL_THEME", "System");
    QGuiApplication app(argc, argv);
    QGuiApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/org.confab.Confab.png")));
    QGuiApplication::setOrganizationName(QStringLiteral("Confab"));
    QGuiApplication::setApplicationName(QStringLiteral("confab"));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Confab"));
    QGuiApplication::setApplicationVersion(QStringLiteral(CONFAB_VERSION));
    QGuiApplication::setDesktopFileName(QStringLiteral("org.confab.Confab"));
    QQuickStyle::setStyle(QStringLiteral("Material"));
    // Before the first window: the software renderer where OpenGL would be emulated on the CPU.
    confab::app::selectRenderBackend();

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Confab: host a chat for your team, class or LAN party, or join one.\n"
                       "`confab --headless [options]` runs the server without a window; see"
                       " `confab --headless --help`."));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("version"), QStringLiteral("Show the version.")});
    parser.addOption(
        {QStringLiteral("headless"), QStringLiteral("Run the server without a window.")});
    const QCommandLineOption host(QStringLiteral("host"), QStringLiteral("Start hosting at once."));
    const QCommandLineOption join(QStringLiteral("join"),
                                  QStringLiteral("Join this server at once."),
                                  QStringLiteral("address"));
    const QCommandLineOption nick(QStringLiteral("nick"), QStringLiteral("Your nick."),
                                  QStringLiteral("nick"));
    const QCommandLineOption port(QStringLiteral("port"),
                                  QStringLiteral("Port to host on (default 7300)."),
                                  QStringLiteral("port"), QStringLiteral("7300"));
    const QCommandLineOption password(QStringLiteral("password"),
                                      QStringLiteral("Password to host with or to join with."),
                                      QStringLiteral("password"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Render the window to FILE and quit."),
                                        QStringLiteral("file"));
    const QCommandLineOption demo(QStringLiteral("demo"),
                                  QStringLiteral("With --host: a few bots hold a conversation."));
    const QCommandLineOption noAnnounce(
        QStringLiteral("no-announce"), QStringLiteral("When hosting, do not announce on the LAN."));
    const QCommandLineOption size(QStringLiteral("size"),
                                  QStringLiteral("Window size, e.g. 1280x800."),
                                  QStringLiteral("WxH"));
    parser.addOptions({host, join, nick, port, password, screenshot, demo, noAnnounce, size});
    parser.process(app);

    bool portOk = false;
    const int portValue = parser.value(port).toInt(&portOk);
    if (!portOk || portValue < 0 || portValue > 65535) {
        std::fprintf(stderr, "confab: invalid port '%s'\n", qPrintable(parser.value(port)));
        return 2;
    }

    // The app's objects live here, in C++, for the whole run; QML reaches them as App.client
    // and App.host. They are declared before the engine, so they outlive it.
    confab::client::ChatClient chatClient;
    confab::client::HostController hostController;
    hostController.setProperty("announce", !parser.isSet(noAnnounce));
    confab::client::AppContext context(&chatClient, &hostController);

    QQmlApplicationEngine engine;
    engine.addImageProvider(QStringLiteral("qr"), new confab::client::QrImageProvider);
    engine.setInitialProperties({
        {QStringLiteral("autoHost"), parser.isSet(host)},
        {QStringLiteral("autoJoin"), parser.value(join)},
        {QStringLiteral("initialNick"), parser.value(nick)},
        {QStringLiteral("initialPort"), portValue},
        {QStringLiteral("initialPassword"), parser.value(password)},
    });
    engine.load(QUrl(QStringLiteral("qrc:/Confab/Ui/Main.qml")));
    if (engine.rootObjects().isEmpty())
        return 1;
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());

    if (parser.isSet(size)) {
        const QStringList wh = parser.value(size).split(QLatin1Char('x'));
        if (wh.size() == 2)
            window->resize(wh[0].toInt(), wh[1].toInt());
    }
    int screenshotDelay = 600;
    if (parser.isSet(demo) && parser.isSet(host)) {
        // The bots join once the server listens (hosting starts on its own thread).
        QObject::connect(
            &hostController, &confab::client::HostController::runningChanged, &app,
            [&hostController, &app] {
                if (!hostController.running())
                    return;
                auto *bots = new confab::app::DemoBots(quint16(hostController.port()), &app);
                bots->start();
            },
            Qt::SingleShotConnection);
        screenshotDelay = 3500;
    }
    if (parser.isSet(screenshot))
        screenshotWhenReady(window, parser.value(screenshot), screenshotDelay);
    return app.exec();
}
