import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import LowbitStudio

// The model library: every model with its figures, import by dialog or drag-and-drop.
Rectangle {
    id: page
    required property StudioController app
    signal chatWithModel()
    color: Theme.bg

    ColumnLayout {
        width: Math.min(1100, parent.width - 56)
        height: parent.height - 28
        y: 28
        anchors.horizontalCenter: parent.horizontalCenter
        spacing: 18

        RowLayout {
            Layout.fillWidth: true
            spacing: 10
            ColumnLayout {
                spacing: 4
                Layout.fillWidth: true
                Text {
                    Layout.fillWidth: true
                    text: qsTr("Models")
                    color: Theme.text
                    font.pixelSize: Theme.heading
                    font.weight: Font.DemiBold
                }
                Text {
                    text: page.app.library.count === 0 ? qsTr("No models yet")
                          : (page.app.library.count === 1 ? qsTr("1 model") : qsTr("%1 models").arg(page.app.library.count))
                            + " · " + qsTr("%1 on disk").arg(page.app.library.totalSizeText)
                    color: Theme.textMuted
                    font.pixelSize: Theme.body
                }
            }
            BusyIndicator {
                running: page.app.library.busy > 0
                visible: running
                implicitWidth: 28
                implicitHeight: 28
            }
            AppButton {
                iconName: "refresh"
                text: qsTr("Scan folder")
                onClicked: page.app.library.scanModelsFolder()
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Look for new GGUF files in %1").arg(page.app.settings.modelsFolder)
                ToolTip.delay: 600
            }
            AppButton {
                objectName: "importButton"
                kind: "primary"
                iconName: "import"
                text: qsTr("Import GGUF…")
                onClicked: fileDialog.open()
            }
        }

        ListView {
            id: list
            objectName: "modelList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            spacing: 12
            model: page.app.library
            bottomMargin: 28
            boundsBehavior: Flickable.StopAtBounds
            ScrollBar.vertical: ScrollBar {}
            delegate: ModelCard {
                app: page.app
                width: ListView.view.width
                onRemoveRequested: (id, name) => { removeDialog.modelId = id; removeDialog.modelName = name; removeDialog.open() }
                onChatRequested: page.chatWithModel()
            }
            footer: Item {
                width: list.width
                height: list.count > 0 ? 64 : 0
                Text {
                    visible: list.count > 0
                    anchors.centerIn: parent
                    text: qsTr("Drop .gguf files anywhere on this page to add them.")
                    color: Theme.textFaint
                    font.pixelSize: Theme.small
                }
            }
        }
    }

    // Empty state: one big drop zone.
    Rectangle {
        visible: page.app.library.count === 0
        anchors.centerIn: parent
        width: Math.min(560, parent.width - 64)
        height: 280
        radius: 18
        color: drop.containsDrag ? Theme.accentSoft : Theme.surface
        border.width: 2
        border.color: drop.containsDrag ? Theme.accent : Theme.border
        ColumnLayout {
            anchors.centerIn: parent
            width: parent.width - 48
            spacing: 12
            Icon { Layout.alignment: Qt.AlignHCenter; name: "import"; size: 40; color: Theme.accent }
            Text {
                Layout.alignment: Qt.AlignHCenter
                text: qsTr("Drop a GGUF model here")
                color: Theme.text
                font.pixelSize: Theme.title
                font.weight: Font.DemiBold
            }
            Text {
                Layout.fillWidth: true
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.WordWrap
                text: qsTr("BitNet b1.58, TQ1_0 / TQ2_0 ternary or ordinary GGUF files. Files stay where they are; models in %1 are found by themselves.")
                          .arg(page.app.settings.modelsFolder)
                color: Theme.textMuted
                font.pixelSize: Theme.body
            }
            AppButton {
                Layout.alignment: Qt.AlignHCenter
                kind: "primary"
                iconName: "import"
                text: qsTr("Choose a file…")
                onClicked: fileDialog.open()
            }
        }
    }

    // Drag-and-drop over the whole page.
    DropArea {
        id: drop
        anchors.fill: parent
        keys: ["text/uri-list"]
        onDropped: (event) => {
            if (event.hasUrls) page.app.library.importUrls(event.urls)
            event.acceptProposedAction()
        }
    }
    Rectangle {
        visible: drop.containsDrag && page.app.library.count > 0
        anchors.fill: parent
        anchors.margins: 12
        radius: 16
        color: Qt.rgba(Theme.accent.r, Theme.accent.g, Theme.accent.b, 0.10)
        border.width: 2
        border.color: Theme.accent
        Text {
            anchors.centerIn: parent
            text: qsTr("Drop to add to the library")
            color: Theme.accent
            font.pixelSize: Theme.title
            font.weight: Font.DemiBold
        }
    }

    FileDialog {
        id: fileDialog
        title: qsTr("Import GGUF models")
        fileMode: FileDialog.OpenFiles
        // Safetensors weights open the conversion wizard on their model folder.
        nameFilters: [qsTr("GGUF models (*.gguf)"), qsTr("Hugging Face weights (*.safetensors)"), qsTr("All files (*)")]
        onAccepted: page.app.library.importUrls(selectedFiles)
    }

    ConfirmDialog {
        id: removeDialog
        property var modelId: 0
        property string modelName
        title: qsTr("Remove %1?").arg(modelName)
        message: qsTr("The model leaves the library. Chats that used it keep their messages.")
        confirmText: qsTr("Remove")
        danger: true
        checkText: qsTr("Also move the file to the trash")
        onAccepted: page.app.library.remove(modelId, checked)
    }
}
