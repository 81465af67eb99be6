import QtQuick
import LowbitStudio

// A small rounded label ("llama", "TQ2_0", "Loaded").
Rectangle {
    id: badge
    property alias text: label.text
    property color tint: Theme.textMuted
    property color fill: Theme.hover
    implicitWidth: label.implicitWidth + 14
    implicitHeight: 20
    radius: 10
    color: fill
    Text {
        id: label
        anchors.centerIn: parent
        font.pixelSize: Theme.small
        font.weight: Font.DemiBold
        color: badge.tint
    }
}
