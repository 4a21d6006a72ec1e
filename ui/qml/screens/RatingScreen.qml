import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// How was it? Five faces, then an optional reason; skipping is always allowed.
ColumnLayout {
    id: rating
    spacing: Theme.gap
    property int score: 0
    property string reason: ""
    ScreenTitle {
        Layout.fillWidth: true
        horizontalAlignment: Text.AlignHCenter
        text: qsTrId("rating.title")
    }
    GridLayout {
        Layout.alignment: Qt.AlignHCenter
        columns: 5
        columnSpacing: Theme.gap
        Repeater {
            model: 5
            ColumnLayout {
                Face {
                    objectName: "rate_" + (index + 1)
                    score: index + 1
                    selected: rating.score === index + 1
                    Layout.preferredWidth: root.portrait ? 170 : 200
                    Layout.preferredHeight: Layout.preferredWidth
                    MouseArea { anchors.fill: parent; onClicked: rating.score = index + 1 }
                }
                Text {
                    Layout.preferredWidth: root.portrait ? 170 : 200
                    horizontalAlignment: Text.AlignHCenter
                    wrapMode: Text.WordWrap
                    text: qsTrId("rating.level" + (index + 1))
                    font.family: Theme.font; font.pixelSize: Theme.small
                    color: Theme.ink
                }
            }
        }
    }
    Text {
        Layout.fillWidth: true
        visible: rating.score > 0 && rating.score <= 3
        text: qsTrId("rating.why")
        wrapMode: Text.WordWrap
        font.family: Theme.font; font.pixelSize: Theme.large
        color: Theme.ink
    }
    Flow {
        Layout.fillWidth: true
        visible: rating.score > 0 && rating.score <= 3
        spacing: Theme.gap / 2
        Repeater {
            model: ["wait", "hard", "device", "documents", "other"]
            BigButton {
                objectName: "reason_" + modelData
                text: qsTrId("rating.reason." + modelData)
                textSize: Theme.body
                fill: rating.reason === modelData ? Theme.primary : "#dfe6f3"
                ink: rating.reason === modelData ? Theme.primaryInk : Theme.ink
                onClicked: rating.reason = modelData
            }
        }
    }
    Item { Layout.fillHeight: true }
    RowLayout {
        Layout.fillWidth: true
        spacing: Theme.gap
        BigButton {
            objectName: "skipRatingButton"
            text: qsTrId("rating.skip")
            fill: "#e3e7ee"
            ink: Theme.ink
            onClicked: journey.proceed()
        }
        Item { Layout.fillWidth: true }
        BigButton {
            objectName: "sendRatingButton"
            Layout.minimumWidth: Theme.touch * 3.5
            text: qsTrId("rating.send")
            fill: Theme.ok
            enabled: rating.score > 0
            onClicked: journey.rate(rating.score, rating.reason)
        }
    }
}
