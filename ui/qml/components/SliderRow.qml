import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// A labelled slider with its value and a one-line explanation.
ColumnLayout {
    id: row
    property string label
    property string help
    property real from: 0
    property real to: 1
    property real stepSize: 0.01
    property real value: 0
    property int decimals: 2
    property string offText: ""  // shown instead of the value when it equals `from` (e.g. "off")
    signal moved(real value)
    spacing: 2

    RowLayout {
        Layout.fillWidth: true
        Text {
            text: row.label
            color: Theme.text
            font.pixelSize: Theme.body
            Layout.fillWidth: true
        }
        Text {
            text: row.offText && slider.value === row.from ? row.offText : slider.value.toFixed(row.decimals)
            color: Theme.textMuted
            font.pixelSize: Theme.body
            font.family: Theme.monoFamily
        }
    }
    Slider {
        id: slider
        objectName: row.objectName + "Slider"
        Layout.fillWidth: true
        from: row.from
        to: row.to
        stepSize: row.stepSize
        value: row.value
        onMoved: row.moved(value)
        background: Rectangle {
            x: slider.leftPadding
            y: slider.topPadding + slider.availableHeight / 2 - height / 2
            width: slider.availableWidth
            height: 4
            radius: 2
            color: Theme.border
            Rectangle {
                width: slider.visualPosition * parent.width
                height: parent.height
                radius: 2
                color: Theme.accent
            }
        }
        handle: Rectangle {
            x: slider.leftPadding + slider.visualPosition * (slider.availableWidth - width)
            y: slider.topPadding + slider.availableHeight / 2 - height / 2
            width: 16
            height: 16
            radius: 8
            color: Theme.surface
            border.width: 2
            border.color: Theme.accent
        }
    }
    Text {
        visible: row.help.length > 0
        text: row.help
        color: Theme.textFaint
        font.pixelSize: Theme.small
        wrapMode: Text.WordWrap
        Layout.fillWidth: true
    }
}
