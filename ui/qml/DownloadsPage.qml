import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import LowbitStudio

// Downloads: the queue with progress, any Hugging Face repository by name, and the curated
// catalog of native 1.58-bit models and full-precision models worth converting.
// The queue and the repository listing change while on show, so their Repeaters sit in a Column,
// not directly in a layout: Qt 6.4's layouts keep a removed delegate until their next polish,
// and a resize before that reads freed memory (the crash MessageView.qml's reply blocks had).
Rectangle {
    id: page
    required property StudioController app
    readonly property var downloads: app.downloads
    signal convertRequested(string path)
    color: Theme.bg

    // Paths of the listed repository's GGUF files the person ticked.
    property var picked: ({})
    function togglePick(path, on) {
        const p = Object.assign({}, picked)
        if (on) p[path] = true
        else delete p[path]
        picked = p
    }

    Connections {
        target: page.downloads
        function onListingChanged() { if (page.downloads.listing) page.picked = ({}) }
    }

    ScrollView {
        id: scroll
        anchors.fill: parent
        contentWidth: availableWidth
        clip: true

        ColumnLayout {
            width: Math.min(1100, scroll.availableWidth - 56)
            x: (scroll.availableWidth - width) / 2
            spacing: 18

            // Title
            ColumnLayout {
                Layout.topMargin: 28
                spacing: 4
                Text {
                    text: qsTr("Downloads")
                    color: Theme.text
                    font.pixelSize: Theme.heading
                    font.weight: Font.DemiBold
                }
                Text {
                    Layout.fillWidth: true
                    wrapMode: Text.WordWrap
                    text: qsTr("Models from Hugging Face, checked against the Hub's SHA-256 and saved in %1. Downloads survive a restart and continue where they stopped.")
                              .arg(page.app.settings.modelsFolder)
                    color: Theme.textMuted
                    font.pixelSize: Theme.body
                }
            }

            // Problems a person has to act on (gated repository, missing files, ...).
            Rectangle {
                visible: page.downloads.message.length > 0
                Layout.fillWidth: true
                implicitHeight: msgRow.implicitHeight + 20
                radius: Theme.radius
                color: Theme.dangerSoft
                RowLayout {
                    id: msgRow
                    anchors.fill: parent
                    anchors.margins: 10
                    spacing: 8
                    Icon { name: "warning"; size: 16; color: Theme.danger }
                    Text {
                        objectName: "downloadMessage"
                        Layout.fillWidth: true
                        text: page.downloads.message
                        wrapMode: Text.WordWrap
                        color: Theme.danger
                        font.pixelSize: Theme.body
                    }
                    IconButton { iconName: "close"; tip: qsTr("Dismiss"); onClicked: page.downloads.clearMessage() }
                }
            }

            // ---- The queue -----------------------------------------------------------
            Card {
                visible: queue.count > 0
                Layout.fillWidth: true
                implicitHeight: queueCol.implicitHeight + 32
                ColumnLayout {
                    id: queueCol
                    anchors.fill: parent
                    anchors.margins: 16
                    spacing: 10
                    RowLayout {
                        Layout.fillWidth: true
                        SectionTitle {
                            Layout.fillWidth: true
                            iconName: "download"
                            text: page.downloads.activeCount > 0
                                  ? qsTr("Queue · %1 downloading").arg(page.downloads.activeCount)
                                  : qsTr("Queue")
                        }
                        AppButton {
                            compact: true
                            kind: "ghost"
                            text: qsTr("Clear finished")
                            onClicked: page.downloads.clearFinished()
                        }
                    }
                    Column {
                        id: queueList
                        Layout.fillWidth: true
                        spacing: 10
                        Repeater {
                            id: queue
                            model: page.downloads
                            delegate: ColumnLayout {
                                id: row
                                width: queueList.width
                                required property int downloadId
                                required property string name
                                required property string repo
                                required property string progressText
                                required property string speedText
                                required property string timeLeftText
                                required property string downloadState
                                required property string stateText
                                required property string errorText
                                required property string note
                                required property real fraction
                                required property bool canPause
                                required property bool canResume
                                required property bool canCancel
                                required property bool canRetry
                                required property string convertSource
                                objectName: "download_" + name
                                spacing: 6

                                RowLayout {
                                    Layout.fillWidth: true
                                    spacing: 10
                                    Rectangle {
                                        width: 34; height: 34; radius: 9
                                        color: row.downloadState === "completed" ? Theme.successSoft : row.downloadState === "failed" ? Theme.dangerSoft : Theme.accentSoft
                                        Icon {
                                            anchors.centerIn: parent
                                            name: row.downloadState === "completed" ? "check" : row.downloadState === "failed" ? "warning" : "download"
                                            size: 18
                                            color: row.downloadState === "completed" ? Theme.success : row.downloadState === "failed" ? Theme.danger : Theme.accent
                                        }
                                    }
                                    ColumnLayout {
                                        Layout.fillWidth: true
                                        spacing: 2
                                        Text {
                                            Layout.fillWidth: true
                                            text: row.name
                                            color: Theme.text
                                            font.pixelSize: Theme.emphasis
                                            font.weight: Font.DemiBold
                                            elide: Text.ElideMiddle
                                        }
                                        Text {
                                            Layout.fillWidth: true
                                            objectName: "downloadStatus"
                                            text: [row.repo, row.stateText, row.progressText, row.speedText, row.timeLeftText,
                                                   row.downloadState === "completed" ? row.note : ""].filter(s => s.length > 0).join("  ·  ")
                                            color: Theme.textMuted
                                            font.pixelSize: Theme.small
                                            elide: Text.ElideRight
                                        }
                                    }
                                    AppButton {
                                        objectName: "convertDownloadButton"
                                        visible: row.convertSource.length > 0
                                        compact: true
                                        kind: "primary"
                                        iconName: "convert"
                                        text: qsTr("Convert…")
                                        onClicked: page.convertRequested(row.convertSource)
                                    }
                                    IconButton {
                                        visible: row.canPause
                                        objectName: "pauseDownload"
                                        iconName: "stop"
                                        tip: qsTr("Pause")
                                        onClicked: page.downloads.pause(row.downloadId)
                                    }
                                    IconButton {
                                        visible: row.canResume || row.canRetry
                                        objectName: "resumeDownload"
                                        iconName: row.canRetry ? "refresh" : "download"
                                        tip: row.canRetry ? qsTr("Try again") : qsTr("Resume")
                                        onClicked: row.canRetry ? page.downloads.retry(row.downloadId) : page.downloads.resume(row.downloadId)
                                    }
                                    IconButton {
                                        objectName: "cancelDownload"
                                        iconName: row.canCancel ? "close" : "trash"
                                        tip: row.canCancel ? qsTr("Cancel and delete the partial file") : qsTr("Remove from the list")
                                        hoverColor: Theme.danger
                                        onClicked: row.canCancel ? page.downloads.cancel(row.downloadId) : page.downloads.remove(row.downloadId)
                                    }
                                }
                                Bar {
                                    visible: row.downloadState !== "completed" && row.downloadState !== "cancelled"
                                    Layout.fillWidth: true
                                    Layout.leftMargin: 44
                                    fraction: row.fraction
                                    tint: row.downloadState === "failed" ? Theme.danger : row.downloadState === "paused" ? Theme.textFaint : Theme.accent
                                }
                                Text {
                                    objectName: "downloadError"
                                    visible: row.errorText.length > 0
                                    Layout.fillWidth: true
                                    Layout.leftMargin: 44
                                    text: row.errorText
                                    wrapMode: Text.WordWrap
                                    color: Theme.danger
                                    font.pixelSize: Theme.small
                                }
                            }
                        }
                    }
                }
            }

            // ---- Any repository --------------------------------------------------------
            Card {
                Layout.fillWidth: true
                implicitHeight: repoCol.implicitHeight + 32
                ColumnLayout {
                    id: repoCol
                    anchors.fill: parent
                    anchors.margins: 16
                    spacing: 12
                    SectionTitle { iconName: "search"; text: qsTr("Any Hugging Face repository") }
                    RowLayout {
                        Layout.fillWidth: true
                        spacing: 8
                        AppTextField {
                            id: repoField
                            objectName: "repoField"
                            Layout.fillWidth: true
                            leadingIcon: "models"
                            placeholderText: qsTr("owner/repository, e.g. microsoft/bitnet-b1.58-2B-4T-gguf")
                            onAccepted: if (text.trim().length > 0) page.downloads.listRepo(text)
                        }
                        AppTextField {
                            id: tokenField
                            objectName: "tokenField"
                            Layout.preferredWidth: 230
                            echoMode: TextInput.Password
                            placeholderText: qsTr("Access token (gated models)")
                            onEditingFinished: page.downloads.setAccessToken(text)
                            ToolTip.visible: hovered
                            ToolTip.delay: 600
                            ToolTip.text: qsTr("Only needed for gated repositories. Kept in memory for this session; never saved or logged.")
                        }
                        AppButton {
                            objectName: "listRepoButton"
                            kind: "primary"
                            iconName: "search"
                            text: page.downloads.listing && page.downloads.busyCatalogId.length === 0 ? qsTr("Listing…") : qsTr("List files")
                            enabled: repoField.text.trim().length > 0 && !page.downloads.listing
                            onClicked: {
                                page.downloads.setAccessToken(tokenField.text)
                                page.downloads.listRepo(repoField.text)
                            }
                        }
                    }
                    RowLayout {
                        Layout.fillWidth: true
                        spacing: 8
                        Text { text: qsTr("Hub"); color: Theme.textFaint; font.pixelSize: Theme.small }
                        AppTextField {
                            objectName: "hubUrlField"
                            Layout.fillWidth: true
                            implicitHeight: 30
                            font.pixelSize: Theme.small
                            text: page.downloads.hubUrl
                            placeholderText: qsTr("https://huggingface.co (or a mirror)")
                            onEditingFinished: if (text !== page.downloads.hubUrl) page.downloads.hubUrl = text
                        }
                        Text { text: qsTr("Proxy"); color: Theme.textFaint; font.pixelSize: Theme.small }
                        AppTextField {
                            objectName: "proxyField"
                            Layout.preferredWidth: 260
                            implicitHeight: 30
                            font.pixelSize: Theme.small
                            text: page.downloads.proxy
                            placeholderText: qsTr("env, none or http://host:port")
                            onEditingFinished: if (text !== page.downloads.proxy) page.downloads.proxy = text
                        }
                    }
                    Text {
                        visible: page.downloads.listError.length > 0
                        objectName: "listError"
                        Layout.fillWidth: true
                        text: page.downloads.listError
                        wrapMode: Text.WordWrap
                        color: Theme.danger
                        font.pixelSize: Theme.body
                    }
                    // The listing: GGUF files to tick, and the safetensors folder as a whole.
                    ColumnLayout {
                        visible: page.downloads.repoFiles.length > 0
                        Layout.fillWidth: true
                        spacing: 2
                        Text {
                            text: qsTr("%1 · %2 files").arg(page.downloads.listedRepo).arg(page.downloads.repoFiles.length)
                            color: Theme.textMuted
                            font.pixelSize: Theme.small
                            font.weight: Font.DemiBold
                        }
                        Column {
                            id: repoFileList
                            Layout.fillWidth: true
                            spacing: 2
                            Repeater {
                                model: page.downloads.repoFiles
                                delegate: Rectangle {
                                    required property var modelData
                                    visible: modelData.isGguf || !page.downloads.repoHasFolder || !modelData.inFolder
                                    width: repoFileList.width
                                    implicitHeight: visible ? 34 : 0
                                    radius: 6
                                    color: fileHover.hovered ? Theme.hover : "transparent"
                                    HoverHandler { id: fileHover }
                                    RowLayout {
                                        anchors.fill: parent
                                        anchors.leftMargin: 6
                                        anchors.rightMargin: 8
                                        spacing: 8
                                        AppCheckBox {
                                            objectName: "repoFile_" + modelData.path
                                            visible: modelData.isGguf
                                            checked: page.picked[modelData.path] === true
                                            onToggled: page.togglePick(modelData.path, checked)
                                        }
                                        Item { visible: !modelData.isGguf; implicitWidth: 26 }
                                        Text {
                                            Layout.fillWidth: true
                                            text: modelData.path
                                            color: modelData.isGguf ? Theme.text : Theme.textMuted
                                            font.pixelSize: Theme.body
                                            font.family: Theme.monoFamily
                                            elide: Text.ElideMiddle
                                        }
                                        Badge { visible: modelData.isGguf; text: "GGUF"; tint: Theme.accent; fill: Theme.accentSoft }
                                        Text {
                                            text: modelData.sizeText
                                            color: Theme.textMuted
                                            font.pixelSize: Theme.small
                                            Layout.preferredWidth: 80
                                            horizontalAlignment: Text.AlignRight
                                        }
                                    }
                                }
                            }
                        }
                        RowLayout {
                            Layout.topMargin: 8
                            spacing: 8
                            AppButton {
                                objectName: "downloadSelectedButton"
                                kind: "primary"
                                iconName: "download"
                                text: qsTr("Download %1 selected").arg(Object.keys(page.picked).length)
                                enabled: Object.keys(page.picked).length > 0
                                onClicked: {
                                    page.downloads.downloadFiles(Object.keys(page.picked))
                                    page.picked = ({})
                                }
                            }
                            AppButton {
                                objectName: "downloadFolderButton"
                                visible: page.downloads.repoHasFolder
                                iconName: "folder"
                                text: qsTr("Download the safetensors model (%1)").arg(page.downloads.repoFolderText)
                                onClicked: page.downloads.downloadFolder()
                            }
                        }
                    }
                }
            }

            // ---- Catalog ---------------------------------------------------------------
            SectionTitle {
                Layout.topMargin: 6
                iconName: "models"
                text: qsTr("Catalog")
            }
            Text {
                visible: page.downloads.catalogError.length > 0
                text: page.downloads.catalogError
                color: Theme.danger
            }
            // The catalog is a CONSTANT list: its Repeater can stay directly in this layout.
            GridLayout {
                Layout.fillWidth: true
                Layout.bottomMargin: 28
                columns: width > 760 ? 2 : 1
                columnSpacing: 12
                rowSpacing: 12
                Repeater {
                    model: page.downloads.catalog
                    delegate: Card {
                        id: cc
                        required property var modelData
                        Layout.fillWidth: true
                        Layout.preferredWidth: 1
                        Layout.fillHeight: true
                        implicitHeight: ccCol.implicitHeight + 32
                        objectName: "catalog_" + modelData.id
                        ColumnLayout {
                            id: ccCol
                            anchors.fill: parent
                            anchors.margins: 16
                            spacing: 8
                            RowLayout {
                                Layout.fillWidth: true
                                spacing: 8
                                Text {
                                    Layout.fillWidth: true
                                    text: cc.modelData.name
                                    color: Theme.text
                                    font.pixelSize: Theme.emphasis
                                    font.weight: Font.DemiBold
                                    elide: Text.ElideRight
                                }
                                AppButton {
                                    compact: true
                                    kind: cc.modelData.native ? "primary" : "secondary"
                                    iconName: "download"
                                    text: page.downloads.busyCatalogId === cc.modelData.id ? qsTr("Listing…") : qsTr("Download")
                                    enabled: !page.downloads.listing
                                    onClicked: page.downloads.downloadCatalogModel(cc.modelData.id)
                                }
                            }
                            Flow {
                                Layout.fillWidth: true
                                spacing: 6
                                Badge {
                                    text: cc.modelData.category
                                    tint: cc.modelData.native ? Theme.accent : Theme.textMuted
                                    fill: cc.modelData.native ? Theme.accentSoft : Theme.hover
                                }
                                Badge { text: cc.modelData.format }
                                Badge { visible: cc.modelData.params.length > 0; text: cc.modelData.params + qsTr(" params") }
                                Badge { visible: cc.modelData.size.length > 0; text: cc.modelData.size }
                                Badge { text: cc.modelData.license }
                                Badge { visible: cc.modelData.gated; text: qsTr("Gated · token"); tint: Theme.warning; fill: Theme.warningSoft }
                            }
                            Text {
                                Layout.fillWidth: true
                                text: cc.modelData.goodFor
                                wrapMode: Text.WordWrap
                                maximumLineCount: 4
                                elide: Text.ElideRight
                                color: Theme.textMuted
                                font.pixelSize: Theme.body
                                lineHeight: 1.15
                            }
                            Text {
                                Layout.fillWidth: true
                                text: cc.modelData.repo
                                color: Theme.textFaint
                                font.pixelSize: Theme.small
                                font.family: Theme.monoFamily
                                elide: Text.ElideMiddle
                            }
                        }
                    }
                }
            }
        }
    }

    component SectionTitle: RowLayout {
        property alias text: label.text
        property string iconName
        spacing: 8
        Icon { name: parent.iconName; size: 17; color: Theme.accent }
        Text {
            id: label
            color: Theme.text
            font.pixelSize: Theme.title
            font.weight: Font.DemiBold
        }
    }

    component Bar: Rectangle {
        property real fraction: 0
        property color tint: Theme.accent
        implicitHeight: 6
        radius: 3
        color: Theme.field
        Rectangle {
            width: parent.width * Math.max(0, Math.min(1, parent.fraction))
            height: parent.height
            radius: 3
            color: parent.tint
        }
    }


}
