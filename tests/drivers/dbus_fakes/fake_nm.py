"""A fake NetworkManager: the subset of its D-Bus API the Wi-Fi driver uses, with scripted
behaviour (``python -m dbus_fakes.fake_nm ADDRESS SCENARIO_JSON``).

Object paths, interface, method, property and signal names and signatures follow
NetworkManager's introspection data (``org.freedesktop.NetworkManager``, ``.Device``,
``.Device.Wireless``, ``.AccessPoint``, ``.Settings``, ``.Settings.Connection``,
``.Connection.Active``, ``.IP4Config``), and so do the numbers (NMState, NMDeviceState,
NMDeviceStateReason, NMActiveConnectionState(Reason), NM80211ApSecurityFlags) and error names.

What it models, as NetworkManager does it:

* activation runs after the method's reply, through the device states PREPARE, CONFIG
  (NEED_AUTH), IP_CONFIG, IP_CHECK, ACTIVATED, each a ``Device.StateChanged(new, old, reason)``
  plus ``PropertiesChanged``; the ``Connection.Active`` object goes ACTIVATING → ACTIVATED;
* a wrong or missing key: NEED_AUTH, then FAILED with NO_SECRETS (7) on the device, while the
  active connection says DEACTIVATED with DEVICE_DISCONNECTED (3) and disappears from the bus,
  and the device moves on to DISCONNECTED with reason NONE (the reason is then gone);
* ``AddAndActivateConnection`` saves the profile before activating (and keeps it on failure),
  checks the PSK the way ``802-11-wireless-security.psk`` is verified and the key management
  against the access point; ``GetSettings`` leaves secrets out;
* ``RequestScan`` finishes later, updating ``LastScan`` (and adding the scenario's
  ``appear_on_scan`` access points), or is refused with ``Device.NotAllowed``.

Scenario keys (all optional): ``wifi`` (false: no Wi-Fi adapter), ``wifi_unmanaged``,
``ethernet`` ({"id", "ip"}: a wired primary connection), ``wireless_enabled``,
``access_points`` / ``appear_on_scan`` ([{"ssid", "strength", "security", "key",
"frequency"}]), ``saved`` ([{"ssid", "key"}]), ``connected_to`` (an SSID with a saved
profile), ``activation`` ("normal", "hang", "dhcp_fails"), ``scan`` ("normal",
"not_allowed", "never_finishes"), ``dhcp_ip``, ``permission_denied``.
"""

import asyncio
import uuid
from typing import Any

from dbus_fast import DBusError, PropertyAccess, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property, dbus_signal

from dbus_fakes.common import (
    AASV,
    AO,
    ASV,
    AY,
    CONTROL_PATH,
    I32,
    OO,
    SETTINGS,
    STRUCT_UU,
    UU,
    UUU,
    B,
    Control,
    O,
    Recorder,
    S,
    U,
    X,
    Y,
    serve,
)

NM = "org.freedesktop.NetworkManager"
NM_PATH = "/org/freedesktop/NetworkManager"
NO_OBJECT = "/"
STEP_S = 0.01  # between two device states: long enough for a client to see ACTIVATING first

# NMDeviceState
UNMANAGED, UNAVAILABLE, DISCONNECTED, PREPARE, CONFIG, NEED_AUTH = 10, 20, 30, 40, 50, 60
IP_CONFIG, IP_CHECK, ACTIVATED, DEACTIVATING, FAILED = 70, 80, 100, 110, 120
# NMDeviceStateReason
R_NONE, R_IP_CONFIG_UNAVAILABLE, R_NO_SECRETS, R_CONNECTION_REMOVED, R_USER_REQUESTED = (
    0,
    5,
    7,
    38,
    39,
)
# NMActiveConnectionState / Reason
AC_ACTIVATING, AC_ACTIVATED, AC_DEACTIVATING, AC_DEACTIVATED = 1, 2, 3, 4
AR_NONE, AR_USER_DISCONNECTED, AR_DEVICE_DISCONNECTED, AR_CONNECTION_REMOVED = 1, 2, 3, 11
# NMState, NMConnectivityState
NM_DISCONNECTED, NM_CONNECTING, NM_CONNECTED_GLOBAL = 20, 40, 70
CONNECTIVITY_NONE, CONNECTIVITY_FULL = 1, 4

