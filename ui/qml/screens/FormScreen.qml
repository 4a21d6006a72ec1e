import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// The procedure's form, prefilled from the identity; each field says what is wrong under it.
ColumnLayout {
    spacing: Theme.gap
    ScreenTitle {
        Layout.fillWidth: true
        text: qsTrId("form.title")
    }
    Card {
        Layout.fillWidth: true
        objectName: "identityCard"
        Text {
            width: parent.width
            wrapMode: Text.WordWrap
            textFormat: Text.PlainText
            text: (journey.identity.name || "") + " · " + qsTrId("form.idNumber") + " " + (journey.identity.maskedId || "")
            font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
            color: Theme.ink
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
    Flickable {
        id: flick
        Layout.fillWidth: true
        Layout.fillHeight: true
        contentHeight: column.implicitHeight
        clip: true
        ScrollBar.vertical: ScrollBar { width: 24 }
        GridLayout {
            id: column
            width: flick.width - 30
            columns: root.portrait ? 1 : 2
            columnSpacing: Theme.gap * 2
            rowSpacing: Theme.gap
            // The model is a count, not the list: the delegates (and the field being typed in,
            // with the keyboard focus) survive every update of the values and errors.
            Repeater {
                model: journey.fields.length
                ColumnLayout {
                    id: fieldBox
                    readonly property var f: journey.fields[index] || ({})
                    Layout.fillWidth: true
                    Layout.preferredWidth: 1
                    Layout.alignment: Qt.AlignTop
                    spacing: 6
                    Text {
                        Layout.fillWidth: true
                        text: fieldBox.f.label + (fieldBox.f.required ? " *" : "")
                        wrapMode: Text.WordWrap
                        font.family: Theme.font; font.pixelSize: Theme.body; font.bold: true
                        color: Theme.ink
                    }
                    Text {
                        Layout.fillWidth: true
                        visible: (fieldBox.f.help || "").length > 0
                        text: fieldBox.f.help || ""
                        wrapMode: Text.WordWrap
                        font.family: Theme.font; font.pixelSize: Theme.small
                        color: Theme.muted
                    }
                    InputField {
                        objectName: "field_" + fieldBox.f.name
                        visible: fieldBox.f.type !== "choice"
                        Layout.fillWidth: true
                        keypad: fieldBox.f.keypad || "text"
                        maximumLength: fieldBox.f.maxLength || 120
                        text: fieldBox.f.value || ""
                        onTextEdited: journey.setField(fieldBox.f.name, text)
                        onActiveFocusChanged: if (activeFocus) flick.contentY = Math.max(0, Math.min(parent.y, flick.contentHeight - flick.height))
                    }
                    Flow {
                        visible: fieldBox.f.type === "choice"
                        Layout.fillWidth: true
                        spacing: Theme.gap / 2
                        Repeater {
                            model: fieldBox.f.choices || []
                            BigButton {
                                objectName: "choice_" + fieldBox.f.name + "_" + modelData.value
                                text: modelData.label
                                textSize: Theme.body
                                fill: fieldBox.f.value === modelData.value ? Theme.primary : "#dfe6f3"
                                ink: fieldBox.f.value === modelData.value ? Theme.primaryInk : Theme.ink
                                onClicked: journey.setField(fieldBox.f.name, modelData.value)
                            }
                        }
                    }
                    Text {
                        objectName: "error_" + fieldBox.f.name
                        Layout.fillWidth: true
                        visible: (fieldBox.f.error || "").length > 0
                        text: fieldBox.f.error || ""
                        wrapMode: Text.WordWrap
                        font.family: Theme.font; font.pixelSize: Theme.body; font.bold: true
                        color: Theme.danger
                    }
                }
            }
        }
    }
    Footer {
        Layout.fillWidth: true
        onBackClicked: journey.back()
        onNextClicked: journey.proceed()
    }
}
