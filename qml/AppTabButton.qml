// A Material tab whose background is a plain rectangle (no ripple: see AppMenuItem); the tab
// bar draws the line under the current tab.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material

TabButton {
    id: control

    background: Rectangle {
        implicitHeight: control.Material.touchTarget
        color: control.down ? control.Material.rippleColor
             : control.hovered ? Qt.rgba(control.Material.rippleColor.r, control.Material.rippleColor.g,
                                         control.Material.rippleColor.b, control.Material.rippleColor.a / 2)
             : "transparent"
        border.width: control.visualFocus ? 2 : 0
        border.color: control.Material.accentColor
    }
}
