import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// Where is my dossier? Hold the slip's QR code to the reader or type the dossier's code (its
// "Mã hồ sơ", the same words as on the slip); the answer comes from the gateway, and when it
// cannot be reached the screen says so plainly. Landscape: how to ask on the left, the answer on
// the right.
ColumnLayout {
    spacing: Theme.gap
    readonly property var result: lookup.result
    ScreenTitle {
        Layout.fillWidth: true
        text: qsTrId("lookup.title")
    }
    GridLayout {
    Layout.fillWidth: true
    Layout.fillHeight: true
    columns: root.portrait ? 1 : 2
    columnSpacing: Theme.gap * 2
    rowSpacing: Theme.gap
    ColumnLayout {
    Layout.fillWidth: true
    Layout.preferredWidth: 1
    Layout.alignment: Qt.AlignTop
    spacing: Theme.gap
    Text {
        Layout.fillWidth: true
        text: qsTrId("lookup.howto")
        wrapMode: Text.WordWrap
        font.family: Theme.font; font.pixelSize: Theme.large
        color: Theme.ink
    }
    RowLayout {
        Layout.fillWidth: true
        spacing: Theme.gap
        InputField {
            id: codeField
            objectName: "lookupField"
            Layout.fillWidth: true
            placeholderText: qsTrId("lookup.placeholder")
            inputMethodHints: Qt.ImhPreferUppercase | Qt.ImhNoPredictiveText
            onAccepted: lookup.ask(text)
        }
        BigButton {
            objectName: "lookupSubmit"
            text: qsTrId("lookup.submit")
            enabled: codeField.text.length > 0 && !lookup.busy
            onClicked: lookup.ask(codeField.text)
        }
    }
    BigButton {
        objectName: "simulateSlipButton"
        visible: !!simulator && simulator.enabled && simulator.hasSlip
        text: qsTrId("sim.slip")
        textSize: Theme.body
        fill: "#5e35b1"
        onClicked: simulator.presentLastSlip()
    }
    Card {
        objectName: "lookupWhere"
        Layout.fillWidth: true
        Text {
            width: parent.width
            text: qsTrId("lookup.where")
            wrapMode: Text.WordWrap
            font.family: Theme.font; font.pixelSize: Theme.body
            color: Theme.ink
        }
    }
    }
    ColumnLayout {
    Layout.fillWidth: true
    Layout.preferredWidth: 1
    Layout.alignment: Qt.AlignTop
    spacing: Theme.gap
    BusyIndicator {
        running: lookup.busy
        visible: running
        Layout.alignment: Qt.AlignHCenter
    }
    Card {
        objectName: "lookupResult"
        Layout.fillWidth: true
        visible: result.kind !== undefined
        Text {
            width: parent.width
            visible: result.kind === "found"
            text: qsTrId("lookup.code").arg(result.code || "")
            wrapMode: Text.WrapAnywhere
            font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
            color: Theme.primary
        }
        Text {
            objectName: "lookupOfficialCode"
            width: parent.width
            visible: result.kind === "found" && (result.officialCode || "").length > 0
            text: qsTrId("lookup.officialCode").arg(result.officialCode || "")
            wrapMode: Text.WrapAnywhere
            font.family: Theme.font; font.pixelSize: Theme.body
            color: Theme.muted
        }
        Text {
            objectName: "lookupStatus"
            width: parent.width
            visible: result.kind === "found"
            text: qsTrId("lookup.status").arg(result.status || "")
            wrapMode: Text.WordWrap
            font.family: Theme.font; font.pixelSize: Theme.large
            color: Theme.ink
        }
        Text {
            width: parent.width
            visible: result.kind === "found" && (result.appointment || "").length > 0
            text: qsTrId("lookup.appointment").arg(result.appointment || "")
            wrapMode: Text.WordWrap
            font.family: Theme.font; font.pixelSize: Theme.body
            color: Theme.ink
        }
        Repeater {
            model: result.kind === "found" ? (result.history || []) : []
            Text {
                width: parent.width
                text: "• " + modelData
                wrapMode: Text.WordWrap
                font.family: Theme.font; font.pixelSize: Theme.small
                color: Theme.muted
            }
        }
        Text {
            objectName: "lookupMessage"
            width: parent.width
            visible: result.kind !== "found"
            text: result.message || ""
            wrapMode: Text.WordWrap
            font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
            color: result.kind === "offline" ? Theme.accent : Theme.danger
        }
    }
    }
    }
    Footer {
        Layout.fillWidth: true
        showNext: false
        backText: qsTrId("common.home")
        onBackClicked: lookup.close()
    }
}
