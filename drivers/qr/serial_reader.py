"""QR login through a dedicated scanner module on USB-serial (CDC-ACM or a USB-UART bridge).

The module decodes the code itself and sends the payload's bytes followed by CR/LF; pyserial
reads them in a thread of our own, ``framing.PayloadFramer`` cuts the stream into payloads
(partial reads, garbage between payloads, a half scan abandoned). A module that disappears
(unplugged: the read fails, or the port cannot be opened) is reopened with backoff until it is
back, so plugging it in again recovers without restarting the kiosk; point ``serial_port`` at a
``/dev/serial/by-id/...`` link so that it survives the module coming back as another ttyACM.

``SerialPort`` and ``OpenPort`` are the seam: the real opener is pyserial's ``serial_for_url``
(so ``loop://`` works too), imported only when a port is opened; tests run the real reader on a
pseudo-terminal.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Protocol

from drivers.errors import DeviceError, DeviceProblem
from drivers.qr.base import (
    DEFAULT_DEBOUNCE_S,
    RECONNECT_FIRST_S,
    RECONNECT_MAX_S,
    DecodedBy,
    PayloadCallback,
    PreviewFrame,
    QrSource,
    QrStatus,
    ReaderCore,
    StatusPredicate,
    qr_error,
)
from drivers.qr.framing import PayloadFramer
from drivers.qr.lifecycle import ReaderLifecycle
from dvc_common.clock import Clock

POLL_S = 0.1  # how long one read blocks; bounds how quickly stop() is noticed


class SerialPort(Protocol):
    """The part of ``serial.Serial`` the reader uses."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def close(self) -> None: ...


OpenPort = Callable[[str, int, float], SerialPort]


def problem_for_errno(code: int | None) -> DeviceProblem:
    if code in {errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.EIO}:
        return DeviceProblem.UNPLUGGED
    if code == errno.EBUSY:
        return DeviceProblem.BUSY
    return DeviceProblem.IO_ERROR


def _hint(code: int | None) -> str:
    if code in {errno.EACCES, errno.EPERM}:
        return " (the kiosk user must be in the dialout group)"
    return ""


def open_pyserial(url: str, baudrate: int, poll_s: float) -> SerialPort:
    """Open ``url`` (a device path or a pyserial URL) with pyserial; errors as DeviceError."""
    try:
        import serial
    except ImportError as exc:
        raise qr_error(DeviceProblem.UNSUPPORTED, f"pyserial unavailable: {exc}") from None
    try:
        port: SerialPort = serial.serial_for_url(url, baudrate=baudrate, timeout=poll_s)
    except serial.SerialException as exc:
        code = getattr(exc, "errno", None)
        raise qr_error(problem_for_errno(code), f"serial {url}: {exc}{_hint(code)}") from None
    except OSError as exc:
        raise qr_error(
            problem_for_errno(exc.errno), f"serial {url}: {exc}{_hint(exc.errno)}"
        ) from None
    except ValueError as exc:  # a malformed URL or setting
        raise qr_error(DeviceProblem.UNSUPPORTED, f"serial {url}: {exc}") from None
    return _PyserialPort(port, url, serial.SerialException)


class _PyserialPort:
    """A pyserial port whose read errors come out as DeviceError."""

    def __init__(self, port: SerialPort, url: str, vendor_error: type[Exception]) -> None:
        self._port = port
        self._url = url
        self._vendor_error = vendor_error

    @property
    def in_waiting(self) -> int:
        try:
            return self._port.in_waiting
        except (OSError, self._vendor_error) as exc:
            raise self._mapped(exc) from None

    def read(self, size: int = 1) -> bytes:
        try:
            return self._port.read(size)
        except (OSError, self._vendor_error) as exc:
            raise self._mapped(exc) from None

    def close(self) -> None:
        self._port.close()

    def _mapped(self, exc: Exception) -> DeviceError:
        code = getattr(exc, "errno", None)
        # pyserial reports a vanished device as "device reports readiness to read but
        # returned no data" without an errno: that is an unplug too.
        problem = problem_for_errno(code) if code is not None else DeviceProblem.UNPLUGGED
        return qr_error(problem, f"serial {self._url}: {exc}")


class SerialQrReader:
    """``QrReader`` for a scanner module on a serial port; see the module docstring."""

    def __init__(
        self,
        port: str,
        clock: Clock,
        *,
        baudrate: int = 9600,
        read_timeout_s: float = 2.0,
        debounce_s: float = DEFAULT_DEBOUNCE_S,
        open_port: OpenPort = open_pyserial,
        reconnect_first_s: float = RECONNECT_FIRST_S,
        reconnect_max_s: float = RECONNECT_MAX_S,
    ) -> None:
        self._url = port
        self._baudrate = baudrate
        self._open_port = open_port
        self._core = ReaderCore(QrSource.SERIAL, port, clock, debounce_s)
        self._framer = PayloadFramer(read_timeout_s)
        self._lifecycle = ReaderLifecycle(
            self._core,
            name="qr-serial",
            label=f"serial {port}",
            open_device=self._open,
            read_one=self._read,
            close_device=self._close,
            reconnect_first_s=reconnect_first_s,
            reconnect_max_s=reconnect_max_s,
        )

    # --- QrReader --------------------------------------------------------------------------------

    def start(self, on_payload: PayloadCallback) -> None:
        self._lifecycle.start(on_payload)

    def stop(self) -> None:
        self._lifecycle.stop()

    def status(self) -> QrStatus:
        return self._core.status()

    def wait_status(self, predicate: StatusPredicate, timeout_s: float) -> QrStatus | None:
        return self._core.wait_status(predicate, timeout_s)

    def latest_preview(self) -> PreviewFrame | None:
        return None

    def forget_repeats(self) -> None:
        self._core.debouncer.forget()

    @property
    def dropped(self) -> int:
        """Partial or over-long payloads thrown away since start."""
        return self._framer.dropped

    # --- the port, as the lifecycle's reading thread uses it -------------------------------------

    def _open(self) -> SerialPort:
        port = self._open_port(self._url, self._baudrate, POLL_S)
        self._framer.reset()  # no half payload from before the module went away
        return port

    def _read(self, port: SerialPort) -> None:
        # Block for the first byte (up to POLL_S), then take whatever else has arrived.
        chunk = port.read(max(1, port.in_waiting))
        now = self._core.clock.monotonic()
        if not chunk:
            self._framer.expire(now)
            return
        for payload in self._framer.feed(chunk, now):
            self._core.emit(payload, DecodedBy.SCANNER_MODULE)

    @staticmethod
    def _close(port: SerialPort) -> None:
        port.close()
