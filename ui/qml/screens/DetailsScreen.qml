import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// What the procedure needs before the citizen starts: documents, fee, time, where the result is.
ColumnLayout {
    spacing: Theme.gap
    ScreenTitle {
        objectName: "procedureName"
        Layout.fillWidth: true
        text: journey.procedure.name || ""
    }
    Flickable {
        Layout.fillWidth: true
        Layout.fillHeight: true
        contentHeight: body.implicitHeight
        clip: true
        ScrollBar.vertical: ScrollBar { width: 24 }
        ColumnLayout {
            id: body
            width: parent.width - 30
            spacing: Theme.gap
            Text {
                Layout.fillWidth: true
                text: journey.procedure.summary || ""
                wrapMode: Text.WordWrap
                font.family: Theme.font; font.pixelSize: Theme.body
                color: Theme.ink
            }
            Card {
                Layout.fillWidth: true
                Text {
                    width: parent.width
                    text: qsTrId("details.documents")
                    font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                    color: Theme.primary
                }
                Repeater {
                    model: journey.procedure.documents || []
                    Row {
                        width: parent.width
                        spacing: Theme.gap / 2
                        Text {
                            text: modelData.mandatory ? "☑" : "☐"
                            font.family: Theme.font; font.pixelSize: Theme.large
                            color: modelData.mandatory ? Theme.ok : Theme.muted
                        }
                        Text {
                            width: parent.width - 60
                            wrapMode: Text.WordWrap
                            text: modelData.name
                                  + (modelData.mandatory ? "" : " — " + qsTrId("details.optional"))
                                  + (modelData.condition ? " (" + modelData.condition + ")" : "")
                                  + (modelData.shown ? " — " + qsTrId("details.showOnly") : "")
                            font.family: Theme.font; font.pixelSize: Theme.body
                            color: Theme.ink
                        }
                    }
                }
            }
            Card {
                Layout.fillWidth: true
                Repeater {
                    model: [
                        [qsTrId("details.fee"), journey.procedure.fee || ""],
                        [qsTrId("details.time"), journey.procedure.processingTime || ""],
                        [qsTrId("details.result"), journey.procedure.resultPlace || ""],
                        [qsTrId("details.delivery"), journey.procedure.delivery || ""]
                    ]
                    Column {
                        width: parent.width
                        Text {
                            width: parent.width
                            wrapMode: Text.WordWrap
                            text: modelData[0]
                            font.family: Theme.font; font.pixelSize: Theme.body; font.bold: true
                            color: Theme.primary
                        }
                        Text {
                            width: parent.width
                            wrapMode: Text.WordWrap
                            textFormat: Text.PlainText
                            text: modelData[1]
                            font.family: Theme.font; font.pixelSize: Theme.body
                            color: Theme.ink
                        }
                    }
                }
            }
        }
    }
    Footer {
        Layout.fillWidth: true
        nextText: qsTrId("details.start")
        onBackClicked: journey.back()
        onNextClicked: journey.proceed()
    }
}
