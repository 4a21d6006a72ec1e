"""A private D-Bus bus for a test, and fake services started on it as child processes.

``PrivateBus`` runs ``dbus-daemon --session`` on a socket in a temporary directory and reads the
address it prints; ``FakeService`` runs one of the fakes in this package (``python -m
dbus_fakes.fake_nm`` …) with a JSON scenario and waits for the line ``READY`` it prints once its
well-known name is owned. Nothing sleeps: both wait for a line on a pipe, with a deadline, and
say what the child wrote on stderr if it never comes. Both kill their process on exit.

A fake's test-only ``Control`` object answers with what the driver sent (``calls``) and what it
keeps (``state``), as JSON, through jeepney, so tests can check the wire format the driver used.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from jeepney import DBusAddress, new_method_call
from jeepney.io.blocking import open_dbus_connection

HERE = Path(__file__).resolve().parent
START_TIMEOUT_S = 20.0
CONTROL_PATH = "/org/kiosk/test/Control"
CONTROL_INTERFACE = "org.kiosk.test.Control"


def dbus_daemon() -> str | None:
    return shutil.which("dbus-daemon")


def _read_line(process: subprocess.Popen[str], log: IO[str], what: str) -> str:
    """The child's first stdout line; fails the test with its stderr if none comes in time."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + START_TIMEOUT_S
        while (remaining := deadline - time.monotonic()) > 0:
            if selector.select(remaining):
                line = process.stdout.readline()
                if line:
                    return line.strip()
                break  # EOF: the child exited
    process.kill()
    process.wait(timeout=10)
    log.seek(0)
    raise RuntimeError(f"{what} did not start (exit {process.returncode}):\n{log.read()}")


def _stderr() -> IO[str]:
    # A file, not a pipe: a pipe nobody reads fills up and blocks a chatty child.
    return tempfile.TemporaryFile("w+", prefix="dbus-fake-", suffix=".log")


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()


class PrivateBus:
    """A ``dbus-daemon`` of our own; ``address`` is what a client connects to."""

    def __init__(self, directory: Path) -> None:
        daemon = dbus_daemon()
        if daemon is None:
            raise RuntimeError("dbus-daemon is not installed (scripts/setup.sh installs it)")
        socket = directory / "bus"
        self._log = _stderr()
        self._process = subprocess.Popen(
            [
                daemon,
                "--session",
                "--nofork",
                "--nopidfile",
                "--print-address=1",
                f"--address=unix:path={socket}",
            ],
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self.address = _read_line(self._process, self._log, "dbus-daemon")

    def close(self) -> None:
        _stop(self._process)
        self._log.close()

    def __enter__(self) -> PrivateBus:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class FakeService:
    """One fake (``module`` in this package) serving ``scenario`` on the bus at ``address``."""

    def __init__(self, module: str, address: str, scenario: dict[str, Any]) -> None:
        self.address = address
        self.name = ""
        env = dict(os.environ, PYTHONPATH=str(HERE.parent))
        self._log = _stderr()
        self._process = subprocess.Popen(
            [sys.executable, "-m", f"dbus_fakes.{module}", address, json.dumps(scenario)],
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=env,
        )
        line = _read_line(self._process, self._log, module)
        if not line.startswith("READY "):
            self.close()
            raise RuntimeError(f"{module} said {line!r} instead of READY")
        self.name = line.removeprefix("READY ")

    def control(
        self,
        method: str,
        signature: str | None = None,
        *body: object,
        interface: str = CONTROL_INTERFACE,
    ) -> tuple[Any, ...]:
        """Call a method of the fake's test-only control object; its reply's body."""
        connection = open_dbus_connection(bus=self.address)
        try:
            address = DBusAddress(CONTROL_PATH, bus_name=self.name, interface=interface)
            message = new_method_call(address, method, signature, body)
            reply = connection.send_and_get_reply(message, timeout=10)
        finally:
            connection.close()
        return tuple(reply.body)

    def _control(self, method: str) -> Any:
        (text,) = self.control(method)
        return json.loads(text)

    def calls(self) -> list[dict[str, Any]]:
        """Every method call the fake received on its service interfaces, in order."""
        result: list[dict[str, Any]] = self._control("Calls")
        return result

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [call for call in self.calls() if call["method"] == method]

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self._control("State")
        return result

    def log(self) -> str:
        """What the fake wrote on stderr so far (tracebacks of its own bugs)."""
        self._log.flush()
        self._log.seek(0)
        return self._log.read()

    def close(self) -> None:
        _stop(self._process)
        self._log.close()

    def __enter__(self) -> FakeService:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
