import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Settings
import "components"

// The one window: a header with help on every screen, the current screen, the idle warning and
// the on-screen keyboard. Which screen shows is the screen router's decision (router.screen).
Window {
    id: root
    objectName: "root"
    visible: true
    color: Theme.page
    title: qsTrId("app.title")
    readonly property bool portrait: height > width
    // What the on-screen keyboard really uses (Qt falls back silently if a layout is missing).
    readonly property string keyboardLocale: VirtualKeyboardSettings.locale

    Component.onCompleted: {
        VirtualKeyboardSettings.locale = lang.keyboardLocale
        VirtualKeyboardSettings.activeLocales = ["vi_VN", "en_US"]
    }
    Connections {
        target: lang
        function onChanged() { VirtualKeyboardSettings.locale = lang.keyboardLocale }
    }

    // Any touch keeps the session alive; it is seen here before the screen handles it.
    MouseArea {
        anchors.fill: parent
        z: 100
        propagateComposedEvents: true
        onPressed: function(mouse) { journey.touch(); mouse.accepted = false }
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.bottomMargin: keyboard.active ? keyboard.height : 0
        spacing: 0

        Rectangle {
            id: header
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.touch + 2 * Theme.gap / 2
            color: Theme.primary
            RowLayout {
                anchors.fill: parent
                anchors.margins: Theme.gap / 2
                spacing: Theme.gap / 2
                ColumnLayout {
                    Layout.fillWidth: true
                    spacing: 0
                    Text {
                        text: qsTrId("app.title")
                        font.family: Theme.font
                        font.pixelSize: Theme.body
                        font.bold: true
                        color: Theme.primaryInk
                        elide: Text.ElideRight
                        Layout.fillWidth: true
                    }
                    Text {
                        text: agencyName
                        font.family: Theme.font
                        font.pixelSize: Theme.small
                        color: Theme.primaryInk
                        elide: Text.ElideRight
                        Layout.fillWidth: true
                    }
                }
                BigButton {
                    objectName: "listenButton"
                    visible: speech.available
                    text: speech.speaking ? qsTrId("common.listen.stop") : qsTrId("common.listen")
                    textSize: Theme.body
                    fill: "#ffffff"
                    ink: Theme.primary
                    onClicked: speech.speaking ? speech.stop() : speech.say(qsTrId("guide." + router.screen))
                }
                BigButton {
                    objectName: "languageButton"
                    text: qsTrId("common.language")
                    textSize: Theme.body
                    fill: "#ffffff"
                    ink: Theme.primary
                    implicitWidth: Theme.touch * 1.4
                    onClicked: lang.toggle()
                }
                BigButton {
                    objectName: "callStaffButton"
                    text: qsTrId("common.callStaff")
                    textSize: Theme.body
                    fill: Theme.accent
                    onClicked: journey.callStaff()
                }
            }
        }

        Banner {
            objectName: "messageBanner"
            Layout.fillWidth: true
            Layout.margins: visible ? Theme.gap / 2 : 0
            text: journey.message
            error: journey.state !== "attract" && !journey.helpRequested
        }

        Loader {
            id: screenLoader
            objectName: "screenLoader"
            readonly property bool ready: status === Loader.Ready
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.margins: Theme.gap
            source: "screens/" + router.screen + "Screen.qml"
        }
    }

    // The idle warning: a big countdown, and one button that means "I am still here".
    Rectangle {
        objectName: "idleOverlay"
        anchors.fill: parent
        visible: journey.state === "idle_warning"
        color: "#cc000000"
        z: 50
        MouseArea { anchors.fill: parent; onClicked: journey.touch() }
        Card {
            anchors.centerIn: parent
            width: Math.min(parent.width - 2 * Theme.gap, 900)
            Text {
                width: parent.width
                text: qsTrId("idle.title")
                wrapMode: Text.WordWrap
                horizontalAlignment: Text.AlignHCenter
                font.family: Theme.font; font.pixelSize: Theme.title; font.bold: true
                color: Theme.primary
            }
            Text {
                objectName: "idleCountdown"
                width: parent.width
                text: journey.idleSecondsLeft
                horizontalAlignment: Text.AlignHCenter
                font.family: Theme.font; font.pixelSize: Theme.huge * 1.5; font.bold: true
                color: Theme.danger
            }
            Text {
                width: parent.width
                text: qsTrId("idle.body")
                wrapMode: Text.WordWrap
                horizontalAlignment: Text.AlignHCenter
                font.family: Theme.font; font.pixelSize: Theme.body
                color: Theme.ink
            }
            BigButton {
                objectName: "stillHereButton"
                width: parent.width
                text: qsTrId("idle.stay")
                fill: Theme.ok
                onClicked: journey.touch()
            }
        }
    }

    InputPanel {
        id: keyboard
        objectName: "keyboard"
        z: 99
        // Full width in portrait; in landscape a full-width keyboard would be taller than half
        // the screen and hide the field being typed in.
        width: root.portrait ? root.width : Math.min(root.width, 1150)
        x: (root.width - width) / 2
        y: active ? root.height - height : root.height
    }
}
