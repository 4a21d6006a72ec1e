import QtQuick
import QtQuick.Layouts

// "Bước 4/7 — Quét giấy tờ" with a dot per step, on every journey screen; and the way to give
// up, kept up here, away from the button that moves on (it asks before wiping anything).
Rectangle {
    id: bar
    signal cancelClicked()
    // While the keyboard is up in landscape: the words only, no cancel button (it comes back
    // with the full bar when the keyboard goes).
    property bool compact: false
    readonly property var step: journey.step
    visible: step.number !== undefined
    implicitHeight: visible ? (compact ? 56 : Theme.touch + Theme.gap / 2) : 0
    color: "#dfe6f3"
    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: Theme.gap
        anchors.rightMargin: Theme.gap / 2
        spacing: Theme.gap
        Text {
            objectName: "stepText"
            Layout.fillWidth: true
            text: bar.visible ? qsTrId("step.position").arg(bar.step.number).arg(bar.step.total)
                                + " — " + qsTrId("step." + bar.step.key) : ""
            elide: Text.ElideRight
            font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
            color: Theme.primary
        }
        Row {
            spacing: 10
            Repeater {
                model: bar.visible ? bar.step.total : 0
                Rectangle {
                    width: 26; height: 26; radius: 13
                    color: index + 1 < bar.step.number ? Theme.ok
                         : index + 1 === bar.step.number ? Theme.primary : "#ffffff"
                    border.color: Theme.primary
                    border.width: 2
                }
            }
        }
        BigButton {
            objectName: "cancelButton"
            visible: journey.state !== "done" && !bar.compact
            text: qsTrId("common.cancel")
            textSize: Theme.body
            fill: "#ffffff"
            ink: Theme.danger
            onClicked: bar.cancelClicked()
        }
    }
}
