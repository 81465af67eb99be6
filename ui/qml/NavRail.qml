import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// The leftmost column: the app mark and one entry per page. Pages are listed in `pages`;
// Downloads/Convert and Compare slot in here when they exist.
Rectangle {
    id: rail
    required property StudioController app
    property string current: "chat"
    signal navigate(string name)

    readonly property var pages: [
        { name: "chat", label: qsTr("Chats"), iconName: "chat" },
        { name: "library", label: qsTr("Models"), iconName: "models" },
        { name: "downloads", label: qsTr("Downloads"), iconName: "download" },
        { name: "convert", label: qsTr("Convert"), iconName: "convert" },
        { name: "compare", label: qsTr("Compare"), iconName: "compare" },
    ]

    implicitWidth: 72
    color: Theme.rail

    ColumnLayout {
        anchors.fill: parent
        anchors.topMargin: 14
        anchors.bottomMargin: 12
        spacing: 6

        Rectangle {
            Layout.alignment: Qt.AlignHCenter
            Layout.bottomMargin: 14
            width: 38
            height: 38
            radius: 11
            gradient: Gradient {
                GradientStop { position: 0; color: "#7b6cff" }
                GradientStop { position: 1; color: "#4b3bd6" }
            }
            Icon { anchors.centerIn: parent; name: "logo"; size: 24; color: "#ffffff" }
        }

        Repeater {
            model: rail.pages
            delegate: NavButton {
                required property var modelData
                Layout.alignment: Qt.AlignHCenter
                objectName: "nav_" + modelData.name
                iconName: modelData.iconName
                label: modelData.label
                active: rail.current === modelData.name
                onClicked: rail.navigate(modelData.name)
            }
        }

        Item { Layout.fillHeight: true }

        NavButton {
            Layout.alignment: Qt.AlignHCenter
            iconName: Theme.dark ? "sun" : "moon"
            label: Theme.dark ? qsTr("Light") : qsTr("Dark")
            onClicked: rail.app.settings.theme = Theme.dark ? "light" : "dark"
        }
        NavButton {
            Layout.alignment: Qt.AlignHCenter
            objectName: "nav_settings"
            iconName: "settings"
            label: qsTr("Settings")
            active: rail.current === "settings"
            onClicked: rail.navigate("settings")
        }
    }

    component NavButton: AbstractButton {
        id: nb
        property string iconName
        property string label
        property bool active: false
        implicitWidth: 60
        implicitHeight: 54
        hoverEnabled: true
        focusPolicy: Qt.NoFocus
        Accessible.name: label
        background: Rectangle {
            radius: 10
            color: nb.active ? Theme.accentSoft : nb.hovered ? Theme.hover : "transparent"
        }
        contentItem: Column {
            spacing: 3
            topPadding: 7
            Icon {
                anchors.horizontalCenter: parent.horizontalCenter
                name: nb.iconName
                size: 20
                color: nb.active ? Theme.accent : nb.hovered ? Theme.text : Theme.textMuted
            }
            Text {
                anchors.horizontalCenter: parent.horizontalCenter
                text: nb.label
                font.pixelSize: 10
                font.weight: nb.active ? Font.DemiBold : Font.Normal
                color: nb.active ? Theme.accent : Theme.textMuted
            }
        }
    }
}
