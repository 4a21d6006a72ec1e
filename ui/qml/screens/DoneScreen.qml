import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// Submitted: the dossier's code ("Mã hồ sơ", the one name it has everywhere) in large type while
// the slip prints, what it is for in one line, the appointment; then
// "were you satisfied?" on the same screen, so one tap on a face rates and finishes. If printing
// fails, the code stays here with what to do. Landscape: the dossier left, the rating right.
ColumnLayout {
    id: done
    spacing: root.portrait ? Theme.gap : Theme.gap / 2
    property int score: 0
    property string reason: ""
    ScreenTitle {
        Layout.fillWidth: true
        horizontalAlignment: Text.AlignHCenter
        text: qsTrId("done.title")
        color: Theme.ok
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
                objectName: "doneDossier"
                Layout.fillWidth: true
                Text {
                    width: parent.width
                    horizontalAlignment: Text.AlignHCenter
                    text: qsTrId("done.code")
                    wrapMode: Text.WordWrap
                    font.family: Theme.font; font.pixelSize: Theme.large
                    color: Theme.ink
                }
                Text {
                    objectName: "dossierCode"
                    width: parent.width
                    horizontalAlignment: Text.AlignHCenter
                    text: journey.dossier.code || ""
                    wrapMode: Text.WrapAnywhere
                    font.family: Theme.font; font.pixelSize: root.portrait ? Theme.huge * 0.8 : Theme.huge * 0.6; font.bold: true
                    color: Theme.primary
                }
                // What the code is for, in one line; that the office will add its own code
                // later is for the slip and the lookup, not for the moment of leaving.
                Text {
                    objectName: "useCodeNote"
                    width: parent.width
                    horizontalAlignment: Text.AlignHCenter
                    wrapMode: Text.WordWrap
                    text: qsTrId("done.useCode")
                    font.family: Theme.font; font.pixelSize: root.portrait ? Theme.body : Theme.small
                    color: Theme.ink
                }
                Text {
                    width: parent.width
                    horizontalAlignment: Text.AlignHCenter
                    wrapMode: Text.WordWrap
                    text: qsTrId("done.appointment").arg(journey.dossier.appointment || "")
                    font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                    color: Theme.ink
                }
                // Where, when and what to bring are on the slip; said here in full only when the
                // slip did not print (the citizen then has nothing else to go by).
                Text {
                    objectName: "onTheSlip"
                    width: parent.width
                    visible: journey.printStatus !== "failed"
                    horizontalAlignment: Text.AlignHCenter
                    wrapMode: Text.WordWrap
                    text: qsTrId("done.onTheSlip")
                    font.family: Theme.font; font.pixelSize: root.portrait ? Theme.body : Theme.small
                    color: Theme.ink
                }
                Text {
                    objectName: "officeHours"
                    visible: journey.printStatus === "failed"
                    width: parent.width
                    horizontalAlignment: Text.AlignHCenter
                    wrapMode: Text.WordWrap
                    textFormat: Text.PlainText
                    text: qsTrId("done.where").arg(journey.dossier.office || "").arg(journey.dossier.officeHours || "")
                    font.family: Theme.font; font.pixelSize: root.portrait ? Theme.body : Theme.small
                    color: Theme.ink
                }
                Text {
                    objectName: "doneBring"
                    visible: journey.printStatus === "failed"
                    width: parent.width
                    horizontalAlignment: Text.AlignHCenter
                    wrapMode: Text.WordWrap
                    text: qsTrId("done.bring")
                    font.family: Theme.font; font.pixelSize: root.portrait ? Theme.body : Theme.small
                    color: Theme.ink
                }
                // An identity still to be verified was said on the card's screen, where it applied;
                // not repeated here.
            }
            RowLayout {
                objectName: "printProgress"
                Layout.alignment: Qt.AlignHCenter
                visible: journey.printStatus === "pending"
                spacing: Theme.gap
                BusyIndicator { running: parent.visible; Layout.preferredWidth: Theme.touch; Layout.preferredHeight: Theme.touch }
                Text {
                    text: qsTrId("done.printing")
                    font.family: Theme.font; font.pixelSize: Theme.large
                    color: Theme.ink
                }
            }
            Banner {
                objectName: "printed"
                Layout.fillWidth: true
                text: journey.printStatus === "printed" ? qsTrId("done.printed") : ""
            }
            Banner {
                objectName: "printFailed"
                Layout.fillWidth: true
                error: true
                text: journey.printStatus === "failed" ? "⚠ " + qsTrId("done.printFailed") : ""
            }
        }
        ColumnLayout {
            objectName: "doneRating"
            Layout.fillWidth: true
            Layout.preferredWidth: 1
            Layout.alignment: Qt.AlignTop
            spacing: Theme.gap
            Text {
                Layout.fillWidth: true
                horizontalAlignment: Text.AlignHCenter
                text: qsTrId("rating.title")
                wrapMode: Text.WordWrap
                font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                color: Theme.primary
            }
            // One question at a time: once a low face is chosen, the faces make way for "why?".
            GridLayout {
                Layout.alignment: Qt.AlignHCenter
                visible: done.score === 0 || done.score > 3
                columns: 5
                columnSpacing: Theme.gap / 2
                Repeater {
                    model: 5
                    ColumnLayout {
                        Face {
                            objectName: "rate_" + (index + 1)
                            score: index + 1
                            selected: done.score === index + 1
                            Layout.preferredWidth: root.portrait ? 170 : 150
                            Layout.preferredHeight: Layout.preferredWidth
                            MouseArea {
                                anchors.fill: parent
                                enabled: journey.printStatus !== "pending"
                                // Satisfied: rated and finished in one tap. Not satisfied:
                                // the reasons appear, because that is what helps us.
                                onClicked: {
                                    done.score = index + 1
                                    if (done.score > 3) journey.rate(done.score, "")
                                }
                            }
                        }
                        Text {
                            Layout.preferredWidth: root.portrait ? 170 : 150
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
                visible: done.score > 0 && done.score <= 3
                text: qsTrId("rating.why")
                wrapMode: Text.WordWrap
                font.family: Theme.font; font.pixelSize: Theme.large
                color: Theme.ink
            }
            GridLayout {
                Layout.fillWidth: true
                visible: done.score > 0 && done.score <= 3
                columns: 2
                columnSpacing: Theme.gap / 2
                rowSpacing: Theme.gap / 2
                Repeater {
                    model: ["wait", "hard", "device", "documents", "other"]
                    BigButton {
                        objectName: "reason_" + modelData
                        Layout.fillWidth: true
                        text: qsTrId("rating.reason." + modelData)
                        textSize: Theme.body
                        fill: done.reason === modelData ? Theme.primary : "#ffffff"
                        ink: done.reason === modelData ? Theme.primaryInk : Theme.ink
                        onClicked: journey.rate(done.score, modelData)
                    }
                }
            }
            // Landscape: the way out under the rating, where the eyes already are; the height
            // a footer row would take is what the dossier's details need.
            BigButton {
                objectName: root.portrait ? "" : "proceedButton"
                visible: !root.portrait
                Layout.alignment: Qt.AlignRight
                Layout.minimumWidth: Theme.touch * 4
                text: qsTrId("done.next")
                fill: Theme.ok
                enabled: journey.printStatus !== "pending"
                onClicked: journey.proceed()
            }
        }
    }
    Item { Layout.fillHeight: true }
    Footer {
        Layout.fillWidth: true
        visible: root.portrait
        nextName: root.portrait ? "proceedButton" : ""
        showBack: false
        showHelp: false
        nextText: qsTrId("done.next")
        nextEnabled: journey.printStatus !== "pending"
        disabledReason: qsTrId("done.waitForSlip")
        onNextClicked: journey.proceed()
    }
}
