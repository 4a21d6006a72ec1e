"""Fixtures for the reference gateway's tests: a real uvicorn server on loopback, per test.

Each test gets its own data directory, fault switches and fake clock, and talks HTTP to the
server; nothing of the application is mocked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from gateway_testkit import KIOSK, MONDAY_MORNING, OTHER_KIOSK, UNIT_CODE, Gateway

from dvc_common.clock import FakeClock
from gateway.app import create_app, enrol
from gateway.faults import FaultState
from gateway.server import BackgroundServer
from gateway.settings import GatewaySettings


@pytest.fixture
def make_gateway(tmp_path: Path) -> Iterator[Callable[..., Gateway]]:
    """Start gateways on demand (``admin`` and settings overrides as keyword arguments)."""
    running: list[tuple[BackgroundServer, Gateway]] = []

    def start(*, admin: bool = True, **settings: Any) -> Gateway:
        data_dir = tmp_path / f"gateway{len(running)}"
        clock = FakeClock(MONDAY_MORNING)
        faults = FaultState()
        settings.setdefault("clock", clock.now)
        config = GatewaySettings(unit_code=UNIT_CODE, **settings)
        token = enrol(data_dir, KIOSK)
        other = enrol(data_dir, OTHER_KIOSK)
        server = BackgroundServer(create_app(data_dir, config, faults, admin=admin)).start()
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        gateway = Gateway(server.url, data_dir, faults, clock, token, other, session)
        running.append((server, gateway))
        return gateway

    yield start
    for server, gateway in running:
        gateway.faults.reset()
        gateway.close()
        server.stop()


@pytest.fixture
def gateway(make_gateway: Callable[..., Gateway]) -> Gateway:
    return make_gateway()
