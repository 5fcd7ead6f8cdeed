#include "appcontext.h"

#include <QJSEngine>

namespace confab::client {

AppContext *AppContext::s_instance = nullptr;

AppContext::AppContext(ChatClient *client, HostController *host, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_host(host)
{
    if (!s_instance)
        s_instance = this;
}

AppContext::~AppContext()
{
    if (s_instance == this)
        s_instance = nullptr;
}

AppContext *AppContext::create(QQmlEngine *, QJSEngine *scriptEngine)
{
    if (s_instance) {
        QJSEngine::setObjectOwnership(s_instance, QJSEngine::CppOwnership);
        return s_instance;
    }
    auto *context = new AppContext(nullptr, nullptr);
    s_instance = nullptr; // each engine without an app gets its own
    context->m_client = new ChatClient(context);
    context->m_host = new HostController(context);
    QJSEngine::setObjectOwnership(context, QJSEngine::JavaScriptOwnership);
    Q_UNUSED(scriptEngine);
    return context;
}

} // namespace confab::client
