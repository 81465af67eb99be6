import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// A fenced code block: language, copy button, monospaced text.
Rectangle {
    id: block
    required property StudioController app
    property string code
    property string language
    property bool complete: true
    property bool copied: false

    implicitHeight: column.implicitHeight
    radius: Theme.radius
    color: Theme.codeBg
    border.color: Theme.border
    clip: true

    ColumnLayout {
        id: column
        width: parent.width
        spacing: 0
        Rectangle {
            Layout.fillWidth: true
            implicitHeight: 32
            color: Theme.codeHeader
            radius: Theme.radius
            Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: parent.radius; color: parent.color }
            RowLayout {
                anchors.fill: parent
                anchors.leftMargin: 12
                anchors.rightMargin: 4
                Text {
                    text: block.language.length > 0 ? block.language : qsTr("code")
                    color: Theme.textMuted
                    font.pixelSize: Theme.small
                    font.family: Theme.monoFamily
                    Layout.fillWidth: true
                }
                AppButton {
                    objectName: "copyCodeButton"
                    kind: "ghost"
                    compact: true
                    iconName: block.copied ? "check" : "copy"
                    text: block.copied ? qsTr("Copied") : qsTr("Copy")
                    onClicked: {
                        block.app.copyToClipboard(block.code)
                        block.copied = true
                        resetCopied.restart()
                    }
                }
            }
        }
        TextEdit {
            Layout.fillWidth: true
            leftPadding: 14
            rightPadding: 14
            topPadding: 10
            bottomPadding: 12
            text: block.code
            readOnly: true
            selectByMouse: true
            wrapMode: TextEdit.WrapAnywhere
            textFormat: TextEdit.PlainText
            font.family: Theme.monoFamily
            font.pixelSize: Theme.body - 1
            color: Theme.text
            selectionColor: Theme.accent
            selectedTextColor: Theme.accentText
        }
    }
    Timer { id: resetCopied; interval: 1500; onTriggered: block.copied = false }
}
