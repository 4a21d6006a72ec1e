pragma Singleton
import QtQuick

// Sizes and colours for elderly users: large type, high contrast, touch targets well over 15 mm.
QtObject {
    readonly property string font: "Noto Sans"
    readonly property int body: 30          // body text, px (issue: at least 28)
    readonly property int small: 28
    readonly property int large: 38
    readonly property int title: 50
    readonly property int huge: 88
    readonly property int touch: 112        // min touch target, px (15 mm is ~60-90 px on kiosk panels)
    readonly property int gap: 24
    readonly property int radius: 14
    readonly property color ink: "#111111"
    readonly property color muted: "#3a3a3a"
    readonly property color paper: "#ffffff"
    readonly property color page: "#eef2f7"
    readonly property color primary: "#0b3d91"
    readonly property color primaryInk: "#ffffff"
    readonly property color accent: "#b34700"
    readonly property color ok: "#1b6e20"
    readonly property color danger: "#b00020"
    readonly property color warn: "#fff3c4"
    readonly property color line: "#8a94a6"
}
