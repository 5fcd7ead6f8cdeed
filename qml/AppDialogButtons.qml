// A dialog's standard buttons (OK, Cancel, Close), made as AppButtons: Material's own have a
// ripple and an elevation shader, which Qt Quick's software renderer (picked without a GPU)
// cannot draw right (see AppButton, AppMenuItem). Set as a Dialog's footer; the Dialog's
// standardButtons and standardButton() work as before.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material

DialogButtonBox {
    delegate: AppButton {
        flat: true
    }
}
