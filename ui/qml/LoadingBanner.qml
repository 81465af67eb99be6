import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// Model loading progress with Cancel, or the last load problem.
Rectangle {
    id: banner
    required property StudioController app
    readonly property var engine: app.engine
    readonly property bool showNotice: engine.notice.length > 0 && !engine.loading
    visible: engine.loading || showNotice
    implicitHeight: visible ? content.implicitHeight + 20 : 0
    color: showNotice ? Theme.warningSoft : Theme.accentSoft

    RowLayout {
        id: content
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.verticalCenter: parent.verticalCenter
        anchors.leftMargin: 20
        anchors.rightMargin: 12
        spacing: 12
        Icon {
            name: banner.showNotice ? "warning" : "bolt"
            size: 18
            color: banner.showNotice ? Theme.warning : Theme.accent
        }
        ColumnLayout {
            Layout.fillWidth: true
            spacing: 6
            Text {
                Layout.fillWidth: true
                text: banner.showNotice ? banner.engine.notice
                      : qsTr("Loading %1 — %2").arg(banner.engine.loadingName).arg(banner.engine.phase)
                color: Theme.text
                font.pixelSize: Theme.body
                elide: Text.ElideRight
            }
            ProgressBar {
                id: bar
                objectName: "loadProgress"
                visible: banner.engine.loading
                Layout.fillWidth: true
                from: 0
                to: 1
                value: banner.engine.progress
                background: Rectangle { implicitHeight: 4; radius: 2; color: Theme.border }
                contentItem: Item {
                    implicitHeight: 4
                    Rectangle { width: bar.visualPosition * parent.width; height: parent.height; radius: 2; color: Theme.accent }
                }
            }
        }
        AppButton {
            visible: banner.engine.loading
            objectName: "cancelLoadButton"
            compact: true
            text: qsTr("Cancel")
            onClicked: banner.engine.cancelLoad()
        }
        IconButton {
            visible: banner.showNotice
            iconName: "close"
            tip: qsTr("Dismiss")
            onClicked: banner.engine.clearNotice()
        }
    }
}
