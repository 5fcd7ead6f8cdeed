// A Material button drawn with plain rectangles. Material's own Button paints its background
// through a ShaderEffect (ElevationEffect), which Qt Quick's software renderer cannot draw: on
// the software backend (picked on machines without a GPU) its background would vanish.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material

Button {
    id: control

    background: Rectangle {
        implicitWidth: 64
        implicitHeight: control.Material.buttonHeight
        radius: 2
        color: !control.enabled ? control.Material.buttonDisabledColor
             : control.flat ? (control.down || control.hovered ? control.Material.rippleColor : "transparent")
             : control.highlighted ? (control.down ? Qt.darker(control.Material.highlightedButtonColor, 1.2)
                                                   : control.hovered ? Qt.lighter(control.Material.highlightedButtonColor, 1.1)
                                                                     : control.Material.highlightedButtonColor)
             : control.down || control.hovered ? Qt.darker(control.Material.buttonColor, 1.1) : control.Material.buttonColor
        // Keyboard focus is visible without a ripple.
        border.width: control.visualFocus ? 2 : 0
        border.color: control.Material.accentColor
    }
}
