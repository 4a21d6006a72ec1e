import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// Everything on one page before submitting; each part has its own "Sửa" (edit) button.
ColumnLayout {
    spacing: Theme.gap
    ScreenTitle {
        Layout.fillWidth: true
        text: qsTrId("review.title")
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
            Card {
                Layout.fillWidth: true
                Text {
                    width: parent.width
                    text: journey.procedure.name || ""
                    wrapMode: Text.WordWrap
                    font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                    color: Theme.primary
                }
                Text {
                    width: parent.width
                    wrapMode: Text.WordWrap
                    text: qsTrId("details.fee") + ": " + journey.feeText + " · " + qsTrId("details.time") + ": " + (journey.procedure.processingTime || "")
                    font.family: Theme.font; font.pixelSize: Theme.body
                    color: Theme.ink
                }
            }
            Card {
                Layout.fillWidth: true
                RowLayout {
                    width: parent.width
                    Text {
                        Layout.fillWidth: true
                        text: qsTrId("review.form")
                        font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                        color: Theme.primary
                    }
                    BigButton {
                        objectName: "editFormButton"
                        text: qsTrId("review.edit")
                        textSize: Theme.body
                        onClicked: journey.editForm()
                    }
                }
                Repeater {
                    model: journey.fields
                    Text {
                        width: parent.width
                        visible: modelData.value.length > 0
                        wrapMode: Text.WordWrap
                        text: modelData.label + ": " + (modelData.choices.length > 0
                              ? (modelData.choices.find(function(c) { return c.value === modelData.value }) || {label: modelData.value}).label
                              : modelData.value)
                        font.family: Theme.font; font.pixelSize: Theme.body
                        color: Theme.ink
                    }
                }
            }
            Repeater {
                model: journey.documents
                Card {
                    Layout.fillWidth: true
                    RowLayout {
                        width: parent.width
                        Text {
                            Layout.fillWidth: true
                            text: modelData.name
                            wrapMode: Text.WordWrap
                            font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                            color: Theme.primary
                        }
                        BigButton {
                            objectName: "editDocument_" + index
                            text: qsTrId("review.edit")
                            textSize: Theme.body
                            onClicked: journey.editDocument(index)
                        }
                    }
                    Text {
                        width: parent.width
                        text: modelData.pages.length > 0 ? qsTrId("review.pages").arg(modelData.pages.length) : qsTrId("review.noPages")
                        font.family: Theme.font; font.pixelSize: Theme.body
                        color: modelData.pages.length > 0 || !modelData.mandatory ? Theme.ink : Theme.danger
                    }
                    Flow {
                        width: parent.width
                        spacing: 8
                        Repeater {
                            model: modelData.pages
                            Image {
                                width: 110; height: 155
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
    Footer {
        Layout.fillWidth: true
        nextText: qsTrId("review.submit")
        onBackClicked: journey.back()
        onNextClicked: journey.proceed()
    }
}
