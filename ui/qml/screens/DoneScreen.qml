import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// Submitted: the dossier code in large type while the slip prints; if printing fails, the
// code stays here with what to do (photograph it, or ask staff to reprint the kept slip).
ColumnLayout {
    spacing: Theme.gap
    ScreenTitle {
        Layout.fillWidth: true
        horizontalAlignment: Text.AlignHCenter
        text: qsTrId("done.title")
        color: Theme.ok
    }
    Card {
        Layout.fillWidth: true
        Text {
            width: parent.width
            horizontalAlignment: Text.AlignHCenter
            text: journey.dossier.provisional ? qsTrId("done.codeProvisional") : qsTrId("done.code")
            wrapMode: Text.WordWrap
            font.family: Theme.font; font.pixelSize: Theme.large
            color: Theme.ink
        }
        Text {
            objectName: "dossierCode"
            width: parent.width
            horizontalAlignment: Text.AlignHCenter
            text: journey.dossier.code || ""
            wrapMode: Text.WrapAnywhere
            font.family: Theme.font; font.pixelSize: Theme.huge; font.bold: true
            color: Theme.primary
        }
        Text {
            width: parent.width
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
            text: qsTrId("done.appointment").arg(journey.dossier.appointment || "")
            font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
            color: Theme.ink
        }
        Text {
            width: parent.width
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
            text: qsTrId("done.received").arg(journey.dossier.received || "")
            font.family: Theme.font; font.pixelSize: Theme.body
            color: Theme.muted
        }
        Text {
            width: parent.width
            visible: journey.dossier.verificationPending === true
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
            text: qsTrId("done.verificationPending")
            font.family: Theme.font; font.pixelSize: Theme.body
            color: Theme.muted
        }
    }
    RowLayout {
        objectName: "printProgress"
        Layout.alignment: Qt.AlignHCenter
        visible: journey.printStatus === "pending"
        spacing: Theme.gap
        BusyIndicator { running: parent.visible; Layout.preferredWidth: Theme.touch; Layout.preferredHeight: Theme.touch }
        Text {
            text: qsTrId("done.printing")
            font.family: Theme.font; font.pixelSize: Theme.large
            color: Theme.ink
        }
    }
    Banner {
        objectName: "printed"
        Layout.fillWidth: true
        text: journey.printStatus === "printed" ? qsTrId("done.printed") : ""
    }
    Banner {
        objectName: "printFailed"
        Layout.fillWidth: true
        error: true
        text: journey.printStatus === "failed" ? qsTrId("done.printFailed") : ""
    }
    Item { Layout.fillHeight: true }
    Footer {
        Layout.fillWidth: true
        showBack: false
        nextText: qsTrId("done.next")
        nextEnabled: journey.printStatus !== "pending"
        onNextClicked: journey.proceed()
    }
}
