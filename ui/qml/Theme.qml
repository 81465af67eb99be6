pragma Singleton
import QtQuick

// Colours, type and spacing of the whole window. `dark` is set by Main.qml from the settings
// (System / Light / Dark).
QtObject {
    property bool dark: false

    readonly property color bg: dark ? "#0e1014" : "#f6f6f8"
    readonly property color rail: dark ? "#0a0b0e" : "#ebebf0"
    readonly property color sidebar: dark ? "#121419" : "#f1f1f4"
    readonly property color surface: dark ? "#16181e" : "#ffffff"
    readonly property color card: dark ? "#1b1e25" : "#ffffff"
    readonly property color elevated: dark ? "#22252e" : "#ffffff"
    readonly property color field: dark ? "#1f222a" : "#f4f4f7"
    readonly property color border: dark ? "#2a2e38" : "#e2e3e8"
    readonly property color borderStrong: dark ? "#3a3f4c" : "#cfd1d8"
    readonly property color text: dark ? "#e9ebf1" : "#1b1d22"
    readonly property color textMuted: dark ? "#9ba3b3" : "#5f6673"
    readonly property color textFaint: dark ? "#6a7282" : "#959ba6"
    readonly property color accent: dark ? "#8b80ff" : "#6354f0"
    readonly property color accentHover: dark ? "#9d94ff" : "#5344e0"
    readonly property color accentText: "#ffffff"
    readonly property color accentSoft: dark ? "#26234a" : "#eeecff"
    readonly property color userBubble: dark ? "#262a36" : "#f0f0f5"
    readonly property color codeBg: dark ? "#0c0e12" : "#f6f7f9"
    readonly property color codeHeader: dark ? "#16191f" : "#eceef2"
    readonly property color hover: dark ? "#1affffff" : "#0d000000"
    readonly property color pressed: dark ? "#26ffffff" : "#17000000"
    readonly property color selected: dark ? "#22ffffff" : "#12000000"
    readonly property color danger: dark ? "#ff6b6b" : "#d93d42"
    readonly property color dangerSoft: dark ? "#3a1f22" : "#fdecec"
    readonly property color success: dark ? "#4cc38a" : "#218358"
    readonly property color successSoft: dark ? "#17342a" : "#e6f6ee"
    readonly property color warning: dark ? "#f1b341" : "#b2670b"
    readonly property color warningSoft: dark ? "#3a2e14" : "#fff4df"
    readonly property color shadow: dark ? "#80000000" : "#1a000000"

    readonly property string fontFamily: "DejaVu Sans"
    readonly property string monoFamily: "DejaVu Sans Mono"
    readonly property int small: 11
    readonly property int body: 13
    readonly property int emphasis: 14
    readonly property int title: 16
    readonly property int heading: 22

    readonly property int radius: 8
    readonly property int radiusLarge: 12
    readonly property int gap: 8
}
