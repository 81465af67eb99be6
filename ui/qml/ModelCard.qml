import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// One model of the library with its figures and actions.
Card {
    id: card
    required property StudioController app
    required property var modelId
    required property string name
    required property string fileName
    required property string folder
    required property string architecture
    required property string params
    required property string weightTypes
    required property string bitsPerWeight
    required property string linearBits
    required property string fileSize
    required property int contextLength
    required property string format
    required property string fitsText
    required property int fitsLevel
    required property bool missing
    required property int layers
    signal removeRequested(var id, string name)
    signal chatRequested()

    readonly property bool loaded: app.engine.modelId === modelId
    readonly property bool loading: app.engine.loading && app.engine.loadingModelId === modelId

    objectName: "modelCard_" + fileName
    implicitHeight: content.implicitHeight + 36
    border.color: loaded ? Theme.accent : Theme.border

    ColumnLayout {
        id: content
        anchors.fill: parent
        anchors.margins: 18
        spacing: 14

        RowLayout {
            Layout.fillWidth: true
            spacing: 12
            Rectangle {
                width: 40
                height: 40
                radius: 10
                color: Theme.accentSoft
                Icon { anchors.centerIn: parent; name: "models"; size: 22; color: Theme.accent }
            }
            ColumnLayout {
                spacing: 3
                Layout.fillWidth: true
                RowLayout {
                    spacing: 8
                    Text {
                        text: card.name
                        color: Theme.text
                        font.pixelSize: Theme.title
                        font.weight: Font.DemiBold
                        elide: Text.ElideRight
                        Layout.maximumWidth: 420
                    }
                    Badge { text: card.architecture }
                    Badge {
                        visible: card.loaded
                        text: qsTr("Loaded")
                        tint: Theme.accent
                        fill: Theme.accentSoft
                    }
                    Badge {
                        visible: card.missing
                        text: qsTr("File missing")
                        tint: Theme.danger
                        fill: Theme.dangerSoft
                    }
                }
                Text {
                    text: card.folder + "/" + card.fileName
                    color: Theme.textFaint
                    font.pixelSize: Theme.small
                    elide: Text.ElideMiddle
                    Layout.fillWidth: true
                }
            }
            AppButton {
                objectName: "loadModelButton"
                kind: card.loaded ? "secondary" : "primary"
                enabled: !card.missing && !card.loading
                text: card.loading ? qsTr("Loading…") : card.loaded ? qsTr("Chat") : qsTr("Load")
                iconName: card.loaded ? "chat" : "bolt"
                onClicked: {
                    if (card.loaded) card.chatRequested()
                    else card.app.engine.load(card.modelId)
                }
            }
            IconButton {
                iconName: "folder"
                tip: qsTr("Open containing folder")
                enabled: !card.missing
                onClicked: card.app.library.openContainingFolder(card.modelId)
            }
            IconButton {
                objectName: "removeModelButton"
                iconName: "trash"
                tip: qsTr("Remove from library")
                hoverColor: Theme.danger
                onClicked: card.removeRequested(card.modelId, card.name)
            }
        }

        GridLayout {
            Layout.fillWidth: true
            columns: 4
            columnSpacing: 12
            rowSpacing: 12
            Fact { label: qsTr("Parameters"); value: card.params; detail: card.layers > 0 ? qsTr("%1 layers").arg(card.layers) : "" }
            Fact {
                label: qsTr("Bits per weight")
                value: card.linearBits.length > 0 ? card.linearBits : card.bitsPerWeight
                detail: card.linearBits.length > 0 ? qsTr("in the blocks · %1 overall").arg(card.bitsPerWeight) : qsTr("overall")
                highlight: card.linearBits.length > 0 && parseFloat(card.linearBits) < 3
            }
            Fact { label: qsTr("File size"); value: card.fileSize; detail: card.contextLength > 0 ? qsTr("context %1").arg(card.contextLength) : "" }
            Fact { label: qsTr("Prompt format"); value: card.format.length > 0 ? card.format : qsTr("unknown"); detail: "" }
        }

        RowLayout {
            Layout.fillWidth: true
            spacing: 8
            Text {
                text: qsTr("Weight types")
                color: Theme.textFaint
                font.pixelSize: Theme.small
                font.weight: Font.DemiBold
            }
            Text {
                text: card.weightTypes
                color: Theme.textMuted
                font.pixelSize: Theme.small
                font.family: Theme.monoFamily
                elide: Text.ElideRight
                Layout.fillWidth: true
                ToolTip.visible: typesHover.hovered
                ToolTip.text: qsTr("Tensor types, with the share of the parameters each holds")
                ToolTip.delay: 600
                HoverHandler { id: typesHover }
            }
        }

        Rectangle {
            Layout.fillWidth: true
            implicitHeight: 32
            radius: Theme.radius
            color: card.fitsLevel === 0 ? Theme.successSoft : card.fitsLevel === 1 ? Theme.warningSoft : Theme.dangerSoft
            RowLayout {
                anchors.fill: parent
                anchors.leftMargin: 10
                anchors.rightMargin: 10
                spacing: 8
                Icon {
                    name: card.fitsLevel === 0 ? "check" : "warning"
                    size: 15
                    color: card.fitsLevel === 0 ? Theme.success : card.fitsLevel === 1 ? Theme.warning : Theme.danger
                }
                Text {
                    text: card.fitsText
                    color: card.fitsLevel === 0 ? Theme.success : card.fitsLevel === 1 ? Theme.warning : Theme.danger
                    font.pixelSize: Theme.small
                    elide: Text.ElideRight
                    Layout.fillWidth: true
                }
            }
        }
    }

    component Fact: Rectangle {
        property string label
        property string value
        property string detail
        property bool highlight: false
        Layout.fillWidth: true
        Layout.preferredWidth: 1
        implicitHeight: 66
        radius: Theme.radius
        color: highlight ? Theme.accentSoft : Theme.field
        Column {
            anchors.fill: parent
            anchors.margins: 10
            spacing: 3
            Text { text: label; color: Theme.textFaint; font.pixelSize: Theme.small }
            Text {
                text: value
                color: highlight ? Theme.accent : Theme.text
                font.pixelSize: Theme.title
                font.weight: Font.DemiBold
                width: parent.width
                elide: Text.ElideRight
            }
            Text { text: detail; color: Theme.textMuted; font.pixelSize: Theme.small; width: parent.width; elide: Text.ElideRight }
        }
    }
}
