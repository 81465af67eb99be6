import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import LowbitStudio

// The conversion wizard: source -> targets -> calibration -> conversion and results.
// The library choices and the jobs change while on show, so their Repeaters sit in a Column,
// not directly in a layout: Qt 6.4's layouts keep a removed delegate until their next polish,
// and a resize before that reads freed memory (the crash MessageView.qml's reply blocks had).
Rectangle {
    id: page
    objectName: "convertPage"
    required property StudioController app
    readonly property var wiz: app.converter
    property int step: 0
    readonly property var stepNames: [qsTr("Source"), qsTr("Targets"), qsTr("Calibration"), qsTr("Convert")]
    signal openLibrary()
    color: Theme.bg

    // Opens the wizard on a given source (from the Downloads page).
    function startWith(path) {
        if (!wiz.running) {
            wiz.sourcePath = path
            step = 0
        }
    }
    // Perplexities of untrained models run into the millions: keep them short.
    function ppl(v) { return v >= 1e4 ? v.toExponential(2) : v.toFixed(2) }
    function canLeave(s) {
        if (s === 0) return wiz.sourceValid
        if (s === 1) return wiz.targets.length > 0
        return true
    }

    Connections {
        target: page.wiz
        function onRunningChanged() { if (page.wiz.running) page.step = 3 }
    }

    ScrollView {
        id: scroll
        anchors.fill: parent
        contentWidth: availableWidth
        clip: true

        ColumnLayout {
            width: Math.min(1000, scroll.availableWidth - 56)
            x: (scroll.availableWidth - width) / 2
            spacing: 18

            ColumnLayout {
                Layout.topMargin: 28
                spacing: 4
                Text {
                    text: qsTr("Convert a model")
                    color: Theme.text
                    font.pixelSize: Theme.heading
                    font.weight: Font.DemiBold
                }
                Text {
                    Layout.fillWidth: true
                    wrapMode: Text.WordWrap
                    text: qsTr("Turn a GGUF file or a Hugging Face model folder into ternary or 1-bit GGUF models, and measure what it costs in quality.")
                    color: Theme.textMuted
                    font.pixelSize: Theme.body
                }
            }

            // Step pills
            RowLayout {
                Layout.fillWidth: true
                spacing: 8
                Repeater {
                    model: page.stepNames
                    delegate: Rectangle {
                        id: pill
                        required property int index
                        required property string modelData
                        readonly property bool current: page.step === index
                        readonly property bool reachable: !page.wiz.running && (index < page.step || (index <= 2 && page.canLeave(0) && (index < 2 || page.canLeave(1))))
                        objectName: "wizardStep_" + index
                        Layout.fillWidth: true
                        implicitHeight: 40
                        radius: Theme.radius
                        color: current ? Theme.accentSoft : Theme.surface
                        border.width: 1
                        border.color: current ? Theme.accent : Theme.border
                        RowLayout {
                            anchors.fill: parent
                            anchors.leftMargin: 12
                            spacing: 8
                            Rectangle {
                                width: 22; height: 22; radius: 11
                                color: pill.current || pill.index < page.step ? Theme.accent : Theme.field
                                Text {
                                    anchors.centerIn: parent
                                    text: pill.index + 1
                                    color: pill.current || pill.index < page.step ? Theme.accentText : Theme.textMuted
                                    font.pixelSize: Theme.small
                                    font.weight: Font.DemiBold
                                }
                            }
                            Text {
                                Layout.fillWidth: true
                                text: pill.modelData
                                color: pill.current ? Theme.accent : Theme.text
                                font.pixelSize: Theme.body
                                font.weight: pill.current ? Font.DemiBold : Font.Normal
                            }
                        }
                        TapHandler { enabled: pill.reachable && pill.index < 3; onTapped: page.step = pill.index }
                    }
                }
            }

            Card {
                Layout.fillWidth: true
                // As tall as the step on show (a StackLayout is as tall as its tallest page).
                implicitHeight: [stepSource, stepTargets, stepCalibration, stepRun][page.step].implicitHeight + 40
                StackLayout {
                    id: stack
                    anchors.fill: parent
                    anchors.margins: 20
                    currentIndex: page.step

                    // ---- 1. Source ------------------------------------------------------
                    ColumnLayout {
                        id: stepSource
                        spacing: 12
                        Heading { text: qsTr("Which model do you want to convert?") }
                        Rectangle {
                            Layout.fillWidth: true
                            implicitHeight: srcCol.implicitHeight + 20
                            radius: Theme.radius
                            color: page.wiz.sourceValid ? Theme.accentSoft : page.wiz.sourcePath.length > 0 ? Theme.dangerSoft : Theme.field
                            ColumnLayout {
                                id: srcCol
                                anchors.fill: parent
                                anchors.margins: 10
                                spacing: 2
                                Text {
                                    Layout.fillWidth: true
                                    text: page.wiz.sourcePath.length > 0 ? page.wiz.sourcePath : qsTr("No source chosen yet")
                                    color: Theme.text
                                    font.pixelSize: Theme.body
                                    font.weight: Font.DemiBold
                                    elide: Text.ElideMiddle
                                }
                                Text {
                                    objectName: "sourceDescription"
                                    Layout.fillWidth: true
                                    text: page.wiz.sourceDescription
                                    wrapMode: Text.WordWrap
                                    color: page.wiz.sourceValid || page.wiz.sourcePath.length === 0 ? Theme.textMuted : Theme.danger
                                    font.pixelSize: Theme.small
                                }
                            }
                        }
                        // The buttons sit in the choices' Column so that an empty library adds no empty
                        // slot to the layout (hiding an empty Column instead can leave it unlaid-out in Qt 6.4).
                        Column {
                            id: libraryChoiceList
                            Layout.fillWidth: true
                            spacing: 12
                            RowLayout {
                                spacing: 8
                                AppButton { iconName: "import"; text: qsTr("GGUF file…"); onClicked: ggufDialog.open() }
                                AppButton { iconName: "folder"; text: qsTr("Hugging Face folder…"); onClicked: folderDialog.open() }
                            }
                            Text {
                                visible: page.wiz.libraryChoices.length > 0
                                topPadding: 6
                                text: qsTr("Or one from your library")
                                color: Theme.textFaint
                                font.pixelSize: Theme.small
                                font.weight: Font.DemiBold
                            }
                            Repeater {
                                model: page.wiz.libraryChoices
                                delegate: Rectangle {
                                    id: srcChoice
                                    required property var modelData
                                    required property int index
                                    readonly property bool chosen: page.wiz.sourcePath === modelData.path
                                    objectName: "sourceChoice_" + srcChoice.index
                                    width: libraryChoiceList.width
                                    implicitHeight: 44
                                    radius: Theme.radius
                                    color: chosen ? Theme.accentSoft : choiceHover.hovered ? Theme.hover : "transparent"
                                    border.width: chosen ? 1 : 0
                                    border.color: Theme.accent
                                    HoverHandler { id: choiceHover }
                                    TapHandler { onTapped: page.wiz.sourcePath = srcChoice.modelData.path }
                                    RowLayout {
                                        anchors.fill: parent
                                        anchors.leftMargin: 10
                                        anchors.rightMargin: 10
                                        spacing: 10
                                        Icon { name: "models"; size: 18; color: srcChoice.chosen ? Theme.accent : Theme.textMuted }
                                        Text {
                                            text: srcChoice.modelData.name
                                            color: Theme.text
                                            font.pixelSize: Theme.body
                                            font.weight: Font.DemiBold
                                            elide: Text.ElideRight
                                            Layout.maximumWidth: 380
                                        }
                                        Text {
                                            Layout.fillWidth: true
                                            text: srcChoice.modelData.detail
                                            color: Theme.textMuted
                                            font.pixelSize: Theme.small
                                            elide: Text.ElideRight
                                        }
                                    }
                                }
                            }
                        }
                    }

                    // ---- 2. Targets -----------------------------------------------------
                    ColumnLayout {
                        id: stepTargets
                        spacing: 12
                        Heading { text: qsTr("What should it become? Pick one or several.") }
                        // targetChoices is a CONSTANT list: its Repeater can stay directly in this layout.
                        GridLayout {
                            Layout.fillWidth: true
                            columns: 2
                            columnSpacing: 10
                            rowSpacing: 10
                            Repeater {
                                model: page.wiz.targetChoices
                                delegate: Rectangle {
                                    id: tc
                                    required property var modelData
                                    readonly property bool chosen: page.wiz.targets.indexOf(modelData.name) >= 0
                                    Layout.fillWidth: true
                                    Layout.preferredWidth: 1
                                    implicitHeight: tcCol.implicitHeight + 20
                                    radius: Theme.radius
                                    color: chosen ? Theme.accentSoft : Theme.field
                                    border.width: 1
                                    border.color: chosen ? Theme.accent : Theme.border
                                    TapHandler { onTapped: page.wiz.setTargetSelected(tc.modelData.name, !tc.chosen) }
                                    ColumnLayout {
                                        id: tcCol
                                        anchors.fill: parent
                                        anchors.margins: 10
                                        spacing: 4
                                        RowLayout {
                                            spacing: 6
                                            AppCheckBox {
                                                objectName: "target_" + tc.modelData.name
                                                checked: tc.chosen
                                                onClicked: page.wiz.setTargetSelected(tc.modelData.name, checked)
                                                text: tc.modelData.label
                                                font.weight: Font.DemiBold
                                            }
                                            Badge {
                                                text: tc.modelData.family
                                                tint: tc.modelData.family === "reference" ? Theme.textMuted : Theme.accent
                                                fill: tc.modelData.family === "reference" ? Theme.hover : Theme.surface
                                            }
                                            Badge { text: qsTr("%1 bits").arg(tc.modelData.bits % 1 === 0 ? tc.modelData.bits : tc.modelData.bits.toFixed(2)) }
                                        }
                                        Text {
                                            Layout.fillWidth: true
                                            Layout.leftMargin: 26
                                            text: tc.modelData.description + (tc.modelData.llamaCppLoads ? "" : qsTr(" · Lowbit only"))
                                            wrapMode: Text.WordWrap
                                            color: Theme.textMuted
                                            font.pixelSize: Theme.small
                                        }
                                        // What this source would become with this target and the
                                        // keep policy below (planned, nothing converted).
                                        Text {
                                            readonly property var estimate: page.wiz.targetEstimates[tc.modelData.name]
                                            objectName: "estimate_" + tc.modelData.name
                                            Layout.fillWidth: true
                                            Layout.leftMargin: 26
                                            visible: estimate !== undefined || page.wiz.estimating
                                            text: estimate === undefined ? qsTr("Estimating size…") : (estimate.error !== undefined ? qsTr("Not possible: %1").arg(estimate.error) : estimate.text)
                                            wrapMode: Text.WordWrap
                                            color: estimate === undefined ? Theme.textMuted : (estimate.error !== undefined ? Theme.danger : Theme.text)
                                            font.pixelSize: Theme.small
                                            font.weight: Font.DemiBold
                                        }
                                    }
                                }
                            }
                        }
                        RowLayout {
                            Layout.topMargin: 4
                            spacing: 10
                            Text { text: qsTr("Keep in high precision"); color: Theme.text; font.pixelSize: Theme.body }
                            AppComboBox {
                                id: keepBox
                                objectName: "keepPolicyBox"
                                Layout.preferredWidth: 420
                                textRole: "t"
                                valueRole: "v"
                                model: [
                                    { v: "default", t: qsTr("Token embeddings and output (recommended)") },
                                    { v: "embd,output,first,last", t: qsTr("Embeddings, output, first and last block") },
                                    { v: "embd,output,attn_v,ffn_down", t: qsTr("Embeddings, output, attn_v and ffn_down") },
                                    { v: "none", t: qsTr("Nothing: everything the target can hold") }
                                ]
                                currentIndex: Math.max(0, indexOfValue(page.wiz.keepPolicy))
                                onActivated: page.wiz.keepPolicy = currentValue
                            }
                        }
                    }

                    // ---- 3. Calibration -------------------------------------------------
                    ColumnLayout {
                        id: stepCalibration
                        spacing: 10
                        Heading { text: qsTr("Measure the quality on a text (optional)") }
                        Text {
                            Layout.fillWidth: true
                            wrapMode: Text.WordWrap
                            text: qsTr("The perplexity of the source and of each result is measured on this text with the llama.cpp method: lower is better, and the difference shows what the conversion cost.")
                            color: Theme.textMuted
                            font.pixelSize: Theme.body
                        }
                        Choice {
                            objectName: "calibrationSample"
                            Layout.fillWidth: true
                            title: qsTr("Bundled sample text")
                            detail: qsTr("About 6 KB of English prose, dialogue, lists and explanations (public domain).")
                            selected: page.wiz.calibrationMode === "sample"
                            onPicked: page.wiz.calibrationMode = "sample"
                        }
                        Choice {
                            objectName: "calibrationFile"
                            Layout.fillWidth: true
                            title: qsTr("A text file of mine")
                            detail: page.wiz.calibrationFile.length > 0 ? page.wiz.calibrationFile : qsTr("Plain UTF-8 text, e.g. a chapter of wiki.test.raw.")
                            selected: page.wiz.calibrationMode === "file"
                            onPicked: calibrationDialog.open()
                        }
                        Choice {
                            objectName: "calibrationNone"
                            Layout.fillWidth: true
                            title: qsTr("Do not measure")
                            detail: qsTr("Faster, but the summary cannot tell how much quality was lost.")
                            selected: page.wiz.calibrationMode === "none"
                            onPicked: page.wiz.calibrationMode = "none"
                        }
                        RowLayout {
                            enabled: page.wiz.calibrationMode !== "none"
                            opacity: enabled ? 1 : 0.5
                            spacing: 10
                            Text { text: qsTr("Window (tokens)"); color: Theme.text; font.pixelSize: Theme.body }
                            NumberField {
                                objectName: "calibrationCtxField"
                                value: page.wiz.calibrationCtx
                                minimum: 8
                                maximum: 8192
                                onCommitted: (v) => page.wiz.calibrationCtx = v
                            }
                            Text { Layout.leftMargin: 12; text: qsTr("Windows at most (0 = all)"); color: Theme.text; font.pixelSize: Theme.body }
                            NumberField {
                                objectName: "calibrationChunksField"
                                value: page.wiz.calibrationChunks
                                minimum: 0
                                maximum: 100000
                                onCommitted: (v) => page.wiz.calibrationChunks = v
                            }
                        }
                        RowLayout {
                            Layout.topMargin: 8
                            Layout.fillWidth: true
                            spacing: 10
                            Text { text: qsTr("Save results in"); color: Theme.text; font.pixelSize: Theme.body }
                            Text {
                                Layout.fillWidth: true
                                text: page.wiz.outputFolder
                                color: Theme.textMuted
                                font.pixelSize: Theme.body
                                font.family: Theme.monoFamily
                                elide: Text.ElideMiddle
                            }
                            AppButton { compact: true; iconName: "folder"; text: qsTr("Change…"); onClicked: outputDialog.open() }
                        }
                    }

                    // ---- 4. Run and results ---------------------------------------------
                    ColumnLayout {
                        id: stepRun
                        spacing: 14
                        // The heading sits in the jobs' Column for the same reason: no jobs, no empty slot.
                        Column {
                            id: jobList
                            Layout.fillWidth: true
                            spacing: 14
                            Heading {
                                width: jobList.width
                                text: page.wiz.running ? (page.wiz.cancelling ? qsTr("Cancelling…") : qsTr("Converting %1").arg(page.wiz.sourcePath.split("/").pop()))
                                      : page.wiz.finished ? qsTr("Results") : qsTr("Nothing converted yet")
                            }
                            Repeater {
                                model: page.wiz.jobs
                                delegate: Rectangle {
                                    id: job
                                    required property string target
                                    required property string label
                                    required property string jobState
                                    required property real fraction
                                    required property string stage
                                    required property string fileName
                                    required property string outputSize
                                    required property real bitsPerWeight
                                    required property real targetBitsPerWeight
                                    required property bool hasPpl
                                    required property real pplSource
                                    required property real pplResult
                                    required property real pplChange
                                    required property string warning
                                    required property int warningLevel
                                    required property string error
                                    required property real seconds
                                    objectName: "job_" + target
                                    width: jobList.width
                                    implicitHeight: jobCol.implicitHeight + 28
                                    radius: Theme.radius
                                    color: Theme.surface
                                    border.width: 1
                                    border.color: jobState === "failed" ? Theme.danger : Theme.border
                                    ColumnLayout {
                                        id: jobCol
                                        anchors.fill: parent
                                        anchors.margins: 14
                                        spacing: 10
                                        RowLayout {
                                            Layout.fillWidth: true
                                            spacing: 8
                                            Text {
                                                text: job.label
                                                color: Theme.text
                                                font.pixelSize: Theme.title
                                                font.weight: Font.DemiBold
                                            }
                                            Badge {
                                                text: job.jobState === "done" ? qsTr("Done") : job.jobState === "running" ? qsTr("Running")
                                                      : job.jobState === "failed" ? qsTr("Failed") : job.jobState === "cancelled" ? qsTr("Cancelled") : qsTr("Waiting")
                                                tint: job.jobState === "done" ? Theme.success : job.jobState === "failed" ? Theme.danger : job.jobState === "running" ? Theme.accent : Theme.textMuted
                                                fill: job.jobState === "done" ? Theme.successSoft : job.jobState === "failed" ? Theme.dangerSoft : job.jobState === "running" ? Theme.accentSoft : Theme.hover
                                            }
                                            Text {
                                                Layout.fillWidth: true
                                                text: job.jobState === "done" ? job.fileName : job.stage
                                                color: Theme.textMuted
                                                font.pixelSize: Theme.small
                                                elide: Text.ElideRight
                                                horizontalAlignment: Text.AlignRight
                                            }
                                        }
                                        Bar {
                                            visible: job.jobState === "running" || job.jobState === "waiting"
                                            Layout.fillWidth: true
                                            fraction: job.fraction
                                        }
                                        GridLayout {
                                            visible: job.jobState === "done"
                                            Layout.fillWidth: true
                                            columns: 4
                                            columnSpacing: 10
                                            Fact {
                                                objectName: "resultSize"
                                                label: qsTr("File size")
                                                value: job.outputSize
                                                detail: qsTr("in %1 s").arg(job.seconds.toFixed(1))
                                            }
                                            Fact {
                                                objectName: "resultBits"
                                                label: qsTr("Bits per weight")
                                                value: job.targetBitsPerWeight.toFixed(2)
                                                detail: qsTr("converted layers · %1 overall").arg(job.bitsPerWeight.toFixed(2))
                                                highlight: true
                                            }
                                            Fact {
                                                objectName: "resultPpl"
                                                label: qsTr("Perplexity")
                                                value: job.hasPpl ? page.ppl(job.pplSource) + " → " + page.ppl(job.pplResult) : qsTr("not measured")
                                                detail: job.hasPpl ? qsTr("source → result") : ""
                                            }
                                            Fact {
                                                objectName: "resultChange"
                                                label: qsTr("Change")
                                                value: job.hasPpl ? (job.pplChange >= 0 ? "+" : "") + job.pplChange.toFixed(1) + " %" : "—"
                                                detail: job.hasPpl ? qsTr("perplexity, lower is better") : ""
                                                tint: job.warningLevel === 2 ? Theme.danger : job.warningLevel === 1 ? Theme.warning : Theme.success
                                            }
                                        }
                                        Rectangle {
                                            visible: job.jobState === "done" && job.warning.length > 0
                                            Layout.fillWidth: true
                                            implicitHeight: warnRow.implicitHeight + 16
                                            radius: Theme.radius
                                            color: job.warningLevel === 2 ? Theme.dangerSoft : job.warningLevel === 1 ? Theme.warningSoft : Theme.successSoft
                                            RowLayout {
                                                id: warnRow
                                                anchors.fill: parent
                                                anchors.margins: 8
                                                spacing: 8
                                                Icon {
                                                    Layout.alignment: Qt.AlignTop
                                                    name: job.warningLevel === 0 ? "check" : "warning"
                                                    size: 15
                                                    color: job.warningLevel === 2 ? Theme.danger : job.warningLevel === 1 ? Theme.warning : Theme.success
                                                }
                                                Text {
                                                    objectName: "resultWarning"
                                                    Layout.fillWidth: true
                                                    text: job.warning
                                                    wrapMode: Text.WordWrap
                                                    color: job.warningLevel === 2 ? Theme.danger : job.warningLevel === 1 ? Theme.warning : Theme.success
                                                    font.pixelSize: Theme.small
                                                }
                                            }
                                        }
                                        Text {
                                            visible: job.error.length > 0
                                            Layout.fillWidth: true
                                            text: job.error
                                            wrapMode: Text.WordWrap
                                            color: Theme.danger
                                            font.pixelSize: Theme.small
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }

            Text {
                visible: page.wiz.error.length > 0
                objectName: "wizardError"
                Layout.fillWidth: true
                text: page.wiz.error
                wrapMode: Text.WordWrap
                color: Theme.danger
                font.pixelSize: Theme.body
            }

            // Navigation
            RowLayout {
                Layout.fillWidth: true
                Layout.bottomMargin: 28
                spacing: 8
                AppButton {
                    objectName: "wizardBack"
                    visible: page.step > 0 && page.step < 3
                    text: qsTr("Back")
                    onClicked: page.step -= 1
                }
                Item { Layout.fillWidth: true }
                AppButton {
                    objectName: "wizardLibrary"
                    visible: page.step === 3 && page.wiz.finished
                    iconName: "models"
                    text: qsTr("Show in library")
                    onClicked: page.openLibrary()
                }
                AppButton {
                    objectName: "wizardRestart"
                    visible: page.step === 3 && !page.wiz.running
                    text: qsTr("New conversion")
                    onClicked: { page.wiz.clearResults(); page.step = 0 }
                }
                AppButton {
                    objectName: "wizardCancel"
                    visible: page.wiz.running
                    enabled: !page.wiz.cancelling
                    kind: "danger"
                    iconName: "stop"
                    text: qsTr("Cancel")
                    onClicked: page.wiz.cancel()
                }
                AppButton {
                    objectName: "wizardNext"
                    visible: page.step < 2
                    kind: "primary"
                    enabled: page.canLeave(page.step)
                    text: qsTr("Next")
                    iconName: "chevron-right"
                    onClicked: page.step += 1
                }
                AppButton {
                    objectName: "wizardStart"
                    visible: page.step === 2
                    kind: "primary"
                    iconName: "bolt"
                    text: page.wiz.targets.length === 1 ? qsTr("Convert") : qsTr("Convert to %1 formats").arg(page.wiz.targets.length)
                    onClicked: page.wiz.start()
                }
            }
        }
    }

    FileDialog {
        id: ggufDialog
        title: qsTr("Choose a GGUF model")
        nameFilters: [qsTr("GGUF models (*.gguf)"), qsTr("All files (*)")]
        onAccepted: page.wiz.setSourceUrl(selectedFile)
    }
    FolderDialog {
        id: folderDialog
        title: qsTr("Choose a Hugging Face model folder (config.json, tokenizer, *.safetensors)")
        onAccepted: page.wiz.setSourceUrl(selectedFolder)
    }
    FileDialog {
        id: calibrationDialog
        title: qsTr("Choose a calibration text")
        nameFilters: [qsTr("Text files (*.txt *.raw *.md)"), qsTr("All files (*)")]
        onAccepted: page.wiz.setCalibrationFileUrl(selectedFile)
    }
    FolderDialog {
        id: outputDialog
        title: qsTr("Where the converted models go")
        onAccepted: page.wiz.setOutputFolderUrl(selectedFolder)
    }

    component Heading: Text {
        Layout.fillWidth: true
        color: Theme.text
        font.pixelSize: Theme.title
        font.weight: Font.DemiBold
        wrapMode: Text.WordWrap
    }

    component Bar: Rectangle {
        property real fraction: 0
        implicitHeight: 6
        radius: 3
        color: Theme.field
        Rectangle {
            width: parent.width * Math.max(0, Math.min(1, parent.fraction))
            height: parent.height
            radius: 3
            color: Theme.accent
        }
    }

    component Fact: Rectangle {
        property string label
        property string value
        property string detail
        property bool highlight: false
        property color tint: highlight ? Theme.accent : Theme.text
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
                color: tint
                font.pixelSize: Theme.title
                font.weight: Font.DemiBold
                width: parent.width
                elide: Text.ElideRight
            }
            Text { text: detail; color: Theme.textMuted; font.pixelSize: Theme.small; width: parent.width; elide: Text.ElideRight }
        }
    }

    // One of several exclusive choices: a round indicator, a title and a line of detail.
    component Choice: Rectangle {
        id: choice
        property string title
        property string detail
        property bool selected: false
        signal picked()
        implicitHeight: choiceCol.implicitHeight + 16
        radius: Theme.radius
        color: selected ? Theme.accentSoft : hover.hovered ? Theme.hover : Theme.field
        border.width: 1
        border.color: selected ? Theme.accent : Theme.border
        HoverHandler { id: hover }
        TapHandler { onTapped: choice.picked() }
        RowLayout {
            anchors.fill: parent
            anchors.margins: 8
            anchors.leftMargin: 12
            spacing: 10
            Rectangle {
                width: 16; height: 16; radius: 8
                color: "transparent"
                border.width: choice.selected ? 5 : 1.5
                border.color: choice.selected ? Theme.accent : Theme.borderStrong
            }
            ColumnLayout {
                id: choiceCol
                Layout.fillWidth: true
                spacing: 1
                Text { text: choice.title; color: Theme.text; font.pixelSize: Theme.body; font.weight: Font.DemiBold }
                Text {
                    Layout.fillWidth: true
                    text: choice.detail
                    color: Theme.textMuted
                    font.pixelSize: Theme.small
                    elide: Text.ElideMiddle
                }
            }
        }
    }
}
