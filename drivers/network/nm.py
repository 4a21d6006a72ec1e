"""Wi-Fi through NetworkManager over D-Bus: ``NetworkManagerWifi`` implements ``WifiControl``.

Object paths, interfaces, properties, signals and error names are NetworkManager's documented
D-Bus API (``org.freedesktop.NetworkManager``, ``.Device``, ``.Device.Wireless``,
``.AccessPoint``, ``.Settings``, ``.Settings.Connection``, ``.Connection.Active``,
``.IP4Config``); the numbers are its ``NMState``, ``NMDeviceState``, ``NMDeviceStateReason``,
``NMActiveConnectionState`` and ``NM80211ApSecurityFlags``.

Joining is ``AddAndActivateConnection`` with an ``802-11-wireless`` (+ ``-security``) profile
for a new passphrase, or ``ActivateConnection`` of a saved profile. Its answer only means the
attempt started; the outcome is watched on the ``Connection.Active`` object's ``StateChanged``
signal, and the *reason* on the device's ``StateChanged``: when the access point refuses the
key the device fails with NO_SECRETS (or SUPPLICANT_DISCONNECT) while the active connection
only says DEVICE_DISCONNECTED, and the device moves on to DISCONNECTED (reason NONE) a moment
later, so polling afterwards would lose why. Both signals are subscribed before the call. The
wait is bounded by a deadline on the injected clock, and the state is also polled in case a
signal was missed. A failed or timed-out attempt is deactivated and the profile it created is
deleted, so a wrong passphrase leaves nothing behind; a working new profile replaces the older
profiles of the same SSID.

The kiosk's user needs polkit's ``org.freedesktop.NetworkManager.network-control``,
``.settings.modify.system`` and ``.wifi.scan`` (PERMISSION_DENIED otherwise).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from enum import IntEnum, IntFlag
from functools import partial
from ipaddress import IPv4Interface
from typing import Final, TypeVar

from drivers.dbus import (
    PROPERTIES,
    Bus,
    BusError,
    BusTimeoutError,
    BusUnavailableError,
    Props,
    RemoteError,
    Signal,
    Variant,
    variant,
)
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
    ssid_text,
)
from dvc_common.clock import Clock, SystemClock

log = logging.getLogger(__name__)
T = TypeVar("T")

NM: Final = "org.freedesktop.NetworkManager"
NM_PATH: Final = "/org/freedesktop/NetworkManager"
SETTINGS: Final = f"{NM}.Settings"
SETTINGS_PATH: Final = f"{NM_PATH}/Settings"
CONNECTION: Final = f"{NM}.Settings.Connection"
DEVICE: Final = f"{NM}.Device"
WIRELESS: Final = f"{NM}.Device.Wireless"
ACCESS_POINT: Final = f"{NM}.AccessPoint"
ACTIVE: Final = f"{NM}.Connection.Active"
IP4_CONFIG: Final = f"{NM}.IP4Config"
NO_OBJECT: Final = "/"

WIFI_TYPE: Final = "802-11-wireless"
WIFI_SECURITY: Final = "802-11-wireless-security"
DEVICE_TYPE_WIFI: Final = 2  # NMDeviceType

DEFAULT_JOIN_TIMEOUT_S: Final = 45.0  # association + 4-way handshake + DHCP on a weak signal
DEFAULT_SCAN_TIMEOUT_S: Final = 15.0  # a full 2.4 + 5 GHz scan takes 3-10 s
DEFAULT_POLL_S: Final = 0.5


class _NMState(IntEnum):
    UNKNOWN = 0
    ASLEEP = 10
    DISCONNECTED = 20
    DISCONNECTING = 30
    CONNECTING = 40
    CONNECTED_LOCAL = 50
    CONNECTED_SITE = 60
    CONNECTED_GLOBAL = 70


class _DevState(IntEnum):
    UNKNOWN = 0
    UNMANAGED = 10
    UNAVAILABLE = 20
    DISCONNECTED = 30
    PREPARE = 40
    CONFIG = 50
    NEED_AUTH = 60
    IP_CONFIG = 70
    IP_CHECK = 80
    SECONDARIES = 90
    ACTIVATED = 100
    DEACTIVATING = 110
    FAILED = 120


class _DevReason(IntEnum):
    """The ``NMDeviceStateReason`` values this driver tells apart (others show as numbers)."""

    NONE = 0
    UNKNOWN = 1
    CONFIG_FAILED = 4
    IP_CONFIG_UNAVAILABLE = 5
    IP_CONFIG_EXPIRED = 6
    NO_SECRETS = 7
    SUPPLICANT_DISCONNECT = 8
    SUPPLICANT_CONFIG_FAILED = 9
    SUPPLICANT_FAILED = 10
    SUPPLICANT_TIMEOUT = 11
    DHCP_START_FAILED = 15
    DHCP_ERROR = 16
    DHCP_FAILED = 17
    FIRMWARE_MISSING = 35
    REMOVED = 36
    SLEEPING = 37
    CONNECTION_REMOVED = 38
    USER_REQUESTED = 39
    SSID_NOT_FOUND = 53
    NEW_ACTIVATION = 60


class _ActiveState(IntEnum):
    UNKNOWN = 0
    ACTIVATING = 1
    ACTIVATED = 2
    DEACTIVATING = 3
    DEACTIVATED = 4


class _ActiveReason(IntEnum):
    UNKNOWN = 0
    NONE = 1
    USER_DISCONNECTED = 2
    DEVICE_DISCONNECTED = 3
    SERVICE_STOPPED = 4
    IP_CONFIG_INVALID = 5
    CONNECT_TIMEOUT = 6
    SERVICE_START_TIMEOUT = 7
    SERVICE_START_FAILED = 8
    NO_SECRETS = 9
    LOGIN_FAILED = 10
    CONNECTION_REMOVED = 11
    DEPENDENCY_FAILED = 12
    DEVICE_REALIZE_FAILED = 13
    DEVICE_REMOVED = 14


class _ApFlags(IntFlag):
    PRIVACY = 0x1


class _ApSecurity(IntFlag):
    KEY_MGMT_PSK = 0x100
    KEY_MGMT_802_1X = 0x200
    KEY_MGMT_SAE = 0x400
    KEY_MGMT_OWE = 0x800
    KEY_MGMT_OWE_TM = 0x1000
    KEY_MGMT_EAP_SUITE_B_192 = 0x2000


_NETWORK_STATE = {
    _NMState.UNKNOWN: NetworkState.UNKNOWN,
    _NMState.ASLEEP: NetworkState.ASLEEP,
    _NMState.DISCONNECTED: NetworkState.DISCONNECTED,
    _NMState.DISCONNECTING: NetworkState.DISCONNECTING,
    _NMState.CONNECTING: NetworkState.CONNECTING,
    _NMState.CONNECTED_LOCAL: NetworkState.CONNECTED_LOCAL,
    _NMState.CONNECTED_SITE: NetworkState.CONNECTED_SITE,
    _NMState.CONNECTED_GLOBAL: NetworkState.CONNECTED_GLOBAL,
}
_CONNECTIVITY = (
    Connectivity.UNKNOWN,
    Connectivity.NONE,
    Connectivity.PORTAL,
    Connectivity.LIMITED,
    Connectivity.FULL,
)
# Device reasons that mean "the access point did not accept the key" once a key was offered.
_KEY_REFUSED = frozenset({_DevReason.NO_SECRETS, _DevReason.SUPPLICANT_DISCONNECT})
_NO_ADDRESS = frozenset(
    {
        _DevReason.IP_CONFIG_UNAVAILABLE,
        _DevReason.IP_CONFIG_EXPIRED,
        _DevReason.DHCP_START_FAILED,
        _DevReason.DHCP_ERROR,
        _DevReason.DHCP_FAILED,
    }
)


def _name(enum: type[IntEnum], value: int) -> str:
    try:
        return f"{enum(value).name}({value})"
    except ValueError:
        return str(value)


def security_of(flags: int, wpa_flags: int, rsn_flags: int) -> Security:
    """An access point's ``Flags``/``WpaFlags``/``RsnFlags`` as the kind of key it takes."""
    key_mgmt = wpa_flags | rsn_flags
    if key_mgmt & (_ApSecurity.KEY_MGMT_802_1X | _ApSecurity.KEY_MGMT_EAP_SUITE_B_192):
        return Security.WPA_EAP
    # WPA3 transition mode advertises PSK and SAE: the PSK side works with a passphrase.
    if key_mgmt & _ApSecurity.KEY_MGMT_PSK:
        return Security.WPA_PSK
    if key_mgmt & _ApSecurity.KEY_MGMT_SAE:
        return Security.SAE
    if key_mgmt & (_ApSecurity.KEY_MGMT_OWE | _ApSecurity.KEY_MGMT_OWE_TM):
        return Security.OWE
    if flags & _ApFlags.PRIVACY:
        return Security.WEP  # privacy without WPA or RSN information elements
    return Security.OPEN


