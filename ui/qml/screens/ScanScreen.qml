import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// One step per required document: every document named in the list with its state in colour
// and a sign (✓ scanned, ○ still to scan, – skipped), what to put in the feeder, the pages as they
// arrive (large enough to recognise; a tap shows one full screen), what is wrong with a page, a
// removal that can be undone, and a reminder to take the originals back. When the document check
// warns that the paper may not be the one asked for, it says so large and plain, naming the
// document expected, with two answers: scan it again, or submit it anyway (staff will look).
ColumnLayout {
    id: scanScreen
    spacing: Theme.gap
    readonly property var doc: journey.documents[journey.documentIndex] || ({})
    readonly property var pages: doc.pages || []
    readonly property bool skippable: !scanScreen.doc.mandatory && scanScreen.pages.length === 0
    property string viewed: ""
    property int viewedNumber: 0

    // In landscape the step bar and the list of documents say it: the height goes to the pages.
    ScreenTitle {
        Layout.fillWidth: true
        visible: root.portrait
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
            // The documents, each named, with its state in a sign and a colour (two a row in
            // landscape, where height is short).
            GridLayout {
                Layout.fillWidth: true
                columns: root.portrait ? 1 : 2
                columnSpacing: Theme.gap / 2
                rowSpacing: Theme.gap / 3
                Repeater {
                    model: journey.documents.length
                    BigButton {
                        readonly property var d: journey.documents[index] || ({})
                        readonly property bool scanned: (d.pages || []).length > 0
                        readonly property bool current: index === journey.documentIndex
                        objectName: "document_" + index
                        Layout.fillWidth: true
                        Layout.preferredWidth: 1
                        implicitHeight: Theme.touch
                        text: (scanned ? "✓ " : d.mandatory ? "○ " : "– ")
                              + d.name + " — "
                              + (scanned ? qsTrId("scan.state.done").arg((d.pages || []).length)
                                 : d.mandatory ? qsTrId("scan.state.todo") : qsTrId("scan.state.optional"))
                        textSize: Theme.body
                        fill: current ? Theme.primary : scanned ? "#c8e6c9" : "#ffffff"
                        ink: current ? Theme.primaryInk : scanned ? "#0d4711" : Theme.ink
                        enabled: !journey.scanning
                        onClicked: journey.selectDocument(index)
                    }
                }
            }

            Card {
                objectName: "scanInstructions"
                Layout.fillWidth: true
                Text {
                    objectName: "documentName"
                    width: parent.width
                    text: scanScreen.doc.name || ""
                    wrapMode: Text.WordWrap
                    font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                    color: Theme.ink
                }
                Text {
                    width: parent.width
                    visible: !scanScreen.doc.mandatory
                    text: qsTrId("scan.whenNeeded").arg(scanScreen.doc.condition || "")
                    wrapMode: Text.WordWrap
                    font.family: Theme.font; font.pixelSize: Theme.body
                    color: Theme.primary
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
                    visible: !scanScreen.doc.instructions
                    text: qsTrId("scan.howto")
                    wrapMode: Text.WordWrap
                    font.family: Theme.font; font.pixelSize: Theme.body
                    color: Theme.muted
                }
                // Kept despite the check's warning: said once more, so nobody thinks it went
                // unnoticed (here, where the document is named, not among the scan's news).
                Text {
                    objectName: "checkKeptNote"
                    width: parent.width
                    visible: (scanScreen.doc.warning || "") !== "" && !scanScreen.doc.warningOpen
                    text: "⚠ " + qsTrId("scan.check.kept")
                    wrapMode: Text.WordWrap
                    font.family: Theme.font; font.pixelSize: Theme.body; font.bold: true
                    color: Theme.accent
                }
            }

            RowLayout {
                Layout.fillWidth: true
                spacing: Theme.gap
                // The one primary action until pages exist; then "Tiếp tục" is, and this one
                // steps back to an outlined button.
                // While the check reads the pages the feeder is done: nothing to stop, nothing to
                // start yet.
                BigButton {
                    readonly property bool feeding: journey.scanning && !journey.checking
                    objectName: feeding ? "stopScanButton" : "scanButton"
                    Layout.fillWidth: true
                    enabled: !journey.checking
                    text: feeding ? qsTrId("scan.stop") : (scanScreen.pages.length > 0 ? qsTrId("scan.more") : qsTrId("scan.start"))
                    fill: feeding ? Theme.danger : scanScreen.pages.length > 0 ? "#ffffff" : Theme.primary
                    ink: feeding || scanScreen.pages.length === 0 ? Theme.primaryInk : Theme.primary
                    onClicked: feeding ? journey.stopScan() : journey.scanPages()
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

            Item { Layout.fillHeight: true; visible: !root.portrait }
        }
        // The outcome of the last scan and the pages, beside the instructions in landscape.
        ColumnLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.preferredWidth: 1
            spacing: Theme.gap
            Banner {
                objectName: "scanMessage"
                Layout.fillWidth: true
                error: true
                text: journey.scanMessage
            }
            // The check reads the pages just scanned (up to a second): say so, or the wait
            // looks like a kiosk that hangs.
            Banner {
                objectName: "checkingBanner"
                Layout.fillWidth: true
                text: journey.checking ? qsTrId("scan.check.checking") : ""
            }

            // Removed by mistake? Put it back, until the citizen does something else.
            Rectangle {
                objectName: "undoBar"
                Layout.fillWidth: true
                visible: journey.canUndo
                implicitHeight: Theme.touch + Theme.gap
                radius: Theme.radius
                color: "#fff3c4"
                border.color: Theme.accent
                RowLayout {
                    anchors.fill: parent
                    anchors.margins: Theme.gap / 2
                    Text {
                        Layout.fillWidth: true
                        text: qsTrId("scan.removed")
                        wrapMode: Text.WordWrap
                        font.family: Theme.font; font.pixelSize: Theme.body; font.bold: true
                        color: Theme.ink
                    }
                    BigButton {
                        objectName: "undoRemoveButton"
                        text: qsTrId("scan.undo")
                        textSize: Theme.body
                        onClicked: journey.undoRemove()
                    }
                }
            }
            Banner {
                objectName: "takeOriginals"
                Layout.fillWidth: true
                text: !journey.scanning && journey.scanPagesThisJob > 0
                      ? qsTrId("scan.takeOriginals") + " " + qsTrId("scan.whenDone") : ""
            }
            GridView {
                id: grid
                objectName: "pageGrid"
                Layout.fillWidth: true
                Layout.fillHeight: true
                Layout.minimumHeight: grid.cellHeight
                clip: true
                // Two pages a row: each a picture large enough to recognise, with its buttons
                // beside it, far enough apart not to be hit together.
                cellWidth: Math.floor((width - 30) / 2)
                cellHeight: 2 * Theme.touch + 150
                model: scanScreen.pages.length
                ScrollBar.vertical: KioskScrollBar {}
                delegate: Rectangle {
                    readonly property var p: scanScreen.pages[index] || ({})
                    readonly property bool flagged: (p.flags || []).length > 0
                    width: grid.cellWidth - Theme.gap / 2
                    height: grid.cellHeight - Theme.gap / 2
                    radius: Theme.radius
                    color: Theme.paper
                    border.color: flagged ? Theme.danger : Theme.line
                    border.width: flagged ? 4 : 1
                    Image {
                        id: thumb
                        objectName: "pageThumb_" + index
                        x: 10; y: 10
                        width: Math.round((parent.height - 20) * 0.71)
                        height: parent.height - 20
                        fillMode: Image.PreserveAspectFit
                        source: p.thumbnail || ""
                        asynchronous: true
                        cache: false  // every thumbnail is seen once: do not keep it
                        MouseArea {
                            objectName: "viewPage_" + index
                            anchors.fill: parent
                            onClicked: { scanScreen.viewedNumber = index + 1; scanScreen.viewed = p.thumbnail || "" }
                        }
                    }
                    Column {
                        anchors.left: thumb.right
                        anchors.right: parent.right
                        anchors.top: parent.top
                        anchors.bottom: parent.bottom
                        anchors.margins: 10
                        spacing: Theme.gap / 2
                        Text {
                            width: parent.width
                            text: qsTrId("scan.page").arg(index + 1)
                            font.family: Theme.font; font.pixelSize: Theme.body; font.bold: true
                            color: Theme.ink
                        }
                        Text {
                            width: parent.width
                            visible: flagged
                            wrapMode: Text.WordWrap
                            maximumLineCount: 2
                            elide: Text.ElideRight
                            text: "⚠ " + (flagged ? qsTrId("scan.flag." + p.flags[0]) : "")
                            font.family: Theme.font; font.pixelSize: Theme.small
                            color: Theme.danger
                        }
                    }
                    Column {
                        anchors.left: thumb.right
                        anchors.right: parent.right
                        anchors.bottom: parent.bottom
                        anchors.margins: 10
                        spacing: Theme.gap
                        BigButton {
                            objectName: "rescanPage_" + index
                            width: parent.width
                            implicitWidth: parent.width
                            text: qsTrId("scan.rescan")
                            textSize: Theme.body
                            fill: flagged ? Theme.primary : "#e3e7ee"
                            ink: flagged ? Theme.primaryInk : Theme.ink
                            enabled: !journey.scanning
                            onClicked: journey.rescanPage(index)
                        }
                        BigButton {
                            objectName: "removePage_" + index
                            width: parent.width
                            implicitWidth: parent.width
                            text: qsTrId("scan.remove")
                            textSize: Theme.body
                            fill: "#ffffff"
                            ink: Theme.danger
                            enabled: !journey.scanning
                            onClicked: journey.removePage(index)
                        }
                    }
                }
            }
        }
    }

    Footer {
        Layout.fillWidth: true
        nextEnabled: !journey.scanning
        disabledReason: journey.scanning ? qsTrId("scan.waitForScan") : ""
        // An optional document nobody has: saying so is the way on.
        nextText: scanScreen.skippable ? qsTrId("scan.skip") : qsTrId("common.next")
        onBackClicked: journey.back()
        onNextClicked: journey.proceed()
    }

    // The check's warning: over the screen's content (the header's "cancel" and "call staff"
    // stay within reach), until the citizen picks one of the two answers.
    Rectangle {
        id: checkOverlay
        objectName: "checkWarningOverlay"
        parent: root.contentItem
        x: 0
        y: header.visible ? header.height : 0
        width: root.width
        height: root.height - y
        visible: scanScreen.doc.warningOpen === true && !journey.scanning
        color: "#cc000000"
        z: 30
        MouseArea { anchors.fill: parent }
        Card {
            anchors.centerIn: parent
            width: Math.min(parent.width - 2 * Theme.gap, 1100)
            Text {
                width: parent.width
                text: "⚠ " + qsTrId("scan.check.title")
                wrapMode: Text.WordWrap
                horizontalAlignment: Text.AlignHCenter
                font.family: Theme.font; font.pixelSize: Theme.title; font.bold: true
                color: Theme.accent
            }
            Text {
                objectName: "checkWarningText"
                width: parent.width
                text: scanScreen.doc.warning || ""
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                color: Theme.ink
            }
            Text {
                width: parent.width
                text: qsTrId("scan.check.choice")
                wrapMode: Text.WordWrap
                font.family: Theme.font; font.pixelSize: Theme.body
                color: Theme.ink
            }
            Item { width: 1; height: Theme.gap / 2 }
            BigButton {
                objectName: "rescanDocumentButton"
                width: parent.width
                text: qsTrId("scan.rescan")
                onClicked: journey.rescanDocument()
            }
            Item { width: 1; height: Theme.gap }
            BigButton {
                objectName: "keepDocumentButton"
                width: parent.width
                text: qsTrId("scan.check.keep")
                fill: "#ffffff"
                ink: Theme.primary
                onClicked: journey.keepDocument()
            }
        }
    }

    // One page full screen, to check it can be read; a tap anywhere closes it.
    Rectangle {
        objectName: "pageViewerOverlay"
        parent: root.contentItem
        x: 0; y: 0
        width: root.width; height: root.height
        visible: scanScreen.viewed.length > 0
        color: "#ee000000"
        z: 60
        Text {
            id: viewedTitle
            anchors.top: parent.top
            anchors.topMargin: Theme.gap
            anchors.horizontalCenter: parent.horizontalCenter
            text: (scanScreen.doc.name || "") + " — " + qsTrId("scan.page").arg(scanScreen.viewedNumber)
            font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
            color: "#ffffff"
        }
        Image {
            anchors.fill: parent
            anchors.margins: Theme.gap
            anchors.topMargin: viewedTitle.height + 2 * Theme.gap
            anchors.bottomMargin: Theme.touch + 2 * Theme.gap
            fillMode: Image.PreserveAspectFit
            source: scanScreen.viewed
            cache: false
        }
        MouseArea { anchors.fill: parent; onClicked: scanScreen.viewed = "" }
        BigButton {
            objectName: "closeViewerButton"
            anchors.bottom: parent.bottom
            anchors.horizontalCenter: parent.horizontalCenter
            anchors.bottomMargin: Theme.gap
            text: qsTrId("scan.closeView")
            onClicked: scanScreen.viewed = ""
        }
    }
}
