import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// One chat in the sidebar.
AbstractButton {
    id: row
    required property StudioController app
    required property var chatId
    required property string title
    required property string updatedText
    required property int index
    property bool editing: false
    readonly property bool current: app.chat.chatId === chatId
    signal opened()
    signal deleteRequested(var id, string title)

    objectName: "chatRow_" + index
    implicitHeight: 38
    hoverEnabled: true
    focusPolicy: Qt.NoFocus
    onClicked: if (!editing) { app.chat.open(chatId); opened() }
    onDoubleClicked: startEdit()

    function startEdit() {
        editing = true
        editor.text = title
        editor.forceActiveFocus()
        editor.selectAll()
    }
    function commit() {
        if (editing && editor.text.trim().length > 0) app.chats.rename(chatId, editor.text)
        editing = false
    }

    background: Rectangle {
        radius: Theme.radius
        color: row.current ? Theme.selected : row.hovered ? Theme.hover : "transparent"
    }

    contentItem: RowLayout {
        spacing: 4
        Text {
            visible: !row.editing
            text: row.title
            color: Theme.text
            font.pixelSize: Theme.body
            font.weight: row.current ? Font.DemiBold : Font.Normal
            elide: Text.ElideRight
            Layout.fillWidth: true
            leftPadding: 8
        }
        TextField {
            id: editor
            objectName: "renameField"
            visible: row.editing
            Layout.fillWidth: true
            font.pixelSize: Theme.body
            color: Theme.text
            selectionColor: Theme.accent
            background: Rectangle { radius: 6; color: Theme.field; border.color: Theme.accent }
            onAccepted: row.commit()
            onActiveFocusChanged: if (!activeFocus) row.commit()
            Keys.onEscapePressed: row.editing = false
        }
        Text {
            visible: !row.editing && !row.hovered
            text: row.updatedText
            color: Theme.textFaint
            font.pixelSize: Theme.small
            rightPadding: 8
        }
        IconButton {
            visible: !row.editing && row.hovered
            objectName: "renameChatButton"
            iconName: "pencil"
            tip: qsTr("Rename")
            boxSize: 26
            iconSize: 15
            onClicked: row.startEdit()
        }
        IconButton {
            visible: !row.editing && row.hovered
            objectName: "deleteChatButton"
            iconName: "trash"
            tip: qsTr("Delete")
            boxSize: 26
            iconSize: 15
            hoverColor: Theme.danger
            onClicked: row.deleteRequested(row.chatId, row.title)
        }
    }
}
