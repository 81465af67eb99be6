import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// Chats: the list of chats, the open chat with its composer and status line, and the chat's
// settings panel on the right.
Item {
    id: page
    required property StudioController app
    property bool settingsOpen: false
    signal openLibrary()

    function focusComposer() { composer.focusInput() }
    function focusSearch() { sidebar.focusSearch() }

    RowLayout {
        anchors.fill: parent
        spacing: 0

        ChatSidebar {
            id: sidebar
            app: page.app
            Layout.fillHeight: true
            Layout.preferredWidth: 268
            onChatOpened: composer.focusInput()
        }

        Rectangle {
            Layout.fillWidth: true
            Layout.fillHeight: true
            color: Theme.surface

            ColumnLayout {
                anchors.fill: parent
                spacing: 0

                ChatHeader {
                    Layout.fillWidth: true
                    app: page.app
                    settingsOpen: page.settingsOpen
                    onToggleSettings: page.settingsOpen = !page.settingsOpen
                    onOpenLibrary: page.openLibrary()
                }

                LoadingBanner {
                    Layout.fillWidth: true
                    app: page.app
                }

                // The open chat was with another model than the loaded one: offer to switch.
                Rectangle {
                    id: modelHint
                    readonly property int row: page.app.library.count >= 0 ? page.app.library.indexOf(page.app.chat.chatModelId) : -1
                    readonly property var model: row >= 0 ? page.app.library.get(row) : null
                    visible: model !== null && page.app.chat.chatModelId !== page.app.engine.modelId
                             && !page.app.engine.loading && !page.app.chat.generating
                    Layout.fillWidth: true
                    implicitHeight: visible ? 40 : 0
                    color: Theme.field
                    RowLayout {
                        anchors.fill: parent
                        anchors.leftMargin: 20
                        anchors.rightMargin: 12
                        spacing: 10
                        Icon { name: "info"; size: 16; color: Theme.textMuted }
                        Text {
                            Layout.fillWidth: true
                            text: modelHint.model ? qsTr("This chat was with %1.").arg(modelHint.model.name) : ""
                            color: Theme.textMuted
                            font.pixelSize: Theme.body
                            elide: Text.ElideRight
                        }
                        AppButton {
                            compact: true
                            iconName: "bolt"
                            text: qsTr("Load it")
                            onClicked: page.app.engine.load(page.app.chat.chatModelId)
                        }
                    }
                }

                Item {
                    Layout.fillWidth: true
                    Layout.fillHeight: true

                    MessageList {
                        id: messageList
                        anchors.fill: parent
                        app: page.app
                        visible: page.app.chat.messages.count > 0
                    }
                    EmptyChat {
                        anchors.fill: parent
                        visible: page.app.chat.messages.count === 0
                        app: page.app
                        onSuggestion: (text) => composer.sendText(text)
                        onOpenLibrary: page.openLibrary()
                    }
                }

                Composer {
                    id: composer
                    Layout.fillWidth: true
                    Layout.maximumWidth: 860
                    Layout.alignment: Qt.AlignHCenter
                    Layout.leftMargin: 24
                    Layout.rightMargin: 24
                    app: page.app
                }

                StatusLine {
                    Layout.fillWidth: true
                    app: page.app
                }
            }
        }

        ChatSettingsPanel {
            Layout.fillHeight: true
            Layout.preferredWidth: 312
            visible: page.settingsOpen
            app: page.app
            onClose: page.settingsOpen = false
        }
    }
}
