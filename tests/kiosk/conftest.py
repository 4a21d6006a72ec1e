"""Shared fixtures for the kiosk package tests: a real journey on tmp directories, and the
reference gateway running on loopback for the services that talk to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import requests

from config.settings import PathsSection, Settings
from dvc_common.clock import VIETNAM, FakeClock
from gateway.app import create_app, enrol
from gateway.faults import FaultState
from gateway.server import BackgroundServer
from gateway.settings import GatewaySettings
from kiosk.app import Kiosk, build_kiosk
from kiosk.ports import ConfirmationProvider, InMemoryQueue
from tests.gateway.gateway_testkit import KIOSK, OTHER_KIOSK, UNIT_CODE, Gateway

# Invented people. Digit 4 is century and sex (0/1: 1900s male/female), digits 5-6 the year.
MALE_QR = (
    "049085001234|123456789|LÊ VĂN THỬ|02091985|Nam|Thôn 2, xã Bình Phú, tỉnh Quảng Nam|01062021"
)
FEMALE_QR = "001158000123||TRẦN THỊ MẪU|14021958|Nữ|Phường Ba Đình, Hà Nội|10052021"
# A Monday morning that is a working day.
MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=VIETNAM)


@dataclass
class Harness:
    kiosk: Kiosk
    clock: FakeClock
    queue: InMemoryQueue
    root: Path

    def page(self, name: str = "page.png", content: bytes = b"\x89PNG fake page") -> Path:
        """A page file where the scanner would put it: inside the session directory."""
        session_dir = self.kiosk.journey.snapshot().session_dir
        assert session_dir is not None
        path = session_dir / name
        path.write_bytes(content)
        return path


@pytest.fixture
def make_harness(tmp_path: Path) -> Callable[..., Harness]:
    def make(
        start: datetime = MONDAY_MORNING,
        *,
        confirmation: ConfirmationProvider | None = None,
        **session: int,
    ) -> Harness:
        settings = Settings.model_validate(
            {
                "session": session,
                "paths": PathsSection(
                    data_dir=tmp_path / "data", scratch_dir=tmp_path / "scratch"
                ).model_dump(),
            }
        )
        clock = FakeClock(start)
        queue = InMemoryQueue()
        kiosk = build_kiosk(settings, clock=clock, queue=queue, confirmation=confirmation)
        return Harness(kiosk, clock, queue, tmp_path)

    return make


@pytest.fixture
def harness(make_harness: Callable[..., Harness]) -> Harness:
    return make_harness()


@pytest.fixture
def reference_gateway(tmp_path: Path) -> Iterator[Gateway]:
    """The reference gateway on 127.0.0.1 with KIOSK01 enrolled, as the gateway tests run it:
    a real uvicorn server on its own data directory, faults switched through ``faults``."""
    data_dir = tmp_path / "gateway"
    clock = FakeClock(MONDAY_MORNING)
    faults = FaultState()
    config = GatewaySettings(unit_code=UNIT_CODE, clock=clock.now)
    token = enrol(data_dir, KIOSK)
    other = enrol(data_dir, OTHER_KIOSK)
    server = BackgroundServer(create_app(data_dir, config, faults, admin=True)).start()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    gateway = Gateway(server.url, data_dir, faults, clock, token, other, session)
    yield gateway
    faults.reset()
    gateway.close()
    server.stop()
