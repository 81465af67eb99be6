import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// The open chat's own settings: system prompt, prompt format and sampling. Saved with the chat.
Rectangle {
    id: panel
    required property StudioController app
    readonly property var chat: app.chat
    signal close()
    color: Theme.sidebar
    Rectangle { width: 1; height: parent.height; color: Theme.border }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0
        RowLayout {
            Layout.fillWidth: true
            Layout.preferredHeight: 56
            Layout.leftMargin: 18
            Layout.rightMargin: 10
            Text {
                text: qsTr("Chat settings")
                color: Theme.text
                font.pixelSize: Theme.title
                font.weight: Font.DemiBold
                Layout.fillWidth: true
            }
            IconButton { iconName: "close"; tip: qsTr("Close"); onClicked: panel.close() }
        }
        Rectangle { Layout.fillWidth: true; height: 1; color: Theme.border }

        ScrollView {
            id: scroll
            Layout.fillWidth: true
            Layout.fillHeight: true
            contentWidth: availableWidth
            clip: true

            ColumnLayout {
                width: scroll.availableWidth
                spacing: 18

                ColumnLayout {
                    Layout.fillWidth: true
                    Layout.margins: 18
                    Layout.bottomMargin: 0
                    spacing: 6
                    Label { text: qsTr("System prompt") }
                    Rectangle {
                        Layout.fillWidth: true
                        Layout.preferredHeight: 110
                        radius: Theme.radius
                        color: Theme.field
                        border.color: systemPrompt.activeFocus ? Theme.accent : Theme.border
                        ScrollView {
                            anchors.fill: parent
                            anchors.margins: 2
                            TextArea {
                                id: systemPrompt
                                objectName: "systemPromptField"
                                text: panel.chat.systemPrompt
                                placeholderText: qsTr("e.g. You are a concise assistant.")
                                placeholderTextColor: Theme.textFaint
                                wrapMode: TextArea.Wrap
                                color: Theme.text
                                font.pixelSize: Theme.body
                                background: null
                                onTextChanged: saveDelay.restart()
                                Timer { id: saveDelay; interval: 400; onTriggered: panel.chat.systemPrompt = systemPrompt.text }
                            }
                        }
                    }
                }

                ColumnLayout {
                    Layout.fillWidth: true
                    Layout.leftMargin: 18
                    Layout.rightMargin: 18
                    spacing: 6
                    Label { text: qsTr("Prompt format") }
                    AppComboBox {
                        id: formatBox
                        objectName: "promptFormatBox"
                        Layout.fillWidth: true
                        model: panel.chat.promptFormats
                        textRole: "name"
                        valueRole: "key"
                        currentIndex: Math.max(0, indexOfValue(panel.chat.promptFormat))
                        onActivated: panel.chat.promptFormat = currentValue
                        Connections {
                            target: panel.chat
                            function onSettingsChanged() { formatBox.currentIndex = Math.max(0, formatBox.indexOfValue(panel.chat.promptFormat)) }
                        }
                    }
                    Text {
                        Layout.fillWidth: true
                        wrapMode: Text.WordWrap
                        color: Theme.textFaint
                        font.pixelSize: Theme.small
                        text: panel.app.engine.modelId > 0
                              ? qsTr("Automatic: %1 (%2). Plain completion continues your text without roles, for base models.")
                                    .arg(panel.app.engine.formatName).arg(panel.app.engine.formatSource)
                              : qsTr("Automatic reads the model's chat template. Plain completion continues your text without roles (for base models).")
                    }
                }

                Rectangle { Layout.fillWidth: true; height: 1; color: Theme.border }

                ColumnLayout {
                    Layout.fillWidth: true
                    Layout.leftMargin: 18
                    Layout.rightMargin: 18
                    spacing: 16
                    Label { text: qsTr("Sampling") }
                    SliderRow {
                        objectName: "temperature"
                        Layout.fillWidth: true
                        label: qsTr("Temperature")
                        help: qsTr("0 always picks the most likely token.")
                        from: 0; to: 2; stepSize: 0.05
                        value: panel.chat.temperature
                        onMoved: (v) => panel.chat.temperature = v
                    }
                    SliderRow {
                        Layout.fillWidth: true
                        label: qsTr("Top-k")
                        from: 0; to: 200; stepSize: 1; decimals: 0
                        offText: qsTr("off")
                        value: panel.chat.topK
                        onMoved: (v) => panel.chat.topK = Math.round(v)
                    }
                    SliderRow {
                        Layout.fillWidth: true
                        label: qsTr("Top-p")
                        from: 0; to: 1; stepSize: 0.01
                        value: panel.chat.topP
                        onMoved: (v) => panel.chat.topP = v
                    }
                    SliderRow {
                        Layout.fillWidth: true
                        label: qsTr("Min-p")
                        from: 0; to: 1; stepSize: 0.01
                        offText: qsTr("off")
                        value: panel.chat.minP
                        onMoved: (v) => panel.chat.minP = v
                    }
                    SliderRow {
                        Layout.fillWidth: true
                        label: qsTr("Repetition penalty")
                        from: 1; to: 2; stepSize: 0.01
                        offText: qsTr("off")
                        value: panel.chat.repeatPenalty
                        onMoved: (v) => panel.chat.repeatPenalty = v
                    }
                    RowLayout {
                        Layout.fillWidth: true
                        Label { text: qsTr("Max tokens"); Layout.fillWidth: true; font.weight: Font.Normal }
                        NumberField {
                            objectName: "maxTokensField"
                            value: panel.chat.maxTokens
                            minimum: 1
                            maximum: 65536
                            onCommitted: (v) => panel.chat.maxTokens = v
                        }
                    }
                    RowLayout {
                        Layout.fillWidth: true
                        Label { text: qsTr("Seed"); Layout.fillWidth: true; font.weight: Font.Normal }
                        AppCheckBox {
                            id: randomSeed
                            text: qsTr("Random")
                            checked: panel.chat.seed < 0
                            onToggled: panel.chat.seed = checked ? -1 : 42
                        }
                        NumberField {
                            visible: !randomSeed.checked
                            value: Math.max(0, panel.chat.seed)
                            minimum: 0
                            maximum: 2147483647
                            onCommitted: (v) => panel.chat.seed = v
                        }
                    }
                }

                AppButton {
                    Layout.leftMargin: 18
                    Layout.bottomMargin: 18
                    kind: "ghost"
                    iconName: "refresh"
                    text: qsTr("Reset to defaults")
                    onClicked: { panel.chat.resetSettings(); systemPrompt.text = panel.chat.systemPrompt }
                }
            }
        }
    }

    Connections {
        target: panel.chat
        function onChatChanged() { systemPrompt.text = panel.chat.systemPrompt }
    }

    component Label: Text {
        color: Theme.text
        font.pixelSize: Theme.body
        font.weight: Font.DemiBold
    }
}
