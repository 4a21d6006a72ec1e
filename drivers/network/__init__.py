"""The kiosk's Wi-Fi, for the technician mode: ``base.WifiControl`` and its values, implemented by
``nm.NetworkManagerWifi`` (NetworkManager over D-Bus, through ``drivers.dbus``, the only module that
imports jeepney) and by ``fake.FakeWifiControl`` for the UI tests and the demo.

Importing this package imports neither jeepney nor the D-Bus client: the real implementation is
imported by whoever builds it (a composition root).
"""

from __future__ import annotations

from drivers.network.base import (
    Connectivity,
    DeviceState,
    NetworkError,
    NetworkProblem,
    NetworkState,
    Security,
    Unavailable,
    UnavailableReason,
    WifiControl,
    WifiDevice,
    WifiNetwork,
    WifiStatus,
)

__all__ = [
    "Connectivity",
    "DeviceState",
    "NetworkError",
    "NetworkProblem",
    "NetworkState",
    "Security",
    "Unavailable",
    "UnavailableReason",
    "WifiControl",
    "WifiDevice",
    "WifiNetwork",
    "WifiStatus",
]
