import QtQuick
import QtQuick.Controls
import LowbitStudio

// A square, flat button with an icon and a tooltip.
AbstractButton {
    id: control
    property string iconName: ""
    property string tip: ""
    property color iconColor: Theme.textMuted
    property color hoverColor: Theme.text
    property int iconSize: 18
    property int boxSize: 32
    property bool active: false
    implicitWidth: boxSize
    implicitHeight: boxSize
    hoverEnabled: true
    focusPolicy: Qt.NoFocus
    Accessible.name: tip

    background: Rectangle {
        radius: Theme.radius
        color: control.down ? Theme.pressed : (control.hovered || control.active) ? Theme.hover : "transparent"
    }
    contentItem: Item {
        Icon {
            anchors.centerIn: parent
            name: control.iconName
            size: control.iconSize
            color: !control.enabled ? Theme.textFaint : (control.hovered || control.active) ? control.hoverColor : control.iconColor
        }
    }
    ToolTip.visible: hovered && tip.length > 0
    ToolTip.text: tip
    ToolTip.delay: 600
}
