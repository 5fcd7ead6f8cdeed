// A Material list row whose background is a plain rectangle (no ripple: see AppMenuItem).
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material

ItemDelegate {
    id: control

    background: Rectangle {
        implicitHeight: control.Material.delegateHeight
        color: control.down ? control.Material.rippleColor
             : control.highlighted ? control.Material.listHighlightColor
             : control.hovered ? Qt.rgba(control.Material.rippleColor.r, control.Material.rippleColor.g,
                                         control.Material.rippleColor.b, control.Material.rippleColor.a / 2)
             : "transparent"
        // Keyboard focus is visible without a ripple.
        border.width: control.visualFocus ? 2 : 0
        border.color: control.Material.accentColor
    }
}
