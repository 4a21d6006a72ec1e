"""A small, typed D-Bus client over jeepney for the drivers that talk to system services
(NetworkManager here, udisks2 in ``drivers.removable.udisks``).

jeepney is pure Python and has no main loop: one ``Bus`` is one blocking connection, opened for
one operation and closed after it, so a driver needs no thread of its own and a NetworkManager or
bus restart between two operations costs nothing. This is the only module that imports jeepney;
its exceptions and its untyped values stay here. What leaves is:

* ``BusError`` and its kinds (``BusUnavailableError``, ``BusTimeoutError``, ``RemoteError``
  carrying the D-Bus error name), which each driver maps to its own error kinds;
* plain Python values: variants are unwrapped, and ``Props`` reads a property dictionary with
  typed accessors that fall back to a default when a property is missing or of another type
  (services add and deprecate properties across versions; a missing one must not crash a driver).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, Final, cast

from jeepney import (  # type: ignore[import-untyped]
    DBusAddress,
    HeaderFields,
    MatchRule,
    MessageType,
    Properties,
    message_bus,
    new_method_call,
)
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

SYSTEM_BUS: Final = "SYSTEM"  # jeepney's name for the system bus (or DBUS_SYSTEM_BUS_ADDRESS)
PROPERTIES: Final = "org.freedesktop.DBus.Properties"
OBJECT_MANAGER: Final = "org.freedesktop.DBus.ObjectManager"
# Error names that say "the object (or its interface) you addressed is not there (any more)".
# A GDBus service (NetworkManager, udisks2) answers UnknownMethod for a path it dropped.
GONE_ERRORS: Final = frozenset(
    {
        "org.freedesktop.DBus.Error.UnknownObject",
        "org.freedesktop.DBus.Error.UnknownMethod",
        "org.freedesktop.DBus.Error.UnknownInterface",
    }
)
# The service itself is not on the bus (it stopped between two calls, or never started).
ABSENT_ERRORS: Final = frozenset(
    {
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NameHasNoOwner",
    }
)
DEFAULT_CALL_TIMEOUT_S: Final = 10.0


class BusError(Exception):
    """Talking to a service over D-Bus failed; never leaves the drivers that use this module."""


class BusUnavailableError(BusError):
    """No bus to talk to: no socket, refused, authentication failed, or the connection dropped."""


class BusTimeoutError(BusError):
    """The service did not answer in time."""


class RemoteError(BusError):
    """The service answered with a D-Bus error."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        self.message = message
        super().__init__(f"{name}: {message}")

    @property
    def gone(self) -> bool:
        """The object addressed does not exist (any more)."""
        return self.name in GONE_ERRORS

    @property
    def absent(self) -> bool:
        """The service is not on the bus."""
        return self.name in ABSENT_ERRORS


@dataclass(frozen=True, slots=True)
class Signal:
    path: str
    interface: str
    member: str
    body: tuple[object, ...]


def _unvariant(raw: object) -> object:
    """A variant as jeepney decodes it is a 2-tuple (signature, value); unwrap it deeply."""
    if isinstance(raw, tuple) and len(raw) == 2 and isinstance(raw[0], str):
        return _unvariant_deep(raw[1])
    return _unvariant_deep(raw)


