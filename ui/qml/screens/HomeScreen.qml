import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// Attract/home: two ways in and nothing else: hand in a new dossier (the big one), or ask about
// one handed in before. Choosing the procedure is the next screen's one topic. Portrait stacks
// them; landscape puts them side by side; the rest of the screen says what to bring.
ColumnLayout {
    spacing: Theme.gap * 1.5
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
        columnSpacing: Theme.gap * 2
        rowSpacing: Theme.gap
        BigButton {
            objectName: "startButton"
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.touch * (root.portrait ? 3 : 2.5)
            text: qsTrId("home.start")
            textSize: Theme.title
            fill: Theme.ok
            onClicked: journey.start()
        }
        BigButton {
            objectName: "lookupButton"
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.touch * (root.portrait ? 1.6 : 2.5)
            text: qsTrId("home.lookup")
            textSize: Theme.large
            fill: "#ffffff"
            ink: Theme.primary
            onClicked: lookup.open()
        }
    }

    Card {
        objectName: "homeBring"
        Layout.fillWidth: true
        Text {
            width: parent.width
            text: qsTrId("home.bring.title")
            wrapMode: Text.WordWrap
            font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
            color: Theme.primary
        }
        Repeater {
            model: ["home.bring.card", "home.bring.papers", "home.bring.phone"]
            Text {
                width: parent.width
                text: "• " + qsTrId(modelData)
                wrapMode: Text.WordWrap
                font.family: Theme.font; font.pixelSize: Theme.body
                color: Theme.ink
            }
        }
    }
    Card {
        objectName: "homeHours"
        Layout.fillWidth: true
        Text {
            width: parent.width
            text: qsTrId("home.hours")
            font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
            color: Theme.primary
        }
        Text {
            width: parent.width
            text: officeHours
            textFormat: Text.PlainText
            wrapMode: Text.WordWrap
            font.family: Theme.font; font.pixelSize: Theme.body
            color: Theme.ink
        }
    }
    Card {
        Layout.fillWidth: true
        Text {
            width: parent.width
            text: qsTrId("home.help")
            wrapMode: Text.WordWrap
            font.family: Theme.font; font.pixelSize: Theme.body
            color: Theme.ink
        }
    }
    Item { Layout.fillHeight: true }
}
