import QtQuick
import QtQuick.Layouts
import LowbitStudio

// Engine state on the left; speed, context and memory on the right.
Rectangle {
    id: status
    required property StudioController app
    readonly property var engine: app.engine
    readonly property var chat: app.chat
    implicitHeight: 30
    color: Theme.surface
    Rectangle { anchors.top: parent.top; width: parent.width; height: 1; color: Theme.border }

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: 16
        anchors.rightMargin: 16
        spacing: 14

        Rectangle {
            width: 7
            height: 7
            radius: 3.5
            color: status.engine.generating ? Theme.accent : status.engine.loading ? Theme.warning
                   : status.engine.modelId > 0 ? Theme.success : Theme.textFaint
        }
        Text {
            objectName: "statusState"
            text: status.engine.generating ? qsTr("Generating")
                  : status.engine.loading ? qsTr("Loading %1%").arg(Math.round(status.engine.progress * 100))
                  : status.engine.modelId > 0 ? qsTr("Ready · %1").arg(status.engine.deviceName)
                  : qsTr("No model loaded")
            color: Theme.textMuted
            font.pixelSize: Theme.small
            elide: Text.ElideRight
            Layout.fillWidth: true
        }
        Text {
            objectName: "statusSpeed"
            visible: status.chat.tokensPerSecond > 0
            text: qsTr("%1 tok/s").arg(status.chat.tokensPerSecond.toFixed(1))
            color: status.engine.generating ? Theme.accent : Theme.textMuted
            font.pixelSize: Theme.small
            font.family: Theme.monoFamily
        }
        Text {
            objectName: "statusContext"
            visible: status.engine.modelId > 0
            text: qsTr("context %1 / %2").arg(status.chat.contextUsed).arg(status.chat.contextSize)
            color: Theme.textMuted
            font.pixelSize: Theme.small
            font.family: Theme.monoFamily
        }
        Text {
            objectName: "statusMemory"
            text: status.engine.memoryText
            color: Theme.textMuted
            font.pixelSize: Theme.small
            font.family: Theme.monoFamily
        }
    }
}