def _unvariant_deep(value: object) -> object:
    if isinstance(value, dict):
        return {key: _unvariant(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unvariant_deep(item) for item in value]
    return value


class Props:
    """Properties (or a settings section, or an ``a{sv}`` record) read with typed defaults."""

    def __init__(self, raw: Mapping[str, object]) -> None:
        self._raw = dict(raw)

    @classmethod
    def of(cls, value: object) -> Props:
        return cls(cast(dict[str, object], value) if isinstance(value, dict) else {})

    def __contains__(self, name: object) -> bool:
        return name in self._raw

    def text(self, name: str, default: str = "") -> str:
        value = self._raw.get(name)
        return value if isinstance(value, str) else default

    def number(self, name: str, default: int = 0) -> int:
        value = self._raw.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    def flag(self, name: str, default: bool = False) -> bool:
        value = self._raw.get(name)
        return value if isinstance(value, bool) else default

    def data(self, name: str) -> bytes:
        value = self._raw.get(name)
        return bytes(value) if isinstance(value, bytes | bytearray) else b""

    def path(self, name: str) -> str | None:
        """An object path; None for D-Bus's "no object", ``/``."""
        value = self.text(name)
        return value if value not in ("", "/") else None

    def paths(self, name: str) -> tuple[str, ...]:
        value = self._raw.get(name)
        if not isinstance(value, list):
            return ()
        return tuple(item for item in value if isinstance(item, str))

    def datas(self, name: str) -> tuple[bytes, ...]:
        value = self._raw.get(name)
        if not isinstance(value, list):
            return ()
        return tuple(bytes(item) for item in value if isinstance(item, bytes | bytearray))

    def numbers(self, name: str) -> tuple[int, ...]:
        value = self._raw.get(name)
        if not isinstance(value, tuple | list):
            return ()
        return tuple(item for item in value if isinstance(item, int))

    def records(self, name: str) -> tuple[Props, ...]:
        value = self._raw.get(name)
        if not isinstance(value, list):
            return ()
        return tuple(Props.of(item) for item in value)

    def section(self, name: str) -> Props:
        return Props.of(self._raw.get(name))


# Values to send: jeepney wants a variant as (signature, value).
Variant = tuple[str, object]


def variant(signature: str, value: object) -> Variant:
    return (signature, value)


class Bus:
    """One blocking connection to a bus; use as a context manager."""

    def __init__(
        self, address: str | None = None, *, timeout_s: float = DEFAULT_CALL_TIMEOUT_S
    ) -> None:
        self._timeout_s = timeout_s
        self._signals: deque[Any] = deque()
        self._watches = ExitStack()
        try:
            self._conn: Any = open_dbus_connection(
                bus=address or SYSTEM_BUS, auth_timeout=timeout_s
            )
        except (OSError, RuntimeError, ValueError, KeyError, StopIteration) as exc:
            # OSError: no socket, refused, permission; RuntimeError/ValueError/KeyError: an
            # address jeepney cannot use; jeepney's AuthenticationError is a ValueError.
            raise BusUnavailableError(
                f"cannot connect to the bus at {address or 'system'}: {exc}"
            ) from exc

    def __enter__(self) -> Bus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._watches.close()
        finally:
            self._conn.close()

    # --- calls -----------------------------------------------------------------------------------

    def call(
        self,
        service: str,
        path: str,
        interface: str,
        method: str,
        *,
        signature: str | None = None,
        body: Sequence[object] = (),
        timeout_s: float | None = None,
    ) -> tuple[object, ...]:
        """Call a method and return its reply's body with variants unwrapped."""
        message = new_method_call(
            DBusAddress(path, bus_name=service, interface=interface),
            method,
            signature,
            tuple(body),
        )
        return tuple(cast(list[object], _unvariant_deep(list(self._send(message, timeout_s)))))

    def get(self, service: str, path: str, interface: str, name: str) -> object:
        message = Properties(DBusAddress(path, bus_name=service, interface=interface)).get(name)
        (value,) = self._send(message, None)
        return _unvariant(value)

    def get_all(self, service: str, path: str, interface: str) -> Props:
        message = Properties(DBusAddress(path, bus_name=service, interface=interface)).get_all()
        (values,) = self._send(message, None)
        return Props.of(_unvariant_deep(values))

    def managed_objects(self, service: str, path: str) -> dict[str, dict[str, Props]]:
        """``org.freedesktop.DBus.ObjectManager.GetManagedObjects``: path → interface → props."""
        (objects,) = self.call(service, path, OBJECT_MANAGER, "GetManagedObjects")
        result: dict[str, dict[str, Props]] = {}
        if isinstance(objects, dict):
            for object_path, interfaces in objects.items():
                if isinstance(object_path, str) and isinstance(interfaces, dict):
                    result[object_path] = {
                        str(name): Props.of(props) for name, props in interfaces.items()
                    }
        return result

    def has_owner(self, name: str) -> bool:
        (owned,) = self._send(message_bus.NameHasOwner(name), None)
        return bool(owned)

    def _send(self, message: Any, timeout_s: float | None) -> tuple[Any, ...]:
        timeout = self._timeout_s if timeout_s is None else timeout_s
        try:
            reply = self._conn.send_and_get_reply(message, timeout=timeout)
        except TimeoutError as exc:
            raise BusTimeoutError(f"no answer within {timeout:.1f} s") from exc
        except (OSError, EOFError, ValueError) as exc:
            # The connection broke (the bus daemon went away) or a reply could not be parsed.
            raise BusUnavailableError(f"the bus connection failed: {exc!r}") from exc
        return _body(reply)

    # --- signals ---------------------------------------------------------------------------------

    def watch(self, *, sender: str, interface: str, member: str, path: str | None = None) -> None:
        """Start collecting a signal (until the Bus closes); read them with ``next_signal``.

        Subscribe before the call whose effects you want to see: signals sent while a reply is
        awaited are kept, so none is lost between a method call and its reply.
        """
        # A signal carries its sender's unique name (":1.42"), not the well-known one: the bus
        # matches either, jeepney's local filter only the literal, so use the unique name.
        (owner,) = self._send(message_bus.GetNameOwner(sender), None)
        rule = MatchRule(
            type="signal", sender=str(owner), interface=interface, member=member, path=path
        )
        self._send(message_bus.AddMatch(rule), None)
        self._watches.enter_context(self._conn.filter(rule, queue=self._signals))

    def next_signal(self, timeout_s: float) -> Signal | None:
        """The next watched signal, waiting up to ``timeout_s``; None when none came."""
        # Real time on purpose: this bounds a socket read, it is not the caller's deadline.
        until = time.monotonic() + max(0.0, timeout_s)
        while not self._signals:
            remaining = until - time.monotonic()
            if remaining <= 0:
                return None
            try:
                # Reads one message and hands it to the filters (another watch, or nobody's).
                self._conn.recv_messages(timeout=remaining)
            except TimeoutError:
                return None
            except (OSError, EOFError, ValueError) as exc:
                raise BusUnavailableError(f"the bus connection failed: {exc!r}") from exc
        message = self._signals.popleft()
        fields = message.header.fields
        return Signal(
            path=str(fields.get(HeaderFields.path, "")),
            interface=str(fields.get(HeaderFields.interface, "")),
            member=str(fields.get(HeaderFields.member, "")),
            body=tuple(cast(list[object], _unvariant_deep(list(message.body)))),
        )


def _body(reply: Any) -> tuple[Any, ...]:
    if reply.header.message_type == MessageType.error:
        name = str(reply.header.fields.get(HeaderFields.error_name, "unknown"))
        text = reply.body[0] if reply.body and isinstance(reply.body[0], str) else ""
        raise RemoteError(name, text)
    return tuple(reply.body)
