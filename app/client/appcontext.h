// The app's long-lived objects for QML, created and owned in C++ (main.cpp), never in QML: the
// ChatClient and the HostController, one of each, reached as App.client and App.host.
#pragma once

#include "chatclient.h"
#include "hostcontroller.h"

#include <QObject>
#include <QtQml/qqmlregistration.h>

class QQmlEngine;
class QJSEngine;

namespace confab::client {

class AppContext : public QObject
{
    Q_OBJECT
    QML_NAMED_ELEMENT(App)
    QML_SINGLETON
    Q_PROPERTY(confab::client::ChatClient *client READ client CONSTANT)
    Q_PROPERTY(confab::client::HostController *host READ host CONSTANT)
public:
    AppContext(ChatClient *client, HostController *host, QObject *parent = nullptr);
    ~AppContext() override;

    ChatClient *client() const { return m_client; }
    HostController *host() const { return m_host; }

    // The instance QML gets: the one main() made (it stays C++-owned); without one (a QML
    // test), a new one with objects of its own, owned by the engine.
    static AppContext *create(QQmlEngine *engine, QJSEngine *scriptEngine);

private:
    ChatClient *m_client;
    HostController *m_host;
    static AppContext *s_instance;
};

} // namespace confab::client
