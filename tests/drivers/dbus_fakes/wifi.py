"""Wi-Fi scenarios for the tests, built both as the fake NetworkManager's JSON and as a
``FakeWifiControl``, so one contract suite runs against the real driver and the in-memory fake.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dbus_fakes.harness import FakeService, PrivateBus, dbus_daemon
from drivers.network.base import Security
from drivers.network.fake import FakeNetwork, FakeWifiControl
from drivers.network.nm import NetworkManagerWifi
from dvc_common.clock import VIETNAM

# The fake's security names for ours.
_FAKE_SECURITY = {
    Security.OPEN: "open",
    Security.WEP: "wep",
    Security.WPA_PSK: "wpa-psk",
    Security.SAE: "sae",
    Security.WPA_EAP: "wpa-eap",
    Security.OWE: "owe",
}


@dataclass(frozen=True)
class Ap:
    ssid: str
    strength: int = 70
    security: Security = Security.WPA_PSK
    key: str | None = None
    frequency: int = 2437

    def spec(self) -> dict[str, Any]:
        return {
            "ssid": self.ssid,
            "strength": self.strength,
            "security": _FAKE_SECURITY[self.security],
            "key": self.key,
            "frequency": self.frequency,
        }


OFFICE = Ap("UBND-Xa-Binh-Phu", 82, Security.WPA_PSK, "ubnd@2025!")
OFFICE_5GHZ = Ap("UBND-Xa-Binh-Phu", 55, Security.WPA_PSK, "ubnd@2025!", 5180)
CAFE = Ap("Cà phê Sáng", 45, Security.OPEN)  # UTF-8 SSID with Vietnamese letters
POST = Ap("Bưu điện", 38, Security.SAE, "wpa3-secret")
ENTERPRISE = Ap("VNPT-Corp", 60, Security.WPA_EAP)


@dataclass(frozen=True)
class Scenario:
    aps: tuple[Ap, ...] = (OFFICE, OFFICE_5GHZ, CAFE, POST, ENTERPRISE)
    saved: tuple[str, ...] = ()  # SSIDs saved with the right key
    connected_to: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # fake NetworkManager-only keys

    def json(self) -> dict[str, Any]:
        keys = {ap.ssid: ap.key for ap in self.aps}
        saved = []
        for ssid in self.saved:
            ap = next(a for a in self.aps if a.ssid == ssid)
            key_mgmt = "sae" if ap.security is Security.SAE else "wpa-psk"
            saved.append({"ssid": ssid, "key": keys[ssid], "key_mgmt": key_mgmt})
        return {
            "access_points": [ap.spec() for ap in self.aps],
            "saved": saved,
            "connected_to": self.connected_to,
            **self.extra,
        }

    def fake(self) -> FakeWifiControl:
        networks: dict[str, FakeNetwork] = {}
        for ap in self.aps:
            known = networks.get(ap.ssid)
            if known is None or ap.strength > known.signal:
                networks[ap.ssid] = FakeNetwork(
                    ap.ssid, ap.strength, ap.security, ap.key, ap.frequency
                )
        return FakeWifiControl(networks.values(), saved=self.saved, connected_to=self.connected_to)


class TickingClock:
    """Each reading moves time on by ``step_s``: a join or scan deadline passes after a few
    polls, without the test waiting for it."""

    def __init__(self, step_s: float = 1.0) -> None:
        self._step = step_s
        self._mono = 0.0
        self.readings = 0

    def monotonic(self) -> float:
        self.readings += 1
        self._mono += self._step
        return self._mono

    def now(self) -> datetime:
        return datetime(2026, 12, 8, 9, 0, tzinfo=VIETNAM) + timedelta(seconds=self._mono)


def private_bus(directory: Path) -> PrivateBus:
    if dbus_daemon() is None:
        pytest.skip("dbus-daemon is not installed (scripts/setup.sh installs it)")
    return PrivateBus(directory)


@contextmanager
def network_manager(
    bus: PrivateBus, scenario: Scenario, **options: Any
) -> Iterator[tuple[NetworkManagerWifi, FakeService]]:
    """The real driver against a fake NetworkManager serving ``scenario``."""
    with FakeService("fake_nm", bus.address, scenario.json()) as service:
        options.setdefault("poll_s", 0.05)
        yield NetworkManagerWifi(bus.address, **options), service
        # A bug in the fake shows as a traceback on its stderr, and as a misleading answer.
        assert "Traceback" not in service.log(), service.log()
