import QtQuick
import QtQuick.Controls.Basic

// A text field sized for a finger; ``keypad`` picks the on-screen keyboard's layout.
TextField {
    id: field
    property string keypad: "text"
    property bool wrong: false
    implicitHeight: Theme.touch - 8
    font.family: Theme.font
    font.pixelSize: Theme.large
    color: Theme.ink
    leftPadding: Theme.gap
    // Digits get the telephone pad (1-2-3 on top) like phone numbers: one number pad on every
    // screen, not a calculator's (7-8-9 on top) for some fields and a phone's for others.
    inputMethodHints: keypad === "digits" || keypad === "phone" ? Qt.ImhDialableCharactersOnly
                    : keypad === "date" ? Qt.ImhFormattedNumbersOnly
                    : keypad === "email" ? (Qt.ImhEmailCharactersOnly | Qt.ImhNoAutoUppercase)
                    : Qt.ImhNoPredictiveText
    background: Rectangle {
        radius: Theme.radius
        color: Theme.paper
        border.width: field.activeFocus || field.wrong ? 4 : 2
        border.color: field.wrong ? Theme.danger : field.activeFocus ? Theme.primary : Theme.line
    }
}
