"""``FakeWifiControl``: Wi-Fi without NetworkManager, for the technician screen's tests and the
demo, with the faults the real one has.

It keeps networks in range (each with the passphrase its access point accepts), saved profiles
and the active network in memory, and follows the same rules as ``NetworkManagerWifi``: the
passphrase is checked with ``check_passphrase`` before anything happens, a refused key leaves no
profile behind, a working one replaces the older profile of that SSID. Faults are switched on
and off while it runs (``set_faults``): no NetworkManager, no Wi-Fi adapter, radio off, every
join refused as a wrong passphrase, every join timing out, no DHCP address, polkit refusing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from ipaddress import IPv4Interface

from drivers.network.base import (
    Connectivity,
    DeviceState,
    NetworkError,
    NetworkProblem,
    NetworkState,
    Security,
    Unavailable,
    UnavailableReason,
    WifiDevice,
    WifiNetwork,
    WifiStatus,
    check_passphrase,
    check_ssid,
    ordered,
)

DEMO_ADDRESS = IPv4Interface("192.168.10.57/24")


class WifiFault(StrEnum):
    NO_NETWORK_MANAGER = "no_network_manager"
    NO_WIFI_DEVICE = "no_wifi_device"
    RADIO_OFF = "radio_off"
    WRONG_PASSPHRASE = "wrong_passphrase"  # noqa: S105 - a fault's name, not a password
    TIMEOUT = "timeout"
    NO_ADDRESS = "no_address"
    PERMISSION_DENIED = "permission_denied"


@dataclass(frozen=True, slots=True)
class FakeNetwork:
    """A network in range; ``passphrase`` is the key its access point accepts."""

    ssid: str
    signal: int = 70
    security: Security = Security.WPA_PSK
    passphrase: str | None = None
    frequency_mhz: int = 2437


_FAULT_PROBLEM = {
    WifiFault.WRONG_PASSPHRASE: NetworkProblem.WRONG_PASSPHRASE,
    WifiFault.TIMEOUT: NetworkProblem.TIMEOUT,
    WifiFault.NO_ADDRESS: NetworkProblem.NO_ADDRESS,
    WifiFault.PERMISSION_DENIED: NetworkProblem.PERMISSION_DENIED,
}


class FakeWifiControl:
    """A ``WifiControl`` held in memory; thread-safe (the UI calls it from a worker thread)."""

    def __init__(
        self,
        networks: Iterable[FakeNetwork] = (),
        *,
        saved: Iterable[str] = (),
        connected_to: str | None = None,
        address: IPv4Interface = DEMO_ADDRESS,
        faults: Iterable[WifiFault] = (),
    ) -> None:
        self._lock = threading.Lock()
        self._networks = {n.ssid: n for n in networks}
        # SSID → the key saved with it (None for open networks or a key held elsewhere).
        self._saved: dict[str, str | None] = {
            ssid: self._networks[ssid].passphrase if ssid in self._networks else None
            for ssid in saved
        }
        if connected_to is not None and connected_to not in self._saved:
            raise ValueError("the network connected to must be saved")
        self._active = connected_to
        self._address = address
        self._faults = set(faults)
        self.joins: list[tuple[str, bool]] = []  # (ssid, whether a passphrase was given)
        self.scans = 0

    def set_faults(self, *faults: WifiFault) -> None:
        with self._lock:
            self._faults = set(faults)

    def add_network(self, network: FakeNetwork) -> None:
        with self._lock:
            self._networks[network.ssid] = network

    # --- WifiControl -----------------------------------------------------------------------------

    def available(self) -> bool:
        with self._lock:
            return WifiFault.NO_NETWORK_MANAGER not in self._faults

    def status(self) -> WifiStatus | Unavailable:
        with self._lock:
            if WifiFault.NO_NETWORK_MANAGER in self._faults:
                return Unavailable(UnavailableReason.NOT_RUNNING, "fake: no NetworkManager")
            return self._status()

    def networks(self) -> tuple[WifiNetwork, ...]:
        with self._lock:
            self._check_device()
            return self._list()

    def scan(self) -> tuple[WifiNetwork, ...]:
        with self._lock:
            self._check_device()
            self.scans += 1
            return self._list()

    def join(self, ssid: str, passphrase: str | None = None) -> WifiStatus:
        check_ssid(ssid)
        with self._lock:
            self._check_device()
            self.joins.append((ssid, passphrase is not None))
            network = self._networks.get(ssid)
            if network is None:
                raise NetworkError(NetworkProblem.NOT_FOUND, f"fake: {ssid!r} not in range")
            if passphrase is None and ssid in self._saved:
                key = self._saved[ssid]
            else:
                key = check_passphrase(network.security, passphrase)
            for fault, problem in _FAULT_PROBLEM.items():
                if fault in self._faults:
                    raise NetworkError(problem, f"fake: {fault.value}")
            if network.security.needs_passphrase and key != network.passphrase:
                raise NetworkError(
                    NetworkProblem.WRONG_PASSPHRASE,
                    "fake: device reason NO_SECRETS(7), connection reason DEVICE_DISCONNECTED(3)",
                )
            self._saved[ssid] = key
            self._active = ssid
            return self._status()

    def forget(self, ssid: str) -> int:
        check_ssid(ssid)
        with self._lock:
            self._check_device()
            if ssid not in self._saved:
                return 0
            del self._saved[ssid]
            if self._active == ssid:
                self._active = None
            return 1

    # --- helpers (the lock is held) --------------------------------------------------------------

    def _check_device(self) -> None:
        if WifiFault.NO_NETWORK_MANAGER in self._faults:
            raise NetworkError(NetworkProblem.UNAVAILABLE, "fake: no NetworkManager")
        if WifiFault.NO_WIFI_DEVICE in self._faults:
            raise NetworkError(NetworkProblem.NO_WIFI_DEVICE, "fake: no Wi-Fi adapter")
        if WifiFault.RADIO_OFF in self._faults:
            raise NetworkError(NetworkProblem.WIFI_DISABLED, "fake: radio off")

    def _list(self) -> tuple[WifiNetwork, ...]:
        return ordered(
            [
                WifiNetwork(
                    ssid=n.ssid,
                    signal=n.signal,
                    security=n.security,
                    active=n.ssid == self._active,
                    saved=n.ssid in self._saved,
                    frequency_mhz=n.frequency_mhz,
                )
                for n in self._networks.values()
            ]
        )

    def _status(self) -> WifiStatus:
        active = self._networks.get(self._active) if self._active else None
        device = (
            None
            if WifiFault.NO_WIFI_DEVICE in self._faults
            else WifiDevice(
                interface="wlan0",
                hw_address="02:00:00:00:00:01",
                state=DeviceState.CONNECTED if active else DeviceState.DISCONNECTED,
                ssid=active.ssid if active else None,
                signal=active.signal if active else None,
            )
        )
        return WifiStatus(
            state=NetworkState.CONNECTED_GLOBAL if active else NetworkState.DISCONNECTED,
            connectivity=Connectivity.FULL if active else Connectivity.NONE,
            connection=active.ssid if active else None,
            ipv4=self._address if active else None,
            wifi_enabled=WifiFault.RADIO_OFF not in self._faults,
            device=device,
        )
