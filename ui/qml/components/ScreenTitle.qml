import QtQuick

Text {
    wrapMode: Text.WordWrap
    font.family: Theme.font
    font.pixelSize: Theme.title
    font.bold: true
    color: Theme.primary
}
