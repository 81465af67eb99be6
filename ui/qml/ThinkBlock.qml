import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// A reasoning model's <think> section, folded by default once complete.
ColumnLayout {
    id: think
    property string text
    property bool complete: true
    property bool expanded: !complete
    spacing: 6
    AbstractButton {
        hoverEnabled: true
        onClicked: think.expanded = !think.expanded
        contentItem: RowLayout {
            spacing: 6
            Icon { name: "brain"; size: 15; color: Theme.textMuted }
            Text {
                text: think.complete ? qsTr("Reasoning") : qsTr("Reasoning…")
                color: Theme.textMuted
                font.pixelSize: Theme.body
                font.italic: true
            }
            Icon { name: think.expanded ? "chevron-down" : "chevron-right"; size: 14; color: Theme.textFaint }
        }
        background: null
    }
    Rectangle {
        visible: think.expanded
        Layout.fillWidth: true
        implicitHeight: thinkText.implicitHeight + 12
        color: "transparent"
        Rectangle { width: 2; height: parent.height; color: Theme.border }
        Text {
            id: thinkText
            x: 12
            y: 6
            width: parent.width - 12
            text: think.text
            color: Theme.textMuted
            wrapMode: Text.Wrap
            font.pixelSize: Theme.body
        }
    }
}
