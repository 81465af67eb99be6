import QtQuick
import QtQuick.Controls
import LowbitStudio

// A ComboBox in the app's look. Models are lists of objects with `textRole` / `valueRole`.
ComboBox {
    id: control
    implicitHeight: 34
    font.pixelSize: Theme.body
    hoverEnabled: true

    background: Rectangle {
        radius: Theme.radius
        color: control.hovered ? Theme.hover : Theme.field
        border.width: 1
        border.color: control.activeFocus || control.popup.visible ? Theme.accent : Theme.border
    }
    contentItem: Text {
        leftPadding: 10
        rightPadding: 30
        text: control.displayText
        font: control.font
        color: control.enabled ? Theme.text : Theme.textFaint
        verticalAlignment: Text.AlignVCenter
        elide: Text.ElideRight
    }
    indicator: Icon {
        x: control.width - width - 10
        y: (control.height - height) / 2
        name: "chevron-down"
        size: 16
        color: Theme.textMuted
    }
    delegate: ItemDelegate {
        id: item
        required property var modelData
        required property int index
        width: ListView.view ? ListView.view.width : implicitWidth
        height: 34
        hoverEnabled: true
        highlighted: control.highlightedIndex === index
        contentItem: Text {
            text: control.textRole ? (Array.isArray(control.model) ? item.modelData[control.textRole] : item.modelData) : item.modelData
            color: Theme.text
            font.pixelSize: Theme.body
            font.weight: control.currentIndex === item.index ? Font.DemiBold : Font.Normal
            elide: Text.ElideRight
            verticalAlignment: Text.AlignVCenter
        }
        background: Rectangle {
            radius: 6
            color: item.highlighted ? Theme.hover : "transparent"
        }
    }
    popup: Popup {
        y: control.height + 4
        width: control.width
        padding: 4
        implicitHeight: Math.min(contentItem.implicitHeight + 8, 320)
        contentItem: ListView {
            clip: true
            implicitHeight: contentHeight
            model: control.popup.visible ? control.delegateModel : null
            currentIndex: control.highlightedIndex
            ScrollIndicator.vertical: ScrollIndicator {}
        }
        background: Rectangle {
            color: Theme.elevated
            radius: Theme.radius
            border.color: Theme.border
        }
    }
}
