import QtQuick
import QtQuick.Controls
import LowbitStudio

TextField {
    id: control
    property string leadingIcon: ""
    color: Theme.text
    placeholderTextColor: Theme.textFaint
    selectionColor: Theme.accent
    selectedTextColor: Theme.accentText
    font.pixelSize: Theme.body
    leftPadding: leadingIcon ? 32 : 10
    rightPadding: 10
    implicitHeight: 34
    verticalAlignment: TextInput.AlignVCenter
    background: Rectangle {
        radius: Theme.radius
        color: Theme.field
        border.width: 1
        border.color: control.activeFocus ? Theme.accent : Theme.border
        Icon {
            visible: control.leadingIcon.length > 0
            name: control.leadingIcon
            size: 15
            color: Theme.textFaint
            anchors.left: parent.left
            anchors.leftMargin: 10
            anchors.verticalCenter: parent.verticalCenter
        }
    }
}
