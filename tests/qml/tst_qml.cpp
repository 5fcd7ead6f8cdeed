// Runs the tst_*.qml files beside it. A real Confab server on port 0 is there for the tests
// that connect (its port is the context property testPort).
#include "qrimageprovider.h"
#include "testserver.h"

#include <QQmlContext>
#include <QQmlEngine>
#include <QTemporaryDir>
#include <QtQml/qqmlextensionplugin.h>
#include <QtQuickTest>

Q_IMPORT_QML_PLUGIN(Confab_ClientPlugin)
Q_IMPORT_QML_PLUGIN(Confab_UiPlugin)

class Setup : public QObject
{
    Q_OBJECT
public Q_SLOTS:
    void qmlEngineAvailable(QQmlEngine *engine)
    {
        if (!m_server) {
            m_server = std::make_unique<confab::test::TestServer>();
            if (!m_server->start())
                qFatal("the test server did not start");
        }
        engine->addImportPath(QStringLiteral("qrc:/"));
        engine->addImageProvider(QStringLiteral("qr"), new confab::client::QrImageProvider);
        engine->rootContext()->setContextProperty(QStringLiteral("testPort"), m_server->port());
        engine->rootContext()->setContextProperty(QStringLiteral("testDataDir"), m_dir.path());
    }
    void cleanupTestCase() { m_server.reset(); }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<confab::test::TestServer> m_server;
};

QUICK_TEST_MAIN_WITH_SETUP(confab_qml, Setup)
#include "tst_qml.moc"
