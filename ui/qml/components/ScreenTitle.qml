import QtQuick
import QtQuick.Layouts

// The screen's topic in large type. While the keyboard is up in landscape it makes way for what
// is being typed: the step bar above still names the step.
Text {
    visible: root.portrait || !root.keyboardUp
    wrapMode: Text.WordWrap
    font.family: Theme.font
    font.pixelSize: Theme.title
    font.bold: true
    color: Theme.primary
}
