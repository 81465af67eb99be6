import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// One message: the person's on the right in a bubble; the model's on the left with its name,
// rendered Markdown and code blocks, figures, and copy / regenerate.
Item {
    id: message
    required property StudioController app
    required property var messageId
    required property string role
    required property string text
    required property var blocks
    required property string state
    required property string modelName
    required property int completionTokens
    required property double tokensPerSecond
    required property string stopReason
    required property string time
    required property bool isLast
    required property int index

    readonly property bool isUser: role === "user"
    readonly property bool streaming: state === "streaming"
    property bool editing: false
    property bool copied: false

    objectName: "message_" + index
    implicitHeight: body.implicitHeight + 24
    HoverHandler { id: hover }

    function startEdit() {
        editing = true
        editor.text = text
        editor.forceActiveFocus()
        editor.cursorPosition = editor.length
    }
    function copy() {
        app.copyToClipboard(text)
        copied = true
        copiedTimer.restart()
    }
    Timer { id: copiedTimer; interval: 1500; onTriggered: message.copied = false }

    ColumnLayout {
        id: body
        width: Math.min(820, message.width - 48)
        anchors.horizontalCenter: parent.horizontalCenter
        y: 12
        spacing: 6

        // ---- the person's message: actions on hover to its left, then the bubble ----
        RowLayout {
            visible: message.isUser && !message.editing
            Layout.alignment: Qt.AlignRight
            spacing: 4
            RowLayout {
                spacing: 2
                Layout.alignment: Qt.AlignVCenter
                opacity: hover.hovered ? 1 : 0
                IconButton { objectName: "copyMessageButton"; iconName: message.copied ? "check" : "copy"; tip: qsTr("Copy"); boxSize: 28; iconSize: 15; onClicked: message.copy() }
                IconButton {
                    objectName: "editMessageButton"
                    iconName: "pencil"
                    tip: qsTr("Edit and resend")
                    boxSize: 28
                    iconSize: 15
                    enabled: !message.app.chat.generating
                    onClicked: message.startEdit()
                }
            }
            Rectangle {
                Layout.maximumWidth: body.width * 0.78
                implicitWidth: userText.implicitWidth + 28
                implicitHeight: userText.implicitHeight + 20
                radius: 16
                color: Theme.userBubble
                TextEdit {
                    id: userText
                    x: 14
                    y: 10
                    width: Math.min(implicitWidth, body.width * 0.78 - 28)
                    text: message.text
                    readOnly: true
                    selectByMouse: true
                    wrapMode: TextEdit.Wrap
                    color: Theme.text
                    selectionColor: Theme.accent
                    selectedTextColor: Theme.accentText
                    font.pixelSize: Theme.emphasis
                }
            }
        }
        // Edit-and-resend.
        Rectangle {
            visible: message.editing
            Layout.fillWidth: true
            implicitHeight: editColumn.implicitHeight + 20
            radius: Theme.radiusLarge
            color: Theme.field
            border.color: Theme.accent
            ColumnLayout {
                id: editColumn
                anchors.fill: parent
                anchors.margins: 10
                TextArea {
                    id: editor
                    objectName: "editMessageField"
                    Layout.fillWidth: true
                    wrapMode: TextArea.Wrap
                    color: Theme.text
                    font.pixelSize: Theme.emphasis
                    background: null
                    Keys.onEscapePressed: message.editing = false
                    Keys.onReturnPressed: (event) => {
                        if (event.modifiers & Qt.ShiftModifier) { event.accepted = false; return }
                        saveButton.clicked()
                    }
                }
                RowLayout {
                    Layout.alignment: Qt.AlignRight
                    AppButton { compact: true; kind: "ghost"; text: qsTr("Cancel"); onClicked: message.editing = false }
                    AppButton {
                        id: saveButton
                        objectName: "resendButton"
                        compact: true
                        kind: "primary"
                        text: qsTr("Send")
                        enabled: message.app.chat.canSend && editor.text.trim().length > 0
                        onClicked: {
                            if (message.app.chat.editAndResend(message.messageId, editor.text)) message.editing = false
                        }
                    }
                }
            }
        }
        // ---- the model's reply ----
        RowLayout {
            visible: !message.isUser
            spacing: 10
            Rectangle {
                width: 26
                height: 26
                radius: 8
                gradient: Gradient {
                    GradientStop { position: 0; color: "#7b6cff" }
                    GradientStop { position: 1; color: "#4b3bd6" }
                }
                Icon { anchors.centerIn: parent; name: "logo"; size: 17; color: "#ffffff" }
            }
            Text {
                text: message.modelName.length > 0 ? message.modelName : qsTr("Assistant")
                color: Theme.text
                font.pixelSize: Theme.body
                font.weight: Font.DemiBold
            }
            Text { text: message.time; color: Theme.textFaint; font.pixelSize: Theme.small }
            Badge {
                visible: message.state === "stopped" || message.state === "interrupted"
                text: message.state === "stopped" ? qsTr("Stopped") : qsTr("Interrupted")
                tint: Theme.warning
                fill: Theme.warningSoft
            }
        }

        ColumnLayout {
            visible: !message.isUser
            Layout.fillWidth: true
            Layout.leftMargin: 36
            spacing: 10

            // The blocks sit in a Column, not directly in the layout: the Repeater replaces its
            // delegates whenever the reply grows, and Qt 6.4's layouts can keep a pointer to a
            // removed (then deleted) child until their next polish; an enclosing layout that
            // asks for size hints before that reads freed memory. A positioner drops its removed
            // children at once.
            Column {
                id: blocksColumn
                Layout.fillWidth: true
                spacing: 10
                Repeater {
                    model: message.isUser ? [] : message.blocks
                    delegate: Loader {
                        id: blockLoader
                        required property var modelData
                        width: blocksColumn.width
                        sourceComponent: modelData.kind === "code" ? codeComponent : modelData.kind === "think" ? thinkComponent : markdownComponent
                        onLoaded: item.block = Qt.binding(() => blockLoader.modelData)
                    }
                }
            }

            // Waiting for the first token.
            Row {
                visible: message.streaming && message.text.length === 0
                spacing: 5
                Repeater {
                    model: 3
                    Rectangle {
                        required property int index
                        width: 7
                        height: 7
                        radius: 3.5
                        color: Theme.textFaint
                        SequentialAnimation on opacity {
                            running: message.streaming
                            loops: Animation.Infinite
                            PauseAnimation { duration: index * 160 }
                            NumberAnimation { from: 0.25; to: 1; duration: 320 }
                            NumberAnimation { from: 1; to: 0.25; duration: 320 }
                            PauseAnimation { duration: (2 - index) * 160 }
                        }
                    }
                }
            }

            Rectangle {
                visible: message.state === "error"
                Layout.fillWidth: true
                implicitHeight: errorText.implicitHeight + 16
                radius: Theme.radius
                color: Theme.dangerSoft
                Text {
                    id: errorText
                    x: 10
                    y: 8
                    width: parent.width - 20
                    text: message.stopReason
                    color: Theme.danger
                    wrapMode: Text.WordWrap
                    font.pixelSize: Theme.body
                }
            }

            RowLayout {
                visible: !message.streaming
                spacing: 2
                Text {
                    visible: message.completionTokens > 0
                    text: {
                        let parts = [qsTr("%1 tokens").arg(message.completionTokens)]
                        if (message.tokensPerSecond > 0) parts.push(qsTr("%1 tok/s").arg(message.tokensPerSecond.toFixed(1)))
                        if (message.stopReason && message.state !== "error") parts.push(message.stopReason)
                        return parts.join("  ·  ")
                    }
                    color: Theme.textFaint
                    font.pixelSize: Theme.small
                    rightPadding: 8
                }
                IconButton {
                    objectName: "copyReplyButton"
                    iconName: message.copied ? "check" : "copy"
                    tip: qsTr("Copy reply")
                    boxSize: 28
                    iconSize: 15
                    opacity: hover.hovered || message.isLast ? 1 : 0
                    onClicked: message.copy()
                }
                IconButton {
                    objectName: "regenerateButton"
                    visible: message.isLast
                    iconName: "refresh"
                    tip: qsTr("Regenerate")
                    boxSize: 28
                    iconSize: 15
                    enabled: message.app.chat.canRegenerate
                    onClicked: message.app.chat.regenerate()
                }
            }
        }
    }

    Component {
        id: markdownComponent
        TextEdit {
            property var block: ({})
            objectName: "replyText"
            text: block.text || ""
            textFormat: TextEdit.MarkdownText
            readOnly: true
            selectByMouse: true
            wrapMode: TextEdit.Wrap
            color: Theme.text
            selectionColor: Theme.accent
            selectedTextColor: Theme.accentText
            font.pixelSize: Theme.emphasis
            onLinkActivated: (link) => Qt.openUrlExternally(link)
            HoverHandler { enabled: parent.hoveredLink.length > 0; cursorShape: Qt.PointingHandCursor }
        }
    }
    Component {
        id: codeComponent
        CodeBlock {
            property var block: ({})
            code: block.text || ""
            language: block.language || ""
            complete: block.complete !== false
            app: message.app
        }
    }
    Component {
        id: thinkComponent
        ThinkBlock {
            property var block: ({})
            text: block.text || ""
            complete: block.complete !== false
        }
    }
}
