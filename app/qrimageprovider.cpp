#include "qrimageprovider.h"

#include <QUrl>
#include <qrencode.h>

namespace confab::client {

namespace {
constexpr int QuietZone = 4; // modules of white around the code (ISO/IEC 18004)
}

QrImageProvider::QrImageProvider()
    : QQuickImageProvider(QQuickImageProvider::Image)
{}

QImage QrImageProvider::render(const QByteArray &text)
{
    QRcode *code = QRcode_encodeString8bit(text.constData(), 0, QR_ECLEVEL_M);
    if (!code)
        return {};
    const int n = code->width;
    QImage image(n + 2 * QuietZone, n + 2 * QuietZone, QImage::Format_Grayscale8);
    image.fill(Qt::white);
    for (int y = 0; y < n; ++y) {
        uchar *line = image.scanLine(y + QuietZone);
        for (int x = 0; x < n; ++x) {
            if (code->data[y * n + x] & 1) // bit 0: a dark module
                line[x + QuietZone] = 0;
        }
    }
    QRcode_free(code);
    return image;
}

QImage QrImageProvider::requestImage(const QString &id, QSize *size, const QSize &requestedSize)
{
    const QImage modules = render(QUrl::fromPercentEncoding(id.toUtf8()).toUtf8());
    if (modules.isNull())
        return {};
    // Whole pixels per module, never smoothed: a camera reads sharp edges best.
    const int wanted = std::max(requestedSize.width(), requestedSize.height());
    const int scale = std::max(1, wanted > 0 ? wanted / modules.width() : 6);
    const QImage image =
        modules.scaled(modules.size() * scale, Qt::IgnoreAspectRatio, Qt::FastTransformation);
    if (size)
        *size = image.size();
    return image;
}

} // namespace confab::client
