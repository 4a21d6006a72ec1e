import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// One step per required document: what to put in the feeder, the pages as they arrive, what
// is wrong with a page, and a reminder to take the originals back.
ColumnLayout {
    id: scanScreen
    spacing: Theme.gap
    readonly property var doc: journey.documents[journey.documentIndex] || ({})
    readonly property var pages: doc.pages || []

    ScreenTitle {
        Layout.fillWidth: true
        text: qsTrId("scan.title").arg(journey.documentIndex + 1).arg(journey.documents.length)
    }

    GridLayout {
        Layout.fillWidth: true
        Layout.fillHeight: true
        columns: root.portrait ? 1 : 2
        columnSpacing: Theme.gap
        rowSpacing: Theme.gap
        ColumnLayout {
            Layout.fillWidth: true
            Layout.fillHeight: !root.portrait
            Layout.preferredWidth: 1
            Layout.alignment: Qt.AlignTop
            spacing: Theme.gap
            // The steps: every document with a tick once it has its pages.
            Flow {
                Layout.fillWidth: true
                spacing: Theme.gap / 2
                Repeater {
                    model: journey.documents.length
                    BigButton {
                        readonly property var d: journey.documents[index] || ({})
                        objectName: "document_" + index
                        text: (d.complete && (d.pages || []).length > 0 ? "✓ " : "") + (index + 1)
                        textSize: Theme.large
                        implicitWidth: Theme.touch * 1.3
                        fill: index === journey.documentIndex ? Theme.primary : d.complete ? "#d7ecd9" : "#dfe6f3"
                        ink: index === journey.documentIndex ? Theme.primaryInk : Theme.ink
                        enabled: !journey.scanning
                        onClicked: journey.selectDocument(index)
                    }
                }
            }

            Card {
                Layout.fillWidth: true
                Text {
                    objectName: "documentName"
                    width: parent.width
                    text: (scanScreen.doc.name || "") + (scanScreen.doc.mandatory ? "" : " — " + qsTrId("details.optional"))
                    wrapMode: Text.WordWrap
                    font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                    color: Theme.ink
                }
                Text {
                    width: parent.width
                    text: scanScreen.doc.instructions || ""
                    visible: text.length > 0
                    wrapMode: Text.WordWrap
                    font.family: Theme.font; font.pixelSize: Theme.body
                    color: Theme.ink
                }
                Text {
                    width: parent.width
                    text: qsTrId("scan.howto")
                    wrapMode: Text.WordWrap
                    font.family: Theme.font; font.pixelSize: Theme.body
                    color: Theme.muted
                }
            }

            RowLayout {
                Layout.fillWidth: true
                spacing: Theme.gap
                BigButton {
                    objectName: journey.scanning ? "stopScanButton" : "scanButton"
                    Layout.fillWidth: true
                    text: journey.scanning ? qsTrId("scan.stop") : (scanScreen.pages.length > 0 ? qsTrId("scan.more") : qsTrId("scan.start"))
                    fill: journey.scanning ? Theme.danger : Theme.primary
                    onClicked: journey.scanning ? journey.stopScan() : journey.scanPages()
                }
                BusyIndicator {
                    running: journey.scanning
                    visible: running
                    Layout.preferredWidth: Theme.touch
                    Layout.preferredHeight: Theme.touch
                }
                Text {
                    objectName: "scanProgress"
                    visible: journey.scanning || journey.scanPagesThisJob > 0
                    text: qsTrId("scan.progress").arg(journey.scanPagesThisJob)
                    font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                    color: Theme.ink
                }
            }

            Banner {
                objectName: "scanMessage"
                Layout.fillWidth: true
                error: true
                text: journey.scanMessage
            }
            Banner {
                objectName: "takeOriginals"
                Layout.fillWidth: true
                text: !journey.scanning && journey.scanPagesThisJob > 0 ? qsTrId("scan.takeOriginals") : ""
            }

            Item { Layout.fillHeight: true; visible: !root.portrait }
        }
        GridView {
            id: grid
            objectName: "pageGrid"
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.preferredWidth: 1
            Layout.minimumHeight: grid.cellHeight
            clip: true
            cellWidth: 300
            cellHeight: 660
            model: scanScreen.pages.length
            ScrollBar.vertical: ScrollBar { width: 24 }
            delegate: Rectangle {
                readonly property var p: scanScreen.pages[index] || ({})
                width: grid.cellWidth - Theme.gap / 2
                height: grid.cellHeight - Theme.gap / 2
                radius: Theme.radius
                color: Theme.paper
                border.color: (p.flags || []).length > 0 ? Theme.danger : Theme.line
                border.width: (p.flags || []).length > 0 ? 4 : 1
                Column {
                    anchors.fill: parent
                    anchors.margins: 10
                    spacing: 6
                    Image {
                        width: parent.width
                        height: 250
                        fillMode: Image.PreserveAspectFit
                        source: p.thumbnail || ""
                        asynchronous: true
                        cache: false  // every thumbnail is seen once: do not keep it
                    }
                    Text {
                        width: parent.width
                        text: qsTrId("scan.page").arg(index + 1)
                        font.family: Theme.font; font.pixelSize: Theme.body; font.bold: true
                        color: Theme.ink
                    }
                    Repeater {
                        model: p.flags || []
                        Text {
                            width: parent.width
                            wrapMode: Text.WordWrap
                            text: "⚠ " + qsTrId("scan.flag." + modelData)
                            font.family: Theme.font; font.pixelSize: Theme.small
                            color: Theme.danger
                        }
                    }
                }
                Column {
                    anchors.bottom: parent.bottom
                    anchors.left: parent.left
                    anchors.right: parent.right
                    anchors.margins: 10
                    spacing: 8
                    BigButton {
                        objectName: "rescanPage_" + index
                        width: parent.width
                        text: qsTrId("scan.rescan")
                        textSize: Theme.body
                        fill: (p.flags || []).length > 0 ? Theme.primary : "#e3e7ee"
                        ink: (p.flags || []).length > 0 ? Theme.primaryInk : Theme.ink
                        enabled: !journey.scanning
                        onClicked: journey.rescanPage(index)
                    }
                    BigButton {
                        objectName: "removePage_" + index
                        width: parent.width
                        text: qsTrId("scan.remove")
                        textSize: Theme.body
                        fill: "#e3e7ee"
                        ink: Theme.danger
                        enabled: !journey.scanning
                        onClicked: journey.removePage(index)
                    }
                }
            }
        }

    }

    Footer {
        Layout.fillWidth: true
        nextEnabled: !journey.scanning
        onBackClicked: journey.back()
        onNextClicked: journey.proceed()
    }
}
