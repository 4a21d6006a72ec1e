import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// The technician's way in: a PIN typed on the kiosk's own keypad (never the on-screen keyboard,
// whose suggestions could remember it), or a badge held to the QR reader. The PIN shows as dots;
// after too many wrong ones the pad says until when it is locked. A citizen who found the hidden
// gesture reads "for technicians" and "Quay lại" brings back what they were doing.
// On a kiosk not enrolled yet the same screen is the first-run set-up (router mode "setup"):
// no way back to citizen screens, and without a PIN no pad, only the enrolment code at the reader.
ColumnLayout {
    id: entry
    spacing: Theme.gap
    property string pin: ""
    readonly property bool locked: technician.lockedUntil !== ""
    readonly property bool firstRun: router.mode === "setup"
    // A kiosk with no PIN yet takes its enrolment code at the reader: a pad would lead nowhere.
    readonly property bool padShown: !(firstRun && technician.enrolAtEntry)

    // "Quay lại" beside the title: in landscape the pad takes the height, and a citizen who
    // found the gesture must see the way back at once.
    RowLayout {
        Layout.fillWidth: true
        ScreenTitle {
            Layout.fillWidth: true
            text: entry.firstRun ? qsTrId("tech.firstRun.title") : qsTrId("tech.entry.title")
        }
        BigButton {
            objectName: "techEntryBack"
            visible: !entry.firstRun
            text: qsTrId("common.back")
            fill: "#e0e4ea"
            ink: Theme.ink
            onClicked: { entry.pin = ""; technician.cancelEntry() }
        }
    }
    Text {
        Layout.fillWidth: true
        objectName: "techEntryHow"
        text: entry.firstRun
            ? qsTrId(technician.enrolAtEntry ? "tech.firstRun.howCode" : "tech.firstRun.howPin")
            : qsTrId("tech.entry.how") + (technician.enrolAtEntry ? " " + qsTrId("tech.entry.howEnrol") : "")
        wrapMode: Text.WordWrap
        font.family: Theme.font; font.pixelSize: Theme.body
        color: Theme.ink
    }
    Banner {
        objectName: "techEntryMessage"
        Layout.fillWidth: true
        text: technician.message
        error: true
    }
    Text {
        objectName: "pinDots"
        visible: entry.padShown
        Layout.alignment: Qt.AlignHCenter
        text: entry.pin.length > 0 ? "●".repeat(entry.pin.length) : " "
        font.family: Theme.font; font.pixelSize: Theme.huge * 0.6
        color: Theme.primary
    }
    GridLayout {
        objectName: "pinPad"
        visible: entry.padShown
        Layout.alignment: Qt.AlignHCenter
        columns: 3
        rowSpacing: Theme.gap / 2
        columnSpacing: Theme.gap / 2
        enabled: !entry.locked
        Repeater {
            model: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "ok"]
            BigButton {
                objectName: "pin_" + modelData
                Layout.preferredWidth: Theme.touch * 1.6
                Layout.preferredHeight: root.portrait ? Theme.touch * 1.2 : Theme.touch
                text: modelData === "clear" ? qsTrId("tech.entry.clear")
                    : modelData === "ok" ? qsTrId("tech.entry.ok") : modelData
                textSize: modelData.length === 1 ? Theme.title : Theme.body
                fill: modelData === "ok" ? Theme.ok : modelData === "clear" ? "#ffffff" : Theme.primary
                ink: modelData === "clear" ? Theme.primary : Theme.primaryInk
                enabled: modelData !== "ok" || entry.pin.length >= 6
                onClicked: {
                    if (modelData === "clear") {
                        entry.pin = ""
                    } else if (modelData === "ok") {
                        const typed = entry.pin
                        entry.pin = ""
                        technician.submitPin(typed)
                    } else if (entry.pin.length < 12) {
                        entry.pin += modelData
                    }
                }
            }
        }
    }
    Item { Layout.fillHeight: true }
}
