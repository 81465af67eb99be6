import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// What a new chat shows: the mark, the state of the model, and a few prompts to start with.
Item {
    id: empty
    required property StudioController app
    signal suggestion(string text)
    signal openLibrary()
    readonly property var engine: app.engine

    ColumnLayout {
        anchors.centerIn: parent
        width: Math.min(620, parent.width - 48)
        spacing: 14

        Rectangle {
            Layout.alignment: Qt.AlignHCenter
            width: 56
            height: 56
            radius: 16
            gradient: Gradient {
                GradientStop { position: 0; color: "#7b6cff" }
                GradientStop { position: 1; color: "#4b3bd6" }
            }
            Icon { anchors.centerIn: parent; name: "logo"; size: 34; color: "#ffffff" }
        }
        Text {
            Layout.alignment: Qt.AlignHCenter
            text: qsTr("What shall we talk about?")
            color: Theme.text
            font.pixelSize: Theme.heading
            font.weight: Font.DemiBold
        }
        Text {
            Layout.alignment: Qt.AlignHCenter
            Layout.fillWidth: true
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
            color: Theme.textMuted
            font.pixelSize: Theme.body
            text: empty.engine.loading ? qsTr("Loading %1…").arg(empty.engine.loadingName)
                  : empty.engine.modelId > 0 ? qsTr("%1 is ready on %2. Prompt format: %3.")
                                                  .arg(empty.engine.modelName).arg(empty.engine.deviceName).arg(empty.engine.formatName)
                  : empty.app.library.count > 0 ? qsTr("Choose a model at the top right to start.")
                  : qsTr("Add a GGUF model first: ternary and 1-bit models run best here.")
        }
        AppButton {
            visible: empty.engine.modelId === 0 && !empty.engine.loading
            Layout.alignment: Qt.AlignHCenter
            kind: "primary"
            iconName: "models"
            text: empty.app.library.count > 0 ? qsTr("Open the model library") : qsTr("Add a model")
            onClicked: empty.openLibrary()
        }
        Flow {
            visible: empty.engine.modelId > 0
            Layout.fillWidth: true
            Layout.topMargin: 10
            spacing: 8
            Repeater {
                model: [qsTr("Explain ternary weights in two sentences"),
                        qsTr("Write a haiku about one bit"),
                        qsTr("What does 1.58 bits per weight mean?"),
                        qsTr("Write a C function that packs 4 ternary values into a byte")]
                delegate: AbstractButton {
                    id: chip
                    required property string modelData
                    hoverEnabled: true
                    implicitHeight: 36
                    implicitWidth: chipText.implicitWidth + 28
                    onClicked: empty.suggestion(modelData)
                    background: Rectangle {
                        radius: 18
                        color: chip.hovered ? Theme.hover : Theme.surface
                        border.color: Theme.border
                    }
                    contentItem: Text {
                        id: chipText
                        text: chip.modelData
                        color: Theme.textMuted
                        font.pixelSize: Theme.body
                        horizontalAlignment: Text.AlignHCenter
                        verticalAlignment: Text.AlignVCenter
                    }
                }
            }
        }
    }
}
