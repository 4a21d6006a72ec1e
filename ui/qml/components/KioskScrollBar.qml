import QtQuick
import QtQuick.Controls.Basic

// A scroll bar that shows there is more below: always drawn while the content is longer than
// the view, a dark handle on a visible track (the default thin grey one went unnoticed, and
// elderly users did not know to drag the page).
ScrollBar {
    id: bar
    property Flickable view: parent
    width: 28
    policy: view && view.contentHeight > view.height + 1 ? ScrollBar.AlwaysOn : ScrollBar.AlwaysOff
    contentItem: Rectangle {
        implicitWidth: 20
        radius: 10
        color: bar.pressed ? Qt.darker(Theme.primary, 1.3) : Theme.primary
    }
    background: Rectangle {
        implicitWidth: 28
        radius: 14
        color: "#d5dbe5"
    }
}
