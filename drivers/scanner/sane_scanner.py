"""Real document scanners through SANE (Linux), with pyinsane2's ctypes binding.

The SANE calls run in a worker process of our own (``sane_worker``; its docstring says why not
pyinsane2's daemon). This module is the kiosk side: it starts the worker on first use, chooses
the device (by name, or the first found), translates our ``ScanRequest`` into the option names
and values this particular backend uses, turns raw SANE frames into numpy images, and SANE
statuses into ``DeviceError``s. It never imports pyinsane2 itself, so the kiosk process never
initialises SANE.

Recovery: after an error that means the device or its backend is in trouble (I/O error, device
gone, worker crashed or stopped answering), the worker is stopped; the next call starts a fresh
one, which runs ``sane_init`` and discovery again. A scanner unplugged and plugged back in
therefore works on the next job. Errors the citizen fixes (jam, empty tray, open cover, busy)
keep the device open.

Option values: SANE_TYPE_FIXED options (resolution on many backends, the geometry ``tl-x`` ...
``br-y`` in millimetres) are 16.16 fixed point. pyinsane2 passes them through as the raw C
``int`` both ways, constraints included, so this module converts explicitly.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from config.settings import ColorMode, ScannerSection, ScanSource
from drivers.errors import DeviceError, DeviceProblem
from drivers.scanner.base import (
    COMMON_RESOLUTIONS,
    CancelToken,
    DoneCallback,
    Image,
    JobSlot,
    PageCallback,
    PageSide,
    ScanArea,
    ScanJob,
    ScannedPage,
    ScannerCapabilities,
    ScannerInfo,
    ScanRequest,
    ScanResult,
    scanner_error,
)

log = logging.getLogger(__name__)
_T = TypeVar("_T")

WORKER_SCRIPT = Path(__file__).with_name("sane_worker.py")
FIXED_ONE = 1 << 16  # SANE_FIXED_SCALE_SHIFT = 16


class SaneStatus(IntEnum):
    """SANE_Status codes (sane/sane.h)."""

    GOOD = 0
    UNSUPPORTED = 1
    CANCELLED = 2
    DEVICE_BUSY = 3
    INVAL = 4
    EOF = 5
    JAMMED = 6
    NO_DOCS = 7
    COVER_OPEN = 8
    IO_ERROR = 9
    NO_MEM = 10
    ACCESS_DENIED = 11
    WARMING_UP = 12
    HW_LOCKED = 13


class SaneType(IntEnum):
    BOOL = 0
    INT = 1
    FIXED = 2
    STRING = 3


class SaneUnit(IntEnum):
    NONE = 0
    PIXEL = 1
    BIT = 2
    MM = 3
    DPI = 4
    PERCENT = 5
    MICROSECOND = 6


class SaneFrame(IntEnum):
    GRAY = 0
    RGB = 1
    RED = 2
    GREEN = 3
    BLUE = 4


_INACTIVE = 1 << 5
_SOFT_SELECT = 1 << 0
_RELOAD_OPTIONS = 1 << 1

_PROBLEM: Mapping[int, DeviceProblem] = {
    SaneStatus.UNSUPPORTED: DeviceProblem.UNSUPPORTED,
    SaneStatus.CANCELLED: DeviceProblem.CANCELLED,
    SaneStatus.DEVICE_BUSY: DeviceProblem.BUSY,
    SaneStatus.WARMING_UP: DeviceProblem.BUSY,  # the lamp warms up: try again in a moment
    SaneStatus.INVAL: DeviceProblem.IO_ERROR,
    SaneStatus.EOF: DeviceProblem.IO_ERROR,
    SaneStatus.JAMMED: DeviceProblem.JAMMED,
    SaneStatus.NO_DOCS: DeviceProblem.NO_DOCUMENTS,
    SaneStatus.COVER_OPEN: DeviceProblem.COVER_OPEN,
    SaneStatus.IO_ERROR: DeviceProblem.IO_ERROR,
    SaneStatus.NO_MEM: DeviceProblem.IO_ERROR,
    SaneStatus.ACCESS_DENIED: DeviceProblem.IO_ERROR,  # udev permissions: a technician's job
    SaneStatus.HW_LOCKED: DeviceProblem.IO_ERROR,  # transport lock engaged: staff must unlock
}
# After these the device or its backend is suspect: start again from sane_init next time.
_RESTART = frozenset(
    {DeviceProblem.IO_ERROR, DeviceProblem.UNPLUGGED, DeviceProblem.TIMEOUT}
)


def problem_for(status: int) -> DeviceProblem:
    return _PROBLEM.get(status, DeviceProblem.IO_ERROR)


def sane_error(status: int, doing: str, text: str = "") -> DeviceError:
    try:
        name = SaneStatus(status).name
    except ValueError:
        name = f"status {status}"
    detail = f"{doing}: SANE_STATUS_{name}" + (f" ({text})" if text else "")
    return scanner_error(problem_for(status), detail)


# --- option values -------------------------------------------------------------------------------


def to_fixed(value: float) -> int:
    """A number as SANE_Fixed (16.16), rounded to the nearest step rather than truncated as the
    C macro SANE_FIX does, so 25.4 mm does not become 25.39999 mm."""
    return round(value * FIXED_ONE)


def from_fixed(word: int) -> float:
    return word / FIXED_ONE


@dataclass(frozen=True, slots=True)
class SaneOption:
    """An option descriptor as the worker reports it; numbers in the constraint are raw words."""

    name: str
    type: SaneType
    unit: SaneUnit
    cap: int
    constraint: tuple[int, int, int] | list[int] | list[str] | None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> SaneOption:
        constraint = data["constraint"]
        if isinstance(constraint, list | tuple) and not isinstance(constraint, list):
            constraint = tuple(constraint)
        try:
            kind = SaneType(data["type"])
        except ValueError:
            kind = SaneType.INT
        return cls(data["name"], kind, SaneUnit(data["unit"]), data["cap"], constraint)

    @property
    def active(self) -> bool:
        return not self.cap & _INACTIVE

    @property
    def settable(self) -> bool:
        return self.active and bool(self.cap & _SOFT_SELECT)

    def to_raw(self, value: float | str | bool) -> int | str:
        """Our value (mm, dpi, text) as the word or string SANE wants."""
        if self.type is SaneType.STRING:
            return str(value)
        if self.type is SaneType.FIXED:
            return to_fixed(float(value))
        return round(float(value))

    def from_raw(self, raw: int | str) -> float | str:
        if isinstance(raw, str):
            return raw
        return from_fixed(raw) if self.type is SaneType.FIXED else float(raw)

    def numbers(self) -> list[float]:
        """The allowed values of a word-list constraint, converted."""
        if isinstance(self.constraint, list):
            return [float(self.from_raw(v)) for v in self.constraint if isinstance(v, int)]
        return []

    def bounds(self) -> tuple[float, float, float] | None:
        """(min, max, quant) of a range constraint, converted."""
        if isinstance(self.constraint, tuple):
            low, high, quant = self.constraint
            return (
                float(self.from_raw(low)),
                float(self.from_raw(high)),
                float(self.from_raw(quant)),
            )
        return None

    def strings(self) -> list[str]:
        if isinstance(self.constraint, list):
            return [v for v in self.constraint if isinstance(v, str)]
        return []

    def clamp(self, value: float) -> float:
        """The allowed value nearest ``value``."""
        listed = self.numbers()
        if listed:
            return min(listed, key=lambda v: (abs(v - value), -v))
        bounds = self.bounds()
        if bounds is None:
            return value
        low, high, quant = bounds
        value = min(max(value, low), high)
        if quant > 0:
            value = low + round((value - low) / quant) * quant
        return min(value, high)


# --- mapping our words to the backend's ----------------------------------------------------------

_DITHERED = ("diffusion", "halftone", "dither", "lineart", "binary")


def match_sources(offered: Sequence[str]) -> dict[ScanSource, str]:
    """Which of a backend's ``source`` values stands for each of our sources.

    Backends name them freely: "Flatbed", "FlatBed", "Normal"; "ADF", "ADF Front", "Automatic
    Document Feeder", "Document Feeder"; "ADF Duplex", "Duplex". "ADF Back" scans only backs.
    """
    found: dict[ScanSource, str] = {}
    lowered = [(name, name.lower()) for name in offered]
    for name, low in lowered:
        if "duplex" in low:
            found.setdefault(ScanSource.DUPLEX, name)
    feeders = [
        (name, low)
        for name, low in lowered
        if ("adf" in low or "feeder" in low) and "duplex" not in low and "back" not in low
    ]
    # Prefer the plain front-side feeder: "ADF" or "ADF Front" over "ADF Card" and the like.
    feeders.sort(key=lambda nl: (nl[1] not in {"adf", "adf front", "automatic document feeder"}))
    if feeders:
        found[ScanSource.FEEDER] = feeders[0][0]
    for name, low in lowered:
        if "flatbed" in low or low in {"normal", "platen", "glass"}:
            found.setdefault(ScanSource.FLATBED, name)
            break
    return found


def match_modes(offered: Sequence[str]) -> dict[ColorMode, str]:
    """Which ``mode`` value gives 8-bit gray and 24-bit colour; never a dithered one."""
    found: dict[ColorMode, str] = {}
    for mode, word, exact in (
        (ColorMode.GRAY, "gray", {"gray", "grayscale", "true gray", "gray8"}),
        (ColorMode.COLOR, "color", {"color", "colour", "24bit color", "color24"}),
    ):
        candidates = [
            name
            for name in offered
            if (word in name.lower() or (word == "color" and "colour" in name.lower()))
            and not any(d in name.lower() for d in _DITHERED)
        ]
        candidates.sort(key=lambda name: name.lower() not in exact)
        if candidates:
            found[mode] = candidates[0]
    return found


# --- raw frames to images ------------------------------------------------------------------------

Frame = tuple[int, bool, int, int, int, int, bytes]


def _frame_plane(frame: Frame, channels: int) -> Image:
    """One SANE frame as uint8 (lines, pixels[, channels])."""
    _fmt, _last, bpl, ppl, _lines, depth, data = frame
    if bpl <= 0 or ppl <= 0:
        raise scanner_error(DeviceProblem.IO_ERROR, f"bad frame parameters bpl={bpl} ppl={ppl}")
    lines = len(data) // bpl  # hand scanners report -1 lines; trust the bytes that came
    rows = np.frombuffer(data, dtype=np.uint8, count=lines * bpl).reshape(lines, bpl)
    if depth == 8:
        pixels = rows[:, : ppl * channels]
    elif depth == 16:
        # Host byte order, as the SANE standard says; keep the high byte.
        words = rows.view(np.dtype("=u2"))[:, : ppl * channels]
        pixels = (words >> 8).astype(np.uint8)
    elif depth == 1 and channels == 1:
        # Lineart: a set bit is black.
        bits = np.unpackbits(rows, axis=1)[:, :ppl]
        pixels = np.where(bits == 1, 0, 255).astype(np.uint8)
    else:
        raise scanner_error(DeviceProblem.UNSUPPORTED, f"unsupported depth {depth}")
    if channels == 3:
        return np.ascontiguousarray(pixels.reshape(lines, ppl, 3))
    return np.ascontiguousarray(pixels)


def frames_to_image(frames: Sequence[Frame]) -> Image:
    """A page from its frames: one gray or RGB frame, or three single-colour frames."""
    if len(frames) == 1:
        fmt = frames[0][0]
        if fmt == SaneFrame.GRAY:
            return _frame_plane(frames[0], 1)
        if fmt == SaneFrame.RGB:
            return _frame_plane(frames[0], 3)
    planes = {frame[0]: _frame_plane(frame, 1) for frame in frames}
    if set(planes) == {SaneFrame.RED, SaneFrame.GREEN, SaneFrame.BLUE}:
        height = min(p.shape[0] for p in planes.values())
        return np.ascontiguousarray(
            np.stack([planes[c][:height] for c in (SaneFrame.RED, SaneFrame.GREEN, SaneFrame.BLUE)],
                     axis=2)
        )
    raise scanner_error(DeviceProblem.UNSUPPORTED, f"unexpected frames {[f[0] for f in frames]}")


# --- the worker process --------------------------------------------------------------------------


class _Worker:
    """The kiosk's end of one ``sane_worker`` process."""

    def __init__(self, env: Mapping[str, str], start_timeout_s: float) -> None:
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own script, this interpreter
                [sys.executable, "-I", str(WORKER_SCRIPT), "--fd", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                env=dict(env),
            )
        except OSError as exc:
            ours.close()
            raise scanner_error(DeviceProblem.IO_ERROR, f"cannot start SANE worker: {exc}") from exc
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())
        self._send_lock = threading.Lock()
        answer = self.receive(start_timeout_s, "starting SANE")
        if answer[0] == "fatal":
            self.stop()
            raise sane_error(answer[1], "starting SANE", answer[2])
        self.version: str = answer[1]

    def send(self, *message: Any) -> None:
        with self._send_lock:
            try:
                self.conn.send(message)
            except OSError as exc:
                raise self._gone("sending to SANE worker") from exc

    def receive(self, timeout_s: float, doing: str) -> tuple[Any, ...]:
        try:
            if not self.conn.poll(timeout_s):
                raise scanner_error(
                    DeviceProblem.TIMEOUT, f"{doing}: no answer from SANE in {timeout_s:.0f} s"
                )
            answer: tuple[Any, ...] = self.conn.recv()
        except (EOFError, OSError) as exc:
            raise self._gone(doing) from exc
        return answer

    def call(self, timeout_s: float, doing: str, *message: Any) -> Any:
        self.send(*message)
        answer = self.receive(timeout_s, doing)
        if answer[0] == "error":
            raise sane_error(answer[1], doing, answer[2])
        return answer[1]

    def _gone(self, doing: str) -> DeviceError:
        code = self.process.poll()
        return scanner_error(DeviceProblem.IO_ERROR, f"{doing}: SANE worker gone (exit {code})")

    def stop(self, timeout_s: float = 5.0) -> None:
        if self.process.poll() is None:
            try:
                with self._send_lock:
                    self.conn.send(("exit",))
                self.conn.poll(timeout_s)
            except OSError:
                pass
        self.conn.close()
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            # A backend stuck in a USB call: it cannot be asked, only ended.
            self.process.kill()
            self.process.wait(timeout_s)


