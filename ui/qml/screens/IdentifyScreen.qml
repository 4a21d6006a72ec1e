import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// Log in with the VNeID code (phone) or the chip ID card's QR code: what the camera sees,
// where to hold the code, and step-by-step help for opening the code in the app.
ColumnLayout {
    spacing: Theme.gap
    ScreenTitle {
        Layout.fillWidth: true
        text: qsTrId("identify.title")
    }
    GridLayout {
        Layout.fillWidth: true
        Layout.fillHeight: true
        columns: root.portrait ? 1 : 2
        columnSpacing: Theme.gap
        rowSpacing: Theme.gap

        Rectangle {
            objectName: "cameraPreview"
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.minimumHeight: 360
            color: "#20252d"
            radius: Theme.radius
            clip: true
            Image {
                id: preview
                objectName: "cameraPicture"
                anchors.fill: parent
                fillMode: Image.PreserveAspectFit
                cache: false
                visible: camera.hasPreview
                source: camera.hasPreview ? "image://camera/" + camera.frame : ""
            }
            Text {
                anchors.centerIn: parent
                width: parent.width - 2 * Theme.gap
                visible: !camera.hasPreview
                text: qsTrId("identify.scannerModule")
                wrapMode: Text.WordWrap
                horizontalAlignment: Text.AlignHCenter
                font.family: Theme.font; font.pixelSize: Theme.large
                color: "#ffffff"
            }
            // The framing guide: hold the code inside these corners.
            Item {
                id: guide
                width: Math.min(parent.width, parent.height) * 0.6
                height: width
                anchors.centerIn: parent
                visible: camera.hasPreview
                Repeater {
                    model: 4
                    Item {
                        x: (index % 2) * (guide.width - 70)
                        y: Math.floor(index / 2) * (guide.height - 70)
                        width: 70; height: 70
                        Rectangle { width: 70; height: 10; color: "#ffd54f"; y: index < 2 ? 0 : 60 }
                        Rectangle { width: 10; height: 70; color: "#ffd54f"; x: index % 2 === 0 ? 0 : 60 }
                    }
                }
            }
        }

        Card {
            Layout.fillWidth: true
            Layout.alignment: Qt.AlignTop
            Text {
                width: parent.width
                text: qsTrId("identify.how")
                font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                color: Theme.primary
                wrapMode: Text.WordWrap
            }
            Repeater {
                // The card first: most elderly citizens have one; fewer have VNeID set up.
                model: ["identify.step1", "identify.step2", "identify.step3"]
                Text {
                    width: parent.width
                    text: (index + 1) + ". " + qsTrId(modelData)
                    wrapMode: Text.WordWrap
                    font.family: Theme.font; font.pixelSize: Theme.body
                    color: Theme.ink
                }
            }
            Banner {
                objectName: "identifyHelp"
                width: parent.width
                text: journey.identifyHelp ? qsTrId("identify.help") : ""
            }
        }
    }
    // The demo's stand-in for holding a card up (absent on a kiosk: no simulator there).
    BigButton {
        objectName: "simulateQrButton"
        visible: !!simulator && simulator.enabled
        Layout.alignment: Qt.AlignHCenter
        text: qsTrId("sim.qr")
        textSize: Theme.body
        fill: "#5e35b1"
        onClicked: simulator.presentIdentity()
    }
    Footer {
        Layout.fillWidth: true
        showNext: false
        onBackClicked: journey.back()
    }
    // The feed follows the camera while this screen is up (and hands over the picture it has
    // now at once): a camera still opening when the screen appears shows up as soon as it can.
    Component.onCompleted: camera.watch()
    Component.onDestruction: camera.unwatch()
}