PAIR_CCMP, GROUP_CCMP = 0x8, 0x80
PSK, EAP, SAE, OWE = 0x100, 0x200, 0x400, 0x800
# security → (Flags, WpaFlags, RsnFlags, key-mgmt values the access point accepts)
SECURITY: dict[str, tuple[int, int, int, tuple[str, ...]]] = {
    "open": (0, 0, 0, ()),
    "wep": (1, 0, 0, ("none",)),
    "wpa-psk": (1, 0, PAIR_CCMP | GROUP_CCMP | PSK, ("wpa-psk",)),
    "sae": (1, 0, PAIR_CCMP | GROUP_CCMP | SAE, ("sae",)),
    "wpa3-transition": (1, 0, PAIR_CCMP | GROUP_CCMP | PSK | SAE, ("wpa-psk", "sae")),
    "wpa-eap": (1, 0, PAIR_CCMP | GROUP_CCMP | EAP, ("wpa-eap",)),
    "owe": (1, 0, PAIR_CCMP | GROUP_CCMP | OWE, ("owe",)),
}


def _hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


def psk_valid(psk: str) -> bool:
    """NetworkManager's check of ``802-11-wireless-security.psk`` for key-mgmt wpa-psk."""
    if len(psk) == 64:
        return _hex(psk)
    return 8 <= len(psk) <= 63


class World:
    """Everything the fake holds; the interfaces read and change it."""

    def __init__(self, bus: MessageBus, scenario: dict[str, Any]) -> None:
        self.bus = bus
        self.scenario = scenario
        self.recorder = Recorder()
        self.counter = 0
        self.access_points: dict[str, AccessPoint] = {}
        self.profiles: dict[str, Profile] = {}
        self.actives: dict[str, Active] = {}
        self.manager = Manager(self)
        self.settings = Settings(self)
        self.wifi: Device | None = None
        self.wireless: Wireless | None = None
        self.devices: list[str] = []
        self.ethernet_active: str | None = None

    def next_path(self, kind: str) -> str:
        self.counter += 1
        return f"{NM_PATH}/{kind}/{self.counter}"

    def export(self, path: str, *interfaces: ServiceInterface) -> None:
        for interface in interfaces:
            self.bus.export(path, interface)

    def add_ap(self, spec: dict[str, Any]) -> "AccessPoint":
        ap = AccessPoint(self, spec)
        self.access_points[ap.path] = ap
        self.export(ap.path, ap)
        return ap

    def state(self) -> dict[str, Any]:
        return {
            "profiles": [
                {"path": p.path, "id": p.id, "ssid": p.ssid.decode(), "key": p.key}
                for p in self.profiles.values()
            ],
            "active": [
                {"path": a.path, "id": a.id, "state": a.state} for a in self.actives.values()
            ],
            "device_state": self.wifi.state if self.wifi else None,
        }


class AccessPoint(ServiceInterface):
    def __init__(self, world: World, spec: dict[str, Any]) -> None:
        super().__init__(f"{NM}.AccessPoint")
        self.path = world.next_path("AccessPoint")
        self.ssid = str(spec["ssid"]).encode()
        self.strength = int(spec.get("strength", 70))
        self.frequency = int(spec.get("frequency", 2437))
        self.security = str(spec.get("security", "wpa-psk"))
        self.key = spec.get("key")
        self.flags, self.wpa, self.rsn, self.key_mgmt = SECURITY[self.security]

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> U:  # noqa: N802
        return self.flags

    @dbus_property(access=PropertyAccess.READ)
    def WpaFlags(self) -> U:  # noqa: N802
        return self.wpa

    @dbus_property(access=PropertyAccess.READ)
    def RsnFlags(self) -> U:  # noqa: N802
        return self.rsn

    @dbus_property(access=PropertyAccess.READ)
    def Ssid(self) -> AY:  # noqa: N802
        return self.ssid

    @dbus_property(access=PropertyAccess.READ)
    def Frequency(self) -> U:  # noqa: N802
        return self.frequency

    @dbus_property(access=PropertyAccess.READ)
    def HwAddress(self) -> S:  # noqa: N802
        return f"02:00:00:00:00:{int(self.path.rsplit('/', 1)[1]) % 256:02x}"

    @dbus_property(access=PropertyAccess.READ)
    def Mode(self) -> U:  # noqa: N802
        return 2  # NM_802_11_MODE_INFRA

    @dbus_property(access=PropertyAccess.READ)
    def MaxBitrate(self) -> U:  # noqa: N802
        return 144_000

    @dbus_property(access=PropertyAccess.READ)
    def Strength(self) -> Y:  # noqa: N802
        return self.strength

    @dbus_property(access=PropertyAccess.READ)
    def LastSeen(self) -> I32:  # noqa: N802
        return 100


