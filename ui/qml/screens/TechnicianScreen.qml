import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "../components"

// Technician mode: who is in and "Thoát" at the top, the sections as tabs, the section below.
// Status is the health checks (what `kiosk doctor` prints); Devices tests each device where it
// stands; Network is Wi-Fi and the gateway; Outbox is the dossiers waiting, retry and the USB
// export; Log is the recent log, masked, and its export. Every result comes from the view-model;
// the screen only asks and shows.
ColumnLayout {
    id: tech
    spacing: Theme.gap / 2
    readonly property var sections: ["status", "devices", "network", "outbox", "log"]

    function busy(task) { return technician.busy.indexOf(task) >= 0 }
    function tune(what, value) {
        const exposure = what === "exposure" ? value : technician.camera.exposure
        const focus = what === "focus" ? value : technician.camera.focus
        technician.tuneCamera(exposure, focus)
    }
    // The camera's picture is pulled only while the devices section shows.
    readonly property bool watchingCamera: technician.section === "devices" && technician.camera.available === true
    onWatchingCameraChanged: watchingCamera ? camera.watch() : camera.unwatch()
    Component.onDestruction: if (watchingCamera) camera.unwatch()
    function sign(outcome) { return outcome === "ok" ? "✓" : outcome === "warning" ? "!" : "✗" }
    function signColor(outcome) {
        return outcome === "ok" ? Theme.ok : outcome === "warning" ? Theme.accent : Theme.danger
    }

    RowLayout {
        Layout.fillWidth: true
        spacing: Theme.gap
        ColumnLayout {
            Layout.fillWidth: true
            spacing: 0
            Text {
                text: qsTrId("tech.title")
                font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                color: Theme.primary
            }
            Text {
                objectName: "techActor"
                Layout.fillWidth: true
                text: technician.actor === "PIN" ? qsTrId("tech.whoPin") : qsTrId("tech.who").arg(technician.actor)
                elide: Text.ElideRight
                font.family: Theme.font; font.pixelSize: Theme.small
                color: Theme.muted
            }
        }
        BigButton {
            objectName: "techLeave"
            text: qsTrId("tech.leave")
            textSize: Theme.body
            fill: Theme.accent
            onClicked: technician.leave()
        }
    }

    Flow {
        objectName: "techTabs"
        Layout.fillWidth: true
        spacing: Theme.gap / 3
        Repeater {
            model: tech.sections
            BigButton {
                objectName: "tab_" + modelData
                text: qsTrId("tech.section." + modelData)
                textSize: Theme.body
                implicitWidth: Theme.touch * 1.7
                fill: technician.section === modelData ? Theme.primary : "#ffffff"
                ink: technician.section === modelData ? Theme.primaryInk : Theme.primary
                onClicked: technician.showSection(modelData)
            }
        }
    }

    StackLayout {
        Layout.fillWidth: true
        Layout.fillHeight: true
        currentIndex: tech.sections.indexOf(technician.section)

        // --- status -------------------------------------------------------------------------------
        ColumnLayout {
            spacing: Theme.gap / 2
            // Enrolment: the gateway's one-time code (QR) held to the reader while this shows.
            Card {
                objectName: "enrolCard"
                Layout.fillWidth: true
                visible: technician.available.enrol
                padding: Theme.gap / 2
                Text {
                    width: parent.width
                    wrapMode: Text.WordWrap
                    text: tech.busy("enrol") ? qsTrId("tech.enrol.working") : qsTrId("tech.enrol.how")
                    font.family: Theme.font; font.pixelSize: Theme.small
                    color: Theme.ink
                }
                Text {
                    objectName: "enrolResult"
                    width: parent.width
                    visible: technician.enrolment.ok !== undefined
                    wrapMode: Text.WordWrap
                    textFormat: Text.PlainText
                    text: technician.enrolment.text || ""
                    font.family: Theme.font; font.pixelSize: Theme.small; font.bold: true
                    color: technician.enrolment.ok ? Theme.ok : Theme.danger
                }
                BigButton {
                    objectName: "restartKiosk"
                    visible: technician.enrolment.ok === true && technician.available.restart
                    text: qsTrId("tech.enrol.restart")
                    textSize: Theme.body
                    onClicked: technician.restart()
                }
            }
            RowLayout {
                Layout.fillWidth: true
                Text {
                    Layout.fillWidth: true
                    text: tech.busy("checks") ? qsTrId("tech.status.running") : qsTrId("tech.status.intro")
                    wrapMode: Text.WordWrap
                    font.family: Theme.font; font.pixelSize: Theme.body
                    color: Theme.ink
                }
                BigButton {
                    objectName: "runChecks"
                    text: qsTrId("tech.status.again")
                    textSize: Theme.body
                    enabled: technician.available.checks && !tech.busy("checks")
                    onClicked: technician.runChecks()
                }
            }
            Text {
                Layout.fillWidth: true
                visible: text !== ""
                text: technician.checksError
                wrapMode: Text.WordWrap
                font.family: Theme.font; font.pixelSize: Theme.body
                color: Theme.danger
            }
            ListView {
                objectName: "checkList"
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                spacing: Theme.gap / 3
                model: technician.checks
                ScrollBar.vertical: KioskScrollBar {}
                delegate: Card {
                    width: ListView.view.width - 30
                    padding: Theme.gap / 2
                    RowLayout {
                        width: parent.width
                        spacing: Theme.gap / 2
                        Text {
                            Layout.alignment: Qt.AlignTop
                            Layout.preferredWidth: 40
                            horizontalAlignment: Text.AlignHCenter
                            text: tech.sign(modelData.outcome)
                            font.family: Theme.font; font.pixelSize: Theme.large; font.bold: true
                            color: tech.signColor(modelData.outcome)
                        }
                        ColumnLayout {
                            Layout.fillWidth: true
                            spacing: 2
                            Text {
                                objectName: "check_" + index
                                Layout.fillWidth: true
                                text: modelData.name + " — " + modelData.summary
                                wrapMode: Text.WordWrap
                                textFormat: Text.PlainText
                                font.family: Theme.font; font.pixelSize: Theme.small; font.bold: true
                                color: Theme.ink
                            }
                            Text {
                                Layout.fillWidth: true
                                visible: modelData.outcome !== "ok" && modelData.nextStep !== ""
                                text: "→ " + modelData.nextStep
                                wrapMode: Text.WordWrap
                                textFormat: Text.PlainText
                                font.family: Theme.font; font.pixelSize: Theme.small
                                color: Theme.muted
                            }
                        }
                    }
                }
            }
        }

        // --- devices ------------------------------------------------------------------------------
        Flickable {
            id: devicesFlick
            contentHeight: devices.implicitHeight
            clip: true
            ScrollBar.vertical: KioskScrollBar {}
            GridLayout {
                id: devices
                width: devicesFlick.width - 30
                columns: root.portrait ? 1 : 2
                columnSpacing: Theme.gap
                rowSpacing: Theme.gap / 2
                Card {
                    Layout.fillWidth: true
                    Layout.alignment: Qt.AlignTop
                    Text { text: qsTrId("tech.devices.qr"); font.family: Theme.font; font.pixelSize: Theme.body; font.bold: true; color: Theme.primary }
                    // The camera as it sees now, with its exposure and focus: set live, kept
                    // with "Lưu" (the preview is the test: a readable picture reads cards).
                    Column {
                        objectName: "cameraTuning"
                        width: parent.width
                        spacing: Theme.gap / 3
                        visible: technician.camera.available === true
                        Image {
                            objectName: "cameraPreview"
                            width: Math.min(parent.width, 480)
                            height: width * 9 / 16
                            fillMode: Image.PreserveAspectFit
                            cache: false
                            visible: camera.hasPreview
                            source: camera.hasPreview && parent.visible ? "image://camera/" + camera.frame : ""
                        }
                        Repeater {
                            model: [["exposure", 1, 2000], ["focus", 0, 255]]
                            RowLayout {
                                width: parent.width
                                readonly property string what: modelData[0]
                                readonly property int current: technician.camera[what] === undefined ? -1 : technician.camera[what]
                                CheckBox {
                                    objectName: "cameraAuto_" + parent.what
                                    Layout.preferredHeight: Theme.touch
                                    text: qsTrId("tech.camera." + parent.what + "Auto")
                                    font.family: Theme.font; font.pixelSize: Theme.small
                                    checked: parent.current < 0
                                    onToggled: tech.tune(parent.what, checked ? -1 : slider.value)
                                }
                                Slider {
                                    id: slider
                                    objectName: "cameraSlider_" + parent.what
                                    Layout.fillWidth: true
                                    Layout.preferredHeight: Theme.touch
                                    enabled: parent.current >= 0
                                    from: modelData[1]; to: modelData[2]; stepSize: 1
                                    value: parent.current >= 0 ? parent.current : (modelData[1] + modelData[2]) / 4
                                    onMoved: tech.tune(parent.what, Math.round(value))
                                }
                            }
                        }
                        BigButton {
                            objectName: "cameraSave"
                            visible: technician.available.cameraSave === true
                            text: qsTrId("tech.camera.save")
                            textSize: Theme.body
                            enabled: !tech.busy("camera")
                            onClicked: technician.saveCameraTuning()
                        }
                        Text {
                            objectName: "cameraSaved"
                            width: parent.width
                            visible: technician.camera.saved === true || technician.camera.saved === false
                            wrapMode: Text.WordWrap
                            text: technician.camera.saved ? qsTrId("tech.camera.saved") : qsTrId("tech.camera.notSaved")
                            font.family: Theme.font; font.pixelSize: Theme.small
                            color: technician.camera.saved ? Theme.ok : Theme.danger
                        }
                    }
                    Text {
                        objectName: "qrReadTest"
                        width: parent.width
                        wrapMode: Text.WrapAnywhere
                        textFormat: Text.PlainText
                        text: technician.qrRead !== "" ? qsTrId("tech.devices.qrRead").arg(technician.qrRead)
                                                      : qsTrId("tech.devices.qrHold")
                        font.family: Theme.font; font.pixelSize: Theme.small
                        color: technician.qrRead !== "" ? Theme.ok : Theme.ink
                    }
                }
                Card {
                    Layout.fillWidth: true
                    Layout.alignment: Qt.AlignTop
                    Text { text: qsTrId("tech.devices.scanner"); font.family: Theme.font; font.pixelSize: Theme.body; font.bold: true; color: Theme.primary }
                    BigButton {
                        objectName: "testScan"
                        text: tech.busy("scan") ? qsTrId("tech.devices.scanning") : qsTrId("tech.devices.scanTest")
                        textSize: Theme.body
                        enabled: technician.available.scan && !tech.busy("scan")
                        onClicked: technician.testScan()
                    }
                    Image {
                        objectName: "scanTestPage"
                        visible: (technician.scan.thumbnail || "") !== ""
                        source: technician.scan.thumbnail || ""
                        width: Math.min(parent.width, 300)
                        fillMode: Image.PreserveAspectFit
                        asynchronous: false
                    }
                    Text {
                        objectName: "scanTestResult"
                        width: parent.width
                        visible: text !== ""
                        wrapMode: Text.WordWrap
                        textFormat: Text.PlainText
                        text: technician.scan.error ? technician.scan.error
                            : technician.scan.kb !== undefined
                              ? qsTrId("tech.devices.scanResult").arg(technician.scan.pages).arg(technician.scan.kb)
                                .arg((technician.scan.flags || []).length ? technician.scan.flags.join(", ") : qsTrId("tech.devices.noFlags"))
                              : ""
                        font.family: Theme.font; font.pixelSize: Theme.small
                        color: technician.scan.error ? Theme.danger : Theme.ink
                    }
                }
                Card {
                    Layout.fillWidth: true
                    Layout.alignment: Qt.AlignTop
                    Text { text: qsTrId("tech.devices.printer"); font.family: Theme.font; font.pixelSize: Theme.body; font.bold: true; color: Theme.primary }
                    Text {
                        objectName: "printerStatus"
                        width: parent.width
                        wrapMode: Text.WordWrap
                        text: qsTrId("tech.devices.printerStatus").arg(technician.printerStatus ? qsTrId("tech.printer." + technician.printerStatus) : "—")
                        font.family: Theme.font; font.pixelSize: Theme.small
                        color: Theme.ink
                    }
                    BigButton {
                        objectName: "testPrint"
                        text: tech.busy("print") ? qsTrId("tech.devices.printing") : qsTrId("tech.devices.printTest")
                        textSize: Theme.body
                        enabled: technician.available.print && !tech.busy("print")
                        onClicked: technician.testPrint()
                    }
                    Text {
                        objectName: "printTestResult"
                        width: parent.width
                        visible: technician.printResult.ok !== undefined
                        wrapMode: Text.WordWrap
                        textFormat: Text.PlainText
                        text: technician.printResult.ok ? qsTrId("tech.devices.printed")
                                                        : qsTrId("tech.devices.notPrinted").arg(technician.printResult.detail || "")
                        font.family: Theme.font; font.pixelSize: Theme.small
                        color: technician.printResult.ok ? Theme.ok : Theme.danger
                    }
                }
                // Changing a device: kind, driver, where it is, then "Thử và lưu" (probed first,
                // saved only if it answered; used after a restart).
                Card {
                    id: setupCard
                    objectName: "setupCard"
                    Layout.fillWidth: true
                    Layout.columnSpan: root.portrait ? 1 : 2
                    visible: technician.available.setup
                    property string kind: "printer"
                    property string driver: ""
                    Text { text: qsTrId("tech.setup.title"); font.family: Theme.font; font.pixelSize: Theme.body; font.bold: true; color: Theme.primary }
                    Flow {
                        width: parent.width
                        spacing: Theme.gap / 3
                        Repeater {
                            model: technician.setupChoices.kinds
                            BigButton {
                                objectName: "setupKind_" + modelData
                                text: qsTrId("tech.setup.kind." + modelData)
                                textSize: Theme.small
                                fill: setupCard.kind === modelData ? Theme.primary : "#ffffff"
                                ink: setupCard.kind === modelData ? Theme.primaryInk : Theme.primary
                                onClicked: { setupCard.kind = modelData; setupCard.driver = "" }
                            }
                        }
                    }
                    Flow {
                        width: parent.width
                        spacing: Theme.gap / 3
                        Repeater {
                            model: technician.setupChoices.drivers[setupCard.kind] || []
                            BigButton {
                                objectName: "setupDriver_" + modelData
                                text: qsTrId("tech.setup.driver." + modelData)
                                textSize: Theme.small
                                fill: setupCard.driver === modelData ? Theme.primary : "#ffffff"
                                ink: setupCard.driver === modelData ? Theme.primaryInk : Theme.primary
                                onClicked: setupCard.driver = modelData
                            }
                        }
                    }
                    TextField {
                        id: setupWhere
                        objectName: "setupWhere"
                        width: parent.width
                        height: Theme.touch
                        visible: setupCard.driver !== ""
                        font.family: Theme.font; font.pixelSize: Theme.body
                        placeholderText: qsTrId("tech.setup.where." + (setupCard.driver || "usb"))
                        inputMethodHints: Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
                    }
                    // A scanner is chosen from those found, its source from those it may have.
                    Flow {
                        width: parent.width
                        spacing: Theme.gap / 3
                        visible: setupCard.kind === "scanner" && setupCard.driver !== ""
                        BigButton {
                            objectName: "findScanners"
                            text: qsTrId("tech.setup.findScanners")
                            textSize: Theme.small
                            enabled: !tech.busy("scanners")
                            onClicked: technician.findScanners()
                        }
                        Repeater {
                            model: technician.scanners.found
                            BigButton {
                                objectName: "foundScanner_" + index
                                text: modelData.label || modelData.name
                                textSize: Theme.small
                                fill: setupWhere.text === modelData.name ? Theme.primary : "#ffffff"
                                ink: setupWhere.text === modelData.name ? Theme.primaryInk : Theme.primary
                                onClicked: setupWhere.text = modelData.name
                            }
                        }
                        Repeater {
                            model: technician.setupChoices.sources
                            BigButton {
                                objectName: "source_" + modelData
                                text: qsTrId("tech.setup.source." + modelData)
                                textSize: Theme.small
                                fill: setupOption.text === modelData ? Theme.primary : "#ffffff"
                                ink: setupOption.text === modelData ? Theme.primaryInk : Theme.primary
                                onClicked: setupOption.text = modelData
                            }
                        }
                    }
                    Text {
                        width: parent.width
                        visible: setupCard.kind === "scanner" && (technician.scanners.error || "") !== ""
                        wrapMode: Text.WordWrap
                        text: technician.scanners.error || ""
                        font.family: Theme.font; font.pixelSize: Theme.small
                        color: Theme.danger
                    }
                    TextField {
                        id: setupOption
                        objectName: "setupOption"
                        width: parent.width
                        height: Theme.touch
                        visible: setupCard.driver !== "" && setupCard.kind !== "qr"
                        font.family: Theme.font; font.pixelSize: Theme.body
                        placeholderText: qsTrId("tech.setup.option." + setupCard.kind)
                        inputMethodHints: Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
                    }
                    BigButton {
                        objectName: "setupTry"
                        visible: setupCard.driver !== ""
                        text: tech.busy("setup") ? qsTrId("tech.setup.trying") : qsTrId("tech.setup.try")
                        textSize: Theme.body
                        enabled: !tech.busy("setup")
                        onClicked: technician.setupDevice(setupCard.kind, setupCard.driver, setupWhere.text, setupOption.text)
                    }
                    Text {
                        objectName: "setupResult"
                        width: parent.width
                        visible: technician.setup.saved !== undefined
                        wrapMode: Text.WordWrap
                        textFormat: Text.PlainText
                        text: technician.setup.text || ""
                        font.family: Theme.font; font.pixelSize: Theme.small
                        color: technician.setup.saved ? Theme.ok : Theme.danger
                    }
                    BigButton {
                        objectName: "setupRestart"
                        visible: technician.setup.saved === true && technician.available.restart
                        text: qsTrId("tech.enrol.restart")
                        textSize: Theme.body
                        onClicked: technician.restart()
                    }
                }
                Card {
                    Layout.fillWidth: true
                    Layout.alignment: Qt.AlignTop
                    Text { text: qsTrId("tech.devices.screen"); font.family: Theme.font; font.pixelSize: Theme.body; font.bold: true; color: Theme.primary }
                    Flow {
                        width: parent.width
                        spacing: Theme.gap / 2
                        BigButton {
                            objectName: "touchTest"
                            text: qsTrId("tech.devices.touchTest")
                            textSize: Theme.body
                            onClicked: touchOverlay.start()
                        }
                        BigButton {
                            objectName: "speakerTest"
                            text: qsTrId("tech.devices.speakerTest")
                            textSize: Theme.body
                            enabled: technician.available.speaker
                            onClicked: technician.testSpeaker()
                        }
                    }
                    Text {
                        width: parent.width
                        visible: !technician.available.speaker
                        wrapMode: Text.WordWrap
                        text: qsTrId("tech.devices.noSpeech")
                        font.family: Theme.font; font.pixelSize: Theme.small
                        color: Theme.muted
                    }
                    Text {
                        objectName: "touchTestResult"
                        width: parent.width
                        visible: technician.touch !== ""
                        wrapMode: Text.WordWrap
                        text: technician.touch === "ok" ? qsTrId("tech.devices.touchOk") : qsTrId("tech.devices.touchFailed")
                        font.family: Theme.font; font.pixelSize: Theme.small
                        color: technician.touch === "ok" ? Theme.ok : Theme.danger
                    }
                }
            }
        }

        // --- network ------------------------------------------------------------------------------
        // Scrolls as a whole: the server's card and the networks in range may not fit in
        // landscape, and a section must never grow the screen (the tabs share one height).
        Flickable {
            id: networkFlick
            contentHeight: network.implicitHeight
            clip: true
            ScrollBar.vertical: KioskScrollBar {}
        ColumnLayout {
            id: network
            width: networkFlick.width - 30
            spacing: Theme.gap / 2
            // The province's server: its address, the extra CA bundle its certificate needs, a
            // proxy. "Thử và lưu" checks the link step by step first; saved only if none failed.
            Card {
                id: gatewayCard
                objectName: "gatewayCard"
                Layout.fillWidth: true
                visible: technician.available.gateway
                padding: Theme.gap / 2
                Text { text: qsTrId("tech.gateway.title"); font.family: Theme.font; font.pixelSize: Theme.body; font.bold: true; color: Theme.primary }
                TextField {
                    id: gatewayUrl
                    objectName: "gatewayUrl"
                    width: parent.width
                    height: Theme.touch * 0.8
                    font.family: Theme.font; font.pixelSize: Theme.small
                    // Filled once from the configuration: a binding would put it back over what
                    // the technician is typing whenever any result arrives.
                    Component.onCompleted: text = technician.gateway.url || ""
                    placeholderText: qsTrId("tech.gateway.url")
                    inputMethodHints: Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase | Qt.ImhUrlCharactersOnly
                }
                TextField {
                    id: gatewayCa
                    objectName: "gatewayCa"
                    width: parent.width
                    height: Theme.touch * 0.8
                    font.family: Theme.font; font.pixelSize: Theme.small
                    // Filled once from the configuration: a binding would put it back over what
                    // the technician is typing whenever any result arrives.
                    Component.onCompleted: text = technician.gateway.caFile || ""
                    placeholderText: qsTrId("tech.gateway.caFile")
                    inputMethodHints: Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
                }
                TextField {
                    id: gatewayProxy
                    objectName: "gatewayProxy"
                    width: parent.width
                    height: Theme.touch * 0.8
                    font.family: Theme.font; font.pixelSize: Theme.small
                    // Filled once from the configuration: a binding would put it back over what
                    // the technician is typing whenever any result arrives.
                    Component.onCompleted: text = technician.gateway.proxy || ""
                    placeholderText: qsTrId("tech.gateway.proxy")
                    inputMethodHints: Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase | Qt.ImhUrlCharactersOnly
                }
                BigButton {
                    objectName: "gatewayTry"
                    text: tech.busy("gateway") ? qsTrId("tech.gateway.trying") : qsTrId("tech.setup.try")
                    textSize: Theme.body
                    enabled: !tech.busy("gateway")
                    onClicked: technician.setupGateway(gatewayUrl.text, gatewayCa.text, gatewayProxy.text)
                }
                Text {
                    objectName: "gatewayResult"
                    width: parent.width
                    visible: technician.gateway.saved !== undefined
                    wrapMode: Text.WordWrap
                    textFormat: Text.PlainText
                    text: technician.gateway.text || ""
                    font.family: Theme.font; font.pixelSize: Theme.small
                    color: technician.gateway.saved ? Theme.ok : Theme.danger
                }
            }
            Text {
                objectName: "networkState"
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                text: !technician.available.wifi ? qsTrId("tech.network.noControl")
                    : technician.wifiState.error ? technician.wifiState.error
                    : technician.wifiState.summary || qsTrId("tech.network.reading")
                font.family: Theme.font; font.pixelSize: Theme.body
                color: technician.wifiState.error ? Theme.danger : Theme.ink
            }
            BigButton {
                objectName: "wifiScan"
                visible: technician.available.wifi && technician.wifiState.available !== false
                text: tech.busy("wifi") ? qsTrId("tech.network.scanning") : qsTrId("tech.network.scan")
                textSize: Theme.body
                enabled: !tech.busy("wifi")
                onClicked: technician.wifi("scan", "", "")
            }
            Column {
                objectName: "wifiList"
                Layout.fillWidth: true
                spacing: Theme.gap / 3
                Repeater {
                model: technician.wifiState.networks || []
                delegate: Card {
                    width: parent.width
                    padding: Theme.gap / 2
                    RowLayout {
                        width: parent.width
                        Text {
                            Layout.fillWidth: true
                            text: (modelData.active ? "● " : "") + modelData.ssid + " · " + modelData.signal + "%" + (modelData.secured ? " · " + qsTrId("tech.network.secured") : "")
                            textFormat: Text.PlainText
                            elide: Text.ElideRight
                            font.family: Theme.font; font.pixelSize: Theme.body
                            color: Theme.ink
                        }
                        BigButton {
                            objectName: "wifiJoin_" + index
                            visible: !modelData.active
                            text: qsTrId("tech.network.join")
                            textSize: Theme.small
                            onClicked: { joinBox.ssid = modelData.ssid; joinBox.secured = modelData.secured; joinBox.visible = true }
                        }
                        BigButton {
                            objectName: "wifiForget_" + index
                            visible: modelData.saved
                            text: qsTrId("tech.network.forget")
                            textSize: Theme.small
                            fill: "#ffffff"
                            ink: Theme.danger
                            onClicked: technician.wifi("forget", modelData.ssid, "")
                        }
                    }
                }
            }
            }
            Card {
                id: joinBox
                objectName: "wifiJoinBox"
                Layout.fillWidth: true
                visible: false
                property string ssid: ""
                property bool secured: true
                Text {
                    text: qsTrId("tech.network.joining").arg(joinBox.ssid)
                    textFormat: Text.PlainText
                    font.family: Theme.font; font.pixelSize: Theme.body
                    color: Theme.ink
                }
                TextField {
                    id: passphrase
                    objectName: "wifiPassphrase"
                    visible: joinBox.secured
                    width: parent.width
                    height: Theme.touch
                    echoMode: TextInput.Password
                    font.family: Theme.font; font.pixelSize: Theme.body
                    placeholderText: qsTrId("tech.network.passphrase")
                    inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText
                }
                Row {
                    spacing: Theme.gap / 2
                    BigButton {
                        objectName: "wifiJoinGo"
                        text: qsTrId("tech.network.join")
                        textSize: Theme.body
                        enabled: !tech.busy("wifi")
                        onClicked: { technician.wifi("join", joinBox.ssid, passphrase.text); passphrase.text = ""; joinBox.visible = false }
                    }
                    BigButton {
                        text: qsTrId("common.back")
                        textSize: Theme.body
                        fill: "#e0e4ea"
                        ink: Theme.ink
                        onClicked: { passphrase.text = ""; joinBox.visible = false }
                    }
                }
            }
        }
        }

        // --- outbox -------------------------------------------------------------------------------
        ColumnLayout {
            spacing: Theme.gap / 2
            Text {
                objectName: "outboxCounts"
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                text: !technician.available.outbox ? qsTrId("tech.outbox.none")
                    : technician.outbox.error ? technician.outbox.error
                    : technician.outbox.summary || qsTrId("tech.outbox.loading")
                font.family: Theme.font; font.pixelSize: Theme.body
                color: technician.outbox.error ? Theme.danger : Theme.ink
            }
            Flow {
                Layout.fillWidth: true
                spacing: Theme.gap / 2
                BigButton {
                    objectName: "retryAll"
                    text: qsTrId("tech.outbox.retryAll")
                    textSize: Theme.body
                    enabled: technician.available.outbox && !tech.busy("outbox")
                    onClicked: technician.retry("")
                }
                BigButton {
                    objectName: "exportOutbox"
                    text: tech.busy("export") ? qsTrId("tech.outbox.exporting") : qsTrId("tech.outbox.export")
                    textSize: Theme.body
                    enabled: technician.available.export && !tech.busy("export")
                    onClicked: technician.exportOutbox()
                }
            }
            Text {
                objectName: "exportResult"
                Layout.fillWidth: true
                visible: technician.export.ok !== undefined
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                text: technician.export.text || ""
                font.family: Theme.font; font.pixelSize: Theme.small
                color: technician.export.ok ? Theme.ok : Theme.danger
            }
            ListView {
                objectName: "outboxList"
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                spacing: Theme.gap / 3
                model: technician.outbox.dossiers || []
                ScrollBar.vertical: KioskScrollBar {}
                delegate: Card {
                    width: ListView.view.width - 30
                    padding: Theme.gap / 2
                    RowLayout {
                        width: parent.width
                        ColumnLayout {
                            Layout.fillWidth: true
                            spacing: 2
                            Text {
                                Layout.fillWidth: true
                                text: modelData.receipt + " · " + qsTrId("tech.outbox.state." + modelData.state)
                                textFormat: Text.PlainText
                                font.family: Theme.font; font.pixelSize: Theme.small; font.bold: true
                                color: Theme.ink
                            }
                            Text {
                                Layout.fillWidth: true
                                visible: text !== ""
                                text: modelData.detail || ""
                                wrapMode: Text.WordWrap
                                textFormat: Text.PlainText
                                font.family: Theme.font; font.pixelSize: Theme.small
                                color: Theme.muted
                            }
                        }
                        BigButton {
                            objectName: "retry_" + index
                            visible: modelData.retryable === true
                            text: qsTrId("tech.outbox.retry")
                            textSize: Theme.small
                            onClicked: technician.retry(modelData.receipt)
                        }
                    }
                }
            }
        }

        // --- log ----------------------------------------------------------------------------------
        ColumnLayout {
            spacing: Theme.gap / 2
            RowLayout {
                Layout.fillWidth: true
                Text {
                    Layout.fillWidth: true
                    text: qsTrId("tech.log.intro")
                    wrapMode: Text.WordWrap
                    font.family: Theme.font; font.pixelSize: Theme.small
                    color: Theme.ink
                }
                BigButton {
                    objectName: "exportLog"
                    text: qsTrId("tech.log.export")
                    textSize: Theme.body
                    enabled: technician.available.logExport && !tech.busy("log_export")
                    onClicked: technician.exportLog()
                }
            }
            Text {
                objectName: "logExportResult"
                Layout.fillWidth: true
                visible: technician.logExport.ok !== undefined
                wrapMode: Text.WordWrap
                textFormat: Text.PlainText
                text: technician.logExport.text || ""
                font.family: Theme.font; font.pixelSize: Theme.small
                color: technician.logExport.ok ? Theme.ok : Theme.danger
            }
            ListView {
                objectName: "logList"
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                model: technician.logLines
                ScrollBar.vertical: KioskScrollBar {}
                delegate: Text {
                    width: ListView.view.width - 30
                    text: modelData
                    wrapMode: Text.WrapAnywhere
                    textFormat: Text.PlainText
                    font.family: "DejaVu Sans Mono"
                    font.pixelSize: 20
                    color: Theme.ink
                }
            }
        }
    }

    // The touch test: five targets (four corners and the middle) over the whole window; each
    // turns green when touched. "Xong" reports whether all were reached.
    Rectangle {
        id: touchOverlay
        objectName: "touchOverlay"
        parent: root.contentItem
        anchors.fill: parent
        visible: false
        z: 60
        color: "#f8fafc"
        property var hit: [false, false, false, false, false]
        function start() { hit = [false, false, false, false, false]; visible = true }
        Repeater {
            model: 5
            Rectangle {
                objectName: "touchTarget_" + index
                width: Theme.touch; height: Theme.touch
                radius: width / 2
                x: index === 4 ? (touchOverlay.width - width) / 2 : (index % 2 === 0 ? 0 : touchOverlay.width - width)
                y: index === 4 ? (touchOverlay.height - height) / 2 : (index < 2 ? 0 : touchOverlay.height - height)
                color: touchOverlay.hit[index] ? Theme.ok : Theme.danger
                MouseArea {
                    anchors.fill: parent
                    onClicked: { const h = touchOverlay.hit.slice(); h[index] = true; touchOverlay.hit = h }
                }
            }
        }
        BigButton {
            objectName: "touchDone"
            anchors.centerIn: parent
            anchors.verticalCenterOffset: Theme.touch * 1.5
            text: qsTrId("tech.devices.touchDone")
            onClicked: {
                touchOverlay.visible = false
                technician.touchTested(touchOverlay.hit.every(h => h))
            }
        }
    }
}
