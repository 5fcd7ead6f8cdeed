// QR codes for QML, drawn by libqrencode: `Image { source: "image://qr/" +
// encodeURIComponent(text) }`. The hosting app shows one per web link, so a phone joins by
// pointing its camera at the host's screen.
#pragma once

#include <QImage>
#include <QQuickImageProvider>

namespace confab::client {

class QrImageProvider : public QQuickImageProvider
{
public:
    QrImageProvider();
    QImage requestImage(const QString &id, QSize *size, const QSize &requestedSize) override;

    // The code for this text, one pixel per module with the 4-module quiet zone the standard
    // asks for, black on white; a null image if the text cannot be encoded.
    static QImage render(const QByteArray &text);
};

} // namespace confab::client
