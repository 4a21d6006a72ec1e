"""Composition root of the touchscreen app: the one place that builds the kiosk, its devices,
the gateway services, the use cases, the screen router, the view-models and the QML engine, and
wires every signal. The only module of ``ui`` that names the drivers: the rest of ``ui`` sees
the devices through the kiosk's use cases and ports.

``build_app`` needs a ``QGuiApplication`` to exist (created by ``main`` or by pytest-qt) and the
Qt environment prepared before it was created (``prepare_qt_environment``): the virtual keyboard
is an input-method plugin chosen when the application starts.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCore import QObject, QTimer, QUrl
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtQml import QQmlApplicationEngine
from PySide6.QtQuick import QQuickWindow

from config.settings import (
    GatewaySection,
    ScannerDriver,
    Settings,
    load_settings,
    save_settings,
)
from drivers.network.base import WifiControl
from drivers.network.nm import NetworkManagerWifi
from drivers.ocr.tesseract import TesseractReader
from drivers.printer import ReceiptPrinter, open_printer
from drivers.printer.base import PrinterStatus, PrintResult, RenderedSlip
from drivers.printer.kept import KeptSlipStore
from drivers.printer.profiles import load_profile
from drivers.printer.slip import render_slip, render_test_page
from drivers.qr import make_qr_reader
from drivers.qr.base import (
    CameraTuning,
    PayloadCallback,
    PreviewFrame,
    QrReader,
    QrStatus,
    StatusPredicate,
)
from drivers.qr.camera import CameraQrReader
from drivers.removable.base import RemovableMedia
from drivers.removable.directory import DirectoryMedia
from drivers.removable.udisks import UDisksMedia
from drivers.scanner import DocumentScanner, open_scanner
from drivers.scanner.base import (
    DoneCallback,
    PageCallback,
    ScanJob,
    ScannerCapabilities,
    ScannerInfo,
    ScanRequest,
)
from drivers.simulated import NONE as NO_SIMULATION
from drivers.simulated import Simulated
from dvc_common.catalog import Catalog
from dvc_common.clock import Clock, SystemClock
from dvc_common.device_report import report_path
from dvc_common.trust import TrustError, parse_enrolment_code
from kiosk import __version__
from kiosk.app import Kiosk, build_kiosk
from kiosk.device_setup import (
    DeviceChoice,
    save_if_answered,
    try_device,
    try_gateway,
)
from kiosk.device_watch import DeviceWatch, scanner_present
from kiosk.doctor import CheckResult, DeviceFactories, Doctor
from kiosk.document_check import DocumentChecker
from kiosk.enrolment import EnrolmentError, EnrolmentProblem, enrol
from kiosk.gateway_services import GatewayServices, build_gateway_services
from kiosk.logbook import RecentLog
from kiosk.lookup import LookupDesk, StatusQuery
from kiosk.maintenance import (
    CareResult,
    OutboxCare,
    WifiAction,
    export_log,
    export_outbox,
    first_stick,
    trial_scan,
    wifi_view,
)
from kiosk.maintenance_window import SessionMarker
from kiosk.outbox import Outbox
from kiosk.ports import DossierQueue
from kiosk.printing import PrintDesk, SlipPrinting
from kiosk.router import ScreenRouter
from kiosk.scanning import ScanDesk, ScanService
from kiosk.technician import AuditKind, TechnicianAccess
from kiosk.title_check import TitleChecker
from kiosk.verification import IdentityCheck, VerificationDesk
from offline_queue.opening import open_queue_store
from offline_queue.store import QueueStore
from ui.camera import CameraFeed, CameraImageProvider
from ui.catalog_vm import CatalogViewModel
from ui.devices import DeviceHub
from ui.i18n import LanguageSwitch
from ui.journey_vm import JourneyViewModel
from ui.lookup_vm import LookupViewModel
from ui.memory import limit_malloc_arenas, release_free_memory
from ui.router import RouterViewModel
from ui.speech import Speaker, SpeechEngine, open_backend
from ui.technician_vm import TechnicianTools, TechnicianViewModel

log = logging.getLogger(__name__)
_T = TypeVar("_T")

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
    # The technician's: Wi-Fi through NetworkManager and USB sticks through udisks2 (each
    # connects per operation, so building them opens nothing).
    network: WifiControl | None = None
    media: RemovableMedia | None = None


def open_devices(settings: Settings, clock: Clock, simulated: Simulated = NO_SIMULATION) -> Devices:
    """The devices the settings choose (``simulated`` builds those set to "simulated"); nothing
    is opened until first used."""
    devices = settings.devices
    return Devices(
        qr=make_qr_reader(devices.qr, clock, simulated=simulated),
        scanner=open_scanner(devices.scanner, simulated=simulated),
        printer=open_printer(devices.printer),
        network=simulated.network or NetworkManagerWifi(),
        media=_media(settings),
    )


def _same_gateway(settings: Settings, code: str) -> None:
    """A code read at the reader names its gateway; it may re-point only a kiosk whose file still
    has the built-in address (one set up for a province names its gateway there). Otherwise a
    QR code from anywhere could send the next citizens' dossiers to another server."""
    try:
        named = urlsplit(parse_enrolment_code(code).gateway_url).hostname
    except TrustError:
        return  # not a code at all: enrolment says so

    configured = settings.gateway.url
    if named and configured != GatewaySection().url and named != urlsplit(configured).hostname:
        raise EnrolmentError(
            EnrolmentProblem.BAD_GATEWAY_URL, f"the code is for {named}, this kiosk's is not"
        )