class Ip4Config(ServiceInterface):
    def __init__(self, world: World, cidr: str) -> None:
        super().__init__(f"{NM}.IP4Config")
        self.path = world.next_path("IP4Config")
        self.address, prefix = cidr.split("/")
        self.prefix = int(prefix)

    @dbus_property(access=PropertyAccess.READ)
    def AddressData(self) -> AASV:  # noqa: N802
        return [{"address": Variant("s", self.address), "prefix": Variant("u", self.prefix)}]

    @dbus_property(access=PropertyAccess.READ)
    def Gateway(self) -> S:  # noqa: N802
        return self.address.rsplit(".", 1)[0] + ".1"


class Profile(ServiceInterface):
    """``org.freedesktop.NetworkManager.Settings.Connection``."""

    def __init__(self, world: World, settings: dict[str, dict[str, Variant]]) -> None:
        super().__init__(f"{NM}.Settings.Connection")
        self.world = world
        self.path = world.next_path("Settings")
        connection = settings.setdefault("connection", {})
        connection.setdefault("uuid", Variant("s", str(uuid.uuid4())))
        wifi = settings.get("802-11-wireless", {})
        self.ssid: bytes = wifi["ssid"].value if "ssid" in wifi else b""
        connection.setdefault("id", Variant("s", self.ssid.decode(errors="replace")))
        self.settings = settings

    @property
    def id(self) -> str:
        return str(self.settings["connection"]["id"].value)

    @property
    def security(self) -> dict[str, Variant]:
        return self.settings.get("802-11-wireless-security", {})

    @property
    def key(self) -> str | None:
        for name in ("psk", "wep-key0"):
            if name in self.security:
                return str(self.security[name].value)
        return None

    @dbus_method()
    def GetSettings(self) -> SETTINGS:  # noqa: N802
        self.world.recorder.record("GetSettings", self.path)
        secrets = {"psk", "wep-key0", "wep-key1", "wep-key2", "wep-key3"}
        return {
            section: {k: v for k, v in values.items() if k not in secrets}
            for section, values in self.settings.items()
        }

    @dbus_method()
    async def Delete(self) -> None:  # noqa: N802
        self.world.recorder.record("Delete", self.path)
        for active in list(self.world.actives.values()):
            if active.profile is self:
                await active.world_deactivate(AR_CONNECTION_REMOVED, R_CONNECTION_REMOVED)
        del self.world.profiles[self.path]
        self.Removed()
        self.world.bus.unexport(self.path)
        self.world.settings.ConnectionRemoved(self.path)
        self.world.settings.emit_properties_changed({"Connections": list(self.world.profiles)})

    @dbus_signal()
    def Removed(self) -> None:  # noqa: N802
        return None

    @dbus_property(access=PropertyAccess.READ)
    def Unsaved(self) -> B:  # noqa: N802
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> U:  # noqa: N802
        return 0

    @dbus_property(access=PropertyAccess.READ)
    def Filename(self) -> S:  # noqa: N802
        return f"/etc/NetworkManager/system-connections/{self.id}.nmconnection"


