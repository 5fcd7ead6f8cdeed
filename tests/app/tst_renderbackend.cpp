// The app's choice of Qt Quick renderer: software where OpenGL is a CPU rasterizer, never
// against an explicit QT_QUICK_BACKEND, and the GL probe only run when the environment does not
// decide (it costs a context).
#include "renderbackend.h"

#include <QtTest>

using confab::app::chooseRenderBackend;
using confab::app::isSoftwareGlRenderer;
using confab::app::RenderBackend;

class TestRenderBackend : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void softwareRasterizersAreRecognised_data()
    {
        QTest::addColumn<QString>("renderer");
        QTest::addColumn<bool>("software");
        QTest::newRow("llvmpipe") << "llvmpipe (LLVM 15.0.6, 256 bits)" << true;
        QTest::newRow("softpipe") << "softpipe" << true;
        QTest::newRow("swrast") << "Software Rasterizer (swrast)" << true;
        QTest::newRow("upper case") << "LLVMPIPE (LLVM 12.0.0, 128 bits)" << true;
        QTest::newRow("intel") << "Mesa Intel(R) UHD Graphics 620 (KBL GT2)" << false;
        QTest::newRow("amd") << "AMD Radeon RX 6600 (navi23, LLVM 15.0.6, DRM 3.49)" << false;
        QTest::newRow("nvidia") << "NVIDIA GeForce GTX 1650/PCIe/SSE2" << false;
        QTest::newRow("virgl") << "virgl (Intel Iris)" << false;
        QTest::newRow("no OpenGL") << "" << false;
    }
    void softwareRasterizersAreRecognised()
    {
        QFETCH(QString, renderer);
        QFETCH(bool, software);
        QCOMPARE(isSoftwareGlRenderer(renderer), software);
    }

    void probedRendererDecides()
    {
        int probes = 0;
        const auto llvmpipe = [&probes] {
            ++probes;
            return QStringLiteral("llvmpipe (LLVM 15.0.6, 256 bits)");
        };
        const auto intel = [&probes] {
            ++probes;
            return QStringLiteral("Mesa Intel(R) UHD Graphics 620");
        };
        QCOMPARE(chooseRenderBackend({}, {}, llvmpipe), RenderBackend::Software);
        QCOMPARE(chooseRenderBackend({}, {}, intel), RenderBackend::Default);
        QCOMPARE(probes, 2);
    }

    void environmentDecidesWithoutProbing()
    {
        int probes = 0;
        const auto llvmpipe = [&probes] {
            ++probes;
            return QStringLiteral("llvmpipe (LLVM 15.0.6, 256 bits)");
        };
        // An explicit QT_QUICK_BACKEND is Qt's to apply, whatever it says.
        QCOMPARE(chooseRenderBackend(QStringLiteral("rhi"), {}, llvmpipe), RenderBackend::Default);
        QCOMPARE(chooseRenderBackend(QStringLiteral("rhi"), QStringLiteral("software"), llvmpipe),
                 RenderBackend::Default);
        QCOMPARE(chooseRenderBackend(QStringLiteral("software"), {}, llvmpipe),
                 RenderBackend::Default);
        QCOMPARE(chooseRenderBackend({}, QStringLiteral("opengl"), llvmpipe),
                 RenderBackend::Default);
        QCOMPARE(chooseRenderBackend({}, QStringLiteral("software"), [] { return QString(); }),
                 RenderBackend::Software);
        QCOMPARE(probes, 0);
    }
};

QTEST_GUILESS_MAIN(TestRenderBackend)
#include "tst_renderbackend.moc"
