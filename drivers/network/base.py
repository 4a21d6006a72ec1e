"""What the technician mode sees of the kiosk's Wi-Fi, whatever manages it: the ``WifiControl``
Protocol, its values and its one error.

The technician screen lists the networks in range, joins one with a passphrase, forgets a saved
one, and says what the kiosk is connected to (or that there is nothing to manage: a machine
without NetworkManager gets an ``Unavailable`` from ``status()``, and this machine and CI are
such machines). The real implementation is ``drivers.network.nm`` (NetworkManager over D-Bus);
``drivers.network.fake`` stands in for it in the UI tests and the demo.

Every value here is a frozen dataclass or a StrEnum; no D-Bus type or exception crosses this
boundary. Failures are one ``NetworkError`` whose ``kind`` is the stable key the screens
translate and whose ``technical`` sentence is for the technician's log.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from enum import StrEnum
from ipaddress import IPv4Interface
from typing import Protocol

# WPA2/WPA3-transition PSK: 8..63 printable ASCII characters, or the 64 hex digits of a raw key
# (IEEE 802.11i, and the rule NetworkManager's "802-11-wireless-security.psk" enforces).
PSK_MIN = 8
PSK_MAX = 63
PSK_HEX = 64
# WEP keys: 5 or 13 ASCII characters, or 10 or 26 hex digits.
WEP_ASCII = (5, 13)
WEP_HEX = (10, 26)
# An SSID is at most 32 bytes (802.11).
SSID_MAX_BYTES = 32


class NetworkProblem(StrEnum):
    """What went wrong, as a stable identifier for the screens, logs and tests."""

    # The *_PASSPHRASE values are message keys, not passwords (hence noqa: S105).
    UNAVAILABLE = "unavailable"  # no NetworkManager (or no system bus) on this machine
    NO_WIFI_DEVICE = "no_wifi_device"  # NetworkManager runs but manages no Wi-Fi adapter
    WIFI_DISABLED = "wifi_disabled"  # the radio is switched off (rfkill or NetworkManager)
    NOT_FOUND = "not_found"  # no network of that name in range (or in the saved profiles)
    PASSPHRASE_REQUIRED = "passphrase_required"  # noqa: S105 (secured, nothing saved)
    INVALID_PASSPHRASE = "invalid_passphrase"  # noqa: S105 (e.g. 7 characters for WPA)
    WRONG_PASSPHRASE = "wrong_passphrase"  # noqa: S105 (the access point refused it)
    UNSUPPORTED_SECURITY = "unsupported_security"  # enterprise (802.1X) needs more than a key
    NO_ADDRESS = "no_address"  # associated, but DHCP gave no address
    TIMEOUT = "timeout"  # the connection attempt did not finish in time
    PERMISSION_DENIED = "permission_denied"  # polkit refused the kiosk's user
    FAILED = "failed"  # anything else; ``technical`` says what


class NetworkError(Exception):
    """A Wi-Fi operation failed; ``kind`` for the screen, ``technical`` for the log."""

    def __init__(self, kind: NetworkProblem, technical: str) -> None:
        self.kind = kind
        self.technical = technical
        super().__init__(f"{kind.value}: {technical}")


class UnavailableReason(StrEnum):
    NO_BUS = "no_bus"  # no system bus socket to connect to
    NOT_RUNNING = "not_running"  # the bus is there, NetworkManager is not on it


@dataclass(frozen=True, slots=True)
class Unavailable:
    """There is no NetworkManager to manage Wi-Fi with; the technician screen says so."""

    reason: UnavailableReason
    technical: str


class Security(StrEnum):
    """How a network is secured, as far as joining it from the kiosk is concerned."""

    OPEN = "open"
    OWE = "owe"  # "Enhanced Open": encrypted, no passphrase
    WEP = "wep"
    WPA_PSK = "wpa_psk"  # WPA/WPA2 Personal (and WPA3 transition mode)
    SAE = "sae"  # WPA3 Personal only
    WPA_EAP = "wpa_eap"  # WPA/WPA2/WPA3 Enterprise (802.1X): not joinable with a passphrase

    @property
    def needs_passphrase(self) -> bool:
        return self in {Security.WEP, Security.WPA_PSK, Security.SAE}

    @property
    def joinable(self) -> bool:
        """Whether the kiosk can join it with at most a passphrase."""
        return self is not Security.WPA_EAP


class Connectivity(StrEnum):
    """NetworkManager's own connectivity check (``NMConnectivityState``)."""

    UNKNOWN = "unknown"  # the check is off or has not run yet
    NONE = "none"
    PORTAL = "portal"  # a captive portal (a hotel or café login page) intercepts traffic
    LIMITED = "limited"  # a network, but not the Internet
    FULL = "full"


class NetworkState(StrEnum):
    """The overall networking state (``NMState``)."""

    UNKNOWN = "unknown"
    ASLEEP = "asleep"
    DISCONNECTED = "disconnected"
    DISCONNECTING = "disconnecting"
    CONNECTING = "connecting"
    CONNECTED_LOCAL = "connected_local"  # no default route
    CONNECTED_SITE = "connected_site"  # a default route, the Internet check failed
    CONNECTED_GLOBAL = "connected_global"


