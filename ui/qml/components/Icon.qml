import QtQuick
import LowbitStudio

// A monochrome icon from resources/icons in any colour (see IconProvider).
Item {
    id: icon
    property string name
    property color color: Theme.text
    property int size: 18
    implicitWidth: size
    implicitHeight: size

    Image {
        anchors.fill: parent
        // Rendered at twice the size so it stays crisp on scaled screens.
        sourceSize: Qt.size(icon.size * 2, icon.size * 2)
        source: icon.name ? "image://icon/" + icon.name + "/" + icon.color.toString().substring(1) : ""
        opacity: icon.color.a
        fillMode: Image.PreserveAspectFit
        smooth: true
        mipmap: true
    }
}
