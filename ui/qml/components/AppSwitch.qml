import QtQuick
import QtQuick.Controls
import LowbitStudio

Switch {
    id: control
    hoverEnabled: true
    indicator: Rectangle {
        implicitWidth: 38
        implicitHeight: 22
        x: control.leftPadding
        y: (control.height - height) / 2
        radius: 11
        color: control.checked ? Theme.accent : Theme.borderStrong
        Rectangle {
            x: control.checked ? parent.width - width - 3 : 3
            y: 3
            width: 16
            height: 16
            radius: 8
            color: "#ffffff"
            Behavior on x { NumberAnimation { duration: 120 } }
        }
    }
    contentItem: Text {
        leftPadding: control.indicator.width + (control.text ? 8 : 0)
        text: control.text
        color: Theme.text
        font.pixelSize: Theme.body
        verticalAlignment: Text.AlignVCenter
    }
}
