import QtQuick
import QtQuick.Controls
import LowbitStudio

// The messages of the open chat. Follows the end while a reply streams, unless the person
// scrolled up to read.
ListView {
    id: list
    required property StudioController app
    property bool follow: true

    objectName: "messageList"
    model: app.chat.messages
    clip: true
    spacing: 0
    topMargin: 16
    bottomMargin: 16
    boundsBehavior: Flickable.StopAtBounds
    reuseItems: false
    ScrollBar.vertical: ScrollBar { policy: ScrollBar.AsNeeded }

    delegate: MessageView {
        app: list.app
        width: ListView.view.width
    }

    onCountChanged: { follow = true; Qt.callLater(positionViewAtEnd) }
    onContentHeightChanged: if (follow) Qt.callLater(positionViewAtEnd)
    onMovementEnded: follow = atYEnd
    Connections {
        target: list.app.chat
        function onChatChanged() { list.follow = true; Qt.callLater(list.positionViewAtEnd) }
    }

    // "Jump to the end" when scrolled up during a reply.
    AbstractButton {
        visible: !list.follow && list.app.chat.generating
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.bottom: parent.bottom
        anchors.bottomMargin: 12
        implicitWidth: 36
        implicitHeight: 36
        onClicked: { list.follow = true; list.positionViewAtEnd() }
        background: Rectangle { radius: 18; color: Theme.elevated; border.color: Theme.border }
        contentItem: Item { Icon { anchors.centerIn: parent; name: "chevron-down"; size: 18; color: Theme.text } }
    }
}