def _enrol(config_path: Path, code: str) -> tuple[str, str]:
    """Enrol with a code read at the reader; the configuration is written, the app goes on
    with the old one until restarted."""
    with _CONFIG_WRITES:
        current = _configured(config_path, Settings())
        _same_gateway(current, code)
        enrolled = enrol(code, config_path)
    return enrolled.kiosk_id, enrolled.gateway_url


# Enrolment and device set-up both rewrite the configuration file, from worker threads.
_CONFIG_WRITES = threading.Lock()


def _configured(config_path: Path, otherwise: Settings) -> Settings:
    """The configuration file as it is now (enrolment or another change may have rewritten it
    since the app started), or ``otherwise`` where there is none yet."""
    return load_settings(config_path) if config_path.exists() else otherwise


class _BorrowedQr:
    """The app's own QR reader lent to the doctor: it is looked at, never started or stopped
    (the app keeps reading; a second reader on the same device would find it busy)."""

    def __init__(self, reader: QrReader) -> None:
        self._reader = reader

    def start(self, on_payload: PayloadCallback) -> None:
        """Already reading for the app."""

    def stop(self) -> None:
        """Still reading for the app."""

    def status(self) -> QrStatus:
        return self._reader.status()

    def wait_status(self, predicate: StatusPredicate, timeout_s: float) -> QrStatus | None:
        return self._reader.wait_status(predicate, timeout_s)

    def latest_preview(self) -> PreviewFrame | None:
        return self._reader.latest_preview()

    def forget_repeats(self) -> None:
        self._reader.forget_repeats()


class _BorrowedScanner:
    """The app's scanner lent to the doctor: asked, never closed."""

    def __init__(self, scanner: DocumentScanner) -> None:
        self._scanner = scanner

    def discover(self) -> list[ScannerInfo]:
        return self._scanner.discover()

    def info(self) -> ScannerInfo:
        return self._scanner.info()

    def capabilities(self) -> ScannerCapabilities:
        return self._scanner.capabilities()

    def start_scan(
        self, request: ScanRequest, on_page: PageCallback, on_done: DoneCallback | None = None
    ) -> ScanJob:
        return self._scanner.start_scan(request, on_page, on_done)

    def close(self) -> None:
        """The app goes on using it."""


class _BorrowedPrinter:
    """The app's printer lent to the doctor: its status asked, never closed."""

    def __init__(self, printer: ReceiptPrinter) -> None:
        self._printer = printer

    def status(self) -> PrinterStatus:
        return self._printer.status()

    def print_slip(self, slip: RenderedSlip, job_id: str) -> PrintResult:
        return self._printer.print_slip(slip, job_id)

    def close(self) -> None:
        """The app goes on using it."""


