// The QR codes the hosting app shows for its web links: real codes from libqrencode, with the
// structure a camera looks for (finder patterns in three corners, a white quiet zone).
#include "qrimageprovider.h"

#include <QTest>

using confab::client::QrImageProvider;

namespace {
bool dark(const QImage &image, int x, int y)
{
    return qGray(image.pixel(x, y)) < 128;
}
} // namespace

class TestQrCode : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void aWebLinkBecomesAScannableCode()
    {
        const QImage code = QrImageProvider::render("http://192.168.1.20:7300/");
        QVERIFY(!code.isNull());
        QCOMPARE(code.width(), code.height());
        const int modules = code.width() - 8; // a quiet zone of 4 on each side
        QVERIFY2(modules >= 21 && (modules - 21) % 4 == 0, qPrintable(QString::number(modules)));
        for (int i = 0; i < code.width(); ++i) { // the quiet zone is white all round
            QVERIFY(!dark(code, i, 0) && !dark(code, 0, i) && !dark(code, i, 3)
                    && !dark(code, 3, i));
        }
        // Finder patterns: a dark 7x7 ring with a dark 3x3 centre, in three corners.
        for (const QPoint corner :
             {QPoint(4, 4), QPoint(4 + modules - 7, 4), QPoint(4, 4 + modules - 7)}) {
            QVERIFY(dark(code, corner.x(), corner.y()));
            QVERIFY(dark(code, corner.x() + 6, corner.y() + 6));
            QVERIFY(!dark(code, corner.x() + 1, corner.y() + 1));
            QVERIFY(dark(code, corner.x() + 3, corner.y() + 3));
        }
    }

    void theProviderScalesByWholeModules()
    {
        QrImageProvider provider;
        QSize size;
        const QImage image = provider.requestImage(
            QStringLiteral("http%3A%2F%2F10.0.0.5%3A7300%2F"), &size, QSize(132, 132));
        const QImage modules = QrImageProvider::render("http://10.0.0.5:7300/");
        QVERIFY(!image.isNull());
        QCOMPARE(size, image.size());
        QCOMPARE(image.width() % modules.width(), 0);
        QVERIFY(image.width() <= 132 && image.width() > 132 / 2);
    }
};

QTEST_GUILESS_MAIN(TestQrCode)
#include "tst_qrcode.moc"
