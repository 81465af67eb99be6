import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// A modal question with Cancel and a confirm button (red for destructive actions), and an
// optional check box (e.g. "Also move the file to the trash").
Popup {
    id: dialog
    property string title
    property string message
    property string confirmText: qsTr("OK")
    property bool danger: false
    property string checkText: ""
    property alias checked: check.checked
    signal accepted()

    parent: Overlay.overlay
    anchors.centerIn: parent
    width: 420
    modal: true
    focus: true
    padding: 22
    closePolicy: Popup.CloseOnEscape | Popup.CloseOnPressOutside
    onOpened: { check.checked = false; confirmButton.forceActiveFocus() }

    Overlay.modal: Rectangle { color: Theme.dark ? "#99000000" : "#55000000" }
    background: Rectangle {
        color: Theme.elevated
        radius: Theme.radiusLarge
        border.color: Theme.border
    }
    contentItem: ColumnLayout {
        spacing: 14
        Text {
            text: dialog.title
            color: Theme.text
            font.pixelSize: Theme.title
            font.weight: Font.DemiBold
            wrapMode: Text.WordWrap
            Layout.fillWidth: true
        }
        Text {
            text: dialog.message
            color: Theme.textMuted
            font.pixelSize: Theme.body
            wrapMode: Text.WordWrap
            Layout.fillWidth: true
        }
        AppCheckBox {
            id: check
            visible: dialog.checkText.length > 0
            text: dialog.checkText
        }
        RowLayout {
            Layout.alignment: Qt.AlignRight
            Layout.topMargin: 6
            spacing: 8
            AppButton { text: qsTr("Cancel"); kind: "ghost"; onClicked: dialog.close() }
            AppButton {
                id: confirmButton
                objectName: "confirmButton"
                text: dialog.confirmText
                kind: dialog.danger ? "danger" : "primary"
                onClicked: { dialog.close(); dialog.accepted() }
                Keys.onReturnPressed: clicked()
            }
        }
    }
}
