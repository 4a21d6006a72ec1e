import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// The confirmation code: sent by SMS when the gateway answers; otherwise shown here to be typed
// back, so that submitting never depends on the network.
ColumnLayout {
    spacing: Theme.gap
    readonly property bool bySms: journey.challenge.channel === "sms"
    ScreenTitle {
        Layout.fillWidth: true
        text: qsTrId("confirm.title")
    }
    Card {
        Layout.fillWidth: true
        Text {
            width: parent.width
            wrapMode: Text.WordWrap
            text: bySms ? qsTrId("confirm.sms").arg(journey.challenge.phone) : qsTrId("confirm.screen")
            font.family: Theme.font; font.pixelSize: Theme.large
            color: Theme.ink
        }
        Text {
            objectName: "screenCode"
            visible: !bySms
            width: parent.width
            horizontalAlignment: Text.AlignHCenter
            text: (journey.challenge.code || "").split("").join(" ")
            font.family: Theme.font; font.pixelSize: Theme.huge; font.bold: true
            color: Theme.primary
        }
    }
    RowLayout {
        Layout.fillWidth: true
        visible: !!simulator && simulator.enabled && bySms
        spacing: Theme.gap
        BigButton {
            objectName: "simulateSmsButton"
            text: qsTrId("sim.sms")
            textSize: Theme.body
            fill: "#5e35b1"
            onClicked: simulator.readSms()
        }
        Text {
            objectName: "simulatedSms"
            text: simulator ? simulator.lastSms : ""
            font.family: Theme.font; font.pixelSize: Theme.title; font.bold: true
            color: "#5e35b1"
        }
    }
    InputField {
        id: codeField
        objectName: "codeField"
        Layout.fillWidth: true
        Layout.maximumWidth: 700
        Layout.alignment: Qt.AlignHCenter
        keypad: "digits"
        maximumLength: 8
        horizontalAlignment: Text.AlignHCenter
        font.pixelSize: Theme.huge * 0.7
        placeholderText: qsTrId("confirm.placeholder")
        onAccepted: journey.enterCode(text)
    }
    RowLayout {
        Layout.fillWidth: true
        spacing: Theme.gap
        BigButton {
            objectName: "resendButton"
            text: bySms ? qsTrId("confirm.resend") : qsTrId("confirm.newCode")
            textSize: Theme.body
            fill: "#e3e7ee"
            ink: Theme.ink
            onClicked: { codeField.text = ""; journey.resendCode() }
        }
        Item { Layout.fillWidth: true }
        BigButton {
            objectName: "submitCodeButton"
            Layout.minimumWidth: Theme.touch * 3.5
            text: qsTrId("confirm.submit")
            fill: Theme.ok
            enabled: codeField.text.length > 0
            onClicked: { journey.enterCode(codeField.text); codeField.text = "" }
        }
    }
    Item { Layout.fillHeight: true }
    Footer {
        Layout.fillWidth: true
        showNext: false
        onBackClicked: journey.back()
    }
}
