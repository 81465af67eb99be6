import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// The message field: Enter sends, Shift+Enter adds a line; the button becomes Stop while the
// model writes (Esc does the same).
Rectangle {
    id: composer
    required property StudioController app
    readonly property var chat: app.chat

    function focusInput() { input.forceActiveFocus() }
    function send() {
        if (!chat.canSend || input.text.trim().length === 0) return
        if (chat.send(input.text)) input.text = ""
    }
    function sendText(text) {
        input.text = text
        send()
    }

    Layout.topMargin: 8
    Layout.bottomMargin: 10
    implicitHeight: Math.min(260, column.implicitHeight + 20)
    radius: 16
    color: Theme.surface
    border.width: 1
    border.color: input.activeFocus ? Theme.accent : Theme.borderStrong

    ColumnLayout {
        id: column
        anchors.fill: parent
        anchors.margins: 10
        anchors.leftMargin: 14
        spacing: 6

        ScrollView {
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.minimumHeight: 24
            TextArea {
                id: input
                objectName: "composerInput"
                placeholderText: composer.app.engine.modelId > 0 ? qsTr("Message %1").arg(composer.app.engine.modelName)
                                                                  : qsTr("Load a model to start chatting")
                placeholderTextColor: Theme.textFaint
                wrapMode: TextArea.Wrap
                color: Theme.text
                selectionColor: Theme.accent
                selectedTextColor: Theme.accentText
                font.pixelSize: Theme.emphasis
                background: null
                padding: 0
                topPadding: 4
                Keys.onReturnPressed: (event) => {
                    if (event.modifiers & Qt.ShiftModifier) { event.accepted = false; return }
                    composer.send()
                }
                Keys.onEnterPressed: (event) => composer.send()
            }
        }
        RowLayout {
            Layout.fillWidth: true
            Text {
                text: composer.chat.error.length > 0 ? composer.chat.error
                      : qsTr("Enter to send · Shift+Enter for a new line · Esc to stop")
                color: composer.chat.error.length > 0 ? Theme.danger : Theme.textFaint
                font.pixelSize: Theme.small
                elide: Text.ElideRight
                Layout.fillWidth: true
            }
            AbstractButton {
                id: sendButton
                objectName: composer.chat.generating ? "stopButton" : "sendButton"
                implicitWidth: 34
                implicitHeight: 34
                hoverEnabled: true
                enabled: composer.chat.generating || (composer.chat.canSend && input.text.trim().length > 0)
                onClicked: composer.chat.generating ? composer.chat.stop() : composer.send()
                ToolTip.visible: hovered
                ToolTip.text: composer.chat.generating ? qsTr("Stop (Esc)") : qsTr("Send (Enter)")
                ToolTip.delay: 600
                background: Rectangle {
                    radius: 17
                    color: !sendButton.enabled ? Theme.border
                           : composer.chat.generating ? Theme.text
                           : sendButton.hovered ? Theme.accentHover : Theme.accent
                }
                contentItem: Item {
                    Icon {
                        anchors.centerIn: parent
                        name: composer.chat.generating ? "stop" : "send"
                        size: composer.chat.generating ? 20 : 18
                        color: !sendButton.enabled ? Theme.textFaint : composer.chat.generating ? Theme.surface : Theme.accentText
                    }
                }
            }
        }
    }
}