def _security_section(security: Security, key: str | None) -> dict[str, Variant] | None:
    """The ``802-11-wireless-security`` setting for joining with ``key``."""
    match security:
        case Security.WPA_PSK:
            return {"key-mgmt": variant("s", "wpa-psk"), "psk": variant("s", key or "")}
        case Security.SAE:
            return {"key-mgmt": variant("s", "sae"), "psk": variant("s", key or "")}
        case Security.WEP:
            # wep-key-type 1 is NM_WEP_KEY_TYPE_KEY: the key itself (ASCII or hex), not a
            # passphrase to hash.
            return {
                "key-mgmt": variant("s", "none"),
                "wep-key0": variant("s", key or ""),
                "wep-key-type": variant("u", 1),
            }
        case Security.OWE:
            return {"key-mgmt": variant("s", "owe")}
        case _:
            return None


@dataclass(frozen=True, slots=True)
class _AccessPoint:
    path: str
    ssid: bytes
    strength: int
    frequency: int
    security: Security


@dataclass(frozen=True, slots=True)
class _Device:
    path: str
    interface: str
    hw_address: str
    state: int
    active_connection: str | None
    wireless: Props


class _Attempt:
    """What the driver knows about one activation while it waits for the outcome."""

    def __init__(self, device: str, active: str, key_offered: bool) -> None:
        self.device = device
        self.active = active
        self.key_offered = key_offered
        self.device_reason: int | None = None  # from the device's FAILED transition
        self.active_reason: int | None = None
        self.done: bool | None = None  # True: activated, False: failed, None: still going

    def take(self, signal: Signal) -> None:
        if signal.member != "StateChanged":
            return
        if signal.interface == DEVICE and signal.path == self.device and len(signal.body) >= 3:
            new_state, reason = _int(signal.body[0]), _int(signal.body[2])
            if new_state == _DevState.FAILED:
                self.device_reason = reason
        elif signal.interface == ACTIVE and signal.path == self.active and len(signal.body) >= 2:
            self.see_state(_int(signal.body[0]), _int(signal.body[1]))

    def see_state(self, state: int, reason: int | None = None) -> None:
        if state == _ActiveState.ACTIVATED:
            self.done = True
        elif state == _ActiveState.DEACTIVATED:
            self.done = False
            if reason is not None:
                self.active_reason = reason

    def failure(self) -> NetworkError:
        device = self.device_reason
        technical = (
            f"activation failed: device reason {_name(_DevReason, device)}"
            if device is not None
            else "activation failed"
        )
        if self.active_reason is not None:
            technical += f", connection reason {_name(_ActiveReason, self.active_reason)}"
        if device in _KEY_REFUSED or self.active_reason == _ActiveReason.NO_SECRETS:
            kind = (
                NetworkProblem.WRONG_PASSPHRASE
                if self.key_offered
                else NetworkProblem.PASSPHRASE_REQUIRED
            )
            return NetworkError(kind, technical)
        if device == _DevReason.SSID_NOT_FOUND:
            return NetworkError(NetworkProblem.NOT_FOUND, technical)
        if device in _NO_ADDRESS or self.active_reason == _ActiveReason.IP_CONFIG_INVALID:
            return NetworkError(NetworkProblem.NO_ADDRESS, technical)
        if device == _DevReason.SUPPLICANT_TIMEOUT:
            return NetworkError(NetworkProblem.TIMEOUT, technical)
        return NetworkError(NetworkProblem.FAILED, technical)


