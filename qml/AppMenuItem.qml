// A Material menu item whose background is a plain rectangle: Material's own draws a ripple,
// which Qt Quick's software renderer (picked without a GPU) leaves behind as a grey disc in
// the window's top-left corner.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material

MenuItem {
    id: control

    background: Rectangle {
        implicitWidth: 200
        implicitHeight: control.Material.menuItemHeight
        color: control.down ? control.Material.rippleColor
             : control.highlighted ? control.Material.listHighlightColor : "transparent"
    }
}
