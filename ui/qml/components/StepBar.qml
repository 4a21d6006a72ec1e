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
    implicitHeight: visible ? (compact ? 56 : Math.max(Theme.touch + Theme.gap / 2, label.implicitHeight + Theme.gap)) : 0
    color: "#dfe6f3"
    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: Theme.gap
        anchors.rightMargin: Theme.gap / 2
        spacing: Theme.gap
        Text {
            id: label
            objectName: "stepText"
            Layout.fillWidth: true
            // The form's pages are counted too: eight pages inside one step must not look like
            // a step that never ends.
            text: bar.visible ? qsTrId("step.position").arg(bar.step.number).arg(bar.step.total)
                                + " — " + qsTrId("step." + bar.step.key)
                                + (journey.state === "form" && (journey.formPage.count || 0) > 1
                                   ? ", " + qsTrId("step.page").arg(journey.formPage.number).arg(journey.formPage.count) : "")
                              : ""
            wrapMode: Text.WordWrap
            maximumLineCount: 2
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
        // Nothing to cancel before the card is read (the way back is enough); nothing after
        // the dossier is stored.
        BigButton {
            objectName: "cancelButton"
            visible: ["choose_procedure", "procedure_details", "done"].indexOf(journey.state) < 0
                     && !bar.compact
            text: qsTrId("common.cancel")
            textSize: Theme.body
            fill: "#ffffff"
            ink: Theme.danger
            onClicked: bar.cancelClicked()
        }
    }
}