def _int(value: object) -> int:
    return value if isinstance(value, int) else -1


class NetworkManagerWifi:
    """``WifiControl`` over NetworkManager's D-Bus API; see the module docstring.

    ``bus_address`` is a D-Bus address (``unix:path=…``); None means the system bus. One
    connection is opened per call, so an instance holds no resource and is thread-safe.
    """

    def __init__(
        self,
        bus_address: str | None = None,
        *,
        clock: Clock | None = None,
        join_timeout_s: float = DEFAULT_JOIN_TIMEOUT_S,
        scan_timeout_s: float = DEFAULT_SCAN_TIMEOUT_S,
        call_timeout_s: float = 10.0,
        poll_s: float = DEFAULT_POLL_S,
    ) -> None:
        self._address = bus_address
        self._clock: Clock = clock or SystemClock()
        self._join_timeout_s = join_timeout_s
        self._scan_timeout_s = scan_timeout_s
        self._call_timeout_s = call_timeout_s
        self._poll_s = poll_s

    # --- WifiControl -----------------------------------------------------------------------------

    def available(self) -> bool:
        try:
            with self._bus() as bus:
                return bus.has_owner(NM)
        except BusError:
            return False

    def status(self) -> WifiStatus | Unavailable:
        try:
            with self._bus() as bus:
                if not bus.has_owner(NM):
                    return Unavailable(UnavailableReason.NOT_RUNNING, f"{NM} is not on the bus")
                return self._status(bus)
        except BusUnavailableError as exc:
            return Unavailable(UnavailableReason.NO_BUS, str(exc))
        except RemoteError as exc:
            if exc.absent:
                return Unavailable(UnavailableReason.NOT_RUNNING, str(exc))
            raise _mapped(exc, "reading the status") from None
        except BusError as exc:
            raise _mapped(exc, "reading the status") from None

    def networks(self) -> tuple[WifiNetwork, ...]:
        with self._session("listing networks") as bus:
            return self._networks(bus, self._device(bus))

    def scan(self) -> tuple[WifiNetwork, ...]:
        with self._session("scanning") as bus:
            device = self._device(bus)
            if "LastScan" in device.wireless:
                self._scan(bus, device)
            else:
                # NetworkManager before 1.12 has no LastScan to wait on: ask, and list.
                self._request_scan(bus, device)
            # Read the adapter again: its AccessPoints list is what the scan changed.
            return self._networks(bus, self._device(bus))

    def join(self, ssid: str, passphrase: str | None = None) -> WifiStatus:
        raw = check_ssid(ssid)
        with self._session(f"joining {ssid!r}") as bus:
            device = self._device(bus)
            candidates = [ap for ap in self._access_points(bus, device) if ap.ssid == raw]
            if not candidates:
                raise NetworkError(NetworkProblem.NOT_FOUND, f"no access point of {ssid!r}")
            ap = max(candidates, key=lambda a: a.strength)
            if passphrase is None and device.wireless.path("ActiveAccessPoint") in {
                c.path for c in candidates
            }:
                return self._status(bus)  # already there: re-activating would only drop it
            saved = self._profiles(bus, raw)
            created: str | None = None
            if passphrase is None and saved:
                profile = saved[0]
                key_offered = ap.security.needs_passphrase
                self._watch(bus, device.path)
                active = self._activate(bus, profile, device.path, ap.path)
            else:
                key = check_passphrase(ap.security, passphrase)
                key_offered = key is not None
                self._watch(bus, device.path)
                created, active = self._add_and_activate(bus, raw, ap, key, device.path)
            try:
                self._wait(bus, _Attempt(device.path, active, key_offered))
            except (NetworkError, BusError) as exc:
                log.warning("Wi-Fi: joining %r failed: %s", ssid, exc)
                self._clean_up(bus, active, created)
                raise
            if created is not None:
                for old in saved:
                    self._delete(bus, old)  # the new key works: one profile per SSID
            log.info("Wi-Fi: joined %r on %s", ssid, device.interface)
            return self._status(bus)

    def forget(self, ssid: str) -> int:
        raw = check_ssid(ssid)
        with self._session(f"forgetting {ssid!r}") as bus:
            profiles = self._profiles(bus, raw)
            return sum(self._delete(bus, path) for path in profiles)

    # --- plumbing --------------------------------------------------------------------------------

    def _bus(self) -> Bus:
        return Bus(self._address, timeout_s=self._call_timeout_s)

    @contextmanager
    def _session(self, doing: str) -> Iterator[Bus]:
        """A connection for one operation; every bus failure leaves as a NetworkError."""
        try:
            with self._bus() as bus:
                if not bus.has_owner(NM):
                    raise NetworkError(NetworkProblem.UNAVAILABLE, f"{NM} is not on the bus")
                yield bus
        except BusError as exc:
            raise _mapped(exc, doing) from None

    def _device(self, bus: Bus, *, radio_on: bool = True) -> _Device:
        """The Wi-Fi adapter NetworkManager manages; NO_WIFI_DEVICE otherwise, and
        WIFI_DISABLED when ``radio_on`` is asked for and the radio is off."""
        manager = bus.get_all(NM, NM_PATH, NM)
        (paths,) = bus.call(NM, NM_PATH, NM, "GetDevices")
        unmanaged: list[str] = []
        for path in _paths(paths):
            props = _optional(partial(bus.get_all, NM, path, DEVICE))
            if props is None or props.number("DeviceType") != DEVICE_TYPE_WIFI:
                continue
            if props.number("State") == _DevState.UNMANAGED:
                unmanaged.append(props.text("Interface"))
                continue
            if radio_on and not (
                manager.flag("WirelessEnabled", True)
                and manager.flag("WirelessHardwareEnabled", True)
            ):
                raise NetworkError(
                    NetworkProblem.WIFI_DISABLED,
                    f"{props.text('Interface')}: the Wi-Fi radio is switched off",
                )
            wireless = bus.get_all(NM, path, WIRELESS)
            return _Device(
                path=path,
                interface=props.text("Interface"),
                # Device.HwAddress exists since NetworkManager 1.24; Wireless.HwAddress before.
                hw_address=props.text("HwAddress") or wireless.text("HwAddress"),
                state=props.number("State"),
                active_connection=props.path("ActiveConnection"),
                wireless=wireless,
            )
        detail = f" ({', '.join(unmanaged)} not managed)" if unmanaged else ""
        raise NetworkError(
            NetworkProblem.NO_WIFI_DEVICE, f"NetworkManager manages no Wi-Fi adapter{detail}"
        )

    def _access_points(self, bus: Bus, device: _Device) -> list[_AccessPoint]:
        found = []
        for path in device.wireless.paths("AccessPoints"):
            # An access point can vanish between the list and the read: skip it.
            props = _optional(partial(bus.get_all, NM, path, ACCESS_POINT))
            if props is None or not props.data("Ssid"):
                continue  # hidden networks: no name to show or join by
            found.append(
                _AccessPoint(
                    path=path,
                    ssid=props.data("Ssid"),
                    strength=props.number("Strength"),
                    frequency=props.number("Frequency"),
                    security=security_of(
                        props.number("Flags"), props.number("WpaFlags"), props.number("RsnFlags")
                    ),
                )
            )
        return found

    def _networks(self, bus: Bus, device: _Device) -> tuple[WifiNetwork, ...]:
        saved = {ssid for ssid, _path in self._wifi_profiles(bus)}
        active = device.wireless.path("ActiveAccessPoint")
        best: dict[bytes, _AccessPoint] = {}
        active_ssids: set[bytes] = set()
        for ap in self._access_points(bus, device):
            if ap.path == active:
                active_ssids.add(ap.ssid)
            if ap.ssid not in best or ap.strength > best[ap.ssid].strength:
                best[ap.ssid] = ap
        return ordered(
            [
                WifiNetwork(
                    ssid=ssid_text(ssid),
                    signal=ap.strength,
                    security=ap.security,
                    active=ssid in active_ssids,
                    saved=ssid in saved,
                    frequency_mhz=ap.frequency,
                )
                for ssid, ap in best.items()
            ]
        )

    def _request_scan(self, bus: Bus, device: _Device) -> bool:
        """Ask for a scan; False when NetworkManager will not scan now (one is running, the
        last was moments ago, the device is busy connecting)."""
        try:
            bus.call(NM, device.path, WIRELESS, "RequestScan", signature="a{sv}", body=({},))
        except RemoteError as exc:
            if exc.name == f"{DEVICE}.NotAllowed":
                log.info("Wi-Fi: scan not allowed now: %s", exc.message)
                return False
            raise
        return True

    def _scan(self, bus: Bus, device: _Device) -> None:
        before = device.wireless.number("LastScan", -1)
        bus.watch(sender=NM, interface=PROPERTIES, member="PropertiesChanged", path=device.path)
        if not self._request_scan(bus, device):
            return  # the current list is what there is
        deadline = self._clock.monotonic() + self._scan_timeout_s
        while (remaining := deadline - self._clock.monotonic()) > 0:
            signal = bus.next_signal(min(self._poll_s, remaining))
            if signal is not None:
                if (
                    len(signal.body) >= 2
                    and signal.body[0] == WIRELESS
                    and isinstance(signal.body[1], dict)
                    and _int(signal.body[1].get("LastScan")) > before
                ):
                    return
                continue
            if _int(bus.get(NM, device.path, WIRELESS, "LastScan")) > before:
                return
        # A scan that does not finish in time is not an error: the list NetworkManager has
        # (from its background scans) is still worth showing.
        log.warning("Wi-Fi: scan did not finish within %.0f s", self._scan_timeout_s)

    def _wifi_profiles(self, bus: Bus) -> list[tuple[bytes, str]]:
        """(SSID, profile path) of every saved Wi-Fi profile this user may read."""
        (paths,) = bus.call(NM, SETTINGS_PATH, SETTINGS, "ListConnections")
        found = []
        for path in _paths(paths):
            try:
                (settings,) = bus.call(NM, path, CONNECTION, "GetSettings")
            except RemoteError as exc:
                # Deleted meanwhile, or another user's private profile: not ours to list.
                if exc.gone or exc.name.endswith(".PermissionDenied"):
                    continue
                raise
            profile = Props.of(settings)
            if profile.section("connection").text("type") == WIFI_TYPE:
                found.append((profile.section(WIFI_TYPE).data("ssid"), path))
        return found

    def _profiles(self, bus: Bus, ssid: bytes) -> list[str]:
        return [path for saved, path in self._wifi_profiles(bus) if saved == ssid]

    def _watch(self, bus: Bus, device: str) -> None:
        # Before the call: NetworkManager may report the outcome before its reply reaches us.
        bus.watch(sender=NM, interface=DEVICE, member="StateChanged", path=device)
        bus.watch(sender=NM, interface=ACTIVE, member="StateChanged")

    def _activate(self, bus: Bus, profile: str, device: str, ap: str) -> str:
        (active,) = bus.call(
            NM, NM_PATH, NM, "ActivateConnection", signature="ooo", body=(profile, device, ap)
        )
        return str(active)

    def _add_and_activate(
        self, bus: Bus, ssid: bytes, ap: _AccessPoint, key: str | None, device: str
    ) -> tuple[str, str]:
        settings: dict[str, dict[str, Variant]] = {
            "connection": {
                "id": variant("s", ssid_text(ssid)),
                "uuid": variant("s", str(uuid.uuid4())),
                "type": variant("s", WIFI_TYPE),
                "autoconnect": variant("b", True),
            },
            WIFI_TYPE: {"ssid": variant("ay", ssid), "mode": variant("s", "infrastructure")},
            "ipv4": {"method": variant("s", "auto")},
            "ipv6": {"method": variant("s", "auto")},
        }
        security = _security_section(ap.security, key)
        if security is not None:
            settings[WIFI_SECURITY] = security
        profile, active = bus.call(
            NM,
            NM_PATH,
            NM,
            "AddAndActivateConnection",
            signature="a{sa{sv}}oo",
            body=(settings, device, ap.path),
        )
        return str(profile), str(active)

    def _wait(self, bus: Bus, attempt: _Attempt) -> None:
        """Until the attempt is activated (return) or failed or out of time (NetworkError)."""
        deadline = self._clock.monotonic() + self._join_timeout_s
        while attempt.done is None:
            remaining = deadline - self._clock.monotonic()
            if remaining <= 0:
                raise NetworkError(
                    NetworkProblem.TIMEOUT,
                    f"not connected within {self._join_timeout_s:.0f} s",
                )
            signal = bus.next_signal(min(self._poll_s, remaining))
            if signal is not None:
                attempt.take(signal)
                continue
            self._poll(bus, attempt)
        if not attempt.done:
            if attempt.device_reason is None:
                # No FAILED transition seen: ask the device why it is where it is.
                reason = _optional(lambda: bus.get(NM, attempt.device, DEVICE, "StateReason"))
                state_reason = reason if isinstance(reason, tuple) else ()
                if len(state_reason) == 2 and state_reason[0] == _DevState.FAILED:
                    attempt.device_reason = _int(state_reason[1])
            raise attempt.failure()

    def _poll(self, bus: Bus, attempt: _Attempt) -> None:
        """No signal for a while: read the state, in case a signal was missed."""
        try:
            state = bus.get(NM, attempt.active, ACTIVE, "State")
        except RemoteError as exc:
            if not exc.gone:
                raise
            # NetworkManager drops the active connection object once it is deactivated.
            attempt.see_state(_ActiveState.DEACTIVATED)
            return
        attempt.see_state(_int(state))

    def _clean_up(self, bus: Bus, active: str, created: str | None) -> None:
        """After a failed or timed-out attempt: stop it and delete the profile it created."""
        with suppress(BusError):
            bus.call(NM, NM_PATH, NM, "DeactivateConnection", signature="o", body=(active,))
        if created is not None:
            with suppress(BusError):
                self._delete(bus, created)

    def _delete(self, bus: Bus, profile: str) -> bool:
        try:
            bus.call(NM, profile, CONNECTION, "Delete")
        except RemoteError as exc:
            if exc.gone:
                return False  # already gone: what forget wanted
            raise
        return True

    def _status(self, bus: Bus) -> WifiStatus:
        manager = bus.get_all(NM, NM_PATH, NM)
        try:
            device: _Device | None = self._device(bus, radio_on=False)
        except NetworkError:
            device = None
        connection: str | None = None
        ipv4: IPv4Interface | None = None
        active = manager.path("PrimaryConnection") or (device.active_connection if device else None)
        if active is not None:
            props = _optional(lambda: bus.get_all(NM, active, ACTIVE))
            if props is not None:
                connection = props.text("Id") or None
                ipv4 = self._ipv4(bus, props.path("Ip4Config"))
        return WifiStatus(
            state=_network_state(manager.number("State")),
            connectivity=_connectivity(manager.number("Connectivity")),
            connection=connection,
            ipv4=ipv4,
            wifi_enabled=manager.flag("WirelessEnabled", True)
            and manager.flag("WirelessHardwareEnabled", True),
            device=self._wifi_device(bus, device) if device is not None else None,
        )

    def _ipv4(self, bus: Bus, config: str | None) -> IPv4Interface | None:
        if config is None:
            return None
        props = _optional(lambda: bus.get_all(NM, config, IP4_CONFIG))
        if props is None:
            return None
        for record in props.records("AddressData"):
            try:
                return IPv4Interface(f"{record.text('address')}/{record.number('prefix', 32)}")
            except ValueError:
                continue
        return None

    def _wifi_device(self, bus: Bus, device: _Device) -> WifiDevice:
        ssid: str | None = None
        signal: int | None = None
        ap_path = device.wireless.path("ActiveAccessPoint")
        if ap_path is not None:
            ap = _optional(lambda: bus.get_all(NM, ap_path, ACCESS_POINT))
            if ap is not None:
                ssid = ssid_text(ap.data("Ssid")) or None
                signal = ap.number("Strength")
        return WifiDevice(
            interface=device.interface,
            hw_address=device.hw_address,
            state=_device_state(device.state),
            ssid=ssid,
            signal=signal,
        )


