// A round avatar with a person's initials, in that person's colour.
import QtQuick
import QtQuick.Controls
import "people.js" as People

Rectangle {
    id: avatar

    property string nick: ""
    property int size: 32

    implicitWidth: size
    implicitHeight: size
    radius: size / 2
    color: People.avatarColor(nick)
    Accessible.ignored: true

    Label {
        anchors.centerIn: parent
        text: People.initials(avatar.nick)
        color: "white"
        font.pixelSize: Math.round(avatar.size * 0.4)
        font.weight: Font.DemiBold
    }
}
