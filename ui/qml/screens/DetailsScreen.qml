import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// What the procedure needs before the citizen starts: documents, fee and time. Where and how the
// result is received is asked in the form (when there is a choice) and printed on the slip.
// Landscape: the documents on the left, the fee and time on the right.
ColumnLayout {
    spacing: Theme.gap
    ScreenTitle {
        objectName: "procedureName"
        Layout.fillWidth: true
        text: journey.procedure.name || ""
    }
    Flickable {
        id: flick
        Layout.fillWidth: true
        Layout.fillHeight: true
        contentHeight: body.implicitHeight
        clip: true
        ScrollBar.vertical: KioskScrollBar {}
        GridLayout {
            id: body
            objectName: "detailsBody"
            width: parent.width - 40
            columns: root.portrait ? 1 : 2
            columnSpacing: Theme.gap * 2
            rowSpacing: Theme.gap
            Text {
                Layout.fillWidth: true
                Layout.columnSpan: root.portrait ? 1 : 2
                text: journey.procedure.summary || ""
                wrapMode: Text.WordWrap
                font.family: Theme.font; font.pixelSize: Theme.body
                color: Theme.ink
            }
            Card {
                Layout.fillWidth: true
                Layout.preferredWidth: 1
                Layout.alignment: Qt.AlignTop
                Text {
                    width: parent.width
                    text: qsTrId("details.documents")
                    font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                    color: Theme.primary
                }
                Text {
                    objectName: "documentsLegend"
                    width: parent.width
                    // Only worth reading when some paper is needed only sometimes.
                    visible: (journey.procedure.documents || []).some(d => !d.mandatory)
                    text: qsTrId("details.legend")
                    font.family: Theme.font; font.pixelSize: Theme.small
                    color: Theme.muted
                }
                Repeater {
                    model: journey.procedure.documents || []
                    Row {
                        width: parent.width
                        spacing: Theme.gap / 2
                        Text {
                            text: modelData.mandatory ? "●" : "○"
                            font.family: Theme.font; font.pixelSize: Theme.large
                            color: modelData.mandatory ? Theme.primary : Theme.muted
                        }
                        Text {
                            width: parent.width - 60
                            wrapMode: Text.WordWrap
                            text: modelData.name
                                  + (modelData.form ? " — " + qsTrId("details.formOnKiosk")
                                     : modelData.shown ? " — " + qsTrId("details.showOnly") : "")
                                  + (modelData.mandatory ? "" : "\n" + qsTrId("details.onlyIf").arg(
                                        modelData.condition.charAt(0).toLowerCase() + modelData.condition.slice(1)))
                            font.family: Theme.font; font.pixelSize: Theme.body
                            color: Theme.ink
                        }
                    }
                }
            }
            Card {
                Layout.fillWidth: true
                Layout.preferredWidth: 1
                Layout.alignment: Qt.AlignTop
                Repeater {
                    model: [
                        [qsTrId("details.fee"), journey.procedure.fee || ""],
                        [qsTrId("details.time"), journey.procedure.processingTime || ""]
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
