import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// Everything once more before submitting, grouped as it was asked: who applies (ID number
// masked, as everywhere), each form page with its own "Sửa", each document with its pages. Two columns
// in landscape: the answers on the left, the documents on the right.
ColumnLayout {
    spacing: Theme.gap
    ScreenTitle {
        Layout.fillWidth: true
        text: qsTrId("review.title")
    }
    // The papers kept despite the document check's warning, named where no scrolling hides them.
    Banner {
        objectName: "reviewCheckBanner"
        Layout.fillWidth: true
        readonly property var kept: journey.documents.filter(function (d) { return (d.warning || "") !== "" })
        text: kept.length > 0
              ? "⚠ " + qsTrId("review.checkKeptList").arg(kept.map(function (d) { return d.name }).join(", "))
              : ""
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
            objectName: "reviewBody"
            width: flick.width - 40
            columns: root.portrait ? 1 : 2
            columnSpacing: Theme.gap * 2
            rowSpacing: Theme.gap
            ColumnLayout {
                Layout.fillWidth: true
                Layout.preferredWidth: 1
                Layout.alignment: Qt.AlignTop
                spacing: Theme.gap
                Card {
                    objectName: "reviewProcedure"
                    Layout.fillWidth: true
                    Text {
                        width: parent.width
                        text: journey.procedure.shortName || ""
                        wrapMode: Text.WordWrap
                        font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                        color: Theme.primary
                    }
                    // The fee and the time were on the procedure's own screen and are on the
                    // slip; here, what the citizen is about to submit.
                }
                Card {
                    objectName: "reviewCard"
                    Layout.fillWidth: true
                    Text {
                        width: parent.width
                        text: qsTrId("review.card")
                        font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                        color: Theme.primary
                    }
                    // Confirmed on the card's own screen a moment ago: who applies, not the
                    // whole card again.
                    Text {
                        objectName: "reviewApplicant"
                        width: parent.width
                        wrapMode: Text.WordWrap
                        textFormat: Text.PlainText
                        text: (journey.identity.name || "") + " · " + (journey.identity.maskedId || "")
                        font.family: Theme.font; font.pixelSize: Theme.body
                        color: Theme.ink
                    }
                }
                Repeater {
                    model: journey.reviewSections
                    Card {
                        readonly property var section: modelData
                        Layout.fillWidth: true
                        RowLayout {
                            width: parent.width
                            Text {
                                Layout.fillWidth: true
                                text: section.title
                                wrapMode: Text.WordWrap
                                font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                                color: Theme.primary
                            }
                            BigButton {
                                objectName: "editPage_" + section.page
                                text: qsTrId("review.edit")
                                textSize: Theme.body
                                fill: "#ffffff"
                                ink: Theme.primary
                                onClicked: journey.editForm(section.page)
                            }
                        }
                        Repeater {
                            model: section.rows
                            Text {
                                width: parent.width
                                wrapMode: Text.WordWrap
                                textFormat: Text.PlainText
                                text: modelData.label ? modelData.label + ": " + modelData.value : modelData.value
                                font.family: Theme.font; font.pixelSize: Theme.body
                                color: Theme.ink
                            }
                        }
                    }
                }
            }
            ColumnLayout {
                Layout.fillWidth: true
                Layout.preferredWidth: 1
                Layout.alignment: Qt.AlignTop
                spacing: Theme.gap
                Repeater {
                    model: journey.documents
                    Card {
                        Layout.fillWidth: true
                        RowLayout {
                            width: parent.width
                            Text {
                                Layout.fillWidth: true
                                text: ((modelData.warning || "") !== "" ? "⚠ " : modelData.pages.length > 0 ? "✓ " : "– ") + modelData.name
                                wrapMode: Text.WordWrap
                                font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                                color: Theme.primary
                            }
                            BigButton {
                                objectName: "editDocument_" + index
                                text: qsTrId("review.edit")
                                textSize: Theme.body
                                fill: "#ffffff"
                                ink: Theme.primary
                                onClicked: journey.editDocument(index)
                            }
                        }
                        Text {
                            width: parent.width
                            text: modelData.pages.length > 0 ? qsTrId("review.pages").arg(modelData.pages.length) : qsTrId("review.noPages")
                            font.family: Theme.font; font.pixelSize: Theme.body
                            color: modelData.pages.length > 0 || !modelData.mandatory ? Theme.ink : Theme.danger
                        }
                        // Kept despite the document check's warning: staff will look at it.
                        Text {
                            objectName: "reviewCheckKept_" + index
                            width: parent.width
                            visible: (modelData.warning || "") !== ""
                            text: "⚠ " + qsTrId("review.checkKept")
                            wrapMode: Text.WordWrap
                            font.family: Theme.font; font.pixelSize: Theme.body; font.bold: true
                            color: Theme.accent
                        }
                        Flow {
                            width: parent.width
                            spacing: 8
                            Repeater {
                                model: modelData.pages
                                Image {
                                    width: 150; height: 210
                                    fillMode: Image.PreserveAspectFit
                                    source: modelData.thumbnail
                                    asynchronous: true
                                    cache: false
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    Footer {
        Layout.fillWidth: true
        nextText: qsTrId("review.submit")
        onBackClicked: journey.back()
        onNextClicked: journey.proceed()
    }
}
