// Which Qt Quick renderer the app uses. Where the only OpenGL is a software rasterizer (Mesa's
// llvmpipe, softpipe or swrast: VMs, remote desktops, machines without GL drivers) Qt Quick's
// software renderer draws the same UI for a fraction of the CPU (docs/benchmarks.md, the app
// scenario), so the app picks it by itself. An explicit QT_QUICK_BACKEND is always obeyed;
// CONFAB_RENDERER=software|opengl overrides the detection.
#pragma once

#include <QString>

namespace confab::app {

enum class RenderBackend { Default, Software };

// True for the GL_RENDERER strings of software rasterizers ("llvmpipe (LLVM 15.0.6, 256 bits)").
bool isSoftwareGlRenderer(const QString &glRenderer);

// The choice from the environment's values and, when needed, the GL renderer's name; the
// renderer is only asked for (by calling probeRenderer) when nothing in the environment decides.
template <typename Probe>
RenderBackend chooseRenderBackend(const QString &qtQuickBackend, const QString &confabRenderer,
                                  Probe probeRenderer)
{
    if (!qtQuickBackend.isEmpty())
        return RenderBackend::Default; // Qt reads QT_QUICK_BACKEND itself
    if (confabRenderer == QLatin1String("software"))
        return RenderBackend::Software;
    if (confabRenderer == QLatin1String("opengl"))
        return RenderBackend::Default;
    return isSoftwareGlRenderer(probeRenderer()) ? RenderBackend::Software : RenderBackend::Default;
}

// GL_RENDERER of an offscreen OpenGL context (empty when there is no OpenGL). Needs a
// QGuiApplication; takes a few milliseconds.
QString probeGlRenderer();

// Applies the choice for this process's windows (before the first QQuickWindow exists) and
// returns it.
RenderBackend selectRenderBackend();

} // namespace confab::app
