import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import QtCharts
import LowbitStudio

// The comparison view (issue 7): 2–4 models on the same text, perplexity live window by
// window, then speed and measured memory as bars against the baseline; saved runs below.
// Each Repeater whose model changes sits in a positioner (Column, Row, Grid), not directly in a
// layout: Qt 6.4's layouts keep a removed delegate until their next polish, and a resize before
// that reads freed memory (the crash MessageView.qml's reply blocks had).
Rectangle {
    id: page
    required property StudioController app
    readonly property CompareViewModel vm: app.compare
    readonly property var seriesColors: ["#6354f0", "#e0730b", "#1f9d6b", "#d93d42"]
    property string exportNote: ""
    color: Theme.bg

    function seriesColor(i) { return seriesColors[i % seriesColors.length] }
    // "CPU (AVX2, 2 threads)" -> "CPU"
    function shortDevice(d) { return (d || "").split(" (")[0] }

    Flickable {
        id: scroller
        objectName: "compareScroller"
        anchors.fill: parent
        contentWidth: width
        contentHeight: content.implicitHeight + 56
        boundsBehavior: Flickable.StopAtBounds
        clip: true
        ScrollBar.vertical: ScrollBar {}

        ColumnLayout {
            id: content
            width: Math.min(1160, scroller.width - 56)
            x: (scroller.width - width) / 2
            y: 28
            spacing: 16

            // ---- header ----
            RowLayout {
                Layout.fillWidth: true
                spacing: 10
                ColumnLayout {
                    Layout.fillWidth: true
                    spacing: 4
                    Text {
                        text: qsTr("Compare")
                        color: Theme.text
                        font.pixelSize: Theme.heading
                        font.weight: Font.DemiBold
                    }
                    Text {
                        Layout.fillWidth: true
                        text: page.vm.runTitle.length > 0
                              ? page.vm.runTitle + (page.vm.machineText.length > 0 ? "  ·  " + page.vm.machineText : "")
                              : qsTr("What 1-bit and ternary weights cost in quality and buy in memory and speed, measured on this machine.")
                        color: Theme.textMuted
                        font.pixelSize: Theme.body
                        elide: Text.ElideRight
                    }
                }
                AppButton {
                    objectName: "exportCsvButton"
                    iconName: "download"
                    text: qsTr("CSV")
                    enabled: page.vm.results.length > 0 && !page.vm.running
                    onClicked: { saveDialog.kind = "csv"; saveDialog.open() }
                }
                AppButton {
                    objectName: "exportJsonButton"
                    iconName: "download"
                    text: qsTr("JSON")
                    enabled: page.vm.results.length > 0 && !page.vm.running
                    onClicked: { saveDialog.kind = "json"; saveDialog.open() }
                }
                AppButton {
                    objectName: "exportPngButton"
                    iconName: "download"
                    text: qsTr("Charts as PNG")
                    enabled: page.vm.results.length > 0 && !page.vm.running
                    onClicked: { saveDialog.kind = "png"; saveDialog.open() }
                }
            }

            // ---- setup ----
            Card {
                Layout.fillWidth: true
                implicitHeight: setup.implicitHeight + 36
                ColumnLayout {
                    id: setup
                    anchors.fill: parent
                    anchors.margins: 18
                    spacing: 12

                    // The title sits in the picks' Column so that an empty list adds no empty slot to the
                    // layout (hiding an empty Column instead can leave it unlaid-out in Qt 6.4).
                    Column {
                        id: picksColumn
                        Layout.fillWidth: true
                        spacing: 12
                        SectionTitle { text: qsTr("Models") }
                        Repeater {
                            model: page.vm.picks
                            delegate: RowLayout {
                                id: pickRow
                                required property var modelData
                                required property int index
                                width: picksColumn.width
                                spacing: 10
                                Rectangle {
                                    width: 12; height: 12; radius: 6
                                    color: page.seriesColor(pickRow.index)
                                }
                                AppComboBox {
                                    objectName: "pickModel_" + pickRow.index
                                    Layout.fillWidth: true
                                    enabled: !page.vm.running
                                    model: page.vm.choices
                                    textRole: "name"
                                    valueRole: "modelId"
                                    currentIndex: count > 0 ? indexOfValue(pickRow.modelData.modelId) : -1
                                    onActivated: page.vm.setPickModel(pickRow.index, currentValue)
                                }
                                AppComboBox {
                                    objectName: "pickDevice_" + pickRow.index
                                    Layout.preferredWidth: 300
                                    enabled: !page.vm.running
                                    model: page.app.settings.devices
                                    textRole: "name"
                                    valueRole: "id"
                                    currentIndex: count > 0 ? Math.max(0, indexOfValue(pickRow.modelData.device)) : -1
                                    onActivated: page.vm.setPickDevice(pickRow.index, currentValue)
                                }
                                IconButton {
                                    iconName: "close"
                                    tip: qsTr("Remove from the comparison")
                                    enabled: !page.vm.running
                                    onClicked: page.vm.removePick(pickRow.index)
                                }
                            }
                        }
                    }
                    RowLayout {
                        spacing: 10
                        AppButton {
                            objectName: "addPickButton"
                            iconName: "plus"
                            compact: true
                            text: qsTr("Add model")
                            enabled: !page.vm.running && page.vm.picks.length < 4 && page.vm.choices.length > 0
                            onClicked: {
                                // Suggest the next library model that is not picked yet.
                                const taken = page.vm.picks.map(p => p.modelId)
                                const next = page.vm.choices.find(c => taken.indexOf(c.modelId) < 0) || page.vm.choices[0]
                                page.vm.addPick(next.modelId, "cpu")
                            }
                        }
                        Text {
                            Layout.fillWidth: true
                            text: page.vm.choices.length === 0 ? qsTr("Import models in the Models page first.")
                                  : page.vm.picks.length < 2 ? qsTr("Pick 2 to 4 models: typically an FP16 model and its ternary or 1-bit variants.")
                                  : qsTr("Models take turns — one is loaded and measured at a time — so their speed figures do not disturb each other%1.")
                                      .arg(page.vm.sharedDevice ? qsTr(" on the shared device") : "")
                            color: Theme.textMuted
                            font.pixelSize: Theme.small
                            wrapMode: Text.WordWrap
                        }
                    }

                    Rectangle { Layout.fillWidth: true; height: 1; color: Theme.border }

                    SectionTitle { text: qsTr("Text") }
                    RowLayout {
                        spacing: 8
                        Repeater {
                            model: [ { v: "sample", t: qsTr("Bundled sample") }, { v: "pasted", t: qsTr("Pasted text") },
                                     { v: "file", t: qsTr("File") } ]
                            delegate: AppButton {
                                required property var modelData
                                objectName: "textSource_" + modelData.v
                                compact: true
                                kind: page.vm.textSource === modelData.v ? "primary" : "secondary"
                                text: modelData.t
                                enabled: !page.vm.running
                                onClicked: page.vm.textSource = modelData.v
                            }
                        }
                        Text {
                            visible: page.vm.textSource === "file"
                            Layout.leftMargin: 8
                            Layout.maximumWidth: 420
                            text: page.vm.textFile.length > 0 ? page.vm.textFile : qsTr("No file chosen")
                            color: Theme.textMuted
                            elide: Text.ElideMiddle
                        }
                        AppButton {
                            visible: page.vm.textSource === "file"
                            compact: true
                            iconName: "folder"
                            text: qsTr("Choose…")
                            onClicked: textDialog.open()
                        }
                    }
                    Rectangle {
                        visible: page.vm.textSource === "pasted"
                        Layout.fillWidth: true
                        Layout.preferredHeight: 110
                        radius: Theme.radius
                        color: Theme.field
                        border.color: pasted.activeFocus ? Theme.accent : Theme.border
                        ScrollView {
                            anchors.fill: parent
                            anchors.margins: 4
                            TextArea {
                                id: pasted
                                objectName: "pastedText"
                                text: page.vm.pastedText
                                placeholderText: qsTr("Paste a text here (a few thousand words measure best).")
                                placeholderTextColor: Theme.textFaint
                                wrapMode: TextArea.Wrap
                                color: Theme.text
                                font.pixelSize: Theme.body
                                background: null
                                onTextChanged: page.vm.pastedText = text
                            }
                        }
                    }
                    RowLayout {
                        spacing: 10
                        Text { text: qsTr("Window"); color: Theme.text }
                        NumberField {
                            objectName: "windowField"
                            value: page.vm.windowSize
                            minimum: 16; maximum: 8192
                            onCommitted: (v) => page.vm.windowSize = v
                        }
                        Text { text: qsTr("tokens, at most"); color: Theme.textMuted }
                        NumberField {
                            objectName: "windowsField"
                            value: page.vm.maxWindows
                            minimum: 1; maximum: 10000
                            onCommitted: (v) => page.vm.maxWindows = v
                        }
                        Text { text: qsTr("windows"); color: Theme.textMuted }
                        AppCheckBox {
                            Layout.leftMargin: 16
                            text: qsTr("Measure speed (%1-token prefill, %2 decoded)").arg(page.vm.benchPrompt).arg(page.vm.benchGen)
                            checked: page.vm.measureSpeed
                            onToggled: page.vm.measureSpeed = checked
                        }
                    }

                    RowLayout {
                        Layout.fillWidth: true
                        spacing: 12
                        AppButton {
                            objectName: "runCompareButton"
                            kind: "primary"
                            iconName: "bolt"
                            text: qsTr("Run comparison")
                            visible: !page.vm.running
                            enabled: page.vm.canStart
                            onClicked: page.vm.start()
                        }
                        AppButton {
                            objectName: "cancelCompareButton"
                            kind: "danger"
                            iconName: "stop"
                            text: qsTr("Cancel")
                            visible: page.vm.running
                            onClicked: page.vm.cancel()
                        }
                        ProgressBar {
                            Layout.preferredWidth: 200
                            visible: page.vm.running
                            value: page.vm.progress
                        }
                        Text {
                            objectName: "compareStatus"
                            Layout.fillWidth: true
                            text: page.vm.error.length > 0 ? page.vm.error : page.vm.status
                            color: page.vm.error.length > 0 ? Theme.danger : Theme.textMuted
                            elide: Text.ElideRight
                        }
                    }
                }
            }

            // ---- prompt: the same prompt, seed and sampling through each model, in turn ----
            Card {
                Layout.fillWidth: true
                visible: page.vm.picks.length > 0 || page.vm.prompt.columns.length > 0
                implicitHeight: promptPanel.implicitHeight + 36
                ColumnLayout {
                    id: promptPanel
                    anchors.fill: parent
                    anchors.margins: 18
                    spacing: 10
                    RowLayout {
                        Layout.fillWidth: true
                        spacing: 10
                        SectionTitle { text: qsTr("Prompt") }
                        Text {
                            Layout.fillWidth: true
                            text: qsTr("Same prompt, seed %1 and temperature %2 for every model; they take turns, so each speed is its own.")
                                  .arg(page.vm.prompt.seed).arg(page.vm.prompt.temperature.toFixed(2))
                            color: Theme.textFaint
                            font.pixelSize: Theme.small
                            elide: Text.ElideRight
                        }
                    }
                    RowLayout {
                        Layout.fillWidth: true
                        spacing: 10
                        AppTextField {
                            id: promptField
                            objectName: "promptField"
                            Layout.fillWidth: true
                            text: page.vm.prompt.prompt
                            onTextChanged: page.vm.prompt.prompt = text
                        }
                        Text { text: qsTr("max tokens"); color: Theme.textMuted }
                        NumberField {
                            value: page.vm.prompt.maxTokens
                            minimum: 1; maximum: 2048
                            implicitWidth: 70
                            onCommitted: (v) => page.vm.prompt.maxTokens = v
                        }
                        Text { text: qsTr("seed"); color: Theme.textMuted }
                        NumberField {
                            value: page.vm.prompt.seed
                            minimum: 0; maximum: 2147483647
                            implicitWidth: 80
                            onCommitted: (v) => page.vm.prompt.seed = v
                        }
                        Text { text: qsTr("temperature"); color: Theme.textMuted }
                        AppTextField {
                            id: temperatureField
                            objectName: "promptTemperature"
                            property real value: page.vm.prompt.temperature
                            implicitWidth: 64
                            horizontalAlignment: TextInput.AlignRight
                            font.family: Theme.monoFamily
                            text: value.toFixed(2)
                            // 0 = always the most likely token; the same for every column.
                            validator: DoubleValidator { bottom: 0; top: 2; decimals: 2; notation: DoubleValidator.StandardNotation; locale: "C" }
                            onEditingFinished: {
                                const v = parseFloat(text)
                                if (!isNaN(v)) page.vm.prompt.temperature = Math.max(0, Math.min(2, v))
                                text = page.vm.prompt.temperature.toFixed(2)
                            }
                            onValueChanged: if (!activeFocus) text = value.toFixed(2)
                        }
                        AppButton {
                            objectName: "runPromptButton"
                            kind: "primary"
                            iconName: "send"
                            text: qsTr("Run prompt")
                            visible: !page.vm.prompt.running
                            enabled: !page.vm.running && page.vm.picks.length > 0
                            onClicked: page.vm.startPrompt()
                        }
                        AppButton {
                            kind: "danger"
                            iconName: "stop"
                            text: qsTr("Stop")
                            visible: page.vm.prompt.running
                            onClicked: page.vm.prompt.cancel()
                        }
                    }
                    Text {
                        visible: page.vm.prompt.error.length > 0
                        text: page.vm.prompt.error
                        color: Theme.danger
                    }
                    Text {
                        objectName: "promptSavedNote"
                        visible: page.vm.prompt.savedRunId > 0 && !page.vm.prompt.running
                        text: qsTr("Saved as prompt run #%1 — listed under Saved prompts, at the bottom of the page.").arg(page.vm.prompt.savedRunId)
                        color: Theme.textMuted
                        font.pixelSize: Theme.small
                    }
                    Row {
                        id: promptColumns
                        Layout.fillWidth: true
                        visible: page.vm.prompt.columns.length > 0
                        spacing: 12
                        Repeater {
                            id: promptColumnsRepeater
                            model: page.vm.prompt.columns
                            delegate: Rectangle {
                                id: col
                                required property var modelData
                                required property int index
                                objectName: "promptColumn_" + index
                                property string shownText: modelData.text
                                // Equal shares of the row in whole pixels that add up to its width.
                                readonly property real share: (promptColumns.width - promptColumns.spacing * (promptColumnsRepeater.count - 1))
                                                              / Math.max(1, promptColumnsRepeater.count)
                                width: Math.round((index + 1) * share) - Math.round(index * share)
                                implicitHeight: colBody.implicitHeight + 24
                                radius: Theme.radius
                                color: Theme.field
                                border.color: col.modelData.state === "running" ? page.seriesColor(col.index) : Theme.border
                                ColumnLayout {
                                    id: colBody
                                    x: 12; y: 12
                                    width: parent.width - 24
                                    spacing: 6
                                    RowLayout {
                                        Layout.fillWidth: true
                                        Rectangle { width: 10; height: 10; radius: 5; color: page.seriesColor(col.index) }
                                        Text {
                                            Layout.fillWidth: true
                                            text: col.modelData.name
                                            color: Theme.text
                                            font.weight: Font.DemiBold
                                            elide: Text.ElideRight
                                        }
                                    }
                                    Text {
                                        text: col.modelData.state === "done"
                                              ? qsTr("%1 tok/s prefill · %2 tok/s decode · %3 tokens")
                                                  .arg(col.modelData.prefillTps.toFixed(0)).arg(col.modelData.decodeTps.toFixed(1)).arg(col.modelData.tokens)
                                              : col.modelData.state === "running" ? qsTr("generating…")
                                              : col.modelData.state === "waiting" ? qsTr("waiting its turn")
                                              : col.modelData.state === "failed" ? col.modelData.error : qsTr("stopped")
                                        color: col.modelData.state === "failed" ? Theme.danger : Theme.textMuted
                                        font.pixelSize: Theme.small
                                    }
                                    Text {
                                        Layout.fillWidth: true
                                        text: col.modelData.text
                                        color: Theme.text
                                        wrapMode: Text.Wrap
                                        textFormat: Text.PlainText
                                        maximumLineCount: 12
                                        elide: Text.ElideRight
                                    }
                                }
                            }
                        }
                    }
                }
            }

            // ---- perplexity + resources: grabbed together for the PNG export ----
            ColumnLayout {
                id: charts
                objectName: "compareCharts"
                Layout.fillWidth: true
                spacing: 16
                visible: page.vm.results.length > 0

                Card {
                    Layout.fillWidth: true
                    implicitHeight: pplPanel.implicitHeight + 36
                    ColumnLayout {
                        id: pplPanel
                        anchors.fill: parent
                        anchors.margins: 18
                        spacing: 10
                        SectionTitle { text: qsTr("Perplexity") }
                        RowLayout {
                            Layout.fillWidth: true
                            spacing: 16
                            PplChart {
                                id: pplChart
                                Layout.preferredWidth: 400
                                Layout.preferredHeight: 240
                            }
                            PplTable {
                                Layout.fillWidth: true
                                Layout.alignment: Qt.AlignTop
                            }
                        }
                        Text {
                            objectName: "pplOverlayNote"
                            visible: page.vm.otherRunId !== 0 && pplChart.overlayPointCount > 0
                            text: qsTr("Dashed lines: run #%1 (%2), each in its model's colour").arg(page.vm.otherRunId).arg(page.vm.otherRunTitle)
                            color: Theme.textMuted
                            font.pixelSize: Theme.small
                        }
                    }
                }

                Card {
                    Layout.fillWidth: true
                    visible: page.vm.metrics.length > 0
                    implicitHeight: resPanel.implicitHeight + 36
                    ColumnLayout {
                        id: resPanel
                        anchors.fill: parent
                        anchors.margins: 18
                        spacing: 14
                        RowLayout {
                            Layout.fillWidth: true
                            SectionTitle { text: qsTr("Resources") }
                            Item { Layout.fillWidth: true }
                            Text {
                                text: qsTr("Bars against the largest; ratios against the baseline. Memory is measured (RSS from the OS, Vulkan budget when present).")
                                color: Theme.textFaint
                                font.pixelSize: Theme.small
                            }
                        }
                        Grid {
                            id: metricsGrid
                            Layout.fillWidth: true
                            columns: 2
                            columnSpacing: 28
                            rowSpacing: 16
                            verticalItemAlignment: Grid.AlignVCenter
                            Repeater {
                                id: metricsRepeater
                                model: page.vm.metrics
                                delegate: MetricBars {
                                    required property var modelData
                                    required property int index
                                    readonly property real share: (metricsGrid.width - metricsGrid.columnSpacing) / 2
                                    // Two equal columns in whole pixels; a lone figure gets the whole width.
                                    width: metricsRepeater.count === 1 ? metricsGrid.width
                                                                       : index % 2 === 0 ? Math.floor(share) : Math.ceil(share)
                                    metric: modelData
                                }
                            }
                        }
                    }
                }
            }

            // ---- the run on screen against an earlier saved run ----
            Card {
                objectName: "runComparison"
                Layout.fillWidth: true
                visible: page.vm.comparison.length > 0
                implicitHeight: runCmpPanel.implicitHeight + 36
                ColumnLayout {
                    id: runCmpPanel
                    anchors.fill: parent
                    anchors.margins: 18
                    spacing: 6
                    RowLayout {
                        Layout.fillWidth: true
                        spacing: 10
                        SectionTitle {
                            text: page.vm.runId > 0 ? qsTr("Run #%1 vs run #%2").arg(page.vm.runId).arg(page.vm.otherRunId)
                                                    : qsTr("This run vs run #%1").arg(page.vm.otherRunId)
                        }
                        Text {
                            Layout.fillWidth: true
                            text: qsTr("each cell: this run · run #%1, then the change from #%1 to this run").arg(page.vm.otherRunId)
                            color: Theme.textFaint
                            font.pixelSize: Theme.small
                            elide: Text.ElideRight
                        }
                        IconButton {
                            iconName: "close"
                            tip: qsTr("Close the comparison")
                            onClicked: page.vm.clearComparison()
                        }
                    }
                    Text {
                        Layout.fillWidth: true
                        text: qsTr("This run: %1 — %2").arg(page.vm.runTitle).arg(page.vm.machineText)
                        color: Theme.textMuted
                        font.pixelSize: Theme.small
                        elide: Text.ElideRight
                    }
                    Text {
                        Layout.fillWidth: true
                        text: qsTr("Run #%1: %2 — %3").arg(page.vm.otherRunId).arg(page.vm.otherRunTitle).arg(page.vm.otherMachineText)
                        color: Theme.textMuted
                        font.pixelSize: Theme.small
                        elide: Text.ElideRight
                    }
                    RowLayout {
                        Layout.fillWidth: true
                        Layout.topMargin: 6
                        spacing: 8
                        HeaderCell { Layout.fillWidth: true; Layout.preferredWidth: 1; text: qsTr("Model") }
                        HeaderCell { Layout.preferredWidth: 200; text: qsTr("Perplexity"); horizontalAlignment: Text.AlignRight }
                        HeaderCell { Layout.preferredWidth: 130; text: qsTr("Prefill tok/s"); horizontalAlignment: Text.AlignRight }
                        HeaderCell { Layout.preferredWidth: 120; text: qsTr("Decode tok/s"); horizontalAlignment: Text.AlignRight }
                        HeaderCell { Layout.preferredWidth: 170; text: qsTr("Weights"); horizontalAlignment: Text.AlignRight }
                        HeaderCell { Layout.preferredWidth: 160; text: qsTr("Peak RSS"); horizontalAlignment: Text.AlignRight }
                    }
                    Rectangle { Layout.fillWidth: true; height: 1; color: Theme.border }
                    Column {
                        id: comparisonColumn
                        Layout.fillWidth: true
                        spacing: 6
                        Repeater {
                            model: page.vm.comparison
                            delegate: Rectangle {
                                id: cmpRow
                                required property var modelData
                                required property int index
                                objectName: "runComparisonRow_" + index
                                width: comparisonColumn.width
                                implicitHeight: 46
                                color: "transparent"
                                Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: 1; color: Theme.border; opacity: 0.6 }
                                RowLayout {
                                    anchors.fill: parent
                                    spacing: 8
                                    ColumnLayout {
                                        Layout.fillWidth: true
                                        Layout.preferredWidth: 1  // the rest of the row, as in the header
                                        spacing: 1
                                        Text {
                                            Layout.fillWidth: true
                                            text: cmpRow.modelData.name
                                            color: Theme.text
                                            font.weight: Font.DemiBold
                                            elide: Text.ElideRight
                                            HoverHandler { id: cmpNameHover }
                                            ToolTip.visible: cmpNameHover.hovered
                                            ToolTip.text: cmpRow.modelData.path
                                        }
                                        Text {
                                            Layout.fillWidth: true
                                            text: cmpRow.modelData.presence === "current" ? qsTr("only in this run")
                                                  : cmpRow.modelData.presence === "other" ? qsTr("only in run #%1").arg(page.vm.otherRunId)
                                                  : page.shortDevice(cmpRow.modelData.current.device) + " · " + page.shortDevice(cmpRow.modelData.other.device)
                                            color: cmpRow.modelData.presence === "both" ? Theme.textFaint : Theme.warning
                                            font.pixelSize: Theme.small
                                            elide: Text.ElideRight
                                        }
                                    }
                                    CmpCell { Layout.preferredWidth: 200; row: cmpRow.modelData; textKey: "pplText"; changeKey: "pplChange"; lowerIsBetter: true }
                                    CmpCell { Layout.preferredWidth: 130; row: cmpRow.modelData; textKey: "prefillText"; changeKey: "prefillChange" }
                                    CmpCell { Layout.preferredWidth: 120; row: cmpRow.modelData; textKey: "decodeText"; changeKey: "decodeChange" }
                                    CmpCell { Layout.preferredWidth: 170; row: cmpRow.modelData; textKey: "weightText"; changeKey: "weightChange"; lowerIsBetter: true }
                                    CmpCell { Layout.preferredWidth: 160; row: cmpRow.modelData; textKey: "peakRssText"; changeKey: "rssChange"; lowerIsBetter: true }
                                }
                            }
                        }
                    }
                }
            }

            // ---- saved runs ----
            Card {
                Layout.fillWidth: true
                implicitHeight: runsPanel.implicitHeight + 36
                ColumnLayout {
                    id: runsPanel
                    anchors.fill: parent
                    anchors.margins: 18
                    spacing: 6
                    Column {
                        id: runsColumn
                        Layout.fillWidth: true
                        spacing: 6
                        SectionTitle { text: qsTr("Saved runs") }
                        Text {
                            visible: page.vm.runs.length === 0 && page.vm.promptRuns.length === 0
                            text: qsTr("Finished comparisons and prompt runs are saved here with their settings and the machine they ran on.")
                            color: Theme.textMuted
                        }
                        Repeater {
                            model: page.vm.runs
                            delegate: Rectangle {
                                id: runRow
                                required property var modelData
                                required property int index
                                objectName: "savedRun_" + index
                                width: runsColumn.width
                                implicitHeight: 40
                                radius: Theme.radius
                                color: modelData.id === page.vm.runId ? Theme.accentSoft : rowHover.hovered ? Theme.hover : "transparent"
                                HoverHandler { id: rowHover }
                                RowLayout {
                                    anchors.fill: parent
                                    anchors.leftMargin: 10
                                    anchors.rightMargin: 6
                                    spacing: 10
                                    Text { text: "#" + runRow.modelData.id; color: Theme.textFaint; font.family: Theme.monoFamily }
                                    Text { text: runRow.modelData.title; color: Theme.text; font.weight: Font.DemiBold }
                                    Text {
                                        Layout.fillWidth: true
                                        text: runRow.modelData.models
                                        color: Theme.textMuted
                                        elide: Text.ElideRight
                                    }
                                    Text { text: runRow.modelData.when; color: Theme.textMuted; font.pixelSize: Theme.small }
                                    AppButton {
                                        objectName: "compareRun_" + runRow.index
                                        compact: true
                                        text: runRow.modelData.id === page.vm.otherRunId ? qsTr("Compared") : qsTr("Compare with…")
                                        // The finished run on screen against this one.
                                        enabled: !page.vm.running && page.vm.results.length > 0 && runRow.modelData.id !== page.vm.runId
                                        visible: runRow.modelData.id !== page.vm.runId
                                        onClicked: page.vm.compareWith(runRow.modelData.id)
                                    }
                                    AppButton {
                                        compact: true
                                        text: qsTr("Open")
                                        enabled: !page.vm.running
                                        onClicked: page.vm.openRun(runRow.modelData.id)
                                    }
                                    IconButton {
                                        iconName: "trash"
                                        tip: qsTr("Delete this run")
                                        enabled: !page.vm.running
                                        onClicked: page.vm.deleteRun(runRow.modelData.id)
                                    }
                                }
                            }
                        }
                    }
                    Column {
                        id: promptRunsColumn
                        Layout.fillWidth: true
                        Layout.topMargin: 8
                        visible: page.vm.promptRuns.length > 0
                        spacing: 6
                        SectionTitle { text: qsTr("Saved prompts") }
                        Repeater {
                            model: page.vm.promptRuns
                            delegate: Rectangle {
                                id: promptRow
                                required property var modelData
                                required property int index
                                objectName: "savedPrompt_" + index
                                width: promptRunsColumn.width
                                implicitHeight: 40
                                radius: Theme.radius
                                color: modelData.id === page.vm.prompt.savedRunId ? Theme.accentSoft : promptHover.hovered ? Theme.hover : "transparent"
                                HoverHandler { id: promptHover }
                                RowLayout {
                                    anchors.fill: parent
                                    anchors.leftMargin: 10
                                    anchors.rightMargin: 6
                                    spacing: 10
                                    Text { text: "#" + promptRow.modelData.id; color: Theme.textFaint; font.family: Theme.monoFamily }
                                    Text {
                                        Layout.maximumWidth: promptRunsColumn.width * 0.45
                                        text: "“" + promptRow.modelData.title + "”"
                                        color: Theme.text
                                        font.weight: Font.DemiBold
                                        elide: Text.ElideRight
                                    }
                                    Text {
                                        Layout.fillWidth: true
                                        text: promptRow.modelData.models
                                        color: Theme.textMuted
                                        elide: Text.ElideRight
                                    }
                                    Text { text: promptRow.modelData.when; color: Theme.textMuted; font.pixelSize: Theme.small }
                                    AppButton {
                                        objectName: "openPrompt_" + promptRow.index
                                        compact: true
                                        text: qsTr("Open")
                                        enabled: !page.vm.prompt.running
                                        onClicked: page.vm.openPromptRun(promptRow.modelData.id)
                                    }
                                    IconButton {
                                        iconName: "trash"
                                        tip: qsTr("Delete this prompt run")
                                        enabled: !page.vm.prompt.running
                                        onClicked: page.vm.deleteRun(promptRow.modelData.id)
                                    }
                                }
                            }
                        }
                    }
                    Text {
                        visible: page.exportNote.length > 0
                        text: page.exportNote
                        color: Theme.success
                        font.pixelSize: Theme.small
                    }
                }
            }
        }
    }

    FileDialog {
        id: textDialog
        title: qsTr("Text to measure")
        fileMode: FileDialog.OpenFile
        nameFilters: [qsTr("Text files (*.txt *.md)"), qsTr("All files (*)")]
        onAccepted: page.vm.setTextFileUrl(selectedFile)
    }
    FileDialog {
        id: saveDialog
        property string kind: "csv"
        title: qsTr("Export the comparison")
        fileMode: FileDialog.SaveFile
        defaultSuffix: kind
        nameFilters: kind === "png" ? [qsTr("PNG images (*.png)")] : kind === "json" ? [qsTr("JSON (*.json)")] : [qsTr("CSV (*.csv)")]
        onAccepted: page.exportTo(kind, selectedFile.toString())
    }

    // Writes the run on screen; PNG grabs the perplexity and resources panels as shown.
    function exportTo(kind, url) {
        if (kind === "csv") { if (vm.exportCsv(url)) exportNote = qsTr("Saved %1").arg(vm.localPath(url)) }
        else if (kind === "json") { if (vm.exportJson(url)) exportNote = qsTr("Saved %1").arg(vm.localPath(url)) }
        else saveChartsPng(vm.localPath(url))
    }
    function saveChartsPng(path) {
        return charts.grabToImage(function(result) {
            if (result.saveToFile(path)) exportNote = qsTr("Saved %1").arg(path)
        })
    }

    component SectionTitle: Text {
        color: Theme.text
        font.pixelSize: Theme.title
        font.weight: Font.DemiBold
    }

    // Running perplexity after each window, one line per model, updated as windows finish. With
    // an earlier run picked ("Compare with…"), its lines are drawn dashed in the colour of the same
    // model here (models only in that run take the next colours).
    component PplChart: ChartView {
        id: chart
        objectName: "pplChart"
        property int pointCount: 0
        property int overlayPointCount: 0
        property int overlayWindows: 0
        antialiasing: true
        legend.visible: false  // the table's colour dots name the lines
        backgroundColor: "transparent"
        plotAreaColor: "transparent"
        // Room on the right and top for the last and highest points' dots, which sit on the
        // plot's edge and were cut in half with no margin.
        margins.left: 0; margins.right: 8; margins.top: 6; margins.bottom: 0
        ValueAxis {
            id: xAxis
            titleText: qsTr("window")
            titleFont.pixelSize: Theme.small
            labelFormat: "%d"
            labelsColor: Theme.textMuted
            gridLineColor: Theme.border
            color: Theme.borderStrong
            min: 1
            max: Math.max(2, page.vm.maxRunningWindows, chart.overlayWindows)
            tickCount: Math.min(9, Math.max(2, page.vm.maxRunningWindows, chart.overlayWindows))
        }
        ValueAxis {
            id: yAxis
            titleText: qsTr("running perplexity")
            titleFont.pixelSize: Theme.small
            labelFormat: "%.4g"
            labelsColor: Theme.textMuted
            gridLineColor: Theme.border
            color: Theme.borderStrong
        }
        LineSeries { id: s0; axisX: xAxis; axisY: yAxis; width: 2.5; color: page.seriesColor(0); pointsVisible: true }
        LineSeries { id: s1; axisX: xAxis; axisY: yAxis; width: 2.5; color: page.seriesColor(1); pointsVisible: true }
        LineSeries { id: s2; axisX: xAxis; axisY: yAxis; width: 2.5; color: page.seriesColor(2); pointsVisible: true }
        LineSeries { id: s3; axisX: xAxis; axisY: yAxis; width: 2.5; color: page.seriesColor(3); pointsVisible: true }
        LineSeries { id: o0; axisX: xAxis; axisY: yAxis; width: 1.5; color: page.seriesColor(0); style: Qt.DashLine }
        LineSeries { id: o1; axisX: xAxis; axisY: yAxis; width: 1.5; color: page.seriesColor(1); style: Qt.DashLine }
        LineSeries { id: o2; axisX: xAxis; axisY: yAxis; width: 1.5; color: page.seriesColor(2); style: Qt.DashLine }
        LineSeries { id: o3; axisX: xAxis; axisY: yAxis; width: 1.5; color: page.seriesColor(3); style: Qt.DashLine }

        function refill() {
            let lo = Infinity, hi = -Infinity
            // Fills series s from a running-perplexity list; returns the points added.
            function fill(s, name, running) {
                s.clear()
                s.visible = running !== undefined && running.length > 0
                s.name = name
                if (!s.visible) return 0
                for (let w = 0; w < running.length; ++w) {
                    s.append(w + 1, running[w])
                    lo = Math.min(lo, running[w]); hi = Math.max(hi, running[w])
                }
                return running.length
            }
            const lines = [s0, s1, s2, s3], results = page.vm.results
            let points = 0
            for (let i = 0; i < lines.length; ++i) {
                const r = results[i]
                points += fill(lines[i], r ? r.name : "", r ? r.running : undefined)
            }
            // Comparison rows come in this run's model order, then the other run's leftovers,
            // so row i takes colour i.
            const dashed = [o0, o1, o2, o3], rows = page.vm.comparison
            let overlay = 0, windows = 0
            for (let j = 0; j < dashed.length; ++j) {
                const other = rows[j] ? rows[j].other : undefined
                const running = other && other.error === "" ? other.running : undefined
                overlay += fill(dashed[j], other ? other.name : "", running)
                if (running) windows = Math.max(windows, running.length)
            }
            if (points + overlay > 0) {
                const pad = Math.max((hi - lo) * 0.08, hi * 0.01)
                yAxis.min = Math.max(0, lo - pad); yAxis.max = hi + pad
            }
            pointCount = points
            overlayPointCount = overlay
            overlayWindows = windows
        }
        Connections {
            target: page.vm
            function onResultsChanged() { chart.refill() }
            function onComparisonChanged() { chart.refill() }
        }
        Component.onCompleted: refill()
    }

    // Final figures per model; Δ and quality against the baseline (most bits per weight).
    component PplTable: ColumnLayout {
        spacing: 0
        readonly property var widths: [0, 80, 70, 100, 80, 130]
        RowLayout {
            Layout.fillWidth: true
            Layout.bottomMargin: 4
            spacing: 8
            HeaderCell { Layout.fillWidth: true; text: qsTr("Model") }
            HeaderCell { Layout.preferredWidth: 90; text: qsTr("Device") }
            HeaderCell { Layout.preferredWidth: 60; text: qsTr("bits/w"); horizontalAlignment: Text.AlignRight }
            HeaderCell { Layout.preferredWidth: 110; text: qsTr("Perplexity"); horizontalAlignment: Text.AlignRight }
            HeaderCell { Layout.preferredWidth: 90; text: qsTr("Δ PPL"); horizontalAlignment: Text.AlignRight }
            HeaderCell {
                id: qualityHeader
                Layout.preferredWidth: 130
                text: qsTr("Quality ⓘ")
                horizontalAlignment: Text.AlignRight
                HoverHandler { id: qualityHover }
                ToolTip.visible: qualityHover.hovered
                ToolTip.text: qsTr("Baseline perplexity ÷ this model's perplexity, on the same text and windows — the papers' \"reaches 90% of FP16\" criterion. The baseline is the model with the most bits per weight.")
            }
        }
        Rectangle { Layout.fillWidth: true; height: 1; color: Theme.border }
        Column {
            id: resultsColumn
            Layout.fillWidth: true
            Repeater {
                model: page.vm.results
                delegate: Rectangle {
                    id: resultRow
                    required property var modelData
                    required property int index
                    objectName: "resultRow_" + index
                    property string pplShown: modelData.pplText
                    width: resultsColumn.width
                    implicitHeight: 44
                    color: "transparent"
                    Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: 1; color: Theme.border; opacity: 0.6 }
                    RowLayout {
                        anchors.fill: parent
                        spacing: 8
                        RowLayout {
                            Layout.fillWidth: true
                            spacing: 8
                            Rectangle { width: 10; height: 10; radius: 5; color: page.seriesColor(resultRow.index) }
                            ColumnLayout {
                                Layout.fillWidth: true
                                spacing: 1
                                Text {
                                    Layout.fillWidth: true
                                    text: resultRow.modelData.name
                                    color: Theme.text
                                    font.weight: Font.DemiBold
                                    elide: Text.ElideRight
                                }
                                Text {
                                    Layout.fillWidth: true
                                    visible: text.length > 0
                                    text: resultRow.modelData.error.length > 0 ? resultRow.modelData.error
                                          : resultRow.modelData.baseline ? qsTr("baseline")
                                          : resultRow.modelData.state === "running" ? qsTr("measuring…")
                                          : resultRow.modelData.state === "waiting" ? qsTr("waiting its turn") : ""
                                    color: resultRow.modelData.error.length > 0 ? Theme.danger
                                           : resultRow.modelData.baseline ? Theme.accent : Theme.textFaint
                                    font.pixelSize: Theme.small
                                    elide: Text.ElideRight
                                }
                            }
                        }
                        Cell {
                            Layout.preferredWidth: 90
                            // "CPU (AVX3_DL, 2 threads)" -> "CPU"; the whole text in the tooltip.
                            text: resultRow.modelData.device.split(" (")[0]
                            HoverHandler { id: deviceHover }
                            ToolTip.visible: deviceHover.hovered && resultRow.modelData.device.length > 0
                            ToolTip.text: resultRow.modelData.device + (resultRow.modelData.fallback.length > 0 ? "\n" + resultRow.modelData.fallback : "")
                        }
                        Cell {
                            Layout.preferredWidth: 60
                            horizontalAlignment: Text.AlignRight
                            text: resultRow.modelData.bitsPerWeight > 0 ? resultRow.modelData.bitsPerWeight.toFixed(2) : "—"
                        }
                        Cell {
                            objectName: "pplCell"
                            Layout.preferredWidth: 110
                            horizontalAlignment: Text.AlignRight
                            font.family: Theme.monoFamily
                            text: resultRow.modelData.pplText
                        }
                        Cell { Layout.preferredWidth: 90; horizontalAlignment: Text.AlignRight; font.family: Theme.monoFamily; text: resultRow.modelData.deltaText }
                        Cell {
                            Layout.preferredWidth: 130
                            horizontalAlignment: Text.AlignRight
                            text: resultRow.modelData.qualityText
                            font.weight: Font.DemiBold
                            color: resultRow.modelData.quality <= 0 ? Theme.textMuted
                                   : resultRow.modelData.quality >= 0.9 ? Theme.success
                                   : resultRow.modelData.quality >= 0.5 ? Theme.warning : Theme.danger
                        }
                    }
                }
            }
        }
    }
    // One figure of both runs: "this · other" and below it the change, green when it is better.
    component CmpCell: Item {
        id: cc
        property var row
        property string textKey
        property string changeKey
        property bool lowerIsBetter: false
        readonly property string change: row[changeKey] || ""
        implicitHeight: 34
        Text {
            id: both
            width: parent.width
            horizontalAlignment: Text.AlignRight
            font.family: Theme.monoFamily
            color: Theme.text
            elide: Text.ElideLeft
            text: (cc.row.presence === "other" ? "—" : cc.row.current[cc.textKey]) + " · "
                  + (cc.row.presence === "current" ? "—" : cc.row.other[cc.textKey])
        }
        Text {
            anchors.top: both.bottom
            anchors.topMargin: 1
            width: parent.width
            horizontalAlignment: Text.AlignRight
            font.pixelSize: Theme.small
            text: cc.change
            visible: cc.change.length > 0
            color: cc.change.startsWith("±") ? Theme.textFaint
                   : (cc.change.startsWith("+") !== cc.lowerIsBetter) ? Theme.success : Theme.danger
        }
    }
    component HeaderCell: Text {
        color: Theme.textMuted
        font.pixelSize: Theme.small
        font.weight: Font.DemiBold
        elide: Text.ElideRight
    }
    component Cell: Text {
        color: Theme.text
        elide: Text.ElideRight
    }

    // One resource figure: a bar per model (length against the largest) and the ratio to the baseline.
    component MetricBars: Column {
        id: mb
        property var metric
        spacing: 6
        Text {
            text: mb.metric.label + (mb.metric.lowerIsBetter ? "" : qsTr("  (higher is better)"))
            color: Theme.text
            font.weight: Font.DemiBold
        }
        Repeater {
            model: mb.metric.bars
            delegate: RowLayout {
                id: bar
                required property var modelData
                required property int index
                width: mb.width
                spacing: 8
                Text {
                    Layout.preferredWidth: 190
                    text: bar.modelData.name
                    color: Theme.textMuted
                    font.pixelSize: Theme.small
                    elide: Text.ElideMiddle
                }
                Rectangle {
                    Layout.fillWidth: true
                    Layout.preferredHeight: 14
                    radius: 4
                    color: Theme.field
                    Rectangle {
                        width: Math.max(2, parent.width * bar.modelData.fraction)
                        height: parent.height
                        radius: 4
                        color: page.seriesColor(bar.index)
                        opacity: 0.85
                    }
                }
                Text {
                    Layout.preferredWidth: 86
                    horizontalAlignment: Text.AlignRight
                    text: bar.modelData.text
                    color: Theme.text
                    font.family: Theme.monoFamily
                    font.pixelSize: Theme.small
                }
                Text {
                    Layout.preferredWidth: 140
                    text: bar.modelData.ratioText
                    color: bar.modelData.baseline ? Theme.textFaint : Theme.accent
                    font.pixelSize: Theme.small
                    font.weight: Font.DemiBold
                    elide: Text.ElideRight
                }
            }
        }
    }
}