def _network_state(value: int) -> NetworkState:
    try:
        return _NETWORK_STATE[_NMState(value)]
    except ValueError:
        return NetworkState.UNKNOWN


def _connectivity(value: int) -> Connectivity:
    return _CONNECTIVITY[value] if 0 <= value < len(_CONNECTIVITY) else Connectivity.UNKNOWN


def _device_state(value: int) -> DeviceState:
    if value == _DevState.UNMANAGED:
        return DeviceState.UNMANAGED
    if value == _DevState.UNAVAILABLE:
        return DeviceState.UNAVAILABLE
    if value == _DevState.DISCONNECTED:
        return DeviceState.DISCONNECTED
    if _DevState.PREPARE <= value <= _DevState.SECONDARIES:
        return DeviceState.CONNECTING
    if value == _DevState.ACTIVATED:
        return DeviceState.CONNECTED
    if value == _DevState.DEACTIVATING:
        return DeviceState.DISCONNECTING
    if value == _DevState.FAILED:
        return DeviceState.FAILED
    return DeviceState.UNKNOWN


def _paths(value: object) -> tuple[str, ...]:
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def _optional(read: Callable[[], T]) -> T | None:
    """``read()``, or None when the object it reads has vanished meanwhile."""
    try:
        return read()
    except RemoteError as exc:
        if exc.gone:
            return None
        raise


