// Runs the tst_*.qml files beside it. A real Confab server on port 0 is there for the tests
// that connect (its port is the context property testPort), and a scripted peer (scriptedPeer)
// for the tests of 1.1 paths that need frames the test chooses (an operator's view, events).
#include "qrimageprovider.h"
#include "testserver.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QQmlContext>
#include <QQmlEngine>
#include <QTemporaryDir>
#include <QWebSocket>
#include <QWebSocketServer>
#include <QtQml/qqmlextensionplugin.h>
#include <QtQuickTest>

Q_IMPORT_QML_PLUGIN(Confab_ClientPlugin)
Q_IMPORT_QML_PLUGIN(Confab_UiPlugin)

// A WebSocket peer that sends what the test gives it and records what the client sends.
class ScriptedPeer : public QObject
{
    Q_OBJECT
    Q_PROPERTY(int port READ port CONSTANT)
public:
    ScriptedPeer()
    {
        m_server.listen(QHostAddress::LocalHost);
        connect(&m_server, &QWebSocketServer::newConnection, this, [this] {
            m_socket = m_server.nextPendingConnection();
            connect(m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
                m_received.append(QJsonDocument::fromJson(text.toUtf8()).object().toVariantMap());
            });
        });
    }
    int port() const { return m_server.serverPort(); }
    Q_INVOKABLE void send(const QVariantMap &frame)
    {
        if (m_socket)
            m_socket->sendTextMessage(QString::fromUtf8(
                QJsonDocument(QJsonObject::fromVariantMap(frame)).toJson(QJsonDocument::Compact)));
    }
    // The frames of this type the client sent since the last reset, in order.
    Q_INVOKABLE QVariantList sent(const QString &type) const
    {
        QVariantList out;
        for (const QVariantMap &frame : m_received) {
            if (frame.value(QStringLiteral("type")).toString() == type)
                out.append(frame);
        }
        return out;
    }
    Q_INVOKABLE void reset() { m_received.clear(); }

private:
    QWebSocketServer m_server{QStringLiteral("scripted"), QWebSocketServer::NonSecureMode};
    QPointer<QWebSocket> m_socket;
    QList<QVariantMap> m_received;
};

// What the QML tree holds that QML cannot see: objects of a C++ class anywhere under a root
// (popups and menus included: they are QObject children of where they are declared).
class Inspector : public QObject
{
    Q_OBJECT
public:
    // Where each object of the class (or a subclass) under root sits: its parents' class names.
    Q_INVOKABLE QStringList find(QObject *root, const QString &className) const
    {
        QStringList found;
        if (!root)
            return found;
        const QByteArray name = className.toLatin1();
        for (QObject *o : root->findChildren<QObject *>()) {
            if (!o->inherits(name.constData()))
                continue;
            QStringList path;
            for (QObject *p = o->parent(); p && p != root; p = p->parent())
                path.prepend(QString::fromLatin1(p->metaObject()->className()));
            found.append(path.join(QStringLiteral(" > ")));
        }
        return found;
    }
};

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
        if (!m_peer) // made here, not with Setup: that is made before the application
            m_peer = std::make_unique<ScriptedPeer>();
        engine->rootContext()->setContextProperty(QStringLiteral("scriptedPeer"), m_peer.get());
        engine->rootContext()->setContextProperty(QStringLiteral("inspector"), &m_inspector);
    }
    void cleanupTestCase()
    {
        m_server.reset();
        m_peer.reset();
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<ScriptedPeer> m_peer;
    Inspector m_inspector;
    std::unique_ptr<confab::test::TestServer> m_server;
};

QUICK_TEST_MAIN_WITH_SETUP(confab_qml, Setup)
#include "tst_qml.moc"
