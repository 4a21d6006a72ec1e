"""The kiosk's health checks, as plain data: what ``kiosk doctor`` prints and what the technician
status screen shows.

Each check returns a ``CheckResult``: which check, an ``Outcome`` (ok, warning, failed), a short
summary and the next step in a technician's words, and the facts it measured. Nothing here
prints, and nothing knows Qt: the command and the screen word and lay out the same results.

The checks look without changing anything: the configuration is read, not written; devices are
asked how they are (a QR reader is started and stopped, a scanner listed and opened, a printer
asked its status), never made to scan or print; the gateway gets an authenticated GET with no
effect (not a heartbeat); the outbox is opened only if it exists, so the doctor never creates a
master key on a kiosk that has none. Every slow step has a bound: the configured connect and read
timeouts for the gateway (the connect timeout also bounds name resolution, which ``requests``
does not), ``device_timeout_s`` for each device.

Whatever is slow or depends on the machine is injected (the clock, name resolution, free space,
the device factories, sysfs), so the tests are deterministic.
"""

from __future__ import annotations

import email.utils
import importlib.metadata
import shutil
import socket
import ssl
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import requests
import requests.utils

from config.settings import (
    GatewaySection,
    PrinterDriver,
    PrinterSection,
    QrDriver,
    QrSection,
    ScannerDriver,
    ScannerSection,
    Settings,
    load_settings,
    resolve_config_path,
)
from drivers.errors import DeviceError, DeviceProblem
from drivers.printer import PrinterStatus, ReceiptPrinter, open_printer
from drivers.qr import QrReader, make_qr_reader
from drivers.qr.base import QrRead, QrStatus, ReaderState
from drivers.scanner import DocumentScanner, ScannerCapabilities, ScannerInfo, ScanRequest
from drivers.scanner import open_scanner as open_document_scanner
from dvc_common.calendar import load_overrides
from dvc_common.catalog import load_catalog
from dvc_common.clock import Clock, SystemClock
from dvc_common.datafile import ConfigError
from dvc_common.privacy import mask_digits_in
from dvc_common.trust import TrustError, key_id, sealing_public_key, signing_public_key
from kiosk import __version__
from offline_queue.crypto import CryptoError
from offline_queue.errors import StoreError
from offline_queue.opening import catalog_dir, open_queue_store, queue_dir, reference_dir
from offline_queue.progress import SyncState
from offline_queue.reference import installed_catalog, installed_overrides
from offline_queue.service import published_status
from offline_queue.store import ACTIVE, DB_NAME, AlertKind, QueueStatus, QueueStore
from offline_queue.transport import GatewayError, HttpTransport, Response

_T = TypeVar("_T")

Facts = dict[str, str | int | float]

# The authenticated request: small, without effect at the gateway, and part of protocol v1 (the
# limits document is newer, and a gateway that predates it answers 404 before checking a token).
AUTH_PROBE_PATH = "/api/v1/calendar/overrides"
KIOSK_KEY_FILE = "kiosk.key"
# A wrong clock makes wrong appointment dates and receipt days.
CLOCK_WARNING_S = 60.0
CLOCK_FAILED_S = 300.0
# A certificate about to expire is a technician's job before it is an outage.
CERTIFICATE_WARNING_DAYS = 14
# A dossier should leave within hours on any link that works at all.
OLDEST_WAITING_WARNING_S = 24 * 3600.0
DEFAULT_DEVICE_TIMEOUT_S = 10.0
_SUMMARY_REASON_CHARS = 80
# What ``offline_queue.service.published_status`` says of a process that no longer holds its lock.
STOPPED = "stopped"
# Said by every technician step that tells how to enrol.
ENROL_STEP = "enrol the kiosk: kiosk enrol CODE (a code from the gateway's operator)"


class CheckId(StrEnum):
    """Which check a result is about; the values are stable (JSON output, the status screen)."""

    CONFIGURATION = "configuration"
    ENROLMENT = "enrolment"
    TECHNICIAN_PIN = "technician_pin"
    QR_READER = "qr_reader"
    SCANNER = "scanner"
    PRINTER = "printer"
    GATEWAY_DNS = "gateway_dns"
    GATEWAY_CONNECT = "gateway_connect"
    GATEWAY_TLS = "gateway_tls"
    GATEWAY_AUTH = "gateway_auth"
    CLOCK = "clock"
    SYNC = "sync"
    OUTBOX = "outbox"
    DISK = "disk"
    VERSIONS = "versions"


class Outcome(StrEnum):
    OK = "ok"
    WARNING = "warning"
    FAILED = "failed"


