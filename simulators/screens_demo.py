"""The README's demo: the touchscreen app on an embedded default, with no hardware.

It starts the reference gateway on loopback (with the invented sample citizen in its identity
register), the sync process as its own process, and the app on simulated devices: a QR reader
that shows the sample CCCD code on request, a scanner fake fed with generated A4 pages, and a
printer that writes each slip as PNG and ESC/POS bytes into a folder. With a display the window
opens for a person to use. Without one a scripted citizen walks the whole journey through the
real QML (tapping by objectName), every screen is saved as a PNG in both orientations, and the
paths are printed.

``play_citizen`` is also what the end-to-end tests and ``benchmarks.ui`` drive.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from pydantic import SecretStr
from PySide6.QtGui import QGuiApplication
from PySide6.QtQuick import QQuickWindow

from config.settings import (
    DevicesSection,
    GatewaySection,
    Language,
    PathsSection,
    PrinterDriver,
    PrinterSection,
    QrDecoder,
    QrDriver,
    QrSection,
    ScannerDriver,
    ScannerSection,
    Settings,
    save_settings,
)
from drivers.network.base import Security
from drivers.network.fake import FakeNetwork, FakeWifiControl
from drivers.qr.base import QrReader
from drivers.qr.camera import CameraQrReader
from drivers.qr.decode import FrameDecoder
from drivers.qr.fake import FakeFrameSource, FakeQrReader
from drivers.scanner.fake import FakeScanner
from drivers.simulated import Simulated
from dvc_common.catalog import FieldType
from dvc_common.clock import Clock, SteppableClock
from kiosk.router import Screen
from simulators.buttons import Simulator
from simulators.gateway_process import GatewayProcess
from simulators.layout_check import LayoutProblem, layout_problems
from simulators.people import DEMO_APPLICANT, sample_person
from simulators.scan_pages import GOOD_SCAN, PageKind, sample
from simulators.script import Driver
from ui.app import KioskApp, Orientation, build_app, prepare_qt_environment
from ui.journey_vm import JourneyViewModel
from ui.messages import guide_id, sentences
from ui.router import RouterViewModel

DEMO_PROCEDURE = "1.001193"  # Đăng ký khai sinh: a form with choices, dates and two documents
BOTH = (Orientation.PORTRAIT, Orientation.LANDSCAPE)


def demo_pages(count: int, seed: int = 7) -> list[np.ndarray]:
    """Generated A4 text pages at 200 dpi, as a citizen's papers would come off the feeder."""
    rng = np.random.default_rng(seed)
    return [sample(PageKind.TEXT, rng, GOOD_SCAN).image for _ in range(count)]


def demo_wifi() -> FakeWifiControl:
    """The commune office's Wi-Fi as the demo's technician sees it (joined), and two more.
    The keys are the demo's own, invented."""
    return FakeWifiControl(
        [
            FakeNetwork("UBND-xa-Mau", 82, passphrase="motcua2026"),  # noqa: S106
            FakeNetwork("Bo-phan-Mot-cua", 64, passphrase="tiepdan123"),  # noqa: S106
            FakeNetwork("Cafe Mien Nui", 31, security=Security.OPEN),
        ],
        saved=["UBND-xa-Mau"],
        connected_to="UBND-xa-Mau",
    )


@dataclass
class SimulatedDevices:
    """The demo's devices. The settings select them (``driver = "simulated"``) and the app's own
    factories build them from the constructors ``factories`` hands to the app's root."""

    qr: QrReader
    scanner: FakeScanner
    network: FakeWifiControl = field(default_factory=demo_wifi)

    def factories(self) -> Simulated:
        return Simulated(
            qr=lambda _section, _clock: self.qr,
            scanner=lambda _section: self.scanner,
            network=self.network,
        )


def simulated_devices(
    clock: Clock,
    *,
    sheets: int = 2,
    page_interval_s: float = 0.4,
    camera: bool = True,
) -> SimulatedDevices:
    """``camera``: the real camera reader (capture thread, decoders, preview) looking at a
    simulated scene, so the identify screen shows a live picture with the framing guide;
    otherwise the scripted fake reader."""
    qr: QrReader
    if camera:
        qr = CameraQrReader(FakeFrameSource(), FrameDecoder(QrDecoder.PIPELINE), clock)
    else:
        qr = FakeQrReader(clock)
    return SimulatedDevices(
        qr=qr, scanner=FakeScanner(feeder=list(demo_pages(sheets)), page_interval_s=page_interval_s)
    )


@dataclass
class DemoApp:
    kapp: KioskApp
    simulator: Simulator


