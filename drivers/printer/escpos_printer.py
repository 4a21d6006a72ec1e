"""Real ESC/POS printers through python-escpos: USB, serial, network (port 9100) and device files.

The connection is opened on first use and kept; any failure drops it, so a printer that was
unplugged (or switched off, or lost its network link) works again on the next call without
restarting the kiosk. Before a job the printer is asked for its state with the real-time DLE EOT
queries where the connection can answer (USB, serial, network); a device file cannot, so its
state is UNKNOWN and the job is sent anyway. A kept connection that went stale is retried once
with a fresh one during the status check; the job itself is never re-sent automatically, because
a half-sent job may already be on paper.

Every python-escpos, pyusb, pyserial and socket exception becomes a ``DeviceError`` here.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import threading
from typing import Any

from config.settings import PrinterDriver, PrinterSection
from drivers.errors import DeviceError, DeviceProblem
from drivers.printer.base import (
    JobLedger,
    PrinterStatus,
    PrintResult,
    RenderedSlip,
    printer_error,
    refusal_for,
)
from drivers.printer.profiles import PrinterProfile, escpos_modules, load_profile

log = logging.getLogger(__name__)

USB_TIMEOUT_MS = 5_000  # python-escpos defaults to none: a stalled printer would hang the kiosk
SERIAL_READ_TIMEOUT_S = 0.5
SERIAL_WRITE_TIMEOUT_S = 10.0
NETWORK_TIMEOUT_S = 10.0
STATUS_TIMEOUT_S = 1.0
CHUNK_BYTES = 4096

DLE_EOT = b"\x10\x04"
# DLE EOT n answers: one byte whose bits 0 and 7 are 0 and bits 1 and 4 are 1, whatever n is.
_STATUS_FIXED_MASK = 0x93
_STATUS_FIXED_BITS = 0x12
_ONLINE_OFFLINE = 0x08  # n=1: printer is offline
_OFFLINE_COVER_OPEN = 0x04  # n=2
_OFFLINE_PAPER_END_STOP = 0x20  # n=2: printing stopped because the paper ran out
_PAPER_NEAR_END = 0x0C  # n=4
_PAPER_END = 0x60  # n=4

_UNPLUGGED_ERRNOS = frozenset(
    {
        errno.ENOENT,
        errno.ENODEV,
        errno.ENXIO,
        errno.EIO,
        errno.ECONNREFUSED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.EHOSTDOWN,
    }
)


def _names(exc: BaseException) -> set[tuple[str, str]]:
    """(module, class name) of every class of ``exc``: vendor exceptions are recognised without
    importing pyusb or pyserial, which may not be installed for the driver in use."""
    return {(cls.__module__.split(".")[0], cls.__name__) for cls in type(exc).__mro__}


def classify(exc: BaseException) -> DeviceProblem:
    """The device problem a vendor, socket or OS exception stands for."""
    names = _names(exc)
    if ("usb", "USBTimeoutError") in names or ("serial", "SerialTimeoutException") in names:
        return DeviceProblem.TIMEOUT
    if isinstance(exc, TimeoutError | socket.timeout):
        return DeviceProblem.TIMEOUT
    if ("escpos", "DeviceNotFoundError") in names:
        return DeviceProblem.UNPLUGGED
    if isinstance(exc, ConnectionError):
        return DeviceProblem.UNPLUGGED
    if isinstance(exc, OSError) and exc.errno in _UNPLUGGED_ERRNOS:
        return DeviceProblem.UNPLUGGED
    if ("usb", "NoBackendError") in names or isinstance(exc, NotImplementedError | RuntimeError):
        # python-escpos raises RuntimeError when pyusb or pyserial is not installed.
        return DeviceProblem.UNSUPPORTED
    return DeviceProblem.IO_ERROR


def translate(exc: BaseException, doing: str) -> DeviceError:
    return printer_error(classify(exc), f"{doing}: {type(exc).__name__}: {exc}")


def _valid_status(data: bytes) -> int | None:
    # Take the last byte: anything before it is a late answer to an earlier query.
    if not data:
        return None
    byte = data[-1]
    return byte if byte & _STATUS_FIXED_MASK == _STATUS_FIXED_BITS else None


def status_from_bytes(online: int | None, offline: int | None, paper: int | None) -> PrinterStatus:
    """The answers to DLE EOT 1, 2 and 4 (None: no valid answer) as one status."""
    if online is None:
        return PrinterStatus.UNKNOWN
    if online & _ONLINE_OFFLINE:
        if offline is not None and offline & _OFFLINE_COVER_OPEN:
            return PrinterStatus.COVER_OPEN
        if (offline is not None and offline & _OFFLINE_PAPER_END_STOP) or (
            paper is not None and paper & _PAPER_END
        ):
            return PrinterStatus.PAPER_OUT
        return PrinterStatus.OFFLINE
    if paper is not None and paper & _PAPER_END:
        return PrinterStatus.PAPER_OUT
    if paper is not None and paper & _PAPER_NEAR_END:
        return PrinterStatus.PAPER_NEAR_END
    return PrinterStatus.READY


class EscposPrinter:
    """A ``ReceiptPrinter`` on a python-escpos connection chosen by ``section.driver``."""

    def __init__(self, section: PrinterSection, profile: PrinterProfile | None = None) -> None:
        if section.driver is PrinterDriver.FAKE:
            raise ValueError("the fake printer is drivers.printer.fake.FakePrinter")
        self._section = section
        self._profile = profile or load_profile(section.profile)
        self._conn: Any = None
        self._lock = threading.RLock()
        self._ledger = JobLedger()

    @property
    def driver(self) -> PrinterDriver:
        return self._section.driver

    # connection

    def _check_device_file(self) -> None:
        # python-escpos opens the file with "wb", which would create a plain file where the
        # device node of an unplugged printer used to be; a missing node means unplugged.
        if not self._section.path.exists():
            raise FileNotFoundError(errno.ENOENT, "no such device file", str(self._section.path))

    def _connect(self) -> Any:
        printers = escpos_modules().printer
        section = self._section
        profile = self._profile.name
        try:
            if section.driver is PrinterDriver.FILE:
                self._check_device_file()
            if section.driver is PrinterDriver.USB:
                conn = printers.Usb(
                    section.usb_vendor_id,
                    section.usb_product_id,
                    timeout=USB_TIMEOUT_MS,
                    profile=profile,
                )
            elif section.driver is PrinterDriver.SERIAL:
                conn = printers.Serial(
                    devfile=section.serial_port,
                    baudrate=section.baudrate,
                    timeout=SERIAL_READ_TIMEOUT_S,
                    profile=profile,
                )
            elif section.driver is PrinterDriver.NETWORK:
                conn = printers.Network(
                    section.host, section.port, timeout=NETWORK_TIMEOUT_S, profile=profile
                )
                # Network.open() drops its socket unclosed when connect fails (one leaked file
                # descriptor per retry while the printer is off); connect here and hand it over.
                conn.device = socket.create_connection(
                    (section.host, section.port), timeout=NETWORK_TIMEOUT_S
                )
            else:
                conn = printers.File(devfile=str(section.path), profile=profile)
            if section.driver is not PrinterDriver.NETWORK:
                conn.open()
            if section.driver is PrinterDriver.SERIAL:
                # pyserial writes block forever by default when flow control holds them.
                conn.device.write_timeout = SERIAL_WRITE_TIMEOUT_S
        except Exception as exc:
            raise translate(exc, f"opening {section.driver.value} printer") from exc
        log.info("printer connection opened (%s)", section.driver.value)
        return conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def _connection(self) -> tuple[Any, bool]:
        """The connection, and whether it was opened just now."""
        if self._conn is None:
            self._conn = self._connect()
            return self._conn, True
        return self._conn, False

    # status

    def _drain(self, conn: Any) -> None:
        """Discard late answers (real-time queries can be echoed from inside raster data)."""
        if self.driver is not PrinterDriver.NETWORK:
            return
        sock: socket.socket = conn.device
        sock.setblocking(False)
        try:
            while True:
                if not sock.recv(256):
                    raise ConnectionResetError("the printer closed the connection")
        except BlockingIOError:
            pass
        finally:
            sock.settimeout(NETWORK_TIMEOUT_S)

    def _query(self, conn: Any, n: int) -> int | None:
        conn._raw(DLE_EOT + bytes([n]))
        if self.driver is PrinterDriver.NETWORK:
            conn.device.settimeout(STATUS_TIMEOUT_S)
        try:
            data = bytes(conn._read())
        except Exception as exc:
            if classify(exc) is DeviceProblem.TIMEOUT:
                return None  # a printer that does not answer real-time queries
            raise
        finally:
            if self.driver is PrinterDriver.NETWORK:
                conn.device.settimeout(NETWORK_TIMEOUT_S)
        if not data and self.driver is PrinterDriver.NETWORK:
            raise ConnectionResetError("the printer closed the connection")
        return _valid_status(data)

    def _read_status(self, conn: Any) -> PrinterStatus:
        if self.driver is PrinterDriver.FILE:
            self._check_device_file()  # a kept handle on a vanished node would write nowhere
            return PrinterStatus.UNKNOWN
        self._drain(conn)
        online = self._query(conn, 1)
        if online is None:
            return PrinterStatus.UNKNOWN
        paper = self._query(conn, 4)
        offline = self._query(conn, 2) if online & _ONLINE_OFFLINE else None
        return status_from_bytes(online, offline, paper)

    def _checked_status(self) -> PrinterStatus:
        """Status through the kept connection, retried once on a fresh one if it went stale."""
        for _ in range(2):
            conn, fresh = self._connection()
            try:
                return self._read_status(conn)
            except Exception as exc:
                self._drop()
                if fresh:
                    raise translate(exc, "asking the printer for its status") from exc
                log.info("printer connection went stale (%s); reconnecting", exc)
        raise AssertionError("unreachable")  # pragma: no cover

    def status(self) -> PrinterStatus:
        with self._lock:
            try:
                return self._checked_status()
            except DeviceError as exc:
                log.warning("printer status: %s", exc)
                return PrinterStatus.OFFLINE

    # printing

    def print_slip(self, slip: RenderedSlip, job_id: str) -> PrintResult:
        return self._ledger.run(job_id, lambda: self._print(slip, job_id))

    def _print(self, slip: RenderedSlip, job_id: str) -> PrintResult:
        if slip.width > self._profile.width_dots:
            raise printer_error(
                DeviceProblem.UNSUPPORTED,
                f"slip is {slip.width} dots wide; profile {self._profile.name} prints "
                f"{self._profile.width_dots}",
            )
        with self._lock:
            status = self._checked_status()
            problem = refusal_for(status)
            if problem is not None:
                raise printer_error(problem, f"printer reports {status.value} before job {job_id}")
            conn, _ = self._connection()
            data = slip.escpos
            try:
                # Small writes keep each one inside the USB and serial write timeouts.
                for start in range(0, len(data), CHUNK_BYTES):
                    conn._raw(data[start : start + CHUNK_BYTES])
                if self.driver is PrinterDriver.FILE:
                    conn.flush()
            except Exception as exc:
                self._drop()
                raise translate(exc, f"sending job {job_id}") from exc
        log.info("printed slip job %s (%d bytes, %s)", job_id, len(data), status.value)
        return PrintResult(job_id, status, slip.copies, len(data))

    def close(self) -> None:
        with self._lock:
            self._drop()