class DeviceState(StrEnum):
    """The Wi-Fi adapter's state (``NMDeviceState``), coarsened to what a technician needs."""

    UNKNOWN = "unknown"
    UNMANAGED = "unmanaged"  # NetworkManager leaves it alone (configuration)
    UNAVAILABLE = "unavailable"  # radio off, firmware missing, no supplicant
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"  # prepare / config / need-auth / ip-config / ip-check
    CONNECTED = "connected"
    DISCONNECTING = "disconnecting"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class WifiDevice:
    interface: str  # e.g. "wlan0"
    hw_address: str
    state: DeviceState
    ssid: str | None  # the network it is connected to, if any
    signal: int | None  # that network's strength in percent


@dataclass(frozen=True, slots=True)
class WifiStatus:
    state: NetworkState
    connectivity: Connectivity
    connection: str | None  # the name of the primary connection (Wi-Fi or wired), if any
    ipv4: IPv4Interface | None  # the primary connection's first IPv4 address with its prefix
    wifi_enabled: bool  # the radio switch (software and hardware)
    device: WifiDevice | None  # None: NetworkManager manages no Wi-Fi adapter


@dataclass(frozen=True, slots=True)
class WifiNetwork:
    """One network name in range; several access points of one SSID show as one network."""

    ssid: str  # decoded as UTF-8, undecodable bytes replaced: for display and ``join``
    signal: int  # percent, of the strongest access point
    security: Security
    active: bool  # the kiosk is connected to it now
    saved: bool  # a profile with this SSID is saved (``join`` needs no passphrase then)
    frequency_mhz: int  # of the strongest access point; 2412-2484 is 2.4 GHz, 5xxx is 5 GHz


class WifiControl(Protocol):
    """The technician's Wi-Fi controls. Every call blocks (a join up to its timeout): call them
    from a worker thread, never the GUI thread."""

    def available(self) -> bool:
        """Whether there is a NetworkManager to talk to at all."""
        ...

    def status(self) -> WifiStatus | Unavailable: ...

    def networks(self) -> tuple[WifiNetwork, ...]:
        """The networks NetworkManager knows of now (its background scans), strongest first,
        the active one first of all. Raises ``NetworkError``."""
        ...

    def scan(self) -> tuple[WifiNetwork, ...]:
        """Ask for a fresh scan, wait for it (bounded), then ``networks()``."""
        ...

    def join(self, ssid: str, passphrase: str | None = None) -> WifiStatus:
        """Connect to ``ssid``: with ``passphrase`` a new profile is saved (replacing older
        profiles of that SSID once it works); without, a saved profile is used, or none is
        needed for an open network. Returns the status once connected; raises ``NetworkError``
        (WRONG_PASSPHRASE, TIMEOUT, NO_WIFI_DEVICE, NOT_FOUND, ...) and then leaves no new
        profile behind."""
        ...

    def forget(self, ssid: str) -> int:
        """Delete every saved profile of ``ssid`` (disconnecting if it is in use); how many."""
        ...


def check_passphrase(security: Security, passphrase: str | None) -> str | None:
    """``passphrase`` if ``security`` can use it; None for networks that take none. Raises
    ``NetworkError`` (PASSPHRASE_REQUIRED, INVALID_PASSPHRASE, UNSUPPORTED_SECURITY) otherwise,
    before anything is sent: a malformed key should not cost a 30-second failed attempt."""
    if not security.joinable:
        raise NetworkError(
            NetworkProblem.UNSUPPORTED_SECURITY,
            "802.1X enterprise networks need a certificate or an account, not a passphrase",
        )
    if not security.needs_passphrase:
        return None
    if passphrase is None or passphrase == "":
        raise NetworkError(NetworkProblem.PASSPHRASE_REQUIRED, f"a {security.value} network")
    if security is Security.WPA_PSK and not _valid_psk(passphrase):
        raise NetworkError(
            NetworkProblem.INVALID_PASSPHRASE,
            f"a WPA passphrase is {PSK_MIN}-{PSK_MAX} printable ASCII characters or "
            f"{PSK_HEX} hex digits; got {len(passphrase)} characters",
        )
    if security is Security.WEP and not _valid_wep(passphrase):
        raise NetworkError(
            NetworkProblem.INVALID_PASSPHRASE,
            "a WEP key is 5 or 13 ASCII characters or 10 or 26 hex digits",
        )
    # SAE (WPA3) passwords have no length rule beyond being non-empty.
    return passphrase


def _printable_ascii(text: str) -> bool:
    return all(32 <= ord(char) <= 126 for char in text)


def _hex(text: str) -> bool:
    return all(char in string.hexdigits for char in text)


def _valid_psk(passphrase: str) -> bool:
    if len(passphrase) == PSK_HEX:
        return _hex(passphrase)
    return PSK_MIN <= len(passphrase) <= PSK_MAX and _printable_ascii(passphrase)


def _valid_wep(key: str) -> bool:
    return (len(key) in WEP_ASCII and _printable_ascii(key)) or (len(key) in WEP_HEX and _hex(key))


def check_ssid(ssid: str) -> bytes:
    """The SSID's bytes (UTF-8); ValueError for one no network can have (a programming error:
    the screen offers SSIDs from the scan)."""
    raw = ssid.encode("utf-8")
    if not raw or len(raw) > SSID_MAX_BYTES:
        raise ValueError(f"an SSID is 1-{SSID_MAX_BYTES} bytes, got {len(raw)}")
    return raw


def ssid_text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def ordered(networks: list[WifiNetwork]) -> tuple[WifiNetwork, ...]:
    """The order the screen shows: the active network first, then strongest, then by name."""
    return tuple(sorted(networks, key=lambda n: (not n.active, -n.signal, n.ssid.casefold())))