def build_simulated_app(
    settings: Settings,
    devices: SimulatedDevices,
    *,
    clock: Clock,
    sms_outbox: Path | None = None,
    **options: Any,
) -> DemoApp:
    """The touchscreen app on ``devices``, with the demo's buttons (hold up a code, read the
    SMS) on the screens. The composition root of the demo process."""
    simulator = Simulator(devices.qr, sms_outbox)
    kapp = build_app(
        settings,
        clock=clock,
        extensions={"simulator": simulator},
        simulated=devices.factories(),
        **options,
    )
    kapp.kiosk.journey.subscribe(simulator.observe)
    return DemoApp(kapp, simulator)


def register_sample_citizen(gateway_data: Path) -> None:
    """Put the invented sample person into the reference gateway's identity register, so that
    identity verification answers "verified" in the demo."""
    person = sample_person()
    identity = {
        "id_number": person.id_number,
        "full_name": person.full_name,
        "date_of_birth": person.born.isoformat(),
    }
    (gateway_data / "identities.json").write_text(json.dumps([identity], ensure_ascii=False))


def demo_settings(workspace: Path, gateway: GatewayProcess | None) -> Settings:
    return Settings(
        paths=PathsSection(data_dir=workspace / "data", scratch_dir=workspace / "scratch"),
        gateway=GatewaySection(
            url=gateway.url if gateway else "http://127.0.0.1:9",
            token=SecretStr(gateway.token if gateway else ""),
        ),
        devices=DevicesSection(
            qr=QrSection(driver=QrDriver.SIMULATED),
            scanner=ScannerSection(driver=ScannerDriver.SIMULATED),
            printer=PrinterSection(driver=PrinterDriver.FAKE, path=workspace / "slips"),
        ),
    )


