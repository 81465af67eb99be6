import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// Shows the loaded model and its state; opens a list of the library's models to load another.
AbstractButton {
    id: picker
    required property StudioController app
    signal openLibrary()
    readonly property var engine: app.engine

    objectName: "modelPicker"
    hoverEnabled: true
    implicitHeight: 36
    implicitWidth: Math.min(360, pickerRow.implicitWidth + 28)
    onClicked: menu.open()

    background: Rectangle {
        radius: 18
        color: picker.hovered || menu.visible ? Theme.hover : Theme.field
        border.width: 1
        border.color: menu.visible ? Theme.accent : Theme.border
    }
    contentItem: RowLayout {
        id: pickerRow
        spacing: 8
        Rectangle {
            Layout.leftMargin: 4
            width: 8
            height: 8
            radius: 4
            color: picker.engine.loading ? Theme.warning : picker.engine.modelId > 0 ? Theme.success : Theme.textFaint
        }
        Text {
            text: picker.engine.loading ? qsTr("Loading %1…").arg(picker.engine.loadingName)
                  : picker.engine.modelName.length > 0 ? picker.engine.modelName : qsTr("Choose a model")
            color: Theme.text
            font.pixelSize: Theme.body
            font.weight: Font.DemiBold
            elide: Text.ElideRight
            Layout.maximumWidth: 260
        }
        Icon { name: "chevron-down"; size: 16; color: Theme.textMuted }
    }

    Popup {
        id: menu
        y: picker.height + 6
        x: picker.width - width
        width: 420
        padding: 6
        modal: false
        focus: true
        background: Rectangle {
            color: Theme.elevated
            radius: Theme.radiusLarge
            border.color: Theme.border
        }
        contentItem: ColumnLayout {
            spacing: 2
            Text {
                text: qsTr("Models")
                color: Theme.textFaint
                font.pixelSize: Theme.small
                font.weight: Font.DemiBold
                leftPadding: 10
                topPadding: 6
                bottomPadding: 4
            }
            ListView {
                id: modelList
                Layout.fillWidth: true
                Layout.preferredHeight: Math.min(contentHeight, 320)
                clip: true
                model: picker.app.library
                delegate: AbstractButton {
                    id: entry
                    required property var modelId
                    required property string name
                    required property string params
                    required property string bitsPerWeight
                    required property string linearBits
                    required property string fileSize
                    required property string architecture
                    required property bool missing
                    readonly property bool loaded: picker.engine.modelId === modelId
                    width: ListView.view.width
                    implicitHeight: 52
                    hoverEnabled: true
                    enabled: !missing
                    objectName: "pickModel_" + name
                    onClicked: {
                        if (!loaded) picker.engine.load(modelId)
                        menu.close()
                    }
                    background: Rectangle { radius: Theme.radius; color: entry.hovered ? Theme.hover : "transparent" }
                    contentItem: RowLayout {
                        spacing: 10
                        Icon { Layout.leftMargin: 8; name: "models"; size: 18; color: entry.loaded ? Theme.accent : Theme.textMuted }
                        ColumnLayout {
                            spacing: 2
                            Layout.fillWidth: true
                            Text {
                                text: entry.name
                                color: entry.missing ? Theme.textFaint : Theme.text
                                font.pixelSize: Theme.body
                                font.weight: Font.DemiBold
                                elide: Text.ElideRight
                                Layout.fillWidth: true
                            }
                            Text {
                                text: entry.missing ? qsTr("File missing")
                                      : [entry.architecture, entry.params + qsTr(" params"),
                                         (entry.linearBits || entry.bitsPerWeight) + qsTr(" bits/weight"), entry.fileSize].join("  ·  ")
                                color: Theme.textMuted
                                font.pixelSize: Theme.small
                                elide: Text.ElideRight
                                Layout.fillWidth: true
                            }
                        }
                        Icon { visible: entry.loaded; name: "check"; size: 16; color: Theme.accent; Layout.rightMargin: 10 }
                    }
                }
            }
            Text {
                visible: modelList.count === 0
                text: qsTr("No models yet. Import a GGUF file in Models.")
                color: Theme.textMuted
                font.pixelSize: Theme.body
                padding: 10
            }
            Rectangle { Layout.fillWidth: true; height: 1; color: Theme.border; Layout.topMargin: 4; Layout.bottomMargin: 4 }
            RowLayout {
                Layout.fillWidth: true
                AppButton {
                    kind: "ghost"
                    compact: true
                    iconName: "models"
                    text: qsTr("Manage models")
                    onClicked: { menu.close(); picker.openLibrary() }
                }
                Item { Layout.fillWidth: true }
                AppButton {
                    visible: picker.engine.modelId > 0
                    kind: "ghost"
                    compact: true
                    text: qsTr("Unload")
                    onClicked: { picker.engine.unload(); menu.close() }
                }
            }
        }
    }
}
