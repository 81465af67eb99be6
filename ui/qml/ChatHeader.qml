import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import LowbitStudio

// Title of the open chat, the model picker, export and the chat-settings toggle.
Rectangle {
    id: header
    required property StudioController app
    property bool settingsOpen: false
    signal toggleSettings()
    signal openLibrary()

    implicitHeight: 56
    color: Theme.surface
    Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: 1; color: Theme.border }

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: 20
        anchors.rightMargin: 12
        spacing: 12

        Text {
            text: header.app.chat.title
            color: Theme.text
            font.pixelSize: Theme.emphasis
            font.weight: Font.DemiBold
            elide: Text.ElideRight
            Layout.fillWidth: true
            Layout.maximumWidth: 420
        }
        Item { Layout.fillWidth: true }

        ModelPicker {
            app: header.app
            onOpenLibrary: header.openLibrary()
        }

        IconButton {
            objectName: "exportChatButton"
            iconName: "external"
            tip: qsTr("Export this chat as Markdown or JSON")
            enabled: header.app.chat.chatId > 0
            onClicked: {
                exportDialog.selectedFile = header.app.chat.defaultExportUrl("md")
                exportDialog.open()
            }
        }

        IconButton {
            objectName: "chatSettingsButton"
            iconName: "sliders"
            tip: qsTr("Chat settings: system prompt, sampling, prompt format")
            active: header.settingsOpen
            onClicked: header.toggleSettings()
        }
    }

    FileDialog {
        id: exportDialog
        objectName: "exportChatDialog"
        title: qsTr("Export the chat")
        fileMode: FileDialog.SaveFile
        nameFilters: [qsTr("Markdown (*.md)"), qsTr("JSON (*.json)")]
        defaultSuffix: selectedNameFilter.extensions.length > 0 ? selectedNameFilter.extensions[0] : "md"
        onAccepted: header.app.chat.exportChat(selectedFile.toString())
    }
}
