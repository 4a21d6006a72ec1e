"""A service manager's end of the sd_notify protocol, for tests: a real AF_UNIX datagram socket
that a process under test is pointed at through ``$NOTIFY_SOCKET``, and waits on what arrives
(each wait is bounded: the bound is a failure, never a pause)."""

from __future__ import annotations

import os
import socket
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# How long a test waits for a message before it fails (a slow CI machine starting Qt).
MESSAGE_BOUND_S = 60.0
_UCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid


@dataclass(frozen=True)
class Message:
    fields: tuple[str, ...]
    pid: int  # the sender, as the kernel saw it (SO_PASSCRED)

    def has(self, field: str) -> bool:
        return field in self.fields

    def value(self, key: str) -> str | None:
        for field in self.fields:
            name, sep, value = field.partition("=")
            if sep and name == key:
                return value
        return None


class NotifyListener:
    """The socket and everything received on it, in order."""

    def __init__(self, sock: socket.socket, address: str) -> None:
        self.sock = sock
        self.address = address  # what $NOTIFY_SOCKET is set to
        self.received: list[Message] = []

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a process that should talk to this listener."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFY_", "WATCHDOG_"))}
        env.pop("JOURNAL_STREAM", None)
        return {**env, "NOTIFY_SOCKET": self.address, **extra}

    def _receive(self, timeout: float) -> Message | None:
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data, ancillary, _, _ = self.sock.recvmsg(65536, socket.CMSG_SPACE(_UCRED.size))
        except TimeoutError:
            return None
        pid = -1
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = _UCRED.unpack(payload[: _UCRED.size])[0]
        message = Message(tuple(data.decode().split("\n")), pid)
        self.received.append(message)
        return message

    def wait_for(
        self, wanted: Callable[[Message], bool], what: str, *, bound_s: float = MESSAGE_BOUND_S
    ) -> Message:
        """The next message (from now on) for which ``wanted`` holds."""
        deadline = time.monotonic() + bound_s
        while True:
            left = deadline - time.monotonic()
            message = self._receive(left) if left > 0 else None
            if message is None:
                seen = [m.fields for m in self.received[-10:]]
                raise AssertionError(f"no {what} within {bound_s:.0f} s; last received: {seen}")
            if wanted(message):
                return message

    def wait_field(self, field: str, *, bound_s: float = MESSAGE_BOUND_S) -> Message:
        return self.wait_for(lambda m: m.has(field), field, bound_s=bound_s)

    def wait_status(self, part: str, *, bound_s: float = MESSAGE_BOUND_S) -> Message:
        return self.wait_for(
            lambda m: part in (m.value("STATUS") or ""), f"STATUS with {part!r}", bound_s=bound_s
        )


def _bound(sock: socket.socket, address: str | bytes) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    sock.bind(address)


@contextmanager
def path_listener() -> Iterator[NotifyListener]:
    """A listener on a socket file (a short path: sun_path holds 108 bytes)."""
    with tempfile.TemporaryDirectory(prefix="sdn-", dir="/tmp") as folder:
        path = Path(folder) / "notify"
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            _bound(sock, str(path))
            yield NotifyListener(sock, str(path))


@contextmanager
def abstract_listener() -> Iterator[NotifyListener]:
    """A listener in the abstract namespace (``@name``), as systemd's own socket may be."""
    name = f"kiosk-test-{os.getpid()}-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        _bound(sock, b"\0" + name.encode())
        yield NotifyListener(sock, "@" + name)
