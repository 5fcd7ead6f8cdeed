// A panel's background with a one-pixel edge towards the content. Material separates panels
// with elevation shadows, drawn by a ShaderEffect that the software renderer cannot draw; a
// line is drawn the same by both renderers.
import QtQuick
import QtQuick.Controls.Material

Rectangle {
    id: panel

    property int edge: Qt.RightEdge // where the divider is
    property color tint: Material.theme === Material.Dark ? Qt.rgba(1, 1, 1, 0.03) : Qt.rgba(0, 0, 0, 0.025)

    color: Material.backgroundColor

    Rectangle {
        anchors.fill: parent
        color: panel.tint
    }
    Rectangle {
        objectName: "edge"
        color: panel.Material.dividerColor
        width: panel.edge === Qt.LeftEdge || panel.edge === Qt.RightEdge ? 1 : parent.width
        height: panel.edge === Qt.TopEdge || panel.edge === Qt.BottomEdge ? 1 : parent.height
        x: panel.edge === Qt.RightEdge ? parent.width - 1 : 0
        y: panel.edge === Qt.BottomEdge ? parent.height - 1 : 0
    }
}
