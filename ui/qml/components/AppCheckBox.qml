import QtQuick
import QtQuick.Controls
import LowbitStudio

CheckBox {
    id: control
    hoverEnabled: true
    indicator: Rectangle {
        implicitWidth: 18
        implicitHeight: 18
        x: control.leftPadding
        y: (control.height - height) / 2
        radius: 5
        color: control.checked ? Theme.accent : Theme.field
        border.width: control.checked ? 0 : 1
        border.color: control.hovered ? Theme.accent : Theme.borderStrong
        Icon {
            anchors.centerIn: parent
            visible: control.checked
            name: "check"
            size: 14
            color: "#ffffff"
        }
    }
    contentItem: Text {
        leftPadding: control.indicator.width + 8
        text: control.text
        color: Theme.text
        font.pixelSize: Theme.body
        verticalAlignment: Text.AlignVCenter
    }
}
