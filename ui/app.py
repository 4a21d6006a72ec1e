"""Composition root of the touchscreen app: the one place that builds the kiosk, its devices,
the gateway services, the view-models and the QML engine, and wires every signal.

``build_app`` needs a ``QGuiApplication`` to exist (created by ``main`` or by pytest-qt) and the
Qt environment prepared before it was created (``prepare_qt_environment``): the virtual keyboard
is an input-method plugin chosen when the application starts.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtQml import QQmlApplicationEngine
from PySide6.QtQuick import QQuickWindow

from config.settings import Settings
from drivers.printer import ReceiptPrinter, open_printer
from drivers.printer.kept import KeptSlipStore
from drivers.qr import make_qr_reader
from drivers.qr.base import QrReader
from drivers.scanner import DocumentScanner, open_scanner
from drivers.simulated import NONE as NO_SIMULATION
from drivers.simulated import Simulated
from dvc_common.clock import Clock, SystemClock
from kiosk.app import Kiosk, build_kiosk
from kiosk.gateway_services import GatewayServices, build_gateway_services
from kiosk.ports import DossierQueue
from ui.camera import CameraFeed, CameraImageProvider
from ui.catalog_vm import CatalogViewModel
from ui.devices import DeviceHub
from ui.i18n import LanguageSwitch
from ui.journey_vm import JourneyViewModel
from ui.memory import limit_malloc_arenas, release_free_memory
from ui.speech import Speaker, SpeechEngine, open_backend

log = logging.getLogger(__name__)

QML_MAIN = Path(__file__).resolve().parent / "qml" / "Main.qml"
FONTS = Path(__file__).resolve().parent.parent / "drivers" / "fonts"
KEPT_SLIPS_DIR = "slips-kept"
# Objects the screens use only when the composition hands them in (null otherwise).
OPTIONAL_CONTEXT = ("simulator",)


class Orientation(StrEnum):
    PORTRAIT = "portrait"
    LANDSCAPE = "landscape"


SIZES = {Orientation.PORTRAIT: (1080, 1920), Orientation.LANDSCAPE: (1920, 1080)}


def prepare_qt_environment() -> None:
    """Set what Qt reads at start-up; call before the QGuiApplication is created."""
    os.environ.setdefault("QT_IM_MODULE", "qtvirtualkeyboard")
    # The keyboard lives in our window (InputPanel), never in a desktop window of its own.
    os.environ.setdefault("QT_VIRTUALKEYBOARD_DESKTOP_DISABLE", "1")
    limit_malloc_arenas()


@dataclass
class Devices:
    qr: QrReader
    scanner: DocumentScanner
    printer: ReceiptPrinter


def open_devices(settings: Settings, clock: Clock, simulated: Simulated = NO_SIMULATION) -> Devices:
    """The devices the settings choose (``simulated`` builds those set to "simulated"); nothing
    is opened until first used."""
    devices = settings.devices
    return Devices(
        qr=make_qr_reader(devices.qr, clock, simulated=simulated),
        scanner=open_scanner(devices.scanner, simulated=simulated),
        printer=open_printer(devices.printer),
    )


@dataclass
class KioskApp:
    kiosk: Kiosk
    hub: DeviceHub
    journey: JourneyViewModel
    catalog: CatalogViewModel
    language: LanguageSwitch
    speaker: Speaker
    camera: CameraFeed
    services: GatewayServices
    engine: QQmlApplicationEngine
    window: QQuickWindow

    def find(self, name: str) -> QObject | None:
        """The QML item with this objectName (tests and the scripted demo tap by name)."""
        found: QObject | None = self.window.findChild(QObject, name)
        return found

    def grab(self, path: Path) -> Path:
        image = self.window.grabWindow()
        if image.isNull() or not image.save(str(path)):
            raise OSError(f"could not save a screenshot to {path}")
        return path

    def resize(self, orientation: Orientation) -> None:
        width, height = SIZES[orientation]
        self.window.resize(width, height)

    def close(self) -> None:
        """Stop timers and devices and destroy the QML before the objects it binds to, so no
        binding is evaluated against a view-model that is already gone."""
        self.journey.stop()
        self.camera.unwatch()
        self.speaker.stop()
        self.language.detach()
        loader = self.find("screenLoader")
        if loader is not None:
            loader.setProperty("active", False)
        self.window.close()
        shiboken6.delete(self.engine)
        self.hub.close()
        self.services.close()


def _load_fonts() -> None:
    for path in sorted(FONTS.glob("*.ttf")):
        if QFontDatabase.addApplicationFont(str(path)) < 0:
            log.warning("font %s could not be loaded", path.name)


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    devices: Devices | None = None,
    services: GatewayServices | None = None,
    queue: DossierQueue | None = None,
    speaker: Speaker | None = None,
    orientation: Orientation = Orientation.PORTRAIT,
    tick_interval_ms: int | None = 1000,
    spawn: Callable[[Callable[[], None]], None] | None = None,
    show: bool = True,
    extensions: Mapping[str, QObject] | None = None,
    simulated: Simulated = NO_SIMULATION,
) -> KioskApp:
    """Build and wire the whole app; raises ConfigError for broken data, RuntimeError when the
    QML cannot be loaded. ``extensions`` are extra objects the screens may use when present
    (the demo's ``simulator`` buttons); absent ones are null in QML."""
    if QGuiApplication.instance() is None:
        raise RuntimeError("create the QGuiApplication first (after prepare_qt_environment)")
    clock = clock or SystemClock()
    services = services or build_gateway_services(settings, clock=clock)
    kiosk = build_kiosk(settings, clock=clock, queue=queue, confirmation=services.confirmation)
    devices = devices or open_devices(settings, clock, simulated)
    kept = KeptSlipStore(settings.paths.data_dir / KEPT_SLIPS_DIR)
    hub = DeviceHub(
        settings=settings,
        qr=devices.qr,
        scanner=devices.scanner,
        printer=devices.printer,
        kept_slips=kept,
        services=services,
        spawn=spawn,
    )
    journey = JourneyViewModel(
        journey=kiosk.journey,
        settings=settings,
        clock=clock,
        hub=hub,
        tick_interval_ms=tick_interval_ms,
    )
    # Every signal of the app is wired here. Device answers arrive on the GUI thread (queued:
    # the hub emits from worker threads, the view-model lives on the GUI thread).
    kiosk.journey.subscribe(journey.on_snapshot)
    hub.qrRead.connect(journey.on_qr)
    hub.pageReady.connect(journey.on_page_ready)
    hub.scanFinished.connect(journey.on_scan_finished)
    hub.printDone.connect(journey.on_print_done)
    hub.verificationDone.connect(journey.on_verification)
    hub.statusLooked.connect(journey.on_status)
    catalog = CatalogViewModel(kiosk.catalog)
    # espeak-ng first: the speechd route can hang at start-up when its daemon is wedged
    # (seen here), and espeak-ng's own Vietnamese voice is what speechd would use anyway.
    speaker = speaker or Speaker(open_backend((SpeechEngine.ESPEAK_NG, SpeechEngine.SPEECHD)))
    camera = CameraFeed(devices.qr)

    _load_fonts()
    engine = QQmlApplicationEngine()
    language = LanguageSwitch(settings.kiosk.language, engine)

    # The next citizen starts in the kiosk's language, whatever the last one chose.
    journey.sessionEnded.connect(language.reset)
    journey.sessionEnded.connect(catalog.reset)
    journey.sessionEnded.connect(devices.qr.forget_repeats)
    journey.attractIdle.connect(language.reset)
    journey.attractIdle.connect(catalog.reset)
    # Screens are built and destroyed per citizen: collect the QML heap when one leaves, then
    # hand what was freed back to the system (slots run in the order they were connected).
    journey.sessionEnded.connect(engine.collectGarbage)
    journey.sessionEnded.connect(release_free_memory)
    engine.addImageProvider("camera", CameraImageProvider(camera))
    context = engine.rootContext()
    for name, value in (
        ("journey", journey),
        ("catalog", catalog),
        ("lang", language),
        ("speech", speaker),
        ("camera", camera),
    ):
        context.setContextProperty(name, value)
    for name in OPTIONAL_CONTEXT:
        context.setContextProperty(name, (extensions or {}).get(name))
    context.setContextProperty("agencyName", settings.agency.name)
    width, height = SIZES[orientation]
    engine.setInitialProperties({"width": width, "height": height, "visible": show})
    engine.load(QUrl.fromLocalFile(str(QML_MAIN)))
    roots = engine.rootObjects()
    if not roots or not isinstance(roots[0], QQuickWindow):
        raise RuntimeError(f"{QML_MAIN} did not load")
    window = roots[0]
    hub.start_qr()
    return KioskApp(
        kiosk=kiosk,
        hub=hub,
        journey=journey,
        catalog=catalog,
        language=language,
        speaker=speaker,
        camera=camera,
        services=services,
        engine=engine,
        window=window,
    )
