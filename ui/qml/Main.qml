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
    readonly property bool keyboardUp: keyboard.active
    readonly property bool technicianScreen: router.screen === "TechEntry" || router.screen === "Technician"
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
            objectName: "header"
            // In landscape the keyboard takes half the height: the header (the same on every
            // screen, and its staff button is also in the footer) makes way for what is typed.
            visible: !(root.keyboardUp && !root.portrait)
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.touch + 2 * Theme.gap / 2
            color: Theme.primary
            RowLayout {
                id: headerRow
                anchors.fill: parent
                anchors.margins: Theme.gap / 2
                spacing: Theme.gap / 2
                ColumnLayout {
                    id: titleColumn
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
                    onClicked: speech.speaking ? speech.stop() : speech.say(qsTrId(journey.guideFor(router.screen)))
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
                    visible: !root.technicianScreen
                    text: qsTrId("common.callStaff")
                    textSize: Theme.body
                    fill: Theme.accent
                    onClicked: journey.callStaff()
                }
            }
            // The technician's hidden way in: five quick taps on the kiosk's name. Nothing shows
            // to a citizen; one who finds it meets a PIN pad that says it is for technicians,
            // and "Quay lại" brings back what they were doing.
            MouseArea {
                objectName: "technicianCorner"
                x: headerRow.x + titleColumn.x
                width: titleColumn.width
                height: parent.height
                property int taps: 0
                Timer { id: tapWindow; interval: 3000; onTriggered: parent.taps = 0 }
                onClicked: {
                    taps += 1
                    tapWindow.restart()
                    if (taps >= 5) { taps = 0; technician.open() }
                }
            }
        }

        StepBar {
            objectName: "stepBar"
            visible: step.number !== undefined && !root.technicianScreen
            Layout.fillWidth: true
            compact: root.keyboardUp && !root.portrait
            onCancelClicked: cancelOverlay.visible = true
        }

        Banner {
            objectName: "messageBanner"
            Layout.fillWidth: true
            Layout.margins: visible ? Theme.gap / 2 : 0
            text: root.technicianScreen ? "" : journey.message
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

    // Cancelling wipes what the citizen typed and scanned: asked once, in plain words, with
    // "keep going" as the big, safe answer.
    Rectangle {
        id: cancelOverlay
        objectName: "cancelOverlay"
        anchors.fill: parent
        visible: false
        color: "#cc000000"
        z: 40
        MouseArea { anchors.fill: parent }
        Connections {
            target: journey
            // Whatever ends the session (idle, a finished dossier) closes the question too.
            function onChanged() { if (journey.state === "attract") cancelOverlay.visible = false }
        }
        Card {
            anchors.centerIn: parent
            width: Math.min(parent.width - 2 * Theme.gap, 900)
            Text {
                width: parent.width
                text: qsTrId("cancel.title")
                wrapMode: Text.WordWrap
                horizontalAlignment: Text.AlignHCenter
                font.family: Theme.font; font.pixelSize: Theme.title; font.bold: true
                color: Theme.danger
            }
            Text {
                width: parent.width
                text: qsTrId("cancel.body")
                wrapMode: Text.WordWrap
                horizontalAlignment: Text.AlignHCenter
                font.family: Theme.font; font.pixelSize: Theme.body
                color: Theme.ink
            }
            BigButton {
                objectName: "keepGoingButton"
                width: parent.width
                text: qsTrId("cancel.keep")
                fill: Theme.ok
                onClicked: cancelOverlay.visible = false
            }
            Item { width: 1; height: Theme.gap }
            BigButton {
                objectName: "confirmCancelButton"
                width: parent.width
                text: qsTrId("cancel.confirm")
                textSize: Theme.body
                fill: "#ffffff"
                ink: Theme.danger
                onClicked: { cancelOverlay.visible = false; journey.cancel() }
            }
        }
    }

    // The idle warning: a big countdown in seconds, said aloud as well (someone who stepped
    // away may hear it before they see it), and one button that means "I am still here".
    Rectangle {
        objectName: "idleOverlay"
        anchors.fill: parent
        visible: journey.state === "idle_warning"
        onVisibleChanged: if (visible && speech.available) speech.say(qsTrId("idle.spoken"))
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
                text: qsTrId("idle.seconds").arg(journey.idleSecondsLeft)
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
        width: root.portrait ? root.width : Math.min(root.width, 1000)
        x: (root.width - width) / 2
        y: active ? root.height - height : root.height
    }
}
