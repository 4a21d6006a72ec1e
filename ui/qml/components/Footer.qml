import QtQuick
import QtQuick.Layouts

// The bottom row of every journey screen, where a standing person's hand rests: back on the
// left, staff help next to it (also in the header, but up there is out of reach for some), the
// one way forward on the right. Cancelling is not here: it sits at the top (StepBar), far from
// the button that moves on, and asks first. When the way forward is closed, a line above the
// buttons says why (a greyed button alone explains nothing).
ColumnLayout {
    id: footer
    property alias backText: backButton.text
    property alias nextText: nextButton.text
    property bool showBack: true
    property bool showNext: true
    property bool showHelp: true
    property bool nextEnabled: true
    property string disabledReason: ""
    // A screen whose "no" is a call for staff words the help button as that answer.
    property string helpText: ""
    // A screen that places its way forward elsewhere in one orientation hands the name over.
    property string nextName: "proceedButton"
    signal backClicked()
    signal nextClicked()
    spacing: Theme.gap / 2
    Text {
        objectName: "nextDisabledReason"
        Layout.fillWidth: true
        visible: footer.showNext && !footer.nextEnabled && footer.disabledReason.length > 0
        text: footer.disabledReason
        wrapMode: Text.WordWrap
        horizontalAlignment: Text.AlignRight
        font.family: Theme.font; font.pixelSize: Theme.body
        color: Theme.muted
    }
    RowLayout {
        Layout.fillWidth: true
        spacing: Theme.gap
        BigButton {
            id: backButton
            objectName: "backButton"
            visible: footer.showBack
            text: qsTrId("common.back")
            fill: "#e3e7ee"
            ink: Theme.ink
            onClicked: footer.backClicked()
        }
        BigButton {
            objectName: "footerCallStaffButton"
            visible: footer.showHelp
            text: journey.helpRequested ? qsTrId("common.staffComing")
                  : footer.helpText.length > 0 ? footer.helpText : qsTrId("common.callStaff")
            textSize: Theme.body
            fill: "#ffffff"
            ink: Theme.accent
            onClicked: journey.callStaff()
        }
        Item { Layout.fillWidth: true }
        BigButton {
            id: nextButton
            objectName: footer.nextName
            visible: footer.showNext
            enabled: footer.nextEnabled
            text: qsTrId("common.next")
            fill: Theme.ok
            Layout.fillWidth: true
            Layout.maximumWidth: Theme.touch * 5
            Layout.minimumWidth: Theme.touch * 3
            onClicked: footer.nextClicked()
        }
    }
}
