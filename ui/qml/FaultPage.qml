import QtQuick
import QtQuick.Layouts
import "components"

// Shown instead of the kiosk's screens when its configuration cannot be used (ui/fault_screen.py):
// the citizen reads that the kiosk is out of service and where to go instead; the technician
// reads, smaller, what is wrong with which file. Nothing here can be touched.
Window {
    id: root
    objectName: "faultRoot"
    color: Theme.page
    width: 1080
    height: 1920
    title: qsTrId("app.title")

    ColumnLayout {
        anchors.fill: parent
        spacing: 0
        Rectangle {
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.touch + Theme.gap
            color: Theme.primary
            Text {
                anchors.verticalCenter: parent.verticalCenter
                anchors.left: parent.left
                anchors.leftMargin: Theme.gap
                text: qsTrId("app.title")
                font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                color: Theme.primaryInk
            }
        }
        ColumnLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.margins: Theme.gap * 2
            spacing: Theme.gap * 1.5
            Text {
                objectName: "faultTitle"
                Layout.fillWidth: true
                text: qsTrId("fault.title")
                wrapMode: Text.WordWrap
                font.family: Theme.font; font.pixelSize: Theme.title; font.bold: true
                color: Theme.primary
            }
            Text {
                objectName: "faultCitizen"
                Layout.fillWidth: true
                text: qsTrId("fault.citizen")
                wrapMode: Text.WordWrap
                font.family: Theme.font; font.pixelSize: Theme.large
                color: Theme.ink
            }
            Item { Layout.fillHeight: true }
            Rectangle {
                Layout.fillWidth: true
                Layout.preferredHeight: technical.implicitHeight + Theme.gap * 2
                radius: Theme.radius
                color: Theme.paper
                border.color: Theme.line
                Text {
                    id: technical
                    objectName: "faultTechnician"
                    anchors.fill: parent
                    anchors.margins: Theme.gap
                    // (fault is gone for a moment while the engine is torn down)
                    text: fault ? qsTrId("fault.technician").replace(/%2/g, fault.detail).replace(/%1/g, fault.path) : ""
                    wrapMode: Text.WordWrap
                    font.family: Theme.font; font.pixelSize: Theme.small
                    color: Theme.muted
                }
            }
        }
    }
}