def _status_checks(settings: Settings, clock: Clock, devices: Devices) -> list[CheckResult]:
    """The doctor's checks, on the devices this app holds (borrowed, not opened again)."""
    borrowed = DeviceFactories(
        qr=lambda _section, _clock: _BorrowedQr(devices.qr),
        scanner=lambda _section: _BorrowedScanner(devices.scanner),
        printer=lambda _section: _BorrowedPrinter(devices.printer),
    )
    return Doctor(settings, clock=clock, devices=borrowed).run()


def _setup_device(
    settings: Settings, config_path: Path, choice: DeviceChoice
) -> tuple[bool, CheckResult]:
    """Probe the device as chosen, and write the configuration if it answered. Built on the
    file as it is now, not as the app started: an enrolment (or another device) saved since
    must not be overwritten."""
    with _CONFIG_WRITES:
        current = _configured(config_path, settings)
        changed, check = try_device(current, choice)
        return save_if_answered(changed, [check], config_path), check


def _setup_gateway(
    settings: Settings, config_path: Path, url: str, ca_file: str, proxy: str
) -> tuple[bool, list[CheckResult]]:
    """The link checked with the new address, trust and proxy; written if no step failed."""
    with _CONFIG_WRITES:
        current = _configured(config_path, settings)
        changed, steps = try_gateway(current, url, ca_file, proxy)
        return save_if_answered(changed, steps, config_path), steps


def _list_scanners(scanner: DocumentScanner) -> list[tuple[str, str]]:
    """What the app's scanner driver finds (SANE lists every device its backends see)."""
    return [(info.name, f"{info.vendor} {info.model}".strip()) for info in scanner.discover()]


def _save_camera(
    settings: Settings, config_path: Path, exposure: int | None, focus: int | None
) -> None:
    """The camera's exposure and focus into the configuration file as it is now."""
    with _CONFIG_WRITES:
        current = _configured(config_path, settings)
        qr = current.devices.qr.model_copy(
            update={"camera_exposure": exposure, "camera_focus": focus}
        )
        devices = current.devices.model_copy(update={"qr": qr})
        save_settings(current.model_copy(update={"devices": devices}), config_path)


def _media(settings: Settings) -> RemovableMedia:
    """The configured stand-in folder (the demo, the tests), else udisks2's sticks."""
    folder = settings.paths.usb_dir
    return DirectoryMedia(folder) if folder is not None else UDisksMedia()


@dataclass
class KioskApp:
    kiosk: Kiosk
    hub: DeviceHub
    router: RouterViewModel
    journey: JourneyViewModel
    lookup: LookupViewModel
    catalog: CatalogViewModel
    technician: TechnicianViewModel
    language: LanguageSwitch
    speaker: Speaker
    camera: CameraFeed
    services: GatewayServices
    engine: QQmlApplicationEngine
    window: QQuickWindow
    session_marker: SessionMarker
    device_watch: DeviceWatch | None = None

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
        self.router.stop()
        self.technician.join()
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
        self.session_marker.close()
        if self.device_watch is not None:
            self.device_watch.stop()


def _load_fonts() -> None:
    for path in sorted(FONTS.glob("*.ttf")):
        if QFontDatabase.addApplicationFont(str(path)) < 0:
            log.warning("font %s could not be loaded", path.name)


class _StoreAudit:
    """The technician's audit trail in the outbox database, which the sync process delivers."""

    def __init__(self, outbox: Outbox, clock: Clock) -> None:
        self._store = outbox.store
        self._clock = clock

    def record(self, kind: AuditKind, actor: str, detail: str) -> None:
        try:
            self._store.record_audit(kind, actor, detail, self._clock.now())
        except Exception as exc:  # an audit write must not stop the technician's work
            log.error("audit record not stored (%s): %s %s", type(exc).__name__, kind.value, detail)


class _LoggedAudit:
    """Where there is no outbox (tests with an in-memory queue): the log only."""

    def record(self, kind: AuditKind, actor: str, detail: str) -> None:
        log.info("audit: %s by %s: %s", kind.value, actor, detail)


