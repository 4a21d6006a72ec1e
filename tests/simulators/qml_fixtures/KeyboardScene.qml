import QtQuick
import QtQuick.Controls.Basic
import QtQuick.VirtualKeyboard

// A field and a button at the bottom of the window, and the real on-screen keyboard, placed as
// ui/qml/Main.qml places it. With ``makeRoom`` the content moves up above the keyboard as the
// app's does; without it the keyboard slides over the field being typed in.
Window {
    id: root
    width: 1080
    height: 1000
    visible: true
    property bool makeRoom: false

    // The app's session-keeping MouseArea over everything: not a control.
    MouseArea {
        anchors.fill: parent
        z: 100
        propagateComposedEvents: true
        onPressed: function(mouse) { mouse.accepted = false }
    }

    Column {
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.bottom: parent.bottom
        anchors.margins: 24
        anchors.bottomMargin: 24 + (root.makeRoom && keyboard.active ? keyboard.height : 0)
        spacing: 24
        TextField {
            objectName: "nameField"
            width: parent.width
            height: 104
            font.pixelSize: 38
        }
        Button {
            objectName: "sendButton"
            width: 400
            height: 112
            text: "Send"
        }
    }

    InputPanel {
        id: keyboard
        objectName: "keyboard"
        z: 99
        width: root.width
        y: active ? root.height - height : root.height
    }
}
