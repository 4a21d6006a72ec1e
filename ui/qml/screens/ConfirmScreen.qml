import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// The confirmation code: sent by SMS when the gateway answers; otherwise shown here to be typed
// back, so that submitting never depends on the network. It says how many digits to expect
// and how long the code is good for; someone without a phone is offered the on-screen code in
// plain words. Landscape puts the explanation beside the code.
ColumnLayout {
    id: confirm
    spacing: Theme.gap
    readonly property bool bySms: journey.challenge.channel === "sms"
    readonly property int digits: journey.challenge.length || 6
    ScreenTitle {
        Layout.fillWidth: true
        text: qsTrId("confirm.title")
    }
    GridLayout {
        Layout.fillWidth: true
        columns: root.portrait ? 1 : 2
        columnSpacing: Theme.gap * 2
        rowSpacing: Theme.gap
        ColumnLayout {
            Layout.fillWidth: true
            Layout.preferredWidth: 1
            Layout.alignment: Qt.AlignTop
            spacing: Theme.gap
            Card {
                Layout.fillWidth: true
                Text {
                    objectName: "confirmExplanation"
                    width: parent.width
                    wrapMode: Text.WordWrap
                    text: (confirm.bySms ? qsTrId("confirm.sms").arg(journey.challenge.phone) : qsTrId("confirm.screen"))
                          + " " + qsTrId("confirm.digits").arg(confirm.digits)
                    font.family: Theme.font; font.pixelSize: Theme.large
                    color: Theme.ink
                }
                Text {
                    objectName: "screenCode"
                    visible: !confirm.bySms
                    width: parent.width
                    horizontalAlignment: Text.AlignHCenter
                    text: (journey.challenge.code || "").split("").join(" ")
                    font.family: Theme.font; font.pixelSize: Theme.huge; font.bold: true
                    color: Theme.primary
                }
            }
            // Nobody is stuck for want of a phone or of an SMS that does not come.
            BigButton {
                objectName: "noPhoneButton"
                Layout.fillWidth: true
                visible: confirm.bySms
                text: qsTrId("confirm.noPhone")
                textSize: Theme.body
                fill: "#ffffff"
                ink: Theme.primary
                onClicked: { codeField.text = ""; journey.codeOnScreen() }
            }
            RowLayout {
                Layout.fillWidth: true
                visible: !!simulator && simulator.enabled && confirm.bySms
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
        }
        ColumnLayout {
            Layout.fillWidth: true
            Layout.preferredWidth: 1
            Layout.alignment: Qt.AlignTop
            spacing: Theme.gap
            Text {
                Layout.fillWidth: true
                text: qsTrId("confirm.enter")
                wrapMode: Text.WordWrap
                font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                color: Theme.ink
            }
            InputField {
                id: codeField
                objectName: "codeField"
                Layout.fillWidth: true
                keypad: "digits"
                maximumLength: confirm.digits
                horizontalAlignment: Text.AlignHCenter
                font.pixelSize: Theme.huge * 0.7
                placeholderText: qsTrId("confirm.placeholder").arg(confirm.digits)
                focus: true
                // The keyboard's Enter submits: no reaching for a second button.
                onAccepted: if (text.length === confirm.digits) { journey.enterCode(text); text = "" }
                Component.onCompleted: forceActiveFocus()
            }
            BigButton {
                objectName: "resendButton"
                Layout.fillWidth: true
                text: confirm.bySms ? qsTrId("confirm.resend") : qsTrId("confirm.newCode")
                textSize: Theme.body
                fill: "#e3e7ee"
                ink: Theme.ink
                onClicked: { codeField.text = ""; journey.resendCode() }
            }
        }
    }
    Item { Layout.fillHeight: true }
    Footer {
        id: footer
        Layout.fillWidth: true
        nextText: qsTrId("confirm.submit")
        nextEnabled: codeField.text.length === confirm.digits
        disabledReason: qsTrId("confirm.needDigits").arg(confirm.digits)
        onBackClicked: journey.back()
        onNextClicked: { journey.enterCode(codeField.text); codeField.text = "" }
    }
}