_SEVERITY = {Outcome.OK: 0, Outcome.WARNING: 1, Outcome.FAILED: 2}


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict. ``summary`` and ``next_step`` are short English technician words;
    ``facts`` what was measured (no personal data: free text from outside is masked)."""

    check: CheckId
    outcome: Outcome
    summary: str
    next_step: str = ""
    facts: Facts = field(default_factory=dict)


def worst(results: Iterable[CheckResult]) -> Outcome:
    """The most serious outcome among ``results`` (OK when there are none)."""
    return max((r.outcome for r in results), key=_SEVERITY.__getitem__, default=Outcome.OK)


def _ok(check: CheckId, summary: str, facts: Facts | None = None) -> CheckResult:
    return CheckResult(check, Outcome.OK, summary, "", facts or {})


def _failed(
    check: CheckId, summary: str, next_step: str, facts: Facts | None = None
) -> CheckResult:
    return CheckResult(check, Outcome.FAILED, summary, next_step, facts or {})


def _warning(
    check: CheckId, summary: str, next_step: str, facts: Facts | None = None
) -> CheckResult:
    return CheckResult(check, Outcome.WARNING, summary, next_step, facts or {})


def _clean(text: object, limit: int = 300) -> str:
    # Errors from devices, the gateway or the outbox may quote what they were given.
    return mask_digits_in(str(text))[:limit]


def _not_checked(checks: Sequence[CheckId], because: str) -> list[CheckResult]:
    return [_warning(c, f"not checked: {because}", "fix the failed step first") for c in checks]


# --- the configuration ---------------------------------------------------------------------------


def check_configuration(path: Path | None) -> tuple[CheckResult, Settings | None]:
    """The configuration the kiosk would use (``path``, else ``$KIOSK_CONFIG``, else /etc), and
    the settings to check the rest with: None when they cannot be read."""
    resolved = resolve_config_path(path)
    if resolved is None:
        return (
            _warning(
                CheckId.CONFIGURATION,
                "no configuration file: the built-in defaults are in use",
                "write /etc/kiosk/kiosk.toml (docs/configuration.md), then enrol the kiosk",
            ),
            Settings(),
        )
    try:
        settings = load_settings(resolved)
    except ConfigError as exc:
        return (
            _failed(
                CheckId.CONFIGURATION,
                f"configuration invalid: {_clean(exc)}",
                f"fix the named fields (kiosk config check {resolved})",
                {"path": str(resolved)},
            ),
            None,
        )
    valid = _ok(CheckId.CONFIGURATION, f"configuration valid: {resolved}", {"path": str(resolved)})
    return valid, settings


# --- devices -------------------------------------------------------------------------------------

# What each device problem means to a technician, and what to do about it.
DEVICE_WORDS: dict[DeviceProblem, tuple[str, str]] = {
    DeviceProblem.UNPLUGGED: (
        "not connected",
        "check its cable and power, then run kiosk doctor again",
    ),
    DeviceProblem.BUSY: (
        "in use by another program",
        "expected while the kiosk app runs; otherwise find what holds the device",
    ),
    DeviceProblem.PAPER_OUT: ("out of paper", "load paper"),
    DeviceProblem.PAPER_NEAR_END: ("paper nearly used up", "change the roll soon"),
    DeviceProblem.COVER_OPEN: ("cover open", "close the cover"),
    DeviceProblem.JAMMED: ("paper jammed", "open it and clear the paper path"),
    DeviceProblem.NO_DOCUMENTS: ("no paper in the feeder", "nothing: citizens bring the paper"),
    DeviceProblem.IO_ERROR: (
        "input/output error",
        "unplug it and plug it back in; replace the cable if it happens again",
    ),
    DeviceProblem.CANCELLED: ("stopped before it answered", "run kiosk doctor again"),
    DeviceProblem.TIMEOUT: (
        "did not answer in time",
        "switch it off and on again, then run kiosk doctor again",
    ),
    DeviceProblem.UNSUPPORTED: (
        "cannot work as configured",
        "check the devices section of the configuration",
    ),
}
# A probe meeting these is not a fault: another program uses the device, or it will want paper.
_DEVICE_WARNINGS = frozenset({DeviceProblem.BUSY, DeviceProblem.PAPER_NEAR_END})
_DEVICE_FINE = frozenset({DeviceProblem.NO_DOCUMENTS})

_PRINTER_WORDS: dict[PrinterStatus, tuple[Outcome, str, str]] = {
    PrinterStatus.READY: (Outcome.OK, "ready", ""),
    PrinterStatus.UNKNOWN: (Outcome.OK, "connected; it does not report paper or cover", ""),
    PrinterStatus.PAPER_NEAR_END: (Outcome.WARNING, "paper nearly used up", "change the roll soon"),
    PrinterStatus.PAPER_OUT: (Outcome.FAILED, "out of paper", "load a new roll"),
    PrinterStatus.COVER_OPEN: (Outcome.FAILED, "cover open", "close the cover"),
    PrinterStatus.OFFLINE: (
        Outcome.FAILED,
        "offline: unplugged, switched off or unreachable",
        "check its cable, power and (for a network printer) its address",
    ),
}


@dataclass(frozen=True)
class DeviceFactories:
    """How the doctor builds each device: the drivers' own factories, or a test's fakes."""

    qr: Callable[[QrSection, Clock], QrReader] = make_qr_reader
    scanner: Callable[[ScannerSection], DocumentScanner] = open_document_scanner
    printer: Callable[[PrinterSection], ReceiptPrinter] = open_printer


class _TimedOutError(Exception):
    pass


def _bounded(action: Callable[[], _T], timeout_s: float, name: str) -> _T:
    """``action()`` on a daemon thread, waited for at most ``timeout_s``: a device or resolver
    that hangs must not hang the doctor. On a timeout the thread is left to finish by itself."""
    done = threading.Event()
    value: list[_T] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            value.append(action())
        except BaseException as exc:  # handed to the waiting thread, which raises it
            error.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name=f"doctor-{name}", daemon=True).start()
    if not done.wait(timeout_s):
        raise _TimedOutError(f"no answer within {timeout_s:g} s")
    if error:
        raise error[0]
    return value[0]


def _device_failure(check: CheckId, what: str, exc: DeviceError, facts: Facts) -> CheckResult:
    words, step = DEVICE_WORDS[exc.problem]
    facts = {**facts, "problem": exc.problem.value, "error": _clean(exc.technical)}
    if exc.problem in _DEVICE_FINE:
        return _ok(check, f"{what}: {words}", facts)
    outcome = Outcome.WARNING if exc.problem in _DEVICE_WARNINGS else Outcome.FAILED
    return CheckResult(check, outcome, f"{what}: {words}", step, facts)


def _probed(
    check: CheckId, what: str, probe: Callable[[], _T], timeout_s: float, facts: Facts
) -> _T | CheckResult:
    """A device's answer to ``probe`` within ``timeout_s``, or the check's result saying why
    there is none (no answer in time, or the device's own error)."""
    try:
        return _bounded(probe, timeout_s, check.value)
    except _TimedOutError as exc:
        return _failed(check, f"{what}: {exc}", DEVICE_WORDS[DeviceProblem.TIMEOUT][1], facts)
    except DeviceError as exc:
        return _device_failure(check, what, exc, facts)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _usb_product(device: Path, sysfs: Path) -> str:
    """The product name of the USB device a sysfs device folder belongs to (its ancestor that
    has a ``product`` file), with the manufacturer when known."""
    try:
        here = device.resolve()
    except OSError:
        return ""
    for folder in (here, *here.parents):
        if folder == sysfs or not folder.is_relative_to(sysfs):
            break
        product = _read_text(folder / "product")
        if product:
            maker = _read_text(folder / "manufacturer")
            return f"{maker} {product}".strip()
    return ""


def qr_model(section: QrSection, sysfs: Path = Path("/sys")) -> str:
    """The QR device's own name as Linux reports it (best effort; "" when it cannot tell)."""
    match section.driver:
        case QrDriver.CAMERA:
            return _read_text(sysfs / "class/video4linux" / f"video{section.camera_index}" / "name")
        case QrDriver.SERIAL:
            tty = Path(section.serial_port).resolve().name
            return _usb_product(sysfs / "class/tty" / tty / "device", sysfs)
        case QrDriver.KEYBOARD if section.keyboard_device:
            event = Path(section.keyboard_device).resolve().name
            return _read_text(sysfs / "class/input" / event / "device/name")
    return ""


def _qr_device(section: QrSection) -> str:
    match section.driver:
        case QrDriver.CAMERA:
            return f"camera {section.camera_index}"
        case QrDriver.SERIAL:
            return section.serial_port
        case QrDriver.KEYBOARD:
            return section.keyboard_device or "first scanner keyboard found"
    return section.driver.value


def _printer_connection(section: PrinterSection) -> str:
    match section.driver:
        case PrinterDriver.USB:
            return f"usb {section.usb_vendor_id:04x}:{section.usb_product_id:04x}"
        case PrinterDriver.SERIAL:
            return section.serial_port
        case PrinterDriver.NETWORK:
            return f"{section.host}:{section.port}"
    return str(section.path)


def _simulated(check: CheckId, what: str) -> CheckResult:
    return _ok(check, f"{what}: simulated (demo tooling)", {"driver": "simulated"})


# --- the gateway ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Endpoint:
    """Where the gateway is, and whom the kiosk connects to for it (the gateway, or the proxy)."""

    scheme: str
    host: str
    port: int
    via_host: str
    via_port: int
    proxy_scheme: str  # "" without a proxy

    @classmethod
    def of(cls, gateway: GatewaySection) -> _Endpoint:
        parts = urlsplit(gateway.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = parts.hostname or ""
        if not gateway.proxy:
            return cls(parts.scheme, host, port, host, port, "")
        proxy = urlsplit(gateway.proxy)
        proxy_port = proxy.port or (443 if proxy.scheme == "https" else 80)
        return cls(parts.scheme, host, port, proxy.hostname or "", proxy_port, proxy.scheme)

    @property
    def named(self) -> str:
        """What the kiosk connects to, for summaries."""
        via = f"{self.via_host}:{self.via_port}"
        return f"proxy {via}" if self.proxy_scheme else f"gateway {via}"


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, in the resolver's order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def free_bytes(path: Path) -> int:
    """Free bytes for an unprivileged writer on the file system holding ``path``."""
    return shutil.disk_usage(path).free


def gateway_verify(gateway: GatewaySection) -> bool | str:
    """TLS trust as the sync engine has it: the configured CA file, else the default bundle."""
    return str(gateway.ca_file) if gateway.ca_file else True


@dataclass(frozen=True)
class _Answer:
    """An answer from the gateway with what the clock comparison needs."""

    response: Response
    sent_at: datetime  # the kiosk's wall clock when the request left
    round_trip_s: float


def _tunnel(sock: socket.socket, host: str, port: int) -> int:
    """Ask an HTTP proxy for a tunnel to ``host:port``; the proxy's status code."""
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    sock.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode("ascii"))
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk or len(data) > 16 * 1024:
            raise ConnectionError("the proxy closed the connection or answered garbage")
        data += chunk
    words = data.split(b"\r\n", 1)[0].split()
    return int(words[1]) if len(words) > 1 and words[1].isdigit() else 0


def _days_left(certificate: Mapping[str, object], now: datetime) -> float | None:
    not_after = certificate.get("notAfter")
    if not isinstance(not_after, str):
        return None
    return (ssl.cert_time_to_seconds(not_after) - now.timestamp()) / 86_400


class CatalogSource(StrEnum):
    """Where the catalog (or calendar) the kiosk uses comes from: as ``offline_queue.opening``
    and ``kiosk.app`` choose it."""

    CONFIGURED = "configured"  # paths.catalog_dir / paths.calendar_overrides
    GATEWAY = "gateway"  # installed by the sync process
    BUNDLED = "bundled"  # the sample shipped with the software


# --- the doctor ----------------------------------------------------------------------------------


class Doctor:
    """The checks on one kiosk's settings; each method is one check (or one group), so the status
    screen can run them one at a time. ``run`` runs them all in the order a technician reads."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        devices: DeviceFactories | None = None,
        resolve: Callable[[str, int], list[str]] = resolve_host,
        free_space: Callable[[Path], int] = free_bytes,
        device_timeout_s: float = DEFAULT_DEVICE_TIMEOUT_S,
        sysfs: Path = Path("/sys"),
    ) -> None:
        self._settings = settings
        self._clock = clock or SystemClock()
        self._devices = devices or DeviceFactories()
        self._resolve = resolve
        self._free_space = free_space
        self._device_timeout_s = device_timeout_s
        self._sysfs = sysfs

    def run(self) -> list[CheckResult]:
        return [
            self.enrolment(),
            self.technician_pin(),
            *self.devices(),
            *self.gateway(),
            *self.outbox(),
            self.disk(),
            self.versions(),
        ]

    # --- enrolment and technician entry ----------------------------------------------------------

    def enrolment(self) -> CheckResult:
        gateway = self._settings.gateway
        key_path = self._settings.paths.data_dir / KIOSK_KEY_FILE
        facts: Facts = {
            "kiosk_id": self._settings.kiosk.id,
            "gateway": gateway.url,
            "kiosk_key": "present" if key_path.is_file() else "missing",
        }
        if not gateway.token.get_secret_value():
            return _failed(
                CheckId.ENROLMENT,
                "not enrolled: no gateway token",
                ENROL_STEP,
                facts,
            )
        try:
            if gateway.signing_key:
                facts["signing_key"] = key_id(signing_public_key(gateway.signing_key))
            if gateway.sealing_key:
                facts["sealing_key"] = key_id(sealing_public_key(gateway.sealing_key))
        except TrustError as exc:  # the settings validate them; a hand edit may not have
            return _failed(CheckId.ENROLMENT, f"gateway key unusable: {exc}", ENROL_STEP, facts)
        missing = [
            name
            for name, value in (("signing", gateway.signing_key), ("sealing", gateway.sealing_key))
            if not value
        ]
        if missing:
            return _warning(
                CheckId.ENROLMENT,
                f"enrolled with a token only: no gateway {' or '.join(missing)} key "
                "(badges cannot be checked, USB exports cannot be sealed)",
                "re-" + ENROL_STEP,
                facts,
            )
        if key_path.is_file() and key_path.stat().st_mode & 0o077:
            return _warning(
                CheckId.ENROLMENT,
                f"enrolled as {self._settings.kiosk.id}, but {key_path} is readable by others",
                f"chmod 600 {key_path}",
                facts,
            )
        return _ok(CheckId.ENROLMENT, f"enrolled as {self._settings.kiosk.id}", facts)

    def technician_pin(self) -> CheckResult:
        stored = self._settings.technician.pin_hash.get_secret_value()
        set_pin = "set a PIN: kiosk config set-pin FILE < pin.txt"
        if stored.startswith("scrypt$"):
            return _ok(CheckId.TECHNICIAN_PIN, "technician PIN set")
        if stored:
            return _failed(CheckId.TECHNICIAN_PIN, "technician PIN unreadable", set_pin)
        if self._settings.gateway.signing_key:
            return _warning(
                CheckId.TECHNICIAN_PIN,
                "no technician PIN: only a badge opens technician mode",
                set_pin,
            )
        return _failed(
            CheckId.TECHNICIAN_PIN,
            "nobody can open technician mode: no PIN and no gateway key for badges",
            set_pin,
        )

    # --- devices ---------------------------------------------------------------------------------

    def devices(self) -> list[CheckResult]:
        return [self.qr_reader(), self.scanner(), self.printer()]

    def qr_reader(self) -> CheckResult:
        section = self._settings.devices.qr
        what = "QR reader"
        if section.driver is QrDriver.SIMULATED:
            return _simulated(CheckId.QR_READER, what)
        facts: Facts = {"driver": section.driver.value, "device": _qr_device(section)}
        model = "simulated" if section.driver is QrDriver.FAKE else qr_model(section, self._sysfs)
        if model:
            facts["model"] = model
        try:
            reader = self._devices.qr(section, self._clock)
        except (DeviceError, ConfigError, OSError, ValueError) as exc:
            return _failed(
                CheckId.QR_READER,
                f"{what} cannot be set up: {_clean(exc)}",
                "check the devices.qr section of the configuration",
                facts,
            )

        def settled(status: QrStatus) -> bool:
            return status.state in (ReaderState.READY, ReaderState.RECONNECTING)

        def ignore(_read: QrRead) -> None:
            """A code shown while the doctor looks is dropped: nobody is being served."""

        try:
            reader.start(ignore)
            status = reader.wait_status(settled, self._device_timeout_s)
        except DeviceError as exc:
            return _device_failure(CheckId.QR_READER, what, exc, facts)
        finally:
            reader.stop()
        if status is None:
            return _failed(
                CheckId.QR_READER,
                f"{what} did not open within {self._device_timeout_s:g} s",
                DEVICE_WORDS[DeviceProblem.TIMEOUT][1],
                facts,
            )
        if status.error is not None:
            return _device_failure(CheckId.QR_READER, what, status.error, facts)
        if status.state is not ReaderState.READY:
            return _failed(
                CheckId.QR_READER,
                f"{what} {status.state.value}",
                DEVICE_WORDS[DeviceProblem.UNPLUGGED][1],
                facts,
            )
        label = (
            "simulated, ready" if section.driver is QrDriver.FAKE else f"ready ({model or 'open'})"
        )
        return _ok(CheckId.QR_READER, f"{what} {label}", facts)

    def scanner(self) -> CheckResult:
        section = self._settings.devices.scanner
        what = "document scanner"
        if section.driver is ScannerDriver.SIMULATED:
            return _simulated(CheckId.SCANNER, what)
        facts: Facts = {"driver": section.driver.value}
        if section.device:
            facts["device"] = section.device
        try:
            scanner = self._devices.scanner(section)
        except (DeviceError, ConfigError, OSError, ValueError) as exc:
            return _failed(
                CheckId.SCANNER,
                f"{what} cannot be set up: {_clean(exc)}",
                "check the devices.scanner section of the configuration",
                facts,
            )

        def probe() -> tuple[list[ScannerInfo], ScannerInfo, ScannerCapabilities]:
            # Listing claims nothing; opening the chosen device (what info() does) reads its
            # options without feeding paper. Closed on this thread even after the doctor stopped
            # waiting, so a slow device is still released.
            try:
                found = scanner.discover()
                return found, scanner.info(), scanner.capabilities()
            finally:
                scanner.close()

        answer = _probed(CheckId.SCANNER, what, probe, self._device_timeout_s, facts)
        if isinstance(answer, CheckResult):
            return answer
        found, info, capabilities = answer
        facts["found"] = len(found)
        facts["device"] = info.name
        facts["model"] = "simulated" if section.driver is ScannerDriver.FAKE else info.label
        request = ScanRequest.from_settings(section)
        problem = capabilities.problem_with(request)
        if problem is not None:
            return _failed(
                CheckId.SCANNER,
                f"{what} cannot scan as configured: {problem}",
                "change devices.scanner (source, mode, resolution_dpi) to what it offers",
                facts,
            )
        if section.driver is ScannerDriver.FAKE:
            return _ok(CheckId.SCANNER, f"{what} simulated, ready", facts)
        return _ok(CheckId.SCANNER, f"{what} ready: {info.vendor} {info.model}".rstrip(), facts)

    def printer(self) -> CheckResult:
        section = self._settings.devices.printer
        what = "receipt printer"
        facts: Facts = {
            "driver": section.driver.value,
            "profile": section.profile,
            "connection": _printer_connection(section),
        }
        try:
            printer = self._devices.printer(section)
        except (DeviceError, ConfigError, OSError, ValueError) as exc:
            return _failed(
                CheckId.PRINTER,
                f"{what} cannot be set up: {_clean(exc)}",
                "check the devices.printer section of the configuration (profile, connection)",
                facts,
            )

        def probe() -> PrinterStatus:
            # Real-time status queries print nothing; the connection is released afterwards.
            try:
                return printer.status()
            finally:
                printer.close()

        status = _probed(CheckId.PRINTER, what, probe, self._device_timeout_s, facts)
        if isinstance(status, CheckResult):
            return status
        facts["status"] = status.value
        outcome, words, step = _PRINTER_WORDS[status]
        simulated = " (simulated)" if section.driver is PrinterDriver.FAKE else ""
        return CheckResult(CheckId.PRINTER, outcome, f"{what}{simulated}: {words}", step, facts)

    # --- the gateway -----------------------------------------------------------------------------

    def gateway(self) -> list[CheckResult]:
        """The link step by step: name, connection, TLS, an authenticated request, and the
        gateway's clock against the kiosk's. A step that fails leaves the later ones unchecked."""
        endpoint = _Endpoint.of(self._settings.gateway)
        later = [CheckId.GATEWAY_CONNECT, CheckId.GATEWAY_TLS, CheckId.GATEWAY_AUTH, CheckId.CLOCK]
        dns, addresses = self._resolve_step(endpoint)
        if not addresses:
            return [dns, *_not_checked(later, "the name did not resolve")]
        connect, sock = self._connect_step(endpoint, addresses)
        if sock is None:
            return [dns, connect, *_not_checked(later[1:], "no connection")]
        try:
            tls = self._tls_step(endpoint, sock)
        finally:
            sock.close()
        if tls.outcome is Outcome.FAILED:
            return [dns, connect, tls, *_not_checked(later[2:], "TLS failed")]
        auth, answer = self._auth_step()
        return [dns, connect, tls, auth, self._clock_step(answer)]

    def _resolve_step(self, endpoint: _Endpoint) -> tuple[CheckResult, list[str]]:
        check = CheckId.GATEWAY_DNS
        facts: Facts = {"host": endpoint.via_host}
        if endpoint.proxy_scheme:
            facts["proxy"] = f"{endpoint.via_host}:{endpoint.via_port}"
        started = self._clock.monotonic()
        try:
            addresses = _bounded(
                lambda: self._resolve(endpoint.via_host, endpoint.via_port),
                self._settings.gateway.connect_timeout_s,
                "resolve",
            )
        except (OSError, _TimedOutError) as exc:
            return (
                _failed(
                    check,
                    f"cannot resolve {endpoint.via_host}: {_clean(exc)}",
                    "check the network cable or Wi-Fi, the DNS server and gateway.url",
                    facts,
                ),
                [],
            )
        facts["addresses"] = ", ".join(addresses[:3])
        facts["ms"] = round((self._clock.monotonic() - started) * 1000, 1)
        if not addresses:
            return (
                _failed(check, f"{endpoint.via_host} has no address", "check DNS", facts),
                [],
            )
        return _ok(check, f"{endpoint.via_host} resolves to {addresses[0]}", facts), addresses

    def _connect_step(
        self, endpoint: _Endpoint, addresses: list[str]
    ) -> tuple[CheckResult, socket.socket | None]:
        check = CheckId.GATEWAY_CONNECT
        timeout = self._settings.gateway.connect_timeout_s
        port = endpoint.via_port
        failures: list[str] = []
        refused = False
        for address in addresses:
            started = self._clock.monotonic()
            try:
                sock = socket.create_connection((address, port), timeout=timeout)
            except ConnectionRefusedError:
                refused = True
                failures.append(f"{address}: refused")
            except TimeoutError:
                failures.append(f"{address}: no answer in {timeout:g} s")
            except OSError as exc:
                failures.append(f"{address}: {exc.strerror or exc}")
            else:
                ms = round((self._clock.monotonic() - started) * 1000, 1)
                facts: Facts = {"address": address, "port": port, "ms": ms}
                return _ok(check, f"TCP connection to {endpoint.named} ({ms:g} ms)", facts), sock
        step = (
            f"check that the {'proxy' if endpoint.proxy_scheme else 'gateway'} runs and listens "
            f"on port {port}, and the firewall"
            if refused
            else "check the network link, the router and the firewall"
        )
        return (
            _failed(
                check,
                f"cannot connect to {endpoint.named}: {'; '.join(failures)}",
                step,
                {"port": port},
            ),
            None,
        )

    def _tls_step(self, endpoint: _Endpoint, sock: socket.socket) -> CheckResult:
        check = CheckId.GATEWAY_TLS
        gateway = self._settings.gateway
        if endpoint.scheme != "https":
            return _ok(check, "TLS not used: plain http to this machine", {"scheme": "http"})
        if endpoint.proxy_scheme == "https":
            return _warning(
                check,
                "TLS not checked on its own behind an https proxy",
                "see the authenticated request below, which goes through the proxy",
            )
        trust = f"gateway.ca_file {gateway.ca_file}" if gateway.ca_file else "the default CA bundle"
        facts: Facts = {"trust": trust}
        if gateway.ca_file is not None and not gateway.ca_file.is_file():
            return _failed(
                check,
                f"gateway.ca_file {gateway.ca_file} does not exist",
                "copy the gateway's CA certificate there, or correct gateway.ca_file",
                facts,
            )
        started = self._clock.monotonic()
        try:
            if endpoint.proxy_scheme:
                status = _tunnel(sock, endpoint.host, endpoint.port)
                if status != 200:
                    return _failed(
                        check,
                        f"the proxy refused a tunnel to the gateway (HTTP {status})",
                        "check gateway.proxy and that the proxy allows the gateway's address",
                        facts,
                    )
            # The same bundle the sync engine's requests verify with, so this step predicts it.
            cafile = (
                str(gateway.ca_file) if gateway.ca_file else requests.utils.DEFAULT_CA_BUNDLE_PATH
            )
            context = ssl.create_default_context(cafile=cafile)
            with context.wrap_socket(sock, server_hostname=endpoint.host) as tls:
                version = tls.version() or ""
                certificate = tls.getpeercert() or {}
        except ssl.SSLCertVerificationError as exc:
            facts["error"] = _clean(exc.verify_message or exc)
            return _failed(
                check,
                f"the gateway's certificate is not trusted: {exc.verify_message or exc}",
                "set gateway.ca_file to the gateway's CA certificate, or fix the gateway's "
                "certificate (name, dates)",
                facts,
            )
        except (ssl.SSLError, OSError) as exc:
            facts["error"] = _clean(exc)
            return _failed(
                check,
                f"TLS handshake failed: {_clean(exc, 120)}",
                "check that gateway.url's port serves https, and any proxy or filter between",
                facts,
            )
        facts["version"] = version
        facts["ms"] = round((self._clock.monotonic() - started) * 1000, 1)
        days = _days_left(certificate, self._clock.now())
        if days is not None:
            facts["certificate_days_left"] = round(days, 1)
        if days is not None and days < CERTIFICATE_WARNING_DAYS:
            return _warning(
                check,
                f"{version} with a certificate expiring in {max(days, 0):.0f} days",
                "ask the gateway's operator to renew its certificate",
                facts,
            )
        return _ok(check, f"{version}, certificate trusted ({trust})", facts)

    def _transport(self) -> HttpTransport:
        gateway = self._settings.gateway
        return HttpTransport(
            gateway.url,
            gateway.token.get_secret_value(),
            verify=gateway_verify(gateway),
            connect_timeout_s=gateway.connect_timeout_s,
            read_timeout_s=gateway.read_timeout_s,
            deadline_s=gateway.connect_timeout_s + gateway.read_timeout_s,
            monotonic=self._clock.monotonic,
            proxy=gateway.proxy,
            user_agent="kiosk-doctor",
        )

    def _ask(self, transport: HttpTransport) -> _Answer:
        sent_at = self._clock.now()
        started = self._clock.monotonic()
        response = transport.request("GET", AUTH_PROBE_PATH)
        return _Answer(response, sent_at, self._clock.monotonic() - started)

    def _auth_step(self) -> tuple[CheckResult, _Answer | None]:
        check = CheckId.GATEWAY_AUTH
        enrolled = bool(self._settings.gateway.token.get_secret_value())
        facts: Facts = {"request": f"GET {AUTH_PROBE_PATH}"}
        transport = self._transport()
        try:
            first = self._ask(transport)
            facts["status"] = first.response.status
            facts["first_request_ms"] = round(first.round_trip_s * 1000, 1)
            answer = first
            if first.response.status == 200:
                # Again on the kept-alive connection: the round trip without the set-up, and a
                # tighter bound on the clock comparison.
                answer = self._ask(transport)
        except GatewayError as exc:
            return (
                _failed(
                    check,
                    f"no answer to an authenticated request: {_clean(exc.detail)}",
                    "check the steps above; a proxy or filter may block the request",
                    facts,
                ),
                None,
            )
        finally:
            transport.close()
        status = answer.response.status
        facts["status"] = status
        facts["round_trip_ms"] = round(answer.round_trip_s * 1000, 1)
        if status == 200:
            try:
                answer.response.json_object()
            except GatewayError:
                return (
                    _failed(
                        check,
                        "something other than the gateway answered (a login page or a filter?)",
                        "check gateway.url and the network's captive portal or filter",
                        facts,
                    ),
                    answer,
                )
            return (
                _ok(check, f"token accepted (round trip {facts['round_trip_ms']:g} ms)", facts),
                answer,
            )
        if status in (401, 403):
            if not enrolled:
                summary = f"not enrolled: the gateway wants a token (HTTP {status})"
                step = ENROL_STEP
            elif status == 401:
                summary = "the gateway refuses this kiosk's token (HTTP 401)"
                step = "re-" + ENROL_STEP
            else:
                summary = "the gateway has disabled this kiosk (HTTP 403)"
                step = "ask the gateway's operator to enable it, or re-" + ENROL_STEP
            return _failed(check, summary, step, facts), answer
        if status == 503:
            return (
                _warning(
                    check,
                    "the gateway is unavailable for now (HTTP 503, maintenance?)",
                    "nothing on the kiosk: dossiers stay queued and are sent when it is back",
                    facts,
                ),
                answer,
            )
        return (
            _failed(
                check,
                f"the gateway answered HTTP {status}",
                "check gateway.url: it must be the gateway's base address",
                facts,
            ),
            answer,
        )

    def _clock_step(self, answer: _Answer | None) -> CheckResult:
        check = CheckId.CLOCK
        date = answer.response.headers.get("date") if answer is not None else None
        if answer is None or not date:
            return _warning(
                check,
                "not compared: no dated answer from the gateway",
                "fix the gateway link, then run kiosk doctor again",
            )
        try:
            stamped = email.utils.parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError):
            return _warning(check, "not compared: the gateway's Date header is unreadable", "")
        if stamped.tzinfo is None:
            stamped = stamped.replace(tzinfo=UTC)
        # The Date header has whole seconds (truncated), stamped somewhere during the round trip:
        # compare the middle of both ranges, and say how far off that can be.
        gateway_time = stamped + timedelta(seconds=0.5)
        kiosk_time = answer.sent_at + timedelta(seconds=answer.round_trip_s / 2)
        skew = (kiosk_time - gateway_time).total_seconds()
        uncertainty = answer.round_trip_s / 2 + 0.5
        facts: Facts = {
            "skew_s": round(skew, 1),
            "uncertainty_s": round(uncertainty, 1),
            "kiosk_time": kiosk_time.isoformat(timespec="seconds"),
            "gateway_time": stamped.isoformat(timespec="seconds"),
        }
        # Judged on the smallest skew the measurement allows, so a slow link raises no alarm.
        least = max(0.0, abs(skew) - uncertainty)
        direction = "ahead of" if skew > 0 else "behind"
        said = f"the kiosk's clock is {abs(skew):.0f} s {direction} the gateway's"
        step = "set the clock: timedatectl set-ntp true, and check an NTP server is reachable"
        if least > CLOCK_FAILED_S:
            return _failed(check, f"{said}: appointment dates will be wrong", step, facts)
        if least > CLOCK_WARNING_S:
            return _warning(check, said, step, facts)
        return _ok(
            check, f"clock agrees with the gateway's (within {max(abs(skew), 1):.0f} s)", facts
        )

    # --- the outbox and the sync process ---------------------------------------------------------

    def outbox(self) -> list[CheckResult]:
        """The sync process's own report and the outbox's contents."""
        database = queue_dir(self._settings) / DB_NAME
        if not database.is_file():
            step = "start the sync service (systemctl start kiosk-sync); it creates the outbox"
            return [
                _warning(CheckId.SYNC, "the sync process has never run here", step),
                _warning(
                    CheckId.OUTBOX,
                    f"no outbox yet at {database.parent}",
                    step,
                ),
            ]
        try:
            store = open_queue_store(self._settings)
        except (StoreError, CryptoError, OSError) as exc:
            failed = _failed(
                CheckId.OUTBOX,
                f"the outbox cannot be opened: {_clean(exc)}",
                "kiosk queue check; see the message for the master key or the database",
            )
            return [_not_checked([CheckId.SYNC], "the outbox cannot be opened")[0], failed]
        try:
            return [self._sync(store), self._queue(store)]
        finally:
            store.close()

    def _sync(self, store: QueueStore) -> CheckResult:
        check = CheckId.SYNC
        status = published_status(self._settings, store)
        if status is None:
            return _warning(
                check,
                "the sync process has not reported yet",
                "check that the sync service runs: systemctl status kiosk-sync",
            )
        state = str(status.get("state"))
        facts: Facts = {"state": state}
        for key in ("rate_bytes_per_s", "round_trip_ms", "chunk_bytes", "backlog"):
            value = status.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                facts[key] = value
        pause_until = status.get("pause_until")
        if isinstance(pause_until, int | float) and pause_until:
            facts["pause_until"] = datetime.fromtimestamp(pause_until, UTC).isoformat(
                timespec="seconds"
            )
        rate = facts.get("rate_bytes_per_s")
        measured = (
            f"measured {float(rate) / 1024:.1f} KiB/s"
            if isinstance(rate, int | float) and rate
            else "no upload measured yet"
        )
        round_trip = facts.get("round_trip_ms")
        if isinstance(round_trip, int | float):
            measured += f", round trip {round_trip:.0f} ms"
        if state == STOPPED:
            return _warning(
                check,
                "the sync process is not running: nothing leaves the kiosk",
                "start it: systemctl start kiosk-sync",
                facts,
            )
        if state == SyncState.AUTH_ERROR:
            return _failed(
                check,
                "the sync process stopped: the gateway refused the kiosk's token",
                "re-" + ENROL_STEP,
                facts,
            )
        if state == SyncState.WAITING:
            return _warning(
                check,
                f"the sync process is waiting after link failures ({measured})",
                "nothing if the link is fixed: it retries by itself",
                facts,
            )
        return _ok(check, f"the sync process is {state} ({measured})", facts)

    def _queue(self, store: QueueStore) -> CheckResult:
        check = CheckId.OUTBOX
        counts = store.counts()
        facts: Facts = dict(counts)
        waiting = sum(counts[s.value] for s in ACTIVE)
        oldest = store.oldest_active_enqueued_at()
        parts = [f"{waiting} waiting"]
        old = False
        if oldest is not None:
            age = max(0.0, self._clock.now().timestamp() - oldest)
            facts["oldest_waiting_s"] = round(age)
            parts[0] += f" (oldest {_duration(age)})"
            old = age > OLDEST_WAITING_WARNING_S
        attention = store.list_dossiers(statuses=[QueueStatus.NEEDS_ATTENTION])
        reasons = []
        for n, row in enumerate(attention, start=1):
            why = row.error_kind.value if row.error_kind else "unknown"
            reason = f"{row.receipt_number}: {why}: {_clean(row.last_error or 'no reason kept')}"
            facts[f"needs_attention_{n}"] = reason
            reasons.append(reason)
        if attention:
            parts.append(f"{len(attention)} need attention ({reasons[0][:_SUMMARY_REASON_CHARS]})")
        parts.append(f"{counts[QueueStatus.SUBMITTED.value]} delivered")
        alerts = store.alerts()
        for alert, detail in alerts.items():
            facts[f"alert_{alert.value}"] = _clean(detail)
        summary = "outbox: " + ", ".join(parts)
        if alerts:
            first = next(iter(alerts))
            return _failed(
                check,
                f"{summary}; alert: {first.value}: {_clean(alerts[first], 120)}",
                _ALERT_STEPS.get(first, "kiosk queue list shows the alert; see its detail"),
                facts,
            )
        if attention:
            return _warning(
                check,
                summary,
                "see kiosk queue list --status needs_attention; fix, then kiosk queue retry ID",
                facts,
            )
        if old:
            return _warning(
                check,
                summary,
                "see the sync and gateway checks: dossiers are not leaving",
                facts,
            )
        return _ok(check, summary, facts)

    # --- disk and versions -----------------------------------------------------------------------

    def disk(self) -> CheckResult:
        check = CheckId.DISK
        data_dir = self._settings.paths.data_dir
        # The data directory may not exist yet; its file system is the nearest existing parent's.
        where = next((p for p in (data_dir, *data_dir.parents) if p.exists()), Path("/"))
        minimum_mb = self._settings.queue.min_free_mb
        try:
            free = self._free_space(where)
        except OSError as exc:
            return _failed(
                check,
                f"cannot read free space at {where}: {_clean(exc)}",
                "check the data disk is mounted",
            )
        free_mb = free / (1024 * 1024)
        facts: Facts = {"path": str(where), "free_mb": round(free_mb, 1), "min_free_mb": minimum_mb}
        said = f"{free_mb:.0f} MB free at {where} (the outbox keeps {minimum_mb} MB in reserve)"
        step = "free space on the data disk (old logs, kiosk queue list for delivered dossiers)"
        if free_mb < minimum_mb:
            return _failed(check, f"{said}: new dossiers are refused", step, facts)
        if free_mb < 2 * minimum_mb:
            return _warning(check, f"{said}: nearly full", step, facts)
        return _ok(check, said, facts)

    def versions(self) -> CheckResult:
        check = CheckId.VERSIONS
        settings = self._settings
        facts: Facts = {"software": __version__}
        with_holidays = _distribution_version("holidays")
        if with_holidays:
            facts["holidays"] = with_holidays
        chosen = catalog_dir(settings)
        if settings.paths.catalog_dir is not None:
            source = CatalogSource.CONFIGURED
        elif chosen is not None:
            source = CatalogSource.GATEWAY
        else:
            source = CatalogSource.BUNDLED
        facts["catalog_source"] = source.value
        # Chosen as kiosk.app.load_calendar chooses: configured, else installed, else bundled.
        overrides = settings.paths.calendar_overrides or installed_overrides(
            reference_dir(settings)
        )
        if settings.paths.calendar_overrides is not None:
            calendar_source = CatalogSource.CONFIGURED
        elif overrides is not None:
            calendar_source = CatalogSource.GATEWAY
        else:
            calendar_source = CatalogSource.BUNDLED
        facts["calendar_source"] = calendar_source.value
        try:
            catalog = load_catalog(chosen)
            calendar = load_overrides(overrides)
        except ConfigError as exc:
            return _failed(
                check,
                f"reference data unreadable: {_clean(exc)}",
                "delete the damaged copy under the data directory's reference folder; the sync "
                "process downloads it again",
                facts,
            )
        facts["catalog_updated"] = catalog.index.updated
        facts["catalog_procedures"] = len(catalog)
        facts["catalog_sample"] = "yes" if catalog.index.sample else "no"
        facts["calendar_days_off"] = len(calendar.days_off)
        facts["calendar_working_days"] = len(calendar.working_days)
        if overrides is not None and calendar_source is CatalogSource.GATEWAY:
            facts["calendar_installed"] = _modified(overrides)
        if source is CatalogSource.GATEWAY:
            installed = installed_catalog(reference_dir(settings))
            if installed is not None:
                facts["catalog_installed"] = _modified(installed)
        summary = (
            f"software {__version__}, catalog of {catalog.index.updated} ({source.value}), "
            f"calendar {calendar_source.value}"
        )
        if source is CatalogSource.BUNDLED:
            return _warning(
                check,
                summary + ": the bundled sample catalog, not the province's",
                "let the sync process download it (enrolment and a working link)",
                facts,
            )
        return _ok(check, summary, facts)


_ALERT_STEPS: dict[AlertKind, str] = {
    AlertKind.AUTH: "re-" + ENROL_STEP,
    AlertKind.QUARANTINE: "kiosk queue list; quarantined dossiers need a technician (queue export)",
    AlertKind.DATABASE: "kiosk queue check, then kiosk queue recover if dossiers are missing",
}


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86_400:.0f} days"


def _modified(path: Path) -> str:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
    except OSError:
        return ""


def _distribution_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return ""


def run_doctor(
    config_path: Path | None, make_doctor: Callable[[Settings], Doctor] = Doctor
) -> list[CheckResult]:
    """Every check on the configuration at ``config_path`` (resolved as the kiosk does), by the
    doctor ``make_doctor`` builds for its settings. With an unreadable configuration only that is
    reported: the other checks would examine some other kiosk."""
    configuration, settings = check_configuration(config_path)
    if settings is None:
        return [configuration]
    return [configuration, *make_doctor(settings).run()]