@dataclass
class _Session:
    worker: _Worker
    info: ScannerInfo
    options: dict[str, SaneOption]
    caps: ScannerCapabilities
    source_names: dict[ScanSource, str]
    mode_names: dict[ColorMode, str]


class SaneScanner:
    """A SANE document scanner; see the module docstring."""

    def __init__(
        self,
        section: ScannerSection,
        *,
        sane_config_dir: Path | None = None,
        call_timeout_s: float = 30.0,
        page_timeout_s: float = 120.0,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._device = section.device
        self._env = dict(os.environ if env is None else env)
        if sane_config_dir is not None:
            self._env["SANE_CONFIG_DIR"] = str(sane_config_dir)
        self._call_timeout_s = call_timeout_s
        # The longest a page may take to arrive: slow USB at 600 dpi colour takes tens of seconds.
        self._page_timeout_s = page_timeout_s
        self._lock = threading.RLock()  # one conversation with the worker at a time
        self._session: _Session | None = None
        self._cached_info: ScannerInfo | None = None
        self._cached_caps: ScannerCapabilities | None = None
        self._slot = JobSlot()
        self.restarts = 0  # workers started after the first, for the health screen

    # --- DocumentScanner -------------------------------------------------------------------------

    def discover(self) -> list[ScannerInfo]:
        with self._lock:
            return self._guarded(self._discover)

    def info(self) -> ScannerInfo:
        if self._cached_info is not None and self._session is not None:
            return self._cached_info
        with self._lock:
            return self._guarded(lambda: self._open().info)

    def capabilities(self) -> ScannerCapabilities:
        if self._cached_caps is not None and self._session is not None:
            return self._cached_caps
        with self._lock:
            return self._guarded(lambda: self._open().caps)

    def start_scan(
        self, request: ScanRequest, on_page: PageCallback, on_done: DoneCallback | None = None
    ) -> ScanJob:
        return self._slot.start(request, self._pages, on_page, on_done, self._after_job)

    def close(self) -> None:
        self._slot.stop(timeout_s=self._page_timeout_s)
        with self._lock:
            self._teardown()

    @property
    def worker_pid(self) -> int | None:
        """The SANE worker's process id while one runs (diagnostics and tests)."""
        session = self._session
        return session.worker.process.pid if session is not None else None

    # --- session ---------------------------------------------------------------------------------

    def _guarded(self, action: Callable[[], _T]) -> _T:
        """Run ``action``; a DeviceError that leaves the device suspect restarts SANE next time."""
        try:
            return action()
        except DeviceError as exc:
            raise self._failed(exc) from exc

    def _teardown(self, grace_s: float = 5.0) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.worker.stop(grace_s)

    def _start_worker(self) -> _Worker:
        worker = _Worker(self._env, self._call_timeout_s)
        log.info("SANE worker %d started (SANE %s)", worker.process.pid, worker.version)
        return worker

    def _discover_with(self, worker: _Worker) -> list[ScannerInfo]:
        found = worker.call(self._call_timeout_s, "listing scanners", "devices", False)
        return [ScannerInfo(*entry) for entry in found]

    def _discover(self) -> list[ScannerInfo]:
        if self._session is not None:
            return self._discover_with(self._session.worker)
        worker = self._start_worker()
        try:
            return self._discover_with(worker)
        finally:
            worker.stop()

    def _open(self) -> _Session:
        if self._session is not None:
            return self._session
        if self._cached_info is not None:
            self.restarts += 1
        worker = self._start_worker()
        try:
            info, raw_options = self._open_device(worker)
            options = {o["name"]: SaneOption.from_wire(o) for o in raw_options}
            session = _Session(worker, info, options, _EMPTY_CAPS, {}, {})
            self._describe(session)
        except BaseException:
            worker.stop()
            raise
        self._session = session
        self._cached_info = session.info
        self._cached_caps = session.caps
        return session

    def _open_device(self, worker: _Worker) -> tuple[ScannerInfo, list[dict[str, Any]]]:
        wanted = self._device
        if wanted:
            try:
                options = worker.call(self._call_timeout_s, f"opening {wanted}", "open", wanted)
            except DeviceError as exc:
                if exc.problem is DeviceProblem.BUSY:
                    raise  # there, but used by another program
                # Gone (SANE answers INVAL for an unknown name) or renamed by a replug.
                devices = self._discover_with(worker)
                chosen = _replugged(wanted, devices)
                if chosen is None:
                    names = ", ".join(d.name for d in devices) or "none"
                    raise scanner_error(
                        DeviceProblem.UNPLUGGED, f"scanner {wanted!r} not found (found: {names})"
                    ) from exc
                log.warning("scanner %s not found; using %s (same backend)", wanted, chosen.name)
                return chosen, self._open_named(worker, chosen.name)
            devices = self._discover_with(worker)
            info = next((d for d in devices if d.name == wanted), None)
            return info or ScannerInfo(wanted, "", "", ""), options
        devices = self._discover_with(worker)
        if not devices:
            raise scanner_error(DeviceProblem.UNPLUGGED, "no scanner found")
        return devices[0], self._open_named(worker, devices[0].name)

    def _open_named(self, worker: _Worker, name: str) -> list[dict[str, Any]]:
        try:
            options: list[dict[str, Any]] = worker.call(
                self._call_timeout_s, f"opening {name}", "open", name
            )
        except DeviceError as exc:
            if exc.problem is DeviceProblem.BUSY:
                raise
            raise scanner_error(DeviceProblem.UNPLUGGED, exc.technical) from exc
        return options

    def _refresh_options(self, session: _Session) -> None:
        raw = session.worker.call(self._call_timeout_s, "reading options", "options")
        session.options = {o["name"]: SaneOption.from_wire(o) for o in raw}

    def _describe(self, session: _Session) -> None:
        options = session.options
        source = _option(options, "source", "doc-source")
        session.source_names = match_sources(source.strings()) if source else {}
        if not session.source_names:
            session.source_names = {ScanSource.FLATBED: ""}  # no choice: the device's only one
        mode = options.get("mode")
        session.mode_names = match_modes(mode.strings()) if mode else {ColorMode.GRAY: ""}
        resolution = _option(options, "resolution", "scan-resolution", "x-resolution")
        bounds = resolution.bounds() if resolution is not None else None
        if resolution is not None and resolution.numbers():
            offered = sorted({round(v) for v in resolution.numbers()})
            low, high = offered[0], offered[-1]
        elif bounds is not None:
            low, high = max(1, round(bounds[0])), round(bounds[1])
            offered = [r for r in COMMON_RESOLUTIONS if low <= r <= high] or [low]
        else:
            offered = [300]  # the backend does not say; SANE's usual default
            low, high = 300, 300
        session.caps = ScannerCapabilities(
            sources=frozenset(session.source_names),
            modes=frozenset(session.mode_names),
            resolutions=tuple(offered),
            min_dpi=low,
            max_dpi=high,
            max_area=_max_area(options),
        )

    # --- setting up a scan -----------------------------------------------------------------------

    def _set(self, session: _Session, option: SaneOption, value: float | str) -> None:
        info = session.worker.call(
            self._call_timeout_s, f"setting {option.name}", "set", option.name,
            option.to_raw(value),
        )
        if info & _RELOAD_OPTIONS:
            self._refresh_options(session)

    def _configure(self, session: _Session, request: ScanRequest) -> int:
        """Apply ``request`` to the device; returns the resolution it will actually use."""
        problem = session.caps.problem_with(request)
        if problem is not None:
            raise scanner_error(DeviceProblem.UNSUPPORTED, f"{session.info.name}: {problem}")
        # Source first: it changes which other options exist and their ranges (ADF sizes).
        source = _option(session.options, "source", "doc-source")
        if source is not None and source.settable and session.source_names[request.source]:
            self._set(session, source, session.source_names[request.source])
        mode = session.options.get("mode")
        if mode is not None and mode.settable and session.mode_names[request.mode]:
            self._set(session, mode, session.mode_names[request.mode])
        depth = session.options.get("depth")
        if depth is not None and depth.settable and 8.0 in depth.numbers():
            self._set(session, depth, 8)
        dpi = float(request.resolution_dpi)
        names = ("resolution", "scan-resolution", "x-resolution", "y-resolution")
        for name in names:
            option = session.options.get(name)
            if option is not None and option.settable:
                self._set(session, option, option.clamp(dpi))
                if name in {"resolution", "scan-resolution"}:
                    break
        actual = dpi
        resolution = _option(session.options, *names)
        if resolution is not None and resolution.active:
            raw = session.worker.call(self._call_timeout_s, "reading resolution", "get",
                                      resolution.name)
            actual = float(resolution.from_raw(raw))
        # Geometry after resolution (pixel-unit backends need it, pyinsane2 does the same).
        self._set_geometry(session, request.area, actual)
        return max(1, round(actual))

    def _set_geometry(self, session: _Session, area: ScanArea | None, dpi: float) -> None:
        for name in ("page-width", "page-height"):
            # Sheet-fed backends (fujitsu, canon_dr, ...) crop to the page size they are told.
            option = session.options.get(name)
            if option is not None and option.settable and option.bounds():
                high = (option.bounds() or (0.0, 0.0, 0.0))[1]
                self._set(session, option, high)
        edges = (
            ("tl-x", None if area is None else area.left_mm, min),
            ("tl-y", None if area is None else area.top_mm, min),
            ("br-x", None if area is None else area.right_mm, max),
            ("br-y", None if area is None else area.bottom_mm, max),
        )
        for name, mm, extreme in edges:
            option = session.options.get(name)
            if option is None or not option.settable:
                continue
            bounds = option.bounds()
            if mm is None:
                if bounds is None:
                    continue
                value = extreme(bounds[0], bounds[1])
            else:
                value = mm * dpi / 25.4 if option.unit is SaneUnit.PIXEL else mm
            self._set(session, option, option.clamp(value))

    # --- the job ---------------------------------------------------------------------------------

    def _pages(
        self, request: ScanRequest, token: CancelToken
    ) -> Generator[ScannedPage, None, None]:
        if token.cancelled:
            raise scanner_error(DeviceProblem.CANCELLED, "cancelled before the scan started")
        with self._lock:
            session = self._guarded(self._open)
            dpi = self._guarded(lambda: self._configure(session, request))
            feeder = request.source is not ScanSource.FLATBED
            worker = session.worker
            self._guarded(lambda: worker.send("scan", feeder, request.max_pages))
            remove_hook = token.on_cancel(lambda: _cancel_quietly(worker))
            index = 0
            try:
                while True:
                    answer = self._guarded(
                        lambda: worker.receive(self._page_timeout_s, "scanning")
                    )
                    kind = answer[0]
                    if kind == "page":
                        image = frames_to_image(answer[1])
                        side = PageSide.BACK if (
                            request.source is ScanSource.DUPLEX and index % 2 == 1
                        ) else PageSide.FRONT
                        yield ScannedPage(image, dpi, index, side, request.source)
                        index += 1
                    elif kind == "done":
                        return
                    elif kind == "cancelled":
                        raise scanner_error(DeviceProblem.CANCELLED, "cancelled")
                    elif kind == "error":
                        # Restart SANE after any failed scan: cheap (a fraction of a second),
                        # and backends are least reliable right after an error (see the worker).
                        raise self._failed(
                            sane_error(answer[1], "scanning", answer[2]), restart=True
                        )
                    else:
                        raise self._failed(
                            scanner_error(DeviceProblem.IO_ERROR, f"unexpected {kind!r}")
                        )
            except GeneratorExit:
                # The job stopped pulling pages (cancelled after a page): end the stream so
                # the worker is ready for the next job.
                _cancel_quietly(worker)
                self._drain(worker)
                raise
            finally:
                remove_hook()

    def _drain(self, worker: _Worker) -> None:
        try:
            while True:
                answer = worker.receive(self._page_timeout_s, "cancelling")
                if answer[0] in {"done", "cancelled"}:
                    return
                if answer[0] == "error":
                    self._failed(sane_error(answer[1], "cancelling", answer[2]), restart=True)
                    return
        except DeviceError as exc:
            self._failed(exc)

    def _failed(self, error: DeviceError, *, restart: bool = False) -> DeviceError:
        """Note a failure; after one that leaves the device suspect, restart SANE next time."""
        if restart or error.problem in _RESTART:
            log.warning("scanner: %s; SANE will be restarted on the next use", error)
            self._teardown(grace_s=2.0)
        return error

    def _after_job(self, result: ScanResult) -> None:
        log.info("scan %s with %d page(s)", result.outcome.value, result.page_count)


def _cancel_quietly(worker: _Worker) -> None:
    # If the worker is gone, the job notices on its next receive.
    with contextlib.suppress(DeviceError):
        worker.send("cancel")


def _option(options: Mapping[str, SaneOption], *names: str) -> SaneOption | None:
    for name in names:
        if name in options:
            return options[name]
    return None


def _max_area(options: Mapping[str, SaneOption]) -> ScanArea | None:
    right, bottom = options.get("br-x"), options.get("br-y")
    if right is None or bottom is None or right.unit is not SaneUnit.MM:
        return None
    rb, bb = right.bounds(), bottom.bounds()
    if rb is None or bb is None or rb[1] <= 0 or bb[1] <= 0:
        return None
    return ScanArea(0.0, 0.0, rb[1], bb[1])


def _replugged(wanted: str, devices: Sequence[ScannerInfo]) -> ScannerInfo | None:
    """The device that is probably ``wanted`` after a replug.

    USB device names carry the bus address ("genesys:libusb:001:007"), which changes when the
    cable is pulled and pushed back in. If the configured name has one, accept the only device
    of the same backend.
    """
    if "libusb:" not in wanted:
        return None
    backend = wanted.split(":", 1)[0]
    same = [d for d in devices if d.name.split(":", 1)[0] == backend]
    return same[0] if len(same) == 1 else None


_EMPTY_CAPS = ScannerCapabilities(frozenset(), frozenset(), (300,), 300, 300, None)
