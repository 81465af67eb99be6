import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// Shown when the chat history could not be opened. The file is never changed by the app; the
// person chooses what happens.
Popup {
    id: dialog
    required property StudioController app
    readonly property string kind: app.storageProblemKind

    parent: Overlay.overlay
    anchors.centerIn: parent
    width: 560
    modal: true
    closePolicy: Popup.NoAutoClose
    padding: 26
    visible: app.storageProblem.length > 0

    Overlay.modal: Rectangle { color: Theme.dark ? "#aa000000" : "#66000000" }
    background: Rectangle { color: Theme.elevated; radius: Theme.radiusLarge; border.color: Theme.border }

    contentItem: ColumnLayout {
        spacing: 14
        RowLayout {
            spacing: 10
            Icon { name: "warning"; size: 22; color: Theme.warning }
            Text {
                text: dialog.kind === "newer" ? qsTr("Chat history from a newer version") : qsTr("The chat history cannot be opened")
                color: Theme.text
                font.pixelSize: Theme.title
                font.weight: Font.DemiBold
            }
        }
        Text {
            Layout.fillWidth: true
            text: dialog.app.storageProblem
            color: Theme.textMuted
            font.pixelSize: Theme.body
            wrapMode: Text.WordWrap
        }
        Text {
            Layout.fillWidth: true
            text: dialog.kind === "newer"
                  ? qsTr("You can keep working in a temporary history (not saved when you quit), or quit and update Lowbit Studio.")
                  : qsTr("You can start a new history (the old file is moved aside, not deleted, so it can still be recovered) or keep working in a temporary history that is not saved.")
            color: Theme.textMuted
            font.pixelSize: Theme.body
            wrapMode: Text.WordWrap
        }
        RowLayout {
            Layout.alignment: Qt.AlignRight
            Layout.topMargin: 8
            spacing: 8
            AppButton { text: qsTr("Quit"); kind: "ghost"; onClicked: Qt.quit() }
            AppButton { objectName: "temporaryHistoryButton"; text: qsTr("Use a temporary history"); onClicked: dialog.app.dismissStorageProblem() }
            AppButton {
                visible: dialog.kind !== "newer"
                objectName: "newHistoryButton"
                kind: "primary"
                text: qsTr("Start a new history")
                onClicked: dialog.app.startNewHistory()
            }
        }
    }
}
