// A Material tool button whose background is a plain rectangle (no ripple: see AppMenuItem).
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material

ToolButton {
    id: control

    background: Rectangle {
        implicitWidth: control.Material.touchTarget
        implicitHeight: control.Material.touchTarget
        radius: 4
        color: control.down || control.checked ? control.Material.rippleColor
             : control.hovered ? Qt.rgba(control.Material.rippleColor.r, control.Material.rippleColor.g,
                                         control.Material.rippleColor.b, control.Material.rippleColor.a / 2)
             : "transparent"
        border.width: control.visualFocus ? 2 : 0
        border.color: control.Material.accentColor
    }
}