@dataclass
class SyncProcess:
    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, config: Path, log: Path) -> SyncProcess:
        with log.open("ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "kiosk", "--config", str(config), "sync", "run"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return cls(process)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def demo_backend(workspace: Path) -> Iterator[tuple[Settings, GatewayProcess]]:
    """The reference gateway and the sync process, running for as long as the block."""
    gateway_data = workspace / "gateway"
    gateway = GatewayProcess.start(gateway_data)
    sync: SyncProcess | None = None
    try:
        register_sample_citizen(gateway_data)
        settings = demo_settings(workspace, gateway)
        config = workspace / "kiosk.toml"
        save_settings(settings, config)
        sync = SyncProcess.start(config, workspace / "sync.log")
        yield settings, gateway
    finally:
        if sync is not None:
            sync.stop()
        gateway.stop()


def sample_value(field: dict[str, object]) -> str:
    """A plausible answer for an empty required field of the demo procedure."""
    kind = FieldType(str(field["type"]))
    choices = field.get("choices") or []
    if kind is FieldType.CHOICE and isinstance(choices, list) and choices:
        return str(choices[0]["value"])
    return {
        FieldType.DATE: "28/11/2026",
        FieldType.PHONE: "0912345678",
        FieldType.INTEGER: "1",
        FieldType.ID_NUMBER: DEMO_APPLICANT.id_number,
        FieldType.EMAIL: "mau@example.vn",
        FieldType.NAME: "Nguyễn Thị Mai",
        FieldType.ADDRESS: DEMO_APPLICANT.address,
    }.get(kind, "Kinh")


@dataclass
class JourneyShots:
    """Each screen saved in each orientation, and its layout checked there from the items'
    geometry (``simulators.layout_check``): ``problems`` collects what is clipped, overlapped,
    too small or under the keyboard, by screenshot name."""

    folder: Path | None
    orientations: tuple[Orientation, ...] = BOTH
    taken: list[Path] | None = None
    problems: dict[str, list[LayoutProblem]] = field(default_factory=dict)

    def __call__(self, driver: Driver, name: str) -> None:
        if self.folder is None:
            return
        shots = driver.shoot(
            self.folder, name, self.orientations, check=partial(self._check, name)
        )
        if self.taken is not None:
            self.taken.extend(shots)

    def _check(self, name: str, orientation: Orientation, window: QQuickWindow) -> None:
        found = layout_problems(window)
        if found:
            self.problems[f"{name}-{orientation.value}"] = found


class Pace(Protocol):
    """How a person spends time at the kiosk, for the journey benchmark: called on every screen
    the citizen reads (with the words it shows), before every tap, for every character typed and
    for each physical action (taking out the card, feeding paper). The demo and the tests pass
    ``NO_PACE``: the script runs as fast as the screens allow."""

    def read(self, screen: str, words: int) -> None: ...

    def act(self, what: str) -> None: ...

    def typed(self, characters: int) -> None: ...


class _NoPace:
    def read(self, screen: str, words: int) -> None:
        pass

    def act(self, what: str) -> None:
        pass

    def typed(self, characters: int) -> None:
        pass


NO_PACE: Pace = _NoPace()


def play_citizen(
    driver: Driver,
    *,
    shoot: Callable[[Driver, str], None] = lambda d, n: None,
    sms_code: Callable[[], str] | None = None,
    procedure: str = DEMO_PROCEDURE,
    rating: int = 5,
    stop_at_done: bool = False,
    pace: Pace = NO_PACE,
    show_errors: bool = True,
) -> str:
    """One whole journey through the real QML; returns the dossier code shown at the end.
    ``stop_at_done`` leaves the citizen on the done screen once printing has finished;
    ``show_errors`` first tries to go on with a phone number too short (the demo's picture of
    an error), and shows a page full screen and the cancel question; the benchmark's citizen
    does none of that."""
    kapp = driver.kapp
    journey = kapp.journey

    def tap(name: str) -> None:
        pace.act("tap")
        driver.tap(name)

    seen: set[str] = set()

    def read(screen: str) -> None:
        if pace is not NO_PACE:  # counting words walks the whole scene: only when timed
            pace.read(screen, words_to_read(driver, seen))

    driver.wait_screen(Screen.HOME)
    shoot(driver, "01-home")
    read("home")
    tap("startButton")
    driver.wait_screen(Screen.PROCEDURES)
    read("procedures")
    if show_errors:
        driver.type_into("searchField", "khai sinh")
        shoot(driver, "02-search")
    tap(f"procedure_{procedure}")
    driver.wait_screen(Screen.DETAILS)
    shoot(driver, "03-details")
    read("details")
    tap("proceedButton")
    driver.wait_screen(Screen.IDENTIFY)
    shoot(driver, "04-identify")
    read("identify")
    pace.act("card")  # the card or the phone out of the pocket and up to the reader
    driver.tap("simulateQrButton", counted=False)  # stands for holding it up
    driver.wait_screen(Screen.CARD_CHECK)
    shoot(driver, "05-card")
    read("card")
    tap("proceedButton")
    driver.wait_screen(Screen.FORM)
    page_number = 0
    if show_errors:
        shoot(driver, "06-form")
        driver.type_into("field_phone", "0912")  # too short: the page says what is wrong
        driver.tap("proceedButton")
        driver.wait_until(lambda: bool(journey.message), "the form's error message")
        shoot(driver, "07-form-error")
    while kapp.router.screen == Screen.FORM:
        page_number += 1
        before = _page_key(journey)
        read("form")
        answer_page(driver, journey, pace)
        driver.wait_until(
            partial(_left_page, kapp.router, journey, before), f"form page {before} to be done"
        )
        if show_errors and kapp.router.screen == Screen.FORM and page_number == 1:
            shoot(driver, "08-form-page")
    driver.wait_screen(Screen.SCAN)
    first = True
    while kapp.router.screen == Screen.SCAN:
        index = journey.documentIndex
        document = journey.documents[index]
        read("scan")
        if document["mandatory"] and not document["pages"]:
            pace.act("feed")  # the pages into the tray
            tap("scanButton")
            driver.wait_until(
                partial(_scanned_into, journey, index), "the scanned pages", timeout_s=60
            )
            if first:
                shoot(driver, "09-scan")
                if show_errors:  # a page full screen, to check it can be read
                    driver.tap("viewPage_0")
                    shoot(driver, "09-scan-page-view")
                    driver.tap("closeViewerButton")
                first = False
            read("scanned")
            pace.act("collect")  # the originals back out of the scanner
        elif not document["pages"] and show_errors:
            shoot(driver, "10-scan-optional")
        tap("proceedButton")
        driver.wait_until(partial(_moved_on, kapp.router, journey, index), "the next document")
    driver.wait_screen(Screen.REVIEW)
    shoot(driver, "11-review")
    if show_errors:  # "Hủy hồ sơ" asks first; the citizen thinks better of it
        driver.tap("cancelButton")
        shoot(driver, "11-review-cancel")
        driver.tap("keepGoingButton")
    read("review")
    tap("proceedButton")
    driver.wait_screen(Screen.CONFIRM)
    shoot(driver, "12-confirm")
    read("confirm")
    challenge = journey.challenge
    if challenge.get("channel") == "sms":
        if sms_code is None:
            raise AssertionError("the gateway sent an SMS code and no way to read it was given")
        pace.act("phone")  # reading the SMS
        code = sms_code()
    else:
        code = str(challenge["code"])
    driver.type_into("codeField", code)
    pace.typed(len(code))
    driver.press_enter()  # the keyboard's Enter submits
    driver.wait_screen(Screen.DONE)
    driver.wait_until(lambda: journey.printStatus != "pending", "the slip to print", 30)
    dossier_code = str(journey.dossier["code"])
    shoot(driver, "13-done")
    read("done")
    pace.act("slip")  # tearing off the slip
    if stop_at_done:
        return dossier_code
    tap(f"rate_{rating}")
    if rating <= 3:
        shoot(driver, "14-rating-reason")
        tap("reason_wait")
    driver.wait_screen(Screen.HOME)
    return dossier_code


def _left_page(router: RouterViewModel, journey: JourneyViewModel, page: str) -> bool:
    return router.screen != Screen.FORM or _page_key(journey) != page


def _page_key(journey: JourneyViewModel) -> str:
    page = journey.formPage
    return f"{page.get('title', '')}#{page.get('number', 0)}"


def answer_page(driver: Driver, journey: JourneyViewModel, pace: Pace) -> None:
    """Answer the form page on screen as a citizen would: a tap on an answer, typing into the
    field that has the keyboard, Enter to go on (taps only where a finger is needed)."""
    fields = list(journey.fields)
    if journey.formPage.get("choiceOnly"):
        field = fields[0]
        pace.act("tap")
        driver.tap(f"choice_{field['name']}_{sample_value(field)}")
        return
    typed_last = False
    for field in fields:
        # The demo's citizen answers what is required, puts right what is refused, and gives
        # a phone number (optional, for those who have none).
        wanted = field["required"] or field["type"] == "phone" or field["error"]
        if not wanted or (field["value"] and not field["error"]):
            continue
        value = sample_value(field)
        if field["type"] == "choice":
            pace.act("tap")
            driver.tap(f"choice_{field['name']}_{value}")
            typed_last = False
        else:
            taps = driver.taps
            driver.type_into(f"field_{field['name']}", value)
            if driver.taps != taps:
                pace.act("tap")
            pace.typed(len(value))
            typed_last = True
            if _enter_left_page(driver, journey):
                return
    focused = driver.window.activeFocusItem()
    if typed_last and focused is not None and focused.objectName().startswith("field_"):
        # Past the fields left as they were (an optional e-mail), to the next page.
        for _ in range(len(fields) + 1):
            if _enter_left_page(driver, journey):
                return
        return
    pace.act("tap")
    driver.tap("proceedButton")


def _enter_left_page(driver: Driver, journey: JourneyViewModel) -> bool:
    """Enter on the keyboard: to the next field, or after the last one to the next page; True
    when the page was left (or refused, with the reason on screen)."""
    before = _page_key(journey)
    driver.press_enter()
    return _page_key(journey) != before or bool(journey.message) or not journey.fields


# What a citizen must read, not just see: their own details to check, the papers a procedure
# needs, the form's labels and hints, the scan instructions, the dossier's code and date. Lists
# (procedures, choices) are searched for one entry, not read; buttons are read as they are aimed at.
READ_ON_SCREEN = frozenset(
    {"cardDetails", "detailsBody", "formFields", "reviewBody", "doneDossier", "scanInstructions"}
)




def texts_within(driver: Driver, names: frozenset[str]) -> list[str]:
    """The visible ``Text`` strings inside the items called ``names`` (the header and the
    keyboard are never inside one, and are not walked). Asked with ``inherits``, not through
    ``metaObject()``, whose wrappers PySide can hand back stale (``simulators.layout_check``).
    What is typed in a field is not among them."""
    texts = []
    pending = [(driver.window.contentItem(), False)]
    while pending:
        item, counted = pending.pop()
        if not item.isVisible() or item.objectName() in {"header", "keyboard"}:
            continue
        counted = counted or item.objectName() in names
        if counted and item.inherits("QQuickText"):
            text = item.property("text")
            if isinstance(text, str) and text.strip():
                texts.append(text)
        pending.extend((child, counted) for child in item.childItems())
    return texts


def words_to_read(driver: Driver, seen: set[str]) -> int:
    """What a first-time citizen reads on the screen now: its guide (what "Nghe hướng dẫn"
    says: the screen's instructions) the first time it applies, and the content the screen
    asks them to read or check (``READ_ON_SCREEN``) that they have not read on this screen
    before (back on the scan screen after scanning, the instruction just read is not read
    again; each form page's questions are new). ``seen`` keeps what was read."""
    screen = str(driver.kapp.router.screen)
    guide = guide_id(Screen(screen), driver.kapp.kiosk.journey.snapshot())
    words = 0
    if guide not in seen:
        seen.add(guide)
        language = Language(str(driver.kapp.language.code))
        words += len(sentences(language).get(guide, "").split())
    for text in texts_within(driver, READ_ON_SCREEN):
        if f"{screen}\n{text}" not in seen:
            seen.add(f"{screen}\n{text}")
            words += len(text.split())
    return words


def _scanned_into(journey: JourneyViewModel, index: int) -> bool:
    return not journey.scanning and bool(journey.documents[index]["pages"])


def _moved_on(router: RouterViewModel, journey: JourneyViewModel, index: int) -> bool:
    return router.screen != Screen.SCAN or journey.documentIndex != index


def play_lookup(
    driver: Driver, *, shoot: Callable[[Driver, str], None] = lambda d, n: None
) -> dict[str, object]:
    """Status lookup from the home screen by holding up the slip just printed."""
    lookup = driver.kapp.lookup
    driver.tap("lookupButton")
    driver.wait_screen(Screen.LOOKUP)
    driver.tap("simulateSlipButton")
    driver.wait_until(lambda: bool(lookup.result), "the status answer", 30)
    shoot(driver, "12-lookup")
    result = dict(lookup.result)
    driver.tap("backButton")
    driver.wait_screen(Screen.HOME)
    return result


def play_idle(
    driver: Driver,
    skip: Callable[[float], None],
    *,
    shoot: Callable[[Driver, str], None] = lambda d, n: None,
) -> None:
    """A citizen who walks away in the middle: the warning counts down, then the wipe."""
    kapp = driver.kapp
    journey = kapp.journey
    router = kapp.router
    settings = kapp.kiosk.settings.session
    driver.tap("startButton")
    driver.wait_screen(Screen.PROCEDURES)
    skip(settings.idle_warning_after_s + 1)
    router.tick()
    driver.wait_until(lambda: journey.state == "idle_warning", "the idle warning")
    skip(3)
    router.tick()
    shoot(driver, "13-idle-warning")
    skip(settings.idle_countdown_s)
    router.tick()
    driver.wait_screen(Screen.HOME)


def _sms_reader(outbox: Path) -> Callable[[], str]:
    def read() -> str:
        lines = outbox.read_text(encoding="utf-8").splitlines()
        return str(json.loads(lines[-1])["code"])

    return read


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM", "") in {"offscreen", "minimal"}:
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_demo(out: Path | None, orientation: Orientation, fullscreen: bool) -> int:
    headless = not has_display()
    if headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        os.environ.setdefault("QT_QUICK_BACKEND", "software")
    prepare_qt_environment()
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    workspace = out or Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
    workspace.mkdir(parents=True, exist_ok=True)
    print(f"demo: working in {workspace}", flush=True)
    clock = SteppableClock()
    with demo_backend(workspace) as (settings, gateway):
        kapp = build_simulated_app(
            settings,
            simulated_devices(clock),
            clock=clock,
            orientation=orientation,
            sms_outbox=gateway.data_dir / "outbox.jsonl",
            show=True,
        ).kapp
        try:
            if not headless:
                if fullscreen:
                    kapp.window.showFullScreen()
                print("demo: the kiosk window is open; close it to stop", flush=True)
                return int(app.exec())
            screens = workspace / "screens"
            taken: list[Path] = []
            shots = JourneyShots(screens, BOTH, taken)
            driver = Driver(kapp, timeout_s=30)
            code = play_citizen(
                driver, shoot=shots, sms_code=_sms_reader(gateway.data_dir / "outbox.jsonl")
            )
            print(
                f"demo: dossier {code} submitted; the sync process sends it to {gateway.url}",
                flush=True,
            )
            driver.wait_until(
                lambda: _synced(gateway, code), "the sync process to deliver the dossier", 120
            )
            play_lookup(driver, shoot=shots)
            play_idle(driver, clock.skip, shoot=shots)
            for path in taken:
                print(f"screen: {path}")
            for path in sorted(Path(settings.devices.printer.path).glob("*")):
                print(f"slip:   {path}")
            print(f"demo: {len(taken)} screenshots in {screens}")
            return 0
        finally:
            kapp.close()


def _synced(gateway: GatewayProcess, code: str) -> bool:
    try:
        return any(d.get("receipt_number") == code for d in gateway.received())
    except (subprocess.SubprocessError, ValueError, OSError):
        return False
