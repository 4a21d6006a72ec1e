import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// Attract/home: one huge start button, then categories and search for those who know what
// they want, and the status lookup for those who come back with a slip.
ColumnLayout {
    spacing: Theme.gap
    Component.onCompleted: catalog.reset()

    Text {
        Layout.fillWidth: true
        text: qsTrId("home.welcome")
        wrapMode: Text.WordWrap
        horizontalAlignment: Text.AlignHCenter
        font.family: Theme.font; font.pixelSize: Theme.title; font.bold: true
        color: Theme.primary
    }

    GridLayout {
        Layout.fillWidth: true
        columns: root.portrait ? 1 : 2
        columnSpacing: Theme.gap
        rowSpacing: Theme.gap
        BigButton {
            objectName: "startButton"
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.touch * 2
            text: qsTrId("home.start")
            textSize: Theme.title
            fill: Theme.ok
            onClicked: journey.start()
        }
        BigButton {
            objectName: "lookupButton"
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.touch * 2
            text: qsTrId("home.lookup")
            textSize: Theme.large
            onClicked: lookup.open()
        }
    }

    Text {
        Layout.fillWidth: true
        text: qsTrId("home.or.choose")
        wrapMode: Text.WordWrap
        font.family: Theme.font; font.pixelSize: Theme.large
        color: Theme.ink
    }

    ProcedureBrowser {
        Layout.fillWidth: true
        Layout.fillHeight: true
    }
}
