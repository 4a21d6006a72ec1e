"""What every QR login reader offers the kiosk, whatever the hardware behind it.

A reader is started with a callback and then calls it, from its own thread, with one ``QrRead``
per payload: the raw bytes exactly as the code holds them (``kiosk.identity.parse_identity``
does the UTF-8 decoding and the mojibake repair), where they came from, which decoder found
them and when, by the injected clock. A citizen holds a code in front of the camera for seconds
and a scanner module in continuous mode repeats itself, so repeats are debounced here, once for
all readers. Cameras also offer a small preview picture for the UI ("hold the code here").

``ReaderCore`` is the shared plumbing the real readers and the fake compose: debouncing, the
callback (whose exceptions are logged, never allowed to kill a reader thread) and the status.
The real readers also share their thread's open / read / reopen loop: ``lifecycle``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from drivers.errors import DeviceError, DeviceKind, DeviceProblem
from dvc_common.clock import Clock

log = logging.getLogger(__name__)

DEFAULT_DEBOUNCE_S = 3.0
# How long a reader waits before trying a vanished device again; doubled up to the cap.
RECONNECT_FIRST_S = 0.5
RECONNECT_MAX_S = 5.0


class QrSource(StrEnum):
    CAMERA = "camera"
    SERIAL = "serial"
    KEYBOARD = "keyboard"
    FAKE = "fake"


class DecodedBy(StrEnum):
    """Which decoder turned pixels into bytes."""

    PYZBAR = "pyzbar"
    ZXING = "zxing"
    SCANNER_MODULE = "scanner_module"  # the dedicated module's own firmware
    SCRIPT = "script"  # the fake reader's script


class ReaderState(StrEnum):
    STOPPED = "stopped"
    STARTING = "starting"
    READY = "ready"  # the device is open and being read
    RECONNECTING = "reconnecting"  # the device vanished or failed; retrying with backoff


@dataclass(frozen=True, slots=True)
class QrRead:
    """One payload. ``repr`` never shows the bytes: they hold a citizen's ID number."""

    payload: bytes = field(repr=False)
    source: QrSource
    decoded_by: DecodedBy
    at: datetime
    detail: str = ""  # e.g. the decoding pass that found it

    def __repr__(self) -> str:
        return (
            f"QrRead(source={self.source.value}, decoded_by={self.decoded_by.value}, "
            f"bytes={len(self.payload)}, at={self.at.isoformat()}, detail={self.detail!r})"
        )


@dataclass(frozen=True, slots=True)
class CameraTuning:
    """A camera's exposure and focus as a technician set them, in the camera's own units (V4L2:
    exposure in 100 µs steps, focus 0 = far); None: the camera's automatic."""

    exposure: int | None = None
    focus: int | None = None


@runtime_checkable
class Tunable(Protocol):
    """A frame source whose exposure and focus can be set while it runs."""

    def tune(self, tuning: CameraTuning) -> None: ...

    @property
    def tuning(self) -> CameraTuning: ...


@dataclass(frozen=True, slots=True)
class PreviewFrame:
    """A small RGB picture of what the camera sees, for the UI to show the citizen."""

    rgb: npt.NDArray[np.uint8] = field(repr=False)  # shape (height, width, 3)
    at: datetime

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    def to_bytes(self) -> bytes:
        """Packed RGB888 rows, e.g. for a ``QImage(data, width, height, Format_RGB888)``."""
        return bytes(np.ascontiguousarray(self.rgb).data)


@dataclass(frozen=True, slots=True)
class QrStatus:
    """A snapshot for the health screen, heartbeats and the technician's ``qr watch``."""

    source: QrSource
    state: ReaderState
    device: str  # what is being read: a camera index, a port, an evdev path
    error: DeviceError | None = None  # the last problem, while it lasts
    reads: int = 0  # payloads reported (after debouncing)
    reconnects: int = 0
    last_read_at: datetime | None = None
    frames_decoded: int = 0  # cameras: frames that went through the decoder
    frames_skipped: int = 0  # cameras: frames dropped because a decode was still running
    last_decode_ms: float | None = None

    @property
    def healthy(self) -> bool:
        return self.state is ReaderState.READY and self.error is None


PayloadCallback = Callable[[QrRead], None]
StatusPredicate = Callable[[QrStatus], bool]


class QrReader(Protocol):
    """One small Protocol for every QR login reader (camera, serial, keyboard wedge, fake)."""

    def start(self, on_payload: PayloadCallback) -> None:
        """Open the device and start reading; ``on_payload`` is called from a reader thread.

        Never blocks on the device: a missing device shows in ``status()`` as RECONNECTING
        with the error, and the reader keeps trying until ``stop()``.
        """
        ...

    def stop(self) -> None:
        """Stop reading and release the device; safe to call twice."""
        ...

    def status(self) -> QrStatus: ...

    def wait_status(self, predicate: StatusPredicate, timeout_s: float) -> QrStatus | None:
        """Block until the status satisfies ``predicate`` (then return it) or ``timeout_s``
        passes (then None); for set-up screens, the technician's ``qr watch`` and tests."""
        ...

    def latest_preview(self) -> PreviewFrame | None:
        """The newest downscaled camera picture; None for readers without a camera."""
        ...

    def forget_repeats(self) -> None:
        """Let the next sighting of any code count, even one just seen: a new session starts
        (the next citizen may hold up the same slip or card the previous one did)."""
        ...


