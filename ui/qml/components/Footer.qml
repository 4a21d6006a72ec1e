import QtQuick
import QtQuick.Layouts

// The bottom row of every journey screen: back on the left, the way forward on the right.
RowLayout {
    id: footer
    property alias backText: backButton.text
    property alias nextText: nextButton.text
    property bool showBack: true
    property bool showNext: true
    property bool showCancel: journey.state !== "attract" && journey.state !== "done" && journey.state !== "rating"
    property bool nextEnabled: true
    signal backClicked()
    signal nextClicked()
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
    Item { Layout.fillWidth: true }
    BigButton {
        objectName: "cancelButton"
        visible: footer.showCancel
        text: qsTrId("common.cancel")
        textSize: Theme.body
        fill: "#e3e7ee"
        ink: Theme.danger
        onClicked: journey.cancel()
    }
    BigButton {
        id: nextButton
        objectName: "proceedButton"
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
