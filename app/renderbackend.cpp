#include "renderbackend.h"

#include <QGuiApplication>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QQuickWindow>
#include <QRegularExpression>
#include <QSGRendererInterface>
#include <cstdio>

namespace confab::app {

bool isSoftwareGlRenderer(const QString &glRenderer)
{
    static const QRegularExpression software(QStringLiteral(R"(\b(llvmpipe|softpipe|swrast)\b)"),
                                             QRegularExpression::CaseInsensitiveOption);
    return software.match(glRenderer).hasMatch();
}

QString probeGlRenderer()
{
    if (!QGuiApplication::platformName().startsWith(QLatin1String("xcb"))
        && !QGuiApplication::platformName().startsWith(QLatin1String("wayland")))
        return {}; // offscreen, minimal, vnc…: Qt Quick picks its renderer itself there
    QOpenGLContext context;
    if (!context.create())
        return {};
    QOffscreenSurface surface;
    surface.setFormat(context.format());
    surface.create();
    if (!surface.isValid() || !context.makeCurrent(&surface))
        return {};
    const auto *name =
        reinterpret_cast<const char *>(context.functions()->glGetString(GL_RENDERER));
    const QString renderer = name ? QString::fromLatin1(name) : QString();
    context.doneCurrent();
    return renderer;
}

RenderBackend selectRenderBackend()
{
    QString probed;
    const RenderBackend backend = chooseRenderBackend(
        qEnvironmentVariable("QT_QUICK_BACKEND"), qEnvironmentVariable("CONFAB_RENDERER"),
        [&probed] { return probed = probeGlRenderer(); });
    if (backend == RenderBackend::Software) {
        QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);
        if (!probed.isEmpty()) // said once, so that a slow UI can be explained
            std::fprintf(stderr,
                         "confab: OpenGL is %s (on the CPU): using Qt Quick's software renderer"
                         " (CONFAB_RENDERER=opengl keeps OpenGL)\n",
                         qPrintable(probed));
    }
    return backend;
}

} // namespace confab::app
