import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import LowbitStudio

// The list of chats: new, import (a chat exported as JSON), search, rename (double-click or
// pencil), delete (with confirmation).
Rectangle {
    id: sidebar
    required property StudioController app
    signal chatOpened()
    color: Theme.sidebar

    function focusSearch() { search.forceActiveFocus() }

    Rectangle { anchors.right: parent.right; width: 1; height: parent.height; color: Theme.border }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 12
        anchors.rightMargin: 13
        spacing: 10

        RowLayout {
            Layout.fillWidth: true
            Layout.topMargin: 4
            Text {
                text: qsTr("Chats")
                font.pixelSize: Theme.title
                font.weight: Font.DemiBold
                color: Theme.text
                Layout.fillWidth: true
                leftPadding: 4
            }
            IconButton {
                objectName: "importChatButton"
                iconName: "import"
                tip: qsTr("Import a chat exported as JSON")
                iconColor: Theme.text
                onClicked: importDialog.open()
            }
            IconButton {
                objectName: "newChatButton"
                iconName: "plus"
                tip: qsTr("New chat (Ctrl+N)")
                iconColor: Theme.text
                onClicked: { sidebar.app.chat.newChat(); sidebar.chatOpened() }
            }
        }

        AppTextField {
            id: search
            objectName: "chatSearch"
            Layout.fillWidth: true
            leadingIcon: "search"
            placeholderText: qsTr("Search chats")
            onTextChanged: searchDelay.restart()
            Keys.onEscapePressed: text = ""
            Timer {
                id: searchDelay
                interval: 150
                onTriggered: sidebar.app.chats.searchText = search.text
            }
        }

        ListView {
            id: list
            objectName: "chatList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            spacing: 2
            model: sidebar.app.chats
            boundsBehavior: Flickable.StopAtBounds
            ScrollBar.vertical: ScrollBar { policy: ScrollBar.AsNeeded }
            section.property: "section"
            section.delegate: Text {
                required property string section
                text: section
                width: ListView.view.width
                topPadding: 12
                bottomPadding: 6
                leftPadding: 8
                font.pixelSize: Theme.small
                font.weight: Font.DemiBold
                color: Theme.textFaint
            }
            delegate: ChatRow {
                app: sidebar.app
                width: ListView.view.width
                onOpened: sidebar.chatOpened()
                onDeleteRequested: (id, title) => { confirm.chatId = id; confirm.chatTitle = title; confirm.open() }
            }

            Text {
                anchors.centerIn: parent
                width: parent.width - 24
                visible: list.count === 0
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.WordWrap
                color: Theme.textFaint
                font.pixelSize: Theme.body
                text: sidebar.app.chats.searchText.length > 0 ? qsTr("No chat matches “%1”.").arg(sidebar.app.chats.searchText)
                                                               : qsTr("No chats yet.\nStart one with Ctrl+N.")
            }
        }
    }

    ConfirmDialog {
        id: confirm
        property var chatId: 0
        property string chatTitle
        title: qsTr("Delete this chat?")
        message: qsTr("“%1” and all its messages will be deleted. This cannot be undone.").arg(chatTitle)
        confirmText: qsTr("Delete")
        danger: true
        onAccepted: sidebar.app.chats.remove(chatId)
    }

    FileDialog {
        id: importDialog
        objectName: "importChatDialog"
        title: qsTr("Import a chat")
        fileMode: FileDialog.OpenFile
        nameFilters: [qsTr("Chats exported as JSON (*.json)")]
        onAccepted: if (sidebar.app.chat.importChat(selectedFile.toString())) sidebar.chatOpened()
    }
}
