import QtQuick
import QtQuick.Controls.Basic

// A large, plain button: a word or two, high contrast, never smaller than Theme.touch.
Button {
    id: control
    property color fill: Theme.primary
    property color ink: Theme.primaryInk
    property int textSize: Theme.large
    implicitHeight: Theme.touch
    implicitWidth: Math.max(Theme.touch * 2, contentItem.implicitWidth + 2 * Theme.gap)
    font.family: Theme.font
    font.pixelSize: textSize
    font.bold: true
    contentItem: Text {
        text: control.text
        font: control.font
        color: control.enabled ? control.ink : "#555555"
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
        wrapMode: Text.WordWrap
    }
    background: Rectangle {
        radius: Theme.radius
        color: !control.enabled ? "#c9ced6" : control.down ? Qt.darker(control.fill, 1.3) : control.fill
        border.color: Qt.darker(control.fill, 1.4)
        border.width: 2
    }
}