def qr_error(problem: DeviceProblem, technical: str) -> DeviceError:
    return DeviceError(DeviceKind.QR_READER, problem, technical)


class Debouncer:
    """Reports a payload once while it keeps being seen: the same bytes again within
    ``window_s`` of their last sighting are dropped.

    Measured from the last sighting, not the last report, so a code held still in front of a
    30 fps camera for a minute logs in once; taken away for ``window_s`` and shown again, it
    counts again. Only digests are kept, not the personal data itself.
    """

    def __init__(self, clock: Clock, window_s: float = DEFAULT_DEBOUNCE_S) -> None:
        if window_s < 0:
            raise ValueError("window_s must be >= 0")
        self._clock = clock
        self._window_s = window_s
        self._seen: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def accept(self, payload: bytes) -> bool:
        now = self._clock.monotonic()
        digest = hashlib.sha256(payload).digest()
        with self._lock:
            for key in [k for k, t in self._seen.items() if now - t > self._window_s]:
                del self._seen[key]
            fresh = digest not in self._seen
            self._seen[digest] = now
        return fresh

    def forget(self) -> None:
        """Let the next sighting of anything count (e.g. at the start of a new session)."""
        with self._lock:
            self._seen.clear()


class ReaderCore:
    """Debouncing, callback dispatch and status shared by every reader implementation."""

    def __init__(
        self, source: QrSource, device: str, clock: Clock, debounce_s: float = DEFAULT_DEBOUNCE_S
    ) -> None:
        self.source = source
        self.clock = clock
        self.debouncer = Debouncer(clock, debounce_s)
        # Every status change notifies, so that wait_status() needs no polling.
        self._lock = threading.Condition()
        self._status = QrStatus(source=source, state=ReaderState.STOPPED, device=device)
        self._callback: PayloadCallback | None = None

    def begin(self, on_payload: PayloadCallback) -> None:
        with self._lock:
            if self._status.state is not ReaderState.STOPPED:
                raise RuntimeError(f"{self.source.value} QR reader already started")
            self._callback = on_payload
            self._set(self._status, state=ReaderState.STARTING, error=None)

    def end(self) -> None:
        with self._lock:
            self._callback = None
            self._set(self._status, state=ReaderState.STOPPED, error=None)

    @property
    def running(self) -> bool:
        with self._lock:
            return self._status.state is not ReaderState.STOPPED

    def status(self) -> QrStatus:
        with self._lock:
            return self._status

    def wait_status(self, predicate: StatusPredicate, timeout_s: float) -> QrStatus | None:
        with self._lock:
            if self._lock.wait_for(lambda: predicate(self._status), timeout_s):
                return self._status
            return None

    def _set(self, status: QrStatus, **changes: object) -> None:
        """Replace the status (the lock is held) and wake the waiters."""
        self._status = replace(status, **changes)  # type: ignore[arg-type]
        self._lock.notify_all()

    def update(self, **changes: object) -> None:
        with self._lock:
            self._set(self._status, **changes)

    def add(self, **deltas: int) -> None:
        """Increment counters of the status atomically."""
        with self._lock:
            changes = {name: getattr(self._status, name) + n for name, n in deltas.items()}
            self._set(self._status, **changes)

    def ready(self) -> None:
        with self._lock:
            if self._status.state is not ReaderState.STOPPED:
                self._set(self._status, state=ReaderState.READY, error=None)

    def failed(self, error: DeviceError) -> None:
        """The device is gone or broken; the reader will retry."""
        with self._lock:
            if self._status.state is ReaderState.STOPPED:
                return
            reconnects = self._status.reconnects + (
                1 if self._status.state is ReaderState.READY else 0
            )
            self._set(
                self._status, state=ReaderState.RECONNECTING, error=error, reconnects=reconnects
            )
        log.warning("QR reader %s: %s", self.source.value, error)

    def emit(self, payload: bytes, decoded_by: DecodedBy, detail: str = "") -> bool:
        """Report ``payload`` unless it is empty or a repeat; True if the callback was called."""
        if not payload or not self.debouncer.accept(payload):
            return False
        read = QrRead(payload, self.source, decoded_by, self.clock.now(), detail)
        with self._lock:
            callback = self._callback
            if callback is None:
                return False
            self._set(self._status, reads=self._status.reads + 1, last_read_at=read.at)
        try:
            callback(read)
        except Exception:
            # The kiosk's handler failing must not stop the reader: log and keep reading.
            log.exception("QR payload handler failed")
        return True


class Backoff:
    """Reconnect delays: RECONNECT_FIRST_S doubling up to RECONNECT_MAX_S, reset on success."""

    def __init__(self, first_s: float = RECONNECT_FIRST_S, max_s: float = RECONNECT_MAX_S) -> None:
        self._first = first_s
        self._max = max_s
        self._next = first_s

    def next_delay(self) -> float:
        delay = self._next
        self._next = min(self._max, self._next * 2)
        return delay

    def reset(self) -> None:
        self._next = self._first
