import QtQuick

// A message the citizen must not miss: warnings in yellow, errors in red.
Rectangle {
    id: banner
    property alias text: label.text
    property bool error: false
    visible: text.length > 0
    color: error ? "#fde2e4" : Theme.warn
    border.color: error ? Theme.danger : Theme.accent
    border.width: 3
    radius: Theme.radius
    implicitHeight: visible ? label.implicitHeight + 2 * Theme.gap : 0
    Text {
        id: label
        x: Theme.gap
        width: parent.width - 2 * Theme.gap
        anchors.verticalCenter: parent.verticalCenter
        wrapMode: Text.WordWrap
        font.family: Theme.font
        font.pixelSize: Theme.body
        font.bold: true
        color: banner.error ? Theme.danger : Theme.ink
    }
}
