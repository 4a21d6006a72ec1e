import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

// Search (without diacritics is fine) and categories, then the matching procedures.
ColumnLayout {
    id: browser
    property bool showAllWhenIdle: true
    spacing: Theme.gap

    InputField {
        id: search
        objectName: "searchField"
        Layout.fillWidth: true
        placeholderText: qsTrId("home.search.placeholder")
        text: catalog.query
        onTextEdited: { journey.touch(); catalog.setQuery(text) }
    }

    // With the keyboard up in landscape, there is room for the results or the categories, not
    // both: the results are what the citizen is typing for.
    Flow {
        Layout.fillWidth: true
        visible: root.portrait || !root.keyboardUp
        spacing: Theme.gap / 2
        BigButton {
            objectName: "category_all"
            text: qsTrId("home.category.all")
            textSize: Theme.body
            fill: catalog.category === "" ? Theme.primary : "#dfe6f3"
            ink: catalog.category === "" ? Theme.primaryInk : Theme.ink
            onClicked: { journey.touch(); catalog.setCategory("") }
        }
        Repeater {
            model: catalog.categories
            BigButton {
                objectName: "category_" + index
                text: modelData.name + " (" + modelData.count + ")"
                textSize: Theme.body
                fill: catalog.category === modelData.name ? Theme.primary : "#dfe6f3"
                ink: catalog.category === modelData.name ? Theme.primaryInk : Theme.ink
                onClicked: { journey.touch(); catalog.setCategory(modelData.name) }
            }
        }
    }

    Text {
        visible: list.count === 0
        text: qsTrId("home.search.none")
        font.family: Theme.font
        font.pixelSize: Theme.body
        color: Theme.muted
        wrapMode: Text.WordWrap
        Layout.fillWidth: true
    }

    ListView {
        id: list
        objectName: "procedureList"
        Layout.fillWidth: true
        Layout.fillHeight: true
        clip: true
        spacing: Theme.gap / 2
        // Delegates beyond the view would be built asynchronously; a screen change in the
        // middle of that makes Qt warn. The list is short: build what is seen, synchronously.
        cacheBuffer: 0
        model: catalog.results
        ScrollBar.vertical: KioskScrollBar {}
        delegate: Rectangle {
            objectName: "procedure_" + modelData.code
            width: list.width - 30
            height: Math.max(Theme.touch, row.implicitHeight + Theme.gap)
            radius: Theme.radius
            color: tap.pressed ? "#dfe6f3" : Theme.paper
            border.color: Theme.line
            ColumnLayout {
                id: row
                anchors.fill: parent
                anchors.margins: Theme.gap / 2
                anchors.leftMargin: Theme.gap
                spacing: 4
                Text {
                    text: modelData.name
                    Layout.fillWidth: true
                    wrapMode: Text.WordWrap
                    font.family: Theme.font
                    font.pixelSize: Theme.large
                    font.bold: true
                    color: Theme.ink
                }
                Text {
                    text: modelData.field + " · " + modelData.processingTime + " · " + modelData.fee
                    Layout.fillWidth: true
                    wrapMode: Text.WordWrap
                    font.family: Theme.font
                    font.pixelSize: Theme.small
                    color: Theme.muted
                }
            }
            MouseArea {
                id: tap
                anchors.fill: parent
                onClicked: journey.chooseProcedure(modelData.code)
            }
        }
    }
}
