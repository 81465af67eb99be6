import QtQuick
import LowbitStudio

Rectangle {
    color: Theme.card
    radius: Theme.radiusLarge
    border.width: 1
    border.color: Theme.border
}