def _mapped(exc: BusError, doing: str) -> NetworkError:
    """A bus failure as the NetworkError the screen can word."""
    if isinstance(exc, BusUnavailableError):
        return NetworkError(NetworkProblem.UNAVAILABLE, f"{doing}: {exc}")
    if isinstance(exc, BusTimeoutError):
        return NetworkError(NetworkProblem.TIMEOUT, f"{doing}: NetworkManager: {exc}")
    assert isinstance(exc, RemoteError)
    technical = f"{doing}: {exc.name}: {exc.message}"
    if exc.absent:
        return NetworkError(NetworkProblem.UNAVAILABLE, technical)
    if exc.name.endswith(".PermissionDenied") or exc.name.endswith(".AccessDenied"):
        return NetworkError(NetworkProblem.PERMISSION_DENIED, technical)
    if exc.name == f"{CONNECTION}.InvalidProperty" and (
        "psk" in exc.message or "wep-key" in exc.message
    ):
        return NetworkError(NetworkProblem.INVALID_PASSPHRASE, technical)
    if exc.name == f"{NM}.UnknownDevice":
        return NetworkError(NetworkProblem.NO_WIFI_DEVICE, technical)
    if exc.name in (f"{NM}.ConnectionNotAvailable", f"{NM}.UnknownConnection"):
        return NetworkError(NetworkProblem.NOT_FOUND, technical)
    return NetworkError(NetworkProblem.FAILED, technical)
