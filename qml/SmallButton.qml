// A small flat button with a glyph or a short text (the message actions, the reply bar's
// close): plain rectangles, so the software renderer draws it like any other.
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material

AbstractButton {
    id: control

    property string tip: ""
    property int size: 28
    property int glyphSize: 15 // the emoji palette's are bigger

    implicitWidth: Math.max(size, implicitContentWidth + 12)
    implicitHeight: size
    hoverEnabled: true
    focusPolicy: Qt.NoFocus
    Accessible.name: tip.length > 0 ? tip : text

    contentItem: Label {
        text: control.text
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
        font.pixelSize: control.glyphSize
        opacity: control.enabled ? 0.85 : 0.4
    }
    background: Rectangle {
        radius: 4
        color: control.down ? control.Material.rippleColor
             : control.hovered ? control.Material.rippleColor : "transparent"
    }
    ToolTip.visible: hovered && tip.length > 0
    ToolTip.text: tip
    ToolTip.delay: 500
}
