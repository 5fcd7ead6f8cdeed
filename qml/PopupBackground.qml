// The background of popups, menus and dialogs, with a border instead of Material's elevation
// shadow (a ShaderEffect, which the software renderer cannot draw: the popup would vanish).
import QtQuick
import QtQuick.Controls.Material

Rectangle {
    color: Material.dialogColor
    border.color: Material.theme === Material.Dark ? Qt.rgba(1, 1, 1, 0.2) : Qt.rgba(0, 0, 0, 0.2)
    radius: 4
}