def _audit_trail(kiosk: Kiosk, clock: Clock) -> _StoreAudit | _LoggedAudit:
    queue = kiosk.queue
    return _StoreAudit(queue, clock) if isinstance(queue, Outbox) else _LoggedAudit()


def _recent_log() -> RecentLog:
    """One in-memory log per process, on the root logger (the technician's log section)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, RecentLog):
            return handler
    handler = RecentLog()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    return handler


def _technician_tools(
    settings: Settings,
    clock: Clock,
    *,
    kiosk: Kiosk,
    hub: DeviceHub,
    speaker: Speaker,
    devices: Devices,
) -> TechnicianTools:
    """What the technician's sections work with, from this process's devices and outbox."""
    printing = hub.printing

    def test_print() -> tuple[bool, str]:
        slip = render_test_page(
            load_profile(settings.devices.printer.profile),
            kiosk_id=settings.kiosk.id,
            moment=f"{clock.now():%d/%m/%Y %H:%M}",
        )
        report = printing.print_test(slip)
        return report.ok, report.detail

    has_outbox = isinstance(kiosk.queue, Outbox)
    media = devices.media or _media(settings)
    network = devices.network

    def stick() -> Path:
        return first_stick(media)

    def with_outbox(work: Callable[[QueueStore], _T]) -> _T:
        # A connection of the worker's own: the app's (the GUI thread's) may be in the middle
        # of its own transaction, and one SQLite connection is one thread's at a time.
        store = open_queue_store(settings, now=lambda: clock.now().timestamp())
        try:
            return work(store)
        finally:
            store.close()

    def export() -> CareResult:
        return with_outbox(
            lambda store: export_outbox(
                store,
                stick,
                sealing_key=settings.gateway.sealing_key,
                kiosk_id=settings.kiosk.id,
                now=clock.now(),
                software=__version__,
            )
        )

    return TechnicianTools(
        test_scan=lambda: trial_scan(hub.scanning_service, settings.paths.scratch_dir),
        test_print=test_print,
        printer_status=lambda: printing.printer_status().value,
        outbox=(
            (lambda: with_outbox(lambda s: OutboxCare(s).summary(clock.now().timestamp())))
            if has_outbox
            else None
        ),
        retry=(
            (lambda receipt: with_outbox(lambda s: OutboxCare(s).retry(receipt)))
            if has_outbox
            else None
        ),
        export=export if has_outbox else None,
        export_log=lambda text: export_log(text, stick, settings.kiosk.id, clock.now()),
        say=speaker.say if speaker.available else None,
        wifi=(
            (lambda action, args: wifi_view(network, WifiAction(action), **args))
            if network is not None
            else None
        ),
    )


def document_checker(settings: Settings, catalog: Catalog) -> DocumentChecker | None:
    """The check of each scanned document against the catalog (its title read with tesseract,
    whose engine loads on the first check), or None: turned off in the settings (``[devices.
    scanner] check_documents``), or a scanner that feeds no real paper (the fake and simulated
    scanners hand over generated sample pages, which are no document of the catalog: every scan
    would be warned about)."""
    scanner = settings.devices.scanner
    if not scanner.check_documents or scanner.driver is not ScannerDriver.SANE:
        return None
    return TitleChecker(TesseractReader(), catalog)


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
    config_path: Path | None = None,
    restart: Callable[[], None] | None = None,
) -> KioskApp:
    """Build and wire the whole app; raises ConfigError for broken data, RuntimeError when the
    QML cannot be loaded. ``extensions`` are extra objects the screens may use when present
    (the demo's ``simulator`` buttons); absent ones are null in QML. ``config_path`` is where
    the technician's enrolment writes (no enrolment on the touchscreen without one), and
    ``restart`` starts the app again on what it wrote."""
    if QGuiApplication.instance() is None:
        raise RuntimeError("create the QGuiApplication first (after prepare_qt_environment)")
    clock = clock or SystemClock()
    services = services or build_gateway_services(settings, clock=clock)
    kiosk = build_kiosk(settings, clock=clock, queue=queue, confirmation=services.confirmation)
    devices = devices or open_devices(settings, clock, simulated)
    kept = KeptSlipStore(settings.paths.data_dir / KEPT_SLIPS_DIR, clock=clock)
    hub = DeviceHub(
        qr=devices.qr,
        scanning=ScanService(
            devices.scanner,
            settings.devices.scanner,
            document_checker(settings, kiosk.catalog),
        ),
        printing=SlipPrinting(
            printer=devices.printer, kept=kept, render=render_slip, settings=settings
        ),
        identity=IdentityCheck(services.identity),
        status=StatusQuery(services.status),
        spawn=spawn,
    )
    core_journey = kiosk.journey
    # The use cases' halves on the GUI thread; their work runs through the hub's threads.
    scan_desk = ScanDesk(core_journey, hub, defer=lambda work: QTimer.singleShot(0, work))
    print_desk = PrintDesk(core_journey, hub.print_slip)
    verification = VerificationDesk(core_journey, hub.verify_identity)
    router = ScreenRouter(
        core_journey,
        clock,
        attract_idle_s=settings.session.idle_warning_after_s,
        forget_codes=devices.qr.forget_repeats,
        # Not enrolled (a new appliance): the first-run set-up instead of citizen screens.
        # Enrolment restarts the app on the configuration it wrote.
        needs_setup=lambda: not settings.gateway.token.get_secret_value(),
    )
    router_vm = RouterViewModel(router, tick_interval_ms)
    journey = JourneyViewModel(
        journey=core_journey,
        settings=settings,
        clock=clock,
        router=router,
        scan=scan_desk,
        printing=print_desk,
        verification=verification,
    )
    lookup = LookupViewModel(
        LookupDesk(hub.lookup_status), router, ZoneInfo(settings.kiosk.timezone)
    )
    # Every signal of the app is wired here. Each journey move reaches the use cases, then the
    # view-model's data, then the router (the screen switches), and only then do the screens
    # re-read the data: a screen never reads data meant for another one.
    for listener in (
        scan_desk.on_snapshot,
        verification.on_snapshot,
        print_desk.on_snapshot,
        journey.on_snapshot,
        router.on_snapshot,
        journey.publish,
    ):
        core_journey.subscribe(listener)
    # ``session-active`` in the scratch directory while a citizen's session is open, for the
    # maintenance check; read afresh (a listener before may have dispatched a newer event).
    session_marker = SessionMarker(settings.paths.scratch_dir, clock)
    core_journey.subscribe(lambda _: session_marker.update(router.in_session))
    router.entered.connect(lookup.on_entered)
    router.left.connect(lookup.on_left)
    router.lookup_codes.connect(lookup.ask)
    # Device answers arrive on the GUI thread (queued: the hub emits from worker threads, the
    # view-models live on the GUI thread).
    hub.qrRead.connect(router_vm.on_code)
    hub.pageReady.connect(journey.on_page_ready)
    hub.checkStarted.connect(journey.on_check_started)
    hub.scanFinished.connect(journey.on_scan_finished)
    hub.printDone.connect(journey.on_print_done)
    hub.verificationDone.connect(journey.on_verification)
    hub.statusLooked.connect(lookup.on_status)
    catalog = CatalogViewModel(kiosk.catalog)
    audit = _audit_trail(kiosk, clock)
    recent_log = _recent_log()
    # espeak-ng first: the speechd route can hang at start-up when its daemon is wedged
    # (seen here), and espeak-ng's own Vietnamese voice is what speechd would use anyway.
    speaker = speaker or Speaker(open_backend((SpeechEngine.ESPEAK_NG, SpeechEngine.SPEECHD)))
    camera = CameraFeed(devices.qr)
    tools = _technician_tools(
        settings, clock, kiosk=kiosk, hub=hub, speaker=speaker, devices=devices
    )
    tools.checks = partial(_status_checks, settings, clock, devices)
    if config_path is not None:
        tools.enrol = partial(_enrol, config_path)
        tools.setup = partial(_setup_device, settings, config_path)
        tools.setup_gateway = partial(_setup_gateway, settings, config_path)
    tools.gateway_now = lambda: {
        "url": settings.gateway.url,
        "caFile": str(settings.gateway.ca_file or ""),
        "proxy": settings.gateway.proxy,
    }
    tools.restart = restart
    tools.enrolled = lambda: bool(settings.gateway.token.get_secret_value())
    tools.cancel_scan = hub.scanning_service.cancel
    tools.list_scanners = partial(_list_scanners, devices.scanner)
    qr = devices.qr
    if isinstance(qr, CameraQrReader) and qr.tunable:
        tools.camera_tuning = lambda: (qr.tuning.exposure, qr.tuning.focus)
        tools.tune_camera = lambda exposure, focus: qr.tune(CameraTuning(exposure, focus))
        if config_path is not None:
            tools.save_camera = partial(_save_camera, settings, config_path)
    technician = TechnicianViewModel(
        router=router,
        journey=core_journey,
        access=TechnicianAccess(lambda: settings, clock, audit, settings.paths.data_dir),
        audit=audit,
        clock=clock,
        recent_log=recent_log,
        tools=tools,
        spawn=spawn,
    )

    _load_fonts()
    engine = QQmlApplicationEngine()
    language = LanguageSwitch(settings.kiosk.language, engine)

    # The view-models word the core's reasons in Python (ui.translate): on a language switch
    # the screens must read them again, as qsTrId bindings are re-read by retranslate().
    language.changed.connect(journey.changed)
    language.changed.connect(lookup.changed)
    language.changed.connect(catalog.changed)  # processing times are worded per language
    # The next citizen starts in the kiosk's language, whatever the last one chose.
    router_vm.sessionEnded.connect(language.reset)
    router_vm.sessionEnded.connect(catalog.reset)
    router_vm.sessionEnded.connect(devices.qr.forget_repeats)
    router_vm.homeWiped.connect(language.reset)
    router_vm.homeWiped.connect(catalog.reset)
    # Screens are built and destroyed per citizen: collect the QML heap when one leaves, then
    # hand what was freed back to the system (slots run in the order they were connected).
    router_vm.sessionEnded.connect(engine.collectGarbage)
    router_vm.sessionEnded.connect(release_free_memory)
    engine.addImageProvider("camera", CameraImageProvider(camera))
    context = engine.rootContext()
    for name, value in (
        ("router", router_vm),
        ("journey", journey),
        ("lookup", lookup),
        ("catalog", catalog),
        ("technician", technician),
        ("lang", language),
        ("speech", speaker),
        ("camera", camera),
    ):
        context.setContextProperty(name, value)
    for name in OPTIONAL_CONTEXT:
        context.setContextProperty(name, (extensions or {}).get(name))
    context.setContextProperty("agencyName", settings.agency.name)
    context.setContextProperty("officeHours", settings.agency.office_hours)
    width, height = SIZES[orientation]
    engine.setInitialProperties({"width": width, "height": height, "visible": show})
    engine.load(QUrl.fromLocalFile(str(QML_MAIN)))
    roots = engine.rootObjects()
    if not roots or not isinstance(roots[0], QQuickWindow):
        raise RuntimeError(f"{QML_MAIN} did not load")
    window = roots[0]
    hub.start_qr()
    # The devices' conditions for the sync process's heartbeats (dvc_common.device_report),
    # asked again at once when a print or a scan has just said something about them.
    watch = DeviceWatch(
        report_path(settings.paths.scratch_dir),
        clock=clock,
        printer=hub.printing.printer_status,
        qr=devices.qr.status,
        find_scanner=partial(scanner_present, devices.scanner, settings.devices.scanner.device),
        scanning=lambda: hub.scanning,
    )
    hub.printDone.connect(lambda _done: watch.poll_soon())
    hub.scanFinished.connect(lambda done: watch.scan_ended(done.end, done.trouble))
    watch.start()
    return KioskApp(
        kiosk=kiosk,
        hub=hub,
        router=router_vm,
        journey=journey,
        lookup=lookup,
        catalog=catalog,
        technician=technician,
        language=language,
        speaker=speaker,
        camera=camera,
        services=services,
        engine=engine,
        window=window,
        session_marker=session_marker,
        device_watch=watch,
    )
