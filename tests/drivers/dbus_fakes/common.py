"""What every fake service shares: D-Bus type aliases, the recorder of calls, the test-only
``Control`` interface and the start-up that prints ``READY <name>`` once the name is owned.

The fakes are written with dbus-fast, not with jeepney (which the drivers use), so the wire
format is checked by a second, independent D-Bus implementation: a method called with a
signature the fake does not declare is refused by dbus-fast (``UnknownMethod``), exactly as
NetworkManager or udisks2 would refuse it.
"""

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from dbus_fast import Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusSignature
from dbus_fast.service import ServiceInterface, dbus_method

CONTROL_PATH = "/org/kiosk/test/Control"
CONTROL_INTERFACE = "org.kiosk.test.Control"

# D-Bus types as annotations dbus-fast reads.
U = Annotated[int, DBusSignature("u")]
X = Annotated[int, DBusSignature("x")]
Y = Annotated[int, DBusSignature("y")]
I32 = Annotated[int, DBusSignature("i")]
T64 = Annotated[int, DBusSignature("t")]
B = Annotated[bool, DBusSignature("b")]
S = Annotated[str, DBusSignature("s")]
O = Annotated[str, DBusSignature("o")]  # noqa: E741 - the D-Bus type letter
AO = Annotated[list[str], DBusSignature("ao")]
AY = Annotated[bytes, DBusSignature("ay")]
AAY = Annotated[list[bytes], DBusSignature("aay")]
ASV = Annotated[dict[str, Variant], DBusSignature("a{sv}")]
SETTINGS = Annotated[dict[str, dict[str, Variant]], DBusSignature("a{sa{sv}}")]
AASV = Annotated[list[dict[str, Variant]], DBusSignature("aa{sv}")]
STRUCT_UU = Annotated[list[int], DBusSignature("(uu)")]
UU = Annotated[list[int], DBusSignature("uu")]  # two arguments, not a struct
UUU = Annotated[list[int], DBusSignature("uuu")]
OO = Annotated[list[str], DBusSignature("oo")]


def jsonable(value: Any) -> Any:
    """A received D-Bus value as JSON: a variant as [signature, value], bytes as UTF-8 text."""
    if isinstance(value, Variant):
        return [value.signature, jsonable(value.value)]
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


class Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def record(self, method: str, path: str, **args: Any) -> None:
        self.calls.append({"method": method, "path": path, **jsonable(args)})


class Control(ServiceInterface):
    """Lets a test read what the fake received and what it holds."""

    def __init__(self, recorder: Recorder, state: Callable[[], dict[str, Any]]) -> None:
        super().__init__(CONTROL_INTERFACE)
        self._recorder = recorder
        self._state = state

    @dbus_method()
    def Calls(self) -> S:  # noqa: N802 - D-Bus member names are CamelCase
        return json.dumps(self._recorder.calls)

    @dbus_method()
    def State(self) -> S:  # noqa: N802
        return json.dumps(self._state())


def serve(name: str, build: Callable[[MessageBus, dict[str, Any]], Awaitable[None]]) -> None:
    """``python -m dbus_fakes.<fake> ADDRESS SCENARIO_JSON``: build, own ``name``, say READY."""
    address, scenario = sys.argv[1], json.loads(sys.argv[2])

    async def main() -> None:
        bus = await MessageBus(bus_address=address).connect()
        await build(bus, scenario)
        await bus.request_name(name)
        print(f"READY {name}", flush=True)
        await bus.wait_for_disconnect()

    asyncio.run(main())
