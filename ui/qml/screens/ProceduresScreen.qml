import QtQuick
import QtQuick.Layouts
import "../components"

// Choose the procedure: the same browser as the home screen, with a way back.
ColumnLayout {
    spacing: Theme.gap
    ScreenTitle {
        Layout.fillWidth: true
        text: qsTrId("procedures.title")
    }
    ProcedureBrowser {
        Layout.fillWidth: true
        Layout.fillHeight: true
    }
    Footer {
        Layout.fillWidth: true
        showNext: false
        backText: qsTrId("common.home")
        onBackClicked: journey.back()
    }
}
