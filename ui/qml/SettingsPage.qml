import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import LowbitStudio

// Application settings: performance (device, threads, context), models folder, appearance,
// startup, where the data lives, and about.
Rectangle {
    id: page
    required property StudioController app
    readonly property var settings: app.settings
    color: Theme.bg

    ScrollView {
        id: scroll
        anchors.fill: parent
        contentWidth: availableWidth
        clip: true

        ColumnLayout {
            width: Math.min(820, scroll.availableWidth - 56)
            x: (scroll.availableWidth - width) / 2
            spacing: 16

            Text {
                Layout.topMargin: 28
                text: qsTr("Settings")
                color: Theme.text
                font.pixelSize: Theme.heading
                font.weight: Font.DemiBold
            }

            Section {
                title: qsTr("Performance")
                iconName: "chip"
                note: qsTr("Applies the next time a model is loaded.")
                Row2 {
                    label: qsTr("Device")
                    help: page.settings.devicesReady ? deviceBox.currentDetail : qsTr("Looking for GPUs…")
                    AppComboBox {
                        id: deviceBox
                        objectName: "deviceBox"
                        readonly property string currentDetail: currentIndex >= 0 && page.settings.devices[currentIndex]
                                                                ? page.settings.devices[currentIndex].detail : ""
                        Layout.preferredWidth: 340
                        model: page.settings.devices
                        textRole: "name"
                        valueRole: "id"
                        currentIndex: Math.max(0, indexOfValue(page.settings.device))
                        onActivated: page.settings.device = currentValue
                    }
                }
                Row2 {
                    label: qsTr("CPU threads")
                    help: page.settings.threads === 0 ? qsTr("Automatic: one per physical core (%1 logical cores here).").arg(page.settings.maxThreads)
                                                      : qsTr("%1 of %2 logical cores.").arg(page.settings.threads).arg(page.settings.maxThreads)
                    RowLayout {
                        AppCheckBox {
                            id: autoThreads
                            text: qsTr("Automatic")
                            checked: page.settings.threads === 0
                            onToggled: page.settings.threads = checked ? 0 : Math.max(1, Math.floor(page.settings.maxThreads / 2))
                        }
                        NumberField {
                            objectName: "threadsField"
                            visible: !autoThreads.checked
                            value: page.settings.threads
                            minimum: 1
                            maximum: page.settings.maxThreads
                            onCommitted: (v) => page.settings.threads = v
                        }
                    }
                }
                Row2 {
                    label: qsTr("Context length")
                    help: qsTr("Tokens of conversation the model sees. Automatic: the model's training context, at most 4096.")
                    AppComboBox {
                        Layout.preferredWidth: 200
                        model: [ { v: 0, t: qsTr("Automatic") }, { v: 1024, t: "1024" }, { v: 2048, t: "2048" },
                                 { v: 4096, t: "4096" }, { v: 8192, t: "8192" }, { v: 16384, t: "16384" } ]
                        textRole: "t"
                        valueRole: "v"
                        currentIndex: Math.max(0, indexOfValue(page.settings.contextLength))
                        onActivated: page.settings.contextLength = currentValue
                    }
                }
                Row2 {
                    label: qsTr("1-bit layers")
                    help: page.settings.onebitInt8
                          ? qsTr("OneBit and binary layers take int8 activations (W1A8): several times faster on the CPU, activations rounded to 8 bits. GPUs run them with float activations.")
                          : qsTr("OneBit and binary layers take float activations (W1A16), as in the OneBit paper.")
                    AppCheckBox {
                        objectName: "onebitInt8Box"
                        text: qsTr("Int8 activations (faster)")
                        checked: page.settings.onebitInt8
                        onToggled: page.settings.onebitInt8 = checked
                    }
                }
                AppButton {
                    visible: page.app.engine.modelId > 0
                    iconName: "refresh"
                    text: qsTr("Reload %1 with these settings").arg(page.app.engine.modelName)
                    onClicked: page.app.engine.load(page.app.engine.modelId)
                }
            }

            Section {
                title: qsTr("Models")
                iconName: "models"
                Row2 {
                    label: qsTr("Models folder")
                    help: qsTr("GGUF files here are added to the library automatically.")
                    RowLayout {
                        AppTextField {
                            id: folderField
                            objectName: "modelsFolderField"
                            Layout.preferredWidth: 300
                            text: page.settings.modelsFolder
                            onEditingFinished: page.settings.modelsFolder = text
                        }
                        AppButton { text: qsTr("Browse…"); onClicked: folderDialog.open() }
                    }
                }
            }

            Section {
                title: qsTr("Appearance")
                iconName: Theme.dark ? "moon" : "sun"
                Row2 {
                    label: qsTr("Theme")
                    help: qsTr("Ctrl+Shift+L switches between light and dark.")
                    Segmented {
                        objectName: "themeSelector"
                        options: [ { v: "system", t: qsTr("System") }, { v: "light", t: qsTr("Light") }, { v: "dark", t: qsTr("Dark") } ]
                        current: page.settings.theme
                        onPicked: (v) => page.settings.theme = v
                    }
                }
            }

            Section {
                title: qsTr("Startup")
                iconName: "bolt"
                Row2 {
                    label: qsTr("Load the last model at start")
                    help: qsTr("Saves a click; loading runs in the background and can be cancelled.")
                    AppSwitch {
                        checked: page.settings.loadLastModel
                        onToggled: page.settings.loadLastModel = checked
                    }
                }
            }

            Section {
                title: qsTr("Data")
                iconName: "database"
                Row2 {
                    label: qsTr("Chat history")
                    help: page.settings.databasePath
                    AppButton { iconName: "folder"; text: qsTr("Open folder"); onClicked: page.app.openDataFolder() }
                }
            }

            Section {
                title: qsTr("About")
                iconName: "info"
                Text {
                    Layout.fillWidth: true
                    text: qsTr("%1 — local chat with 1-bit and ternary language models. Keyboard: Ctrl+N new chat, Enter send, Shift+Enter new line, Esc stop, Ctrl+K search chats.").arg(page.app.version)
                    wrapMode: Text.WordWrap
                    color: Theme.textMuted
                    font.pixelSize: Theme.body
                }
            }
            Item { height: 20 }
        }
    }

    FolderDialog {
        id: folderDialog
        title: qsTr("Models folder")
        onAccepted: page.settings.setModelsFolderUrl(selectedFolder)
    }

    component Section: Card {
        id: section
        property string title
        property string iconName
        property string note
        default property alias content: body.data
        Layout.fillWidth: true
        implicitHeight: column.implicitHeight + 40
        ColumnLayout {
            id: column
            anchors.fill: parent
            anchors.margins: 20
            spacing: 16
            RowLayout {
                spacing: 10
                Icon { name: section.iconName; size: 18; color: Theme.accent }
                Text { text: section.title; color: Theme.text; font.pixelSize: Theme.title; font.weight: Font.DemiBold }
                Text { visible: section.note.length > 0; text: section.note; color: Theme.textFaint; font.pixelSize: Theme.small; Layout.leftMargin: 6 }
            }
            ColumnLayout {
                id: body
                Layout.fillWidth: true
                spacing: 16
            }
        }
    }

    component Row2: RowLayout {
        id: row
        property string label
        property string help
        default property alias control: slot.data
        Layout.fillWidth: true
        spacing: 16
        ColumnLayout {
            Layout.fillWidth: true
            spacing: 3
            Text { text: row.label; color: Theme.text; font.pixelSize: Theme.body }
            Text {
                visible: row.help.length > 0
                text: row.help
                color: Theme.textFaint
                font.pixelSize: Theme.small
                wrapMode: Text.WrapAnywhere
                Layout.fillWidth: true
            }
        }
        RowLayout { id: slot }
    }

    component Segmented: Rectangle {
        id: seg
        property var options: []
        property string current
        signal picked(string v)
        implicitWidth: segRow.implicitWidth + 6
        implicitHeight: 34
        radius: Theme.radius
        color: Theme.field
        border.color: Theme.border
        RowLayout {
            id: segRow
            anchors.centerIn: parent
            spacing: 2
            Repeater {
                model: seg.options
                delegate: AbstractButton {
                    id: opt
                    required property var modelData
                    implicitWidth: 78
                    implicitHeight: 28
                    hoverEnabled: true
                    onClicked: seg.picked(modelData.v)
                    background: Rectangle {
                        radius: 6
                        color: seg.current === opt.modelData.v ? Theme.surface : opt.hovered ? Theme.hover : "transparent"
                        border.width: seg.current === opt.modelData.v ? 1 : 0
                        border.color: Theme.border
                    }
                    contentItem: Text {
                        text: opt.modelData.t
                        color: seg.current === opt.modelData.v ? Theme.text : Theme.textMuted
                        font.pixelSize: Theme.body
                        font.weight: seg.current === opt.modelData.v ? Font.DemiBold : Font.Normal
                        horizontalAlignment: Text.AlignHCenter
                        verticalAlignment: Text.AlignVCenter
                    }
                }
            }
        }
    }
}
