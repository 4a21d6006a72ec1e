import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// What the card says, to be confirmed, never typed: "Đúng" goes on; "Chưa đúng" calls staff,
// since nobody may change what the card states. An address printed before the 1 July 2025
// reorganisation is shown in its current form, with the card's old wording beside it.
ColumnLayout {
    spacing: Theme.gap
    ScreenTitle {
        Layout.fillWidth: true
        text: qsTrId("card.title")
    }
    GridLayout {
        Layout.fillWidth: true
        Layout.fillHeight: true
        columns: root.portrait ? 1 : 2
        columnSpacing: Theme.gap * 2
        rowSpacing: Theme.gap
        Card {
            objectName: "cardDetails"
            Layout.fillWidth: true
            Layout.preferredWidth: 3
            Layout.alignment: Qt.AlignTop
            // Label above value in portrait; side by side in landscape, where height is short.
            GridLayout {
                width: parent.width
                columns: root.portrait ? 1 : 2
                columnSpacing: Theme.gap
                rowSpacing: root.portrait ? 2 : Theme.gap / 2
                Repeater {
                    model: journey.card.length * 2
                    Text {
                        readonly property var row: journey.card[Math.floor(index / 2)] || ({})
                        readonly property bool isValue: index % 2 === 1
                        objectName: isValue ? "card_" + Math.floor(index / 2) : ""
                        Layout.fillWidth: isValue
                        Layout.alignment: Qt.AlignTop
                        text: isValue ? (row.value || "") : (row.label || "")
                        textFormat: Text.PlainText
                        wrapMode: Text.WordWrap
                        font.family: Theme.font
                        font.pixelSize: isValue ? Theme.large : Theme.body
                        font.bold: isValue
                        color: isValue ? Theme.ink : Theme.muted
                    }
                }
            }
            Text {
                objectName: "verificationText"
                width: parent.width
                wrapMode: Text.WordWrap
                text: qsTrId("form.verification." + (journey.identity.verification || "pending"))
                font.family: Theme.font; font.pixelSize: Theme.body
                color: journey.identity.verification === "verified" ? Theme.ok
                     : journey.identity.verification === "not_found" ? Theme.danger : Theme.muted
            }
        }
        ColumnLayout {
            Layout.fillWidth: true
            Layout.preferredWidth: 2
            Layout.alignment: Qt.AlignTop
            spacing: Theme.gap
            Card {
                objectName: "addressUpdate"
                Layout.fillWidth: true
                visible: journey.address.current !== undefined
                Text {
                    width: parent.width
                    wrapMode: Text.WordWrap
                    text: qsTrId("card.addressUpdated")
                    font.family: Theme.font; font.pixelSize: Theme.body; font.bold: true
                    color: Theme.primary
                }
                Text {
                    width: parent.width
                    wrapMode: Text.WordWrap
                    textFormat: Text.PlainText
                    text: qsTrId("card.addressOnCard").arg(journey.address.card || "")
                    font.family: Theme.font; font.pixelSize: Theme.body
                    color: Theme.ink
                }
                Text {
                    width: parent.width
                    visible: journey.address.communeChecked === false
                    wrapMode: Text.WordWrap
                    text: "⚠ " + qsTrId("card.communeUnchecked")
                    font.family: Theme.font; font.pixelSize: Theme.body; font.bold: true
                    color: Theme.accent
                }
            }
            Text {
                objectName: "cardQuestionBeside"
                visible: !root.portrait
                Layout.fillWidth: true
                text: qsTrId("card.question")
                wrapMode: Text.WordWrap
                font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                color: Theme.ink
            }
            Item { Layout.fillHeight: true }
        }
    }
    // The question right above its two answers, side by side where the hand rests: "no" is a
    // call for staff (nobody may change what the card says), "yes" goes on. (In landscape it
    // stands in the right-hand column, where the height is.)
    Text {
        objectName: "cardQuestion"
        visible: root.portrait
        Layout.fillWidth: true
        text: qsTrId("card.question")
        wrapMode: Text.WordWrap
        horizontalAlignment: Text.AlignHCenter
        font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
        color: Theme.ink
    }
    Footer {
        Layout.fillWidth: true
        nextText: qsTrId("card.right")
        helpText: qsTrId("card.wrong")
        onBackClicked: journey.back()
        onNextClicked: journey.proceed()
    }
}