class Settings(ServiceInterface):
    def __init__(self, world: World) -> None:
        super().__init__(f"{NM}.Settings")
        self.world = world

    def add(self, settings: dict[str, dict[str, Variant]]) -> "Profile":
        profile = Profile(self.world, settings)
        self.world.profiles[profile.path] = profile
        self.world.export(profile.path, profile)
        self.NewConnection(profile.path)
        self.emit_properties_changed({"Connections": list(self.world.profiles)})
        return profile

    @dbus_method()
    def ListConnections(self) -> AO:  # noqa: N802
        self.world.recorder.record("ListConnections", f"{NM_PATH}/Settings")
        return list(self.world.profiles)

    @dbus_method()
    def GetConnectionByUuid(self, wanted: S) -> O:  # noqa: N802
        for profile in self.world.profiles.values():
            if profile.settings["connection"]["uuid"].value == wanted:
                return profile.path
        raise DBusError(f"{NM}.Settings.InvalidConnection", "No connection with the UUID")

    @dbus_method()
    def AddConnection(self, settings: SETTINGS) -> O:  # noqa: N802
        self.world.recorder.record("AddConnection", f"{NM_PATH}/Settings", settings=settings)
        return self.add(settings).path

    @dbus_signal()
    def NewConnection(self, path: O) -> O:  # noqa: N802
        return path

    @dbus_signal()
    def ConnectionRemoved(self, path: O) -> O:  # noqa: N802
        return path

    @dbus_property(access=PropertyAccess.READ)
    def Connections(self) -> AO:  # noqa: N802
        return list(self.world.profiles)

    @dbus_property(access=PropertyAccess.READ)
    def Hostname(self) -> S:  # noqa: N802
        return "kiosk"

    @dbus_property(access=PropertyAccess.READ)
    def CanModify(self) -> B:  # noqa: N802
        return True


