import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

ApplicationWindow {
    id: window
    required property StudioController app
    property string page: "chat"

    width: 1280
    height: 820
    minimumWidth: 960
    minimumHeight: 600
    visible: true
    title: app.chat.chatId > 0 ? app.chat.title + " — Lowbit Studio" : "Lowbit Studio"
    color: Theme.bg
    font.family: Theme.fontFamily
    font.pixelSize: Theme.body

    SystemPalette { id: systemPalette }
    readonly property bool systemDark: systemPalette.window.hslLightness < 0.5
    Binding {
        target: Theme
        property: "dark"
        value: window.app.settings.theme === "dark" || (window.app.settings.theme === "system" && window.systemDark)
    }

    // Colours for the Basic style's controls (menus, spin boxes, tooltips).
    palette.window: Theme.surface
    palette.windowText: Theme.text
    palette.base: Theme.field
    palette.alternateBase: Theme.card
    palette.text: Theme.text
    palette.button: Theme.field
    palette.buttonText: Theme.text
    palette.highlight: Theme.accent
    palette.highlightedText: Theme.accentText
    palette.toolTipBase: Theme.elevated
    palette.toolTipText: Theme.text
    palette.placeholderText: Theme.textFaint
    palette.mid: Theme.border
    palette.light: Theme.elevated
    palette.dark: Theme.borderStrong

    function showPage(name) {
        page = name
        if (name === "chat") chatPage.focusComposer()
    }
    function newChat() {
        app.chat.newChat()
        showPage("chat")
    }

    // A safetensors model dropped on or picked in the library runs once converted to GGUF.
    Connections {
        target: window.app.library
        function onConversionSuggested(folder) { convertPage.startWith(folder); window.showPage("convert") }
    }

    Shortcut { sequence: "Ctrl+N"; onActivated: window.newChat() }
    Shortcut {
        sequence: "Esc"
        onActivated: {
            if (window.app.chat.generating) window.app.chat.stop()
            else if (window.app.engine.loading) window.app.engine.cancelLoad()
        }
    }
    Shortcut { sequence: "Ctrl+1"; onActivated: window.showPage("chat") }
    Shortcut { sequence: "Ctrl+2"; onActivated: window.showPage("library") }
    Shortcut { sequence: "Ctrl+,"; onActivated: window.showPage("settings") }
    Shortcut { sequence: "Ctrl+K"; onActivated: { window.showPage("chat"); chatPage.focusSearch() } }
    Shortcut { sequence: "Ctrl+Shift+L"; onActivated: window.app.settings.theme = Theme.dark ? "light" : "dark" }

    Component.onCompleted: {
        const g = app.settings.windowGeometry()
        if (g.width > 0) {
            x = g.x; y = g.y; width = g.width; height = g.height
            if (g.maximized) showMaximized()
        }
        chatPage.focusComposer()
    }
    onClosing: {
        const maximized = visibility === Window.Maximized
        app.settings.saveWindowGeometry(x, y, width, height, maximized)
    }

    // A history that will not be saved (after a refused database) says so all the time.
    header: Rectangle {
        visible: window.app.temporaryStorage && window.app.storageProblem.length === 0
        height: visible ? 30 : 0
        color: Theme.warningSoft
        Text {
            anchors.centerIn: parent
            text: qsTr("Temporary chat history: nothing you do now is saved when Lowbit Studio quits.")
            color: Theme.warning
            font.pixelSize: Theme.small
            font.weight: Font.DemiBold
        }
    }

    RowLayout {
        anchors.fill: parent
        spacing: 0

        NavRail {
            Layout.fillHeight: true
            current: window.page
            app: window.app
            onNavigate: (name) => window.showPage(name)
        }

        StackLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            currentIndex: ["chat", "library", "settings", "downloads", "convert", "compare"].indexOf(window.page)

            ChatPage {
                id: chatPage
                objectName: "chatPage"
                app: window.app
                onOpenLibrary: window.showPage("library")
            }
            LibraryPage {
                app: window.app
                onChatWithModel: window.showPage("chat")
            }
            SettingsPage {
                app: window.app
            }
            DownloadsPage {
                app: window.app
                onConvertRequested: (path) => { convertPage.startWith(path); window.showPage("convert") }
            }
            ConvertPage {
                id: convertPage
                app: window.app
                onOpenLibrary: window.showPage("library")
            }
            CompareView {
                objectName: "comparePage"
                app: window.app
            }
        }
    }

    Toasts {
        anchors.top: parent.top
        anchors.right: parent.right
        anchors.topMargin: 64
        anchors.rightMargin: 20
        width: 420
        app: window.app
    }

    StorageProblemDialog {
        app: window.app
        anchors.centerIn: parent
    }
}
