import QtQuick

// A white panel with padding; children stack in a column.
Rectangle {
    id: card
    default property alias content: column.data
    property int padding: Theme.gap
    color: Theme.paper
    radius: Theme.radius
    border.color: Theme.line
    border.width: 1
    implicitHeight: column.implicitHeight + 2 * padding
    Column {
        id: column
        x: card.padding
        y: card.padding
        width: card.width - 2 * card.padding
        spacing: Theme.gap / 2
    }
}
