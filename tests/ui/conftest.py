"""The touchscreen app under test: the real QML and view-models, fake devices, the reference
gateway as a real process on loopback (or a closed port when the test wants it down), and a
fake clock moved by hand. Screenshots go to ``artifacts/screens`` (kept by CI as artefacts)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from pydantic import SecretStr
from PySide6.QtCore import QObject, SignalInstance, Slot
from pytestqt.qtbot import QtBot

from config.settings import GatewaySection, QrDecoder, Settings, save_settings
from drivers.network.base import WifiControl
from drivers.printer.fake import FakePrinter
from drivers.qr.base import QrReader
from drivers.qr.camera import CameraQrReader
from drivers.qr.decode import FrameDecoder
from drivers.qr.fake import FakeFrameSource, FakeQrReader
from drivers.scanner.fake import FakeScanner
from dvc_common.clock import VIETNAM, FakeClock
from kiosk.gateway_services import build_gateway_services
from simulators.buttons import Simulator
from simulators.gateway_process import GatewayProcess
from simulators.screens_demo import demo_pages, demo_settings, register_sample_citizen
from simulators.script import Driver
from ui.app import Devices, KioskApp, Orientation, build_app
from ui.speech import Speaker

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screens"
# A Wednesday morning, a working day: the journey's dates are stable.
WEDNESDAY = datetime(2026, 12, 2, 9, 30, tzinfo=VIETNAM)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    data = tmp_path_factory.mktemp("gateway")
    process = GatewayProcess.start(data)
    register_sample_citizen(data)
    yield process
    process.stop()


class Delivered(QObject):
    """Everything a signal of the app delivered on the GUI thread, in order.

    Connected after the app wired its own receivers, it hears each emission after they have
    handled it (deliveries queued to one thread keep the order of the connections), so "the app
    has handled the page / the end of the scan" is a condition a test can wait for before it
    checks that something did *not* happen.
    """

    def __init__(self, signal: SignalInstance) -> None:
        super().__init__()
        self.items: list[object] = []
        signal.connect(self._append)

    @Slot(object)
    def _append(self, item: object) -> None:
        self.items.append(item)


@dataclass
class AppHarness:
    kapp: KioskApp
    driver: Driver
    clock: FakeClock
    devices: Devices
    settings: Settings
    root: Path

    @property
    def scanner(self) -> FakeScanner:
        assert isinstance(self.devices.scanner, FakeScanner)
        return self.devices.scanner

    @property
    def printer(self) -> FakePrinter:
        assert isinstance(self.devices.printer, FakePrinter)
        return self.devices.printer

    def idle(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.kapp.router.tick()
        self.driver.pump()


AppFactory = Callable[..., AppHarness]


def _saved(settings: Settings, path: Path) -> Path:
    """The settings as the kiosk's configuration file (what technician mode rewrites)."""
    save_settings(settings, path)
    return path


@pytest.fixture
def make_app(qtbot: QtBot, tmp_path: Path) -> Iterator[AppFactory]:
    made: list[AppHarness] = []

    def make(
        gateway: GatewayProcess | None = None,
        *,
        orientation: Orientation = Orientation.PORTRAIT,
        speaker: Speaker | None = None,
        sheets: int = 2,
        camera: bool | FakeFrameSource = False,
        configure: Callable[[Settings], Settings] | None = None,
        network: WifiControl | None = None,
        config_file: bool = False,
        restart: Callable[[], None] | None = None,
    ) -> AppHarness:
        """``camera``: True for the real camera reader on a simulated scene, or the scene to
        use (e.g. one unplugged before the app starts). ``configure`` changes the settings
        before the app is built (a technician PIN, the gateway's keys...)."""
        settings = demo_settings(tmp_path, gateway)
        if gateway is None:
            settings = settings.model_copy(
                update={"gateway": GatewaySection(url=closed_port_url(), token=SecretStr("x"))}
            )
        if configure is not None:
            settings = configure(settings)
        clock = FakeClock(WEDNESDAY)
        qr: QrReader = FakeQrReader(clock)
        if camera is not False:
            scene = camera if isinstance(camera, FakeFrameSource) else FakeFrameSource()
            # Retried quickly: a test that plugs the camera in late need not wait seconds.
            qr = CameraQrReader(
                scene,
                FrameDecoder(QrDecoder.PIPELINE),
                clock,
                reconnect_first_s=0.05,
                reconnect_max_s=0.2,
            )
        devices = Devices(
            qr=qr,
            scanner=FakeScanner(feeder=demo_pages(sheets)),
            printer=FakePrinter(tmp_path / "slips"),
            network=network,
        )
        services = build_gateway_services(settings, clock=clock)
        # The demo's buttons (hold up a code, read the SMS), composed as the demo composes them.
        simulator = Simulator(qr, gateway.data_dir / "outbox.jsonl" if gateway else None)
        kapp = build_app(
            settings,
            clock=clock,
            devices=devices,
            services=services,
            speaker=speaker or Speaker(None),
            orientation=orientation,
            tick_interval_ms=None,
            extensions={"simulator": simulator},
            config_path=_saved(settings, tmp_path / "kiosk.toml") if config_file else None,
            restart=restart,
        )
        kapp.kiosk.journey.subscribe(simulator.observe)
        harness = AppHarness(kapp, Driver(kapp, timeout_s=30), clock, devices, settings, tmp_path)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.kapp.close()
        harness.driver.pump()