class Active(ServiceInterface):
    """``org.freedesktop.NetworkManager.Connection.Active``: one activation attempt."""

    def __init__(self, world: World, profile: Profile | None, device: "Device", ap: str) -> None:
        super().__init__(f"{NM}.Connection.Active")
        self.world = world
        self.path = world.next_path("ActiveConnection")
        self.profile = profile
        self.device = device
        self.ap = ap
        self.state = AC_ACTIVATING
        self.ip4: str = NO_OBJECT
        self.task: asyncio.Task[None] | None = None
        self.type = "802-11-wireless"
        # Not ``name``: that is dbus-fast's interface name.
        self.conn_id = profile.id if profile else ""

    @property
    def id(self) -> str:
        return self.conn_id

    def set_state(self, state: int, reason: int) -> None:
        self.state = state
        self.emit_properties_changed({"State": state, "Ip4Config": self.ip4})
        self.StateChanged(state, reason)

    async def world_deactivate(self, reason: int, device_reason: int) -> None:
        """Deactivate (DeactivateConnection, a deleted profile): as NetworkManager, the object
        goes away after DEACTIVATED."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self.set_state(AC_DEACTIVATING, reason)
        self.device.move(DEACTIVATING, device_reason)
        self.ip4 = NO_OBJECT
        self.set_state(AC_DEACTIVATED, reason)
        self.world.manager.drop(self)
        self.device.move(DISCONNECTED, device_reason)

    @dbus_signal()
    def StateChanged(self, state: U, reason: U) -> UU:  # noqa: N802
        return [state, reason]

    @dbus_property(access=PropertyAccess.READ)
    def Connection(self) -> O:  # noqa: N802
        return self.profile.path if self.profile else NO_OBJECT

    @dbus_property(access=PropertyAccess.READ)
    def SpecificObject(self) -> O:  # noqa: N802
        return self.ap

    @dbus_property(access=PropertyAccess.READ)
    def Id(self) -> S:  # noqa: N802
        return self.conn_id

    @dbus_property(access=PropertyAccess.READ)
    def Uuid(self) -> S:  # noqa: N802
        return str(self.profile.settings["connection"]["uuid"].value) if self.profile else ""

    @dbus_property(access=PropertyAccess.READ)
    def Type(self) -> S:  # noqa: N802
        return self.type

    @dbus_property(access=PropertyAccess.READ)
    def Devices(self) -> AO:  # noqa: N802
        return [self.device.path]

    @dbus_property(access=PropertyAccess.READ)
    def State(self) -> U:  # noqa: N802
        return self.state

    @dbus_property(access=PropertyAccess.READ)
    def StateFlags(self) -> U:  # noqa: N802
        return 0

    @dbus_property(access=PropertyAccess.READ)
    def Default(self) -> B:  # noqa: N802
        return self.state == AC_ACTIVATED

    @dbus_property(access=PropertyAccess.READ)
    def Ip4Config(self) -> O:  # noqa: N802
        return self.ip4

    @dbus_property(access=PropertyAccess.READ)
    def Vpn(self) -> B:  # noqa: N802
        return False


class Device(ServiceInterface):
    """``org.freedesktop.NetworkManager.Device`` of a Wi-Fi or Ethernet adapter."""

    def __init__(self, world: World, interface: str, device_type: int, state: int) -> None:
        super().__init__(f"{NM}.Device")
        self.world = world
        self.path = world.next_path("Devices")
        self.interface = interface
        self.device_type = device_type
        self.state = state
        self.reason = R_NONE
        self.active: str = NO_OBJECT
        self.ip4: str = NO_OBJECT

    def move(self, new: int, reason: int) -> None:
        old, self.state, self.reason = self.state, new, reason
        self.emit_properties_changed(
            {"State": new, "StateReason": [new, reason], "ActiveConnection": self.active}
        )
        self.StateChanged(new, old, reason)

    @dbus_signal()
    def StateChanged(self, new: U, old: U, reason: U) -> UUU:  # noqa: N802
        return [new, old, reason]

    @dbus_property(access=PropertyAccess.READ)
    def Udi(self) -> S:  # noqa: N802
        return f"/sys/devices/virtual/net/{self.interface}"

    @dbus_property(access=PropertyAccess.READ)
    def Interface(self) -> S:  # noqa: N802
        return self.interface

    @dbus_property(access=PropertyAccess.READ)
    def Driver(self) -> S:  # noqa: N802
        return "fake"

    @dbus_property(access=PropertyAccess.READ)
    def State(self) -> U:  # noqa: N802
        return self.state

    @dbus_property(access=PropertyAccess.READ)
    def StateReason(self) -> STRUCT_UU:  # noqa: N802
        return [self.state, self.reason]

    @dbus_property(access=PropertyAccess.READ)
    def ActiveConnection(self) -> O:  # noqa: N802
        return self.active

    @dbus_property(access=PropertyAccess.READ)
    def Ip4Config(self) -> O:  # noqa: N802
        return self.ip4

    @dbus_property(access=PropertyAccess.READ)
    def Managed(self) -> B:  # noqa: N802
        return self.state != UNMANAGED

    @dbus_property(access=PropertyAccess.READ)
    def DeviceType(self) -> U:  # noqa: N802
        return self.device_type

    @dbus_property(access=PropertyAccess.READ)
    def HwAddress(self) -> S:  # noqa: N802
        return f"02:00:00:aa:bb:{self.device_type:02x}"

    @dbus_property(access=PropertyAccess.READ)
    def AvailableConnections(self) -> AO:  # noqa: N802
        return list(self.world.profiles)


class Wireless(ServiceInterface):
    """``org.freedesktop.NetworkManager.Device.Wireless``."""

    def __init__(self, world: World, device: Device) -> None:
        super().__init__(f"{NM}.Device.Wireless")
        self.world = world
        self.device = device
        self.active_ap: str = NO_OBJECT
        self.last_scan = 5_000  # CLOCK_BOOTTIME milliseconds

    @dbus_method()
    def GetAccessPoints(self) -> AO:  # noqa: N802
        return list(self.world.access_points)

    @dbus_method()
    def GetAllAccessPoints(self) -> AO:  # noqa: N802
        return list(self.world.access_points)

    @dbus_method()
    def RequestScan(self, options: ASV) -> None:  # noqa: N802
        self.world.recorder.record("RequestScan", self.device.path, options=options)
        mode = self.world.scenario.get("scan", "normal")
        if mode == "not_allowed":
            raise DBusError(
                f"{NM}.Device.NotAllowed", "Scanning not allowed while already scanning"
            )
        if mode == "normal":
            asyncio.get_running_loop().call_later(0.05, self.finish_scan)

    def finish_scan(self) -> None:
        for spec in self.world.scenario.get("appear_on_scan", []):
            ap = self.world.add_ap(spec)
            self.AccessPointAdded(ap.path)
        self.world.scenario["appear_on_scan"] = []
        self.last_scan += 10_000
        self.emit_properties_changed(
            {"LastScan": self.last_scan, "AccessPoints": list(self.world.access_points)}
        )

    @dbus_signal()
    def AccessPointAdded(self, path: O) -> O:  # noqa: N802
        return path

    @dbus_signal()
    def AccessPointRemoved(self, path: O) -> O:  # noqa: N802
        return path

    @dbus_property(access=PropertyAccess.READ)
    def HwAddress(self) -> S:  # noqa: N802
        return "02:00:00:aa:bb:02"

    @dbus_property(access=PropertyAccess.READ)
    def PermHwAddress(self) -> S:  # noqa: N802
        return "02:00:00:aa:bb:02"

    @dbus_property(access=PropertyAccess.READ)
    def Mode(self) -> U:  # noqa: N802
        return 2

    @dbus_property(access=PropertyAccess.READ)
    def Bitrate(self) -> U:  # noqa: N802
        return 65_000 if self.active_ap != NO_OBJECT else 0

    @dbus_property(access=PropertyAccess.READ)
    def AccessPoints(self) -> AO:  # noqa: N802
        return list(self.world.access_points)

    @dbus_property(access=PropertyAccess.READ)
    def ActiveAccessPoint(self) -> O:  # noqa: N802
        return self.active_ap

    @dbus_property(access=PropertyAccess.READ)
    def WirelessCapabilities(self) -> U:  # noqa: N802
        return 0x7FF

    @dbus_property(access=PropertyAccess.READ)
    def LastScan(self) -> X:  # noqa: N802
        return self.last_scan


class Manager(ServiceInterface):
    """``org.freedesktop.NetworkManager`` on ``/org/freedesktop/NetworkManager``."""

    def __init__(self, world: World) -> None:
        super().__init__(NM)
        self.world = world
        self.nm_state = NM_DISCONNECTED
        self.connectivity = CONNECTIVITY_NONE
        self.primary: str = NO_OBJECT

    def refresh(self) -> None:
        """State, connectivity and primary connection from what is activated."""
        activated = [a for a in self.world.actives.values() if a.state == AC_ACTIVATED]
        if self.world.ethernet_active is not None:
            self.primary = self.world.ethernet_active
        else:
            self.primary = activated[0].path if activated else NO_OBJECT
        self.nm_state = NM_CONNECTED_GLOBAL if self.primary != NO_OBJECT else NM_DISCONNECTED
        self.connectivity = CONNECTIVITY_FULL if self.primary != NO_OBJECT else CONNECTIVITY_NONE
        self.emit_properties_changed(
            {
                "State": self.nm_state,
                "Connectivity": self.connectivity,
                "PrimaryConnection": self.primary,
                "ActiveConnections": list(self.world.actives),
            }
        )
        self.StateChanged(self.nm_state)

    def drop(self, active: Active) -> None:
        self.world.actives.pop(active.path, None)
        if active.device.active == active.path:
            active.device.active = NO_OBJECT
            active.device.ip4 = NO_OBJECT
            if self.world.wireless is not None and active.device is self.world.wifi:
                self.world.wireless.active_ap = NO_OBJECT
                self.world.wireless.emit_properties_changed({"ActiveAccessPoint": NO_OBJECT})
        self.world.bus.unexport(active.path)
        self.refresh()

    def check_allowed(self) -> None:
        if self.world.scenario.get("permission_denied"):
            raise DBusError(f"{NM}.PermissionDenied", "Not authorized to control networking.")

    def wifi_device(self, path: str) -> Device:
        if self.world.wifi is None or path != self.world.wifi.path:
            raise DBusError(f"{NM}.UnknownDevice", f"No device found for the path {path}")
        return self.world.wifi

    def access_point(self, path: str, ssid: bytes) -> AccessPoint:
        if path != NO_OBJECT:
            if path not in self.world.access_points:
                raise DBusError(f"{NM}.UnknownConnection", "Access point not found")
            return self.world.access_points[path]
        for ap in self.world.access_points.values():
            if ap.ssid == ssid:
                return ap
        raise DBusError(
            f"{NM}.ConnectionNotAvailable",
            "Connection is not available on the device: no network with that SSID was found",
        )

    async def start(self, profile: Profile, device: Device, ap: AccessPoint) -> Active:
        for other in list(self.world.actives.values()):
            if other.device is device:
                await other.world_deactivate(AR_DEVICE_DISCONNECTED, 60)  # NEW_ACTIVATION
        active = Active(self.world, profile, device, ap.path)
        self.world.actives[active.path] = active
        self.world.export(active.path, active)
        device.active = active.path
        self.refresh()
        active.task = asyncio.get_running_loop().create_task(self.activate(active, profile, ap))
        return active

    async def activate(self, active: Active, profile: Profile, ap: AccessPoint) -> None:
        device = active.device
        await asyncio.sleep(STEP_S)
        device.move(PREPARE, R_NONE)
        await asyncio.sleep(STEP_S)
        device.move(CONFIG, R_NONE)
        mode = self.world.scenario.get("activation", "normal")
        if mode == "hang":
            return  # association never completes: the client's deadline must end it
        if ap.key_mgmt and profile.key != ap.key:
            await asyncio.sleep(STEP_S)
            device.move(NEED_AUTH, R_NONE)
            await asyncio.sleep(STEP_S)
            self.fail(active, R_NO_SECRETS)
            return
        await asyncio.sleep(STEP_S)
        device.move(IP_CONFIG, R_NONE)
        if mode == "dhcp_fails":
            await asyncio.sleep(STEP_S)
            self.fail(active, R_IP_CONFIG_UNAVAILABLE)
            return
        ip4 = Ip4Config(self.world, self.world.scenario.get("dhcp_ip", "10.20.30.40/24"))
        self.world.export(ip4.path, ip4)
        device.ip4 = active.ip4 = ip4.path
        await asyncio.sleep(STEP_S)
        device.move(IP_CHECK, R_NONE)
        if self.world.wireless is not None:
            self.world.wireless.active_ap = ap.path
            self.world.wireless.emit_properties_changed({"ActiveAccessPoint": ap.path})
        device.move(ACTIVATED, R_NONE)
        active.set_state(AC_ACTIVATED, AR_NONE)
        self.refresh()

    def fail(self, active: Active, reason: int) -> None:
        device = active.device
        device.move(FAILED, reason)
        active.set_state(AC_DEACTIVATED, AR_DEVICE_DISCONNECTED)
        self.drop(active)
        # At once, as NetworkManager queues it: by the time a client hears DEACTIVATED, the
        # device's StateReason already says (DISCONNECTED, NONE) and no longer why.
        device.move(DISCONNECTED, R_NONE)

    @dbus_method()
    def GetDevices(self) -> AO:  # noqa: N802
        return list(self.world.devices)

    @dbus_method()
    def GetAllDevices(self) -> AO:  # noqa: N802
        return list(self.world.devices)

    @dbus_method()
    async def ActivateConnection(self, connection: O, device: O, specific: O) -> O:  # noqa: N802
        self.world.recorder.record(
            "ActivateConnection", NM_PATH, connection=connection, device=device, specific=specific
        )
        self.check_allowed()
        if connection not in self.world.profiles:
            raise DBusError(f"{NM}.UnknownConnection", f"Connection {connection} not found")
        profile = self.world.profiles[connection]
        wifi = self.wifi_device(device)
        ap = self.access_point(specific, profile.ssid)
        return (await self.start(profile, wifi, ap)).path

    @dbus_method()
    async def AddAndActivateConnection(  # noqa: N802
        self, settings: SETTINGS, device: O, specific: O
    ) -> OO:
        self.world.recorder.record(
            "AddAndActivateConnection", NM_PATH, settings=settings, device=device, specific=specific
        )
        self.check_allowed()
        wifi = self.wifi_device(device)
        ssid = settings.get("802-11-wireless", {}).get("ssid")
        ap = self.access_point(specific, ssid.value if ssid else b"")
        security = settings.get("802-11-wireless-security", {})
        key_mgmt = security["key-mgmt"].value if "key-mgmt" in security else None
        if key_mgmt is not None and key_mgmt not in ap.key_mgmt:
            raise DBusError(
                f"{NM}.Settings.Connection.InvalidSetting",
                f"802-11-wireless-security: the access point does not support {key_mgmt}",
            )
        psk = str(security["psk"].value) if "psk" in security else ""
        if key_mgmt == "wpa-psk" and not psk_valid(psk):
            raise DBusError(
                f"{NM}.Settings.Connection.InvalidProperty",
                "802-11-wireless-security.psk: property is invalid",
            )
        settings.setdefault("802-11-wireless", {}).setdefault("ssid", Variant("ay", ap.ssid))
        profile = self.world.settings.add(settings)
        active = await self.start(profile, wifi, ap)
        return [profile.path, active.path]

    @dbus_method()
    async def DeactivateConnection(self, active: O) -> None:  # noqa: N802
        self.world.recorder.record("DeactivateConnection", NM_PATH, active=active)
        if active not in self.world.actives:
            raise DBusError(f"{NM}.ConnectionNotActive", "The connection was not active.")
        await self.world.actives[active].world_deactivate(AR_USER_DISCONNECTED, R_USER_REQUESTED)

    @dbus_method()
    def CheckConnectivity(self) -> U:  # noqa: N802
        return self.connectivity

    @dbus_signal()
    def StateChanged(self, state: U) -> U:  # noqa: N802
        return state

    @dbus_property(access=PropertyAccess.READ)
    def Devices(self) -> AO:  # noqa: N802
        return list(self.world.devices)

    @dbus_property(access=PropertyAccess.READ)
    def AllDevices(self) -> AO:  # noqa: N802
        return list(self.world.devices)

    @dbus_property(access=PropertyAccess.READ)
    def ActiveConnections(self) -> AO:  # noqa: N802
        return list(self.world.actives)

    @dbus_property(access=PropertyAccess.READ)
    def PrimaryConnection(self) -> O:  # noqa: N802
        return self.primary

    @dbus_property(access=PropertyAccess.READ)
    def State(self) -> U:  # noqa: N802
        return self.nm_state

    @dbus_property(access=PropertyAccess.READ)
    def Connectivity(self) -> U:  # noqa: N802
        return self.connectivity

    @dbus_property(access=PropertyAccess.READ)
    def NetworkingEnabled(self) -> B:  # noqa: N802
        return True

    @dbus_property(access=PropertyAccess.READ)
    def WirelessEnabled(self) -> B:  # noqa: N802
        return bool(self.world.scenario.get("wireless_enabled", True))

    @dbus_property(access=PropertyAccess.READ)
    def WirelessHardwareEnabled(self) -> B:  # noqa: N802
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Version(self) -> S:  # noqa: N802
        return "1.42.4"


async def build(bus: MessageBus, scenario: dict[str, Any]) -> None:
    world = World(bus, scenario)
    world.export(NM_PATH, world.manager)
    world.export(f"{NM_PATH}/Settings", world.settings)
    world.export(CONTROL_PATH, Control(world.recorder, world.state))
    if scenario.get("ethernet"):
        spec = scenario["ethernet"]
        eth = Device(world, "eth0", 1, ACTIVATED)
        world.export(eth.path, eth)
        world.devices.append(eth.path)
        wired = Active(world, None, eth, NO_OBJECT)
        wired.conn_id, wired.type = spec.get("id", "Wired"), "802-3-ethernet"
        wired.state = AC_ACTIVATED
        ip4 = Ip4Config(world, spec.get("ip", "192.168.1.20/24"))
        world.export(ip4.path, ip4)
        wired.ip4 = eth.ip4 = ip4.path
        eth.active = wired.path
        world.actives[wired.path] = wired
        world.export(wired.path, wired)
        world.ethernet_active = wired.path
    if scenario.get("wifi", True):
        state = UNMANAGED if scenario.get("wifi_unmanaged") else DISCONNECTED
        wifi = Device(world, "wlan0", 2, state)
        world.wifi, world.wireless = wifi, Wireless(world, wifi)
        world.export(wifi.path, wifi, world.wireless)
        world.devices.append(wifi.path)
    for spec in scenario.get("access_points", []):
        world.add_ap(spec)
    for spec in scenario.get("saved", []):
        settings = {
            "connection": {
                "id": Variant("s", spec.get("id", spec["ssid"])),
                "type": Variant("s", "802-11-wireless"),
            },
            "802-11-wireless": {"ssid": Variant("ay", spec["ssid"].encode())},
        }
        if spec.get("key") is not None:
            settings["802-11-wireless-security"] = {
                "key-mgmt": Variant("s", spec.get("key_mgmt", "wpa-psk")),
                "psk": Variant("s", spec["key"]),
            }
        world.settings.add(settings)
    world.manager.refresh()
    if scenario.get("connected_to") and world.wifi is not None:
        wanted = scenario["connected_to"].encode()
        profile = next(p for p in world.profiles.values() if p.ssid == wanted)
        ap = next(a for a in world.access_points.values() if a.ssid == wanted)
        await world.manager.start(profile, world.wifi, ap)
        await world.actives[world.wifi.active].task  # type: ignore[misc]
    world.recorder.calls.clear()


if __name__ == "__main__":
    serve(NM, build)
