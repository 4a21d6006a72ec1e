import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// One page of the form: one topic, a few fields (the catalog decides which). A page that asks
// a single question with set answers moves on as soon as an answer is tapped. The keyboard's
// Enter goes to the next field, and on the last one to the next page. On a refusal the page
// scrolls to the first field in error, marked with a sign and words, not by colour alone.
ColumnLayout {
    id: form
    spacing: Theme.gap
    readonly property var page: journey.formPage
    // Another page on the same screen: fresh delegates (a typed field keeps its own text, not
    // the next page's) and the keyboard on its first empty field.
    readonly property string pageKey: (page.title || "") + "#" + (page.number || 0)
    onPageKeyChanged: {
        fields.model = 0
        fields.model = Qt.binding(function() { return journey.fields.length })
        flick.contentY = 0
        form.shownError = ""
        Qt.callLater(form.focusFirstEmpty)
    }
    ScreenTitle {
        objectName: "formPageTitle"
        Layout.fillWidth: true
        text: form.page.title || ""
    }
    Text {
        objectName: "choiceHint"
        Layout.fillWidth: true
        visible: form.page.choiceOnly === true
        text: qsTrId("form.tapAnswer")
        font.family: Theme.font; font.pixelSize: Theme.large
        color: Theme.ink
    }
    Flickable {
        id: flick
        Layout.fillWidth: true
        Layout.fillHeight: true
        contentHeight: column.implicitHeight + Theme.gap
        clip: true
        ScrollBar.vertical: KioskScrollBar {}
        // Keep the item in view (the field being typed in once the keyboard has taken its
        // share of the screen, the first error after a refusal).
        function reveal(item) {
            var top = item.mapToItem(column, 0, 0).y - Theme.gap
            var bottom = top + item.height + 2 * Theme.gap
            if (top < contentY) contentY = Math.max(0, top)
            else if (bottom > contentY + height) contentY = Math.min(bottom - height, Math.max(0, contentHeight - height))
        }
        // The keyboard took its share: the field being typed in stays in view, label and all.
        onHeightChanged: if (Window.activeFocusItem && Window.activeFocusItem.objectName.indexOf("field_") === 0) reveal(Window.activeFocusItem.parent)
        ColumnLayout {
            id: column
            objectName: "formFields"
            width: flick.width - 40
            spacing: Theme.gap * 1.5
            // The model is a count, not the list: the delegates (and the field being typed in,
            // with the keyboard focus) survive every update of the values and errors.
            Repeater {
                id: fields
                model: journey.fields.length
                ColumnLayout {
                    id: fieldBox
                    readonly property var f: journey.fields[index] || ({})
                    readonly property bool wrong: (f.error || "").length > 0
                    Layout.fillWidth: true
                    spacing: 6
                    Text {
                        Layout.fillWidth: true
                        text: fieldBox.f.label + (fieldBox.f.required ? "" : " " + qsTrId("form.optional"))
                        wrapMode: Text.WordWrap
                        font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                        color: Theme.ink
                    }
                    Text {
                        Layout.fillWidth: true
                        visible: (fieldBox.f.help || "").length > 0
                        text: fieldBox.f.help || ""
                        wrapMode: Text.WordWrap
                        font.family: Theme.font; font.pixelSize: Theme.body
                        color: Theme.muted
                    }
                    InputField {
                        id: input
                        objectName: "field_" + fieldBox.f.name
                        visible: fieldBox.f.type !== "choice"
                        Layout.fillWidth: true
                        keypad: fieldBox.f.keypad || "text"
                        maximumLength: fieldBox.f.maxLength || 120
                        text: fieldBox.f.value || ""
                        wrong: fieldBox.wrong
                        onTextEdited: journey.setField(fieldBox.f.name, text)
                        onActiveFocusChanged: if (activeFocus) flick.reveal(fieldBox)
                        // Enter: the next field to type in, or the next page after the last.
                        onAccepted: form.advanceFrom(index)
                    }
                    GridLayout {
                        visible: fieldBox.f.type === "choice"
                        Layout.fillWidth: true
                        columns: root.portrait ? 1 : 2
                        columnSpacing: Theme.gap
                        rowSpacing: Theme.gap / 2
                        Repeater {
                            model: fieldBox.f.choices || []
                            BigButton {
                                readonly property bool chosen: fieldBox.f.value === modelData.value
                                objectName: "choice_" + fieldBox.f.name + "_" + modelData.value
                                Layout.fillWidth: true
                                // A page with one question has the room: answers a finger
                                // cannot miss.
                                implicitHeight: form.page.choiceOnly ? Theme.touch * 1.5 : Theme.touch
                                text: (chosen ? "✓ " : "") + modelData.label
                                textSize: form.page.choiceOnly ? Theme.title : Theme.large
                                fill: chosen ? Theme.primary : "#ffffff"
                                ink: chosen ? Theme.primaryInk : Theme.ink
                                onClicked: form.page.choiceOnly
                                           ? journey.answer(fieldBox.f.name, modelData.value)
                                           : journey.setField(fieldBox.f.name, modelData.value)
                            }
                        }
                    }
                    // The problem in words, with a sign: not told by colour alone.
                    Rectangle {
                        Layout.fillWidth: true
                        visible: fieldBox.wrong
                        implicitHeight: errorText.implicitHeight + Theme.gap
                        radius: Theme.radius
                        color: "#fde2e4"
                        Text {
                            id: errorSign
                            x: Theme.gap / 2
                            anchors.verticalCenter: parent.verticalCenter
                            text: "⚠"
                            font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                            color: Theme.danger
                        }
                        Text {
                            id: errorText
                            objectName: "error_" + fieldBox.f.name
                            anchors.left: errorSign.right
                            anchors.leftMargin: Theme.gap / 2
                            anchors.right: parent.right
                            anchors.rightMargin: Theme.gap / 2
                            anchors.verticalCenter: parent.verticalCenter
                            text: fieldBox.f.error || ""
                            wrapMode: Text.WordWrap
                            font.family: Theme.font; font.pixelSize: Theme.body; font.bold: true
                            color: Theme.danger
                        }
                    }
                }
            }
        }
    }
    function advanceFrom(index) {
        for (var i = index + 1; i < journey.fields.length; i++) {
            if (journey.fields[i].type !== "choice") {
                var next = fields.itemAt(i).children[2]
                next.forceActiveFocus()
                return
            }
        }
        // An answer still to tap on this page: the keyboard goes away so the choices show.
        for (var j = 0; j < journey.fields.length; j++) {
            var f = journey.fields[j]
            if (f.type === "choice" && f.required && !(f.value || "").length) {
                Qt.inputMethod.hide()
                form.forceActiveFocus()
                return
            }
        }
        journey.proceed()
    }
    // The first field in error after a refusal: scrolled to and, if typed, focused.
    Connections {
        target: journey
        function onChanged() { Qt.callLater(form.showFirstError) }
    }
    property string shownError: ""
    function showFirstError() {
        var name = form.page.firstError || ""
        if (name === form.shownError) return
        form.shownError = name
        for (var i = 0; i < fields.count; i++) {
            var box = fields.itemAt(i)
            if (box && box.f.name === name) { flick.reveal(box); return }
        }
    }
    Component.onCompleted: focusFirstEmpty()
    function focusFirstEmpty() {
        // The first empty field takes the keyboard: one tap less for every page.
        for (var i = 0; i < fields.count; i++) {
            var box = fields.itemAt(i)
            if (box && box.f.type !== "choice" && !(box.f.value || "").length) {
                box.children[2].forceActiveFocus()
                break
            }
        }
    }
    Footer {
        Layout.fillWidth: true
        showNext: !form.page.choiceOnly || (journey.fields[0] && journey.fields[0].value.length > 0)
        onBackClicked: journey.back()
        onNextClicked: journey.proceed()
    }
}
