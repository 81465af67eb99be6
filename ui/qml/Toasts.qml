import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// Short messages at the bottom of the window: imports, problems, recovered replies.
Column {
    id: toasts
    required property StudioController app
    spacing: 8

    ListModel { id: items }
    function show(text, kind) {
        items.append({ text: text, kind: kind || "info" })
        if (items.count > 3) items.remove(0)
    }

    Connections {
        target: toasts.app.library
        function onImported(id, name) { toasts.show(qsTr("Added %1 to the library").arg(name), "success") }
        function onImportFailed(message) { toasts.show(message, "error") }
        function onConversionSuggested(folder) {
            toasts.show(qsTr("Safetensors models run once converted to GGUF: %1 is open in the conversion wizard.").arg(folder), "info")
        }
    }
    Connections {
        target: toasts.app.chat
        function onExported(path) { toasts.show(qsTr("Saved the chat to %1").arg(path), "success") }
    }
    Connections {
        target: toasts.app
        function onNoticeChanged() { if (toasts.app.notice.length > 0) { toasts.show(toasts.app.notice, "info"); toasts.app.clearNotice() } }
    }
    Component.onCompleted: if (app.notice.length > 0) { show(app.notice, "info"); app.clearNotice() }

    Repeater {
        model: items
        delegate: Rectangle {
            id: toast
            required property string text
            required property string kind
            required property int index
            width: toasts.width
            implicitHeight: row.implicitHeight + 20
            radius: Theme.radiusLarge
            color: Theme.elevated
            border.color: kind === "error" ? Theme.danger : Theme.border
            RowLayout {
                id: row
                anchors.fill: parent
                anchors.leftMargin: 14
                anchors.rightMargin: 6
                spacing: 10
                Icon {
                    name: toast.kind === "error" ? "warning" : toast.kind === "success" ? "check" : "info"
                    size: 17
                    color: toast.kind === "error" ? Theme.danger : toast.kind === "success" ? Theme.success : Theme.accent
                }
                Text {
                    text: toast.text
                    color: Theme.text
                    font.pixelSize: Theme.body
                    wrapMode: Text.WordWrap
                    Layout.fillWidth: true
                }
                IconButton { iconName: "close"; tip: qsTr("Dismiss"); boxSize: 28; iconSize: 14; onClicked: items.remove(toast.index) }
            }
            Timer { running: true; interval: toast.kind === "error" ? 9000 : 4500; onTriggered: items.remove(toast.index) }
        }
    }
}
