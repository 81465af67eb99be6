import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// Text button in four kinds: "primary" (accent), "secondary" (outlined), "ghost", "danger".
AbstractButton {
    id: control
    property string kind: "secondary"
    property string iconName: ""
    property bool compact: false
    hoverEnabled: true
    focusPolicy: Qt.TabFocus
    implicitHeight: compact ? 28 : 34
    implicitWidth: Math.max(implicitHeight, row.implicitWidth + (compact ? 20 : 28))
    font.pixelSize: compact ? Theme.small + 1 : Theme.body

    readonly property color fg: !enabled ? Theme.textFaint
                                : kind === "primary" ? Theme.accentText
                                : kind === "danger" ? (hovered ? Theme.accentText : Theme.danger)
                                : Theme.text

    background: Rectangle {
        radius: Theme.radius
        color: {
            if (!control.enabled) return control.kind === "primary" ? Theme.border : "transparent";
            if (control.kind === "primary") return control.down ? Qt.darker(Theme.accent, 1.15) : control.hovered ? Theme.accentHover : Theme.accent;
            if (control.kind === "danger") return control.hovered ? Theme.danger : Theme.dangerSoft;
            return control.down ? Theme.pressed : control.hovered ? Theme.hover : "transparent";
        }
        border.width: control.kind === "secondary" ? 1 : 0
        border.color: Theme.border
    }
    contentItem: Item {
        RowLayout {
            id: row
            anchors.centerIn: parent
            spacing: 6
            Icon {
                visible: control.iconName.length > 0
                name: control.iconName
                size: control.compact ? 14 : 16
                color: control.fg
            }
            Text {
                text: control.text
                font: control.font
                color: control.fg
                visible: text.length > 0
            }
        }
    }
}
