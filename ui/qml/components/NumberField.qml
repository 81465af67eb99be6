import QtQuick
import QtQuick.Controls
import LowbitStudio

// An integer field that commits on Enter or when it loses focus.
TextField {
    id: field
    property int value: 0
    property int minimum: 0
    property int maximum: 1000000
    signal committed(int value)

    text: value.toString()
    implicitWidth: 96
    implicitHeight: 32
    horizontalAlignment: TextInput.AlignRight
    color: Theme.text
    font.pixelSize: Theme.body
    font.family: Theme.monoFamily
    selectionColor: Theme.accent
    validator: IntValidator { bottom: field.minimum; top: field.maximum }
    background: Rectangle {
        radius: Theme.radius
        color: Theme.field
        border.color: field.activeFocus ? Theme.accent : Theme.border
    }
    function commit() {
        const v = parseInt(text)
        if (!isNaN(v)) committed(Math.max(minimum, Math.min(maximum, v)))
        else text = value.toString()
    }
    onEditingFinished: commit()
    onValueChanged: if (!activeFocus) text = value.toString()
}
