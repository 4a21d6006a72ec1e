"""Fakes for the demo and the tests: a scripted QR reader and a scripted camera frame source.

``FakeQrReader`` implements ``QrReader`` without hardware: the demo or a test presents payloads
(raw bytes, a script, or the invented sample citizen) and injects the faults real readers have:
unplugged, garbage bytes, and the mojibake a zbar-based or serial module makes of UTF-8. It goes
through the same ``ReaderCore`` as the real readers, so debouncing and status behave the same.

``FakeFrameSource`` is a ``FrameSource`` for ``CameraQrReader``: it serves the picture it is told
to show, can be unplugged and plugged back in, and paces itself like a 30 fps camera.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from drivers.errors import DeviceError, DeviceProblem
from drivers.qr.base import (
    DEFAULT_DEBOUNCE_S,
    CameraTuning,
    DecodedBy,
    PayloadCallback,
    PreviewFrame,
    QrSource,
    QrStatus,
    ReaderCore,
    StatusPredicate,
    qr_error,
)
from drivers.qr.keyboard import KeyEvent, type_payload
from dvc_common.clock import Clock

Frame = npt.NDArray[np.uint8]

# The one invented sample citizen (Quảng Nam, born 1985): the fake reader presents this code on
# request; the demo tooling builds its ``Person`` from these bytes, so there is one definition.
SAMPLE_CITIZEN_PAYLOAD = (
    "049085001234|205123456|NGUYỄN VĂN THỬ|02091985|Nam|"
    "Thôn 2, xã Bình Phú, tỉnh Quảng Nam|01062021"
).encode()


class Mojibake(StrEnum):
    """How a reader can mangle UTF-8: it decodes the bytes with the wrong code page and hands
    back that text re-encoded as UTF-8."""

    LATIN1 = "latin-1"
    CP1252 = "cp1252"
    SHIFT_JIS = "shift_jis"


def mojibake(payload: bytes, kind: Mojibake) -> bytes:
    """``payload`` as a reader that guessed ``kind`` would return it."""
    # Undefined bytes become U+FFFD, as zbar's iconv does when it drops them.
    return payload.decode(kind.value, errors="replace").encode("utf-8")


class FakeQrReader:
    """A QR reader driven by hand or by a script; see the module docstring."""

    def __init__(
        self,
        clock: Clock,
        *,
        script: Iterable[bytes] = (),
        debounce_s: float = DEFAULT_DEBOUNCE_S,
    ) -> None:
        self._core = ReaderCore(QrSource.FAKE, "fake", clock, debounce_s)
        self._script: deque[bytes] = deque(script)
        self._unplugged = False
        self._lock = threading.Lock()

    # --- QrReader --------------------------------------------------------------------------------

    def start(self, on_payload: PayloadCallback) -> None:
        self._core.begin(on_payload)
        with self._lock:
            unplugged = self._unplugged
        if unplugged:
            self._core.failed(self._unplugged_error())
        else:
            self._core.ready()

    def stop(self) -> None:
        self._core.end()

    def status(self) -> QrStatus:
        return self._core.status()

    def wait_status(self, predicate: StatusPredicate, timeout_s: float) -> QrStatus | None:
        return self._core.wait_status(predicate, timeout_s)

    def latest_preview(self) -> PreviewFrame | None:
        return None

    # --- driving it ------------------------------------------------------------------------------

    def present(self, payload: bytes) -> bool:
        """The citizen shows a code holding ``payload``; True if it was reported.

        Not reported while stopped or unplugged, or when it repeats within the debounce window.
        """
        with self._lock:
            if self._unplugged:
                return False
        return self._core.emit(payload, DecodedBy.SCRIPT)

    def present_next(self) -> bool:
        """Present the next payload of the script; False when the script is exhausted."""
        with self._lock:
            if not self._script:
                return False
            payload = self._script.popleft()
        return self.present(payload)

    def present_sample(self) -> bool:
        """Present the QR payload of the invented sample citizen (``SAMPLE_CITIZEN_PAYLOAD``)."""
        return self.present(SAMPLE_CITIZEN_PAYLOAD)

    def present_garbage(self, seed: int = 0, length: int = 40) -> bool:
        """Random bytes, not UTF-8, as from a damaged code or line noise."""
        rng = np.random.default_rng(seed)
        garbage = bytes(int(b) for b in rng.integers(0x80, 0x100, size=length))
        return self.present(garbage)

    def present_mojibake(
        self, payload: bytes | None = None, kind: Mojibake = Mojibake.CP1252
    ) -> bool:
        """``payload`` (default: the sample citizen's) mangled as a guessing reader would."""
        return self.present(mojibake(payload or SAMPLE_CITIZEN_PAYLOAD, kind))

    def unplug(self) -> None:
        with self._lock:
            self._unplugged = True
        if self._core.running:
            self._core.failed(self._unplugged_error())

    def replug(self) -> None:
        with self._lock:
            self._unplugged = False
        self._core.ready()

    def forget_repeats(self) -> None:
        self._core.debouncer.forget()

    @staticmethod
    def _unplugged_error() -> DeviceError:
        return qr_error(DeviceProblem.UNPLUGGED, "fake QR reader unplugged")


AUTO_EXPOSURE = 300  # what the fake camera's automatic exposure amounts to


class FakeFrameSource:
    """A camera that shows whatever it is told to, for ``CameraQrReader`` without a camera.

    ``read()`` waits ``interval_s`` (a camera delivers frames at its own pace), then returns the
    picture set with ``show()``, or a dark frame. ``unplug()`` makes reads fail and opening fail
    until ``replug()``, like a USB camera pulled out and pushed back in.
    """

    def __init__(
        self,
        *,
        width: int = 1280,
        height: int = 720,
        interval_s: float = 1 / 30,
        fail_opens: int = 0,
    ) -> None:
        self.description = "fake camera"
        self._blank: Frame = np.full((height, width, 3), 40, dtype=np.uint8)
        self._frame: Frame = self._blank
        self._interval_s = interval_s
        self._fail_opens = fail_opens
        self._unplugged = False
        self._open = False
        self._lock = threading.Lock()
        self._tick = threading.Event()  # never set: only its timeout paces the reads
        self.opens = 0
        self.frames_served = 0
        self._tuning = CameraTuning()

    @property
    def tuning(self) -> CameraTuning:
        with self._lock:
            return self._tuning

    def tune(self, tuning: CameraTuning) -> None:
        """A longer exposure brightens the picture, as on a camera (relative to 300, its
        automatic); focus is recorded only."""
        with self._lock:
            self._tuning = tuning

    def show(self, frame: Frame | None) -> None:
        """What the camera sees from now on (None: an empty scene)."""
        with self._lock:
            self._frame = self._blank if frame is None else frame

    def unplug(self) -> None:
        with self._lock:
            self._unplugged = True

    def replug(self) -> None:
        with self._lock:
            self._unplugged = False

    # --- FrameSource -----------------------------------------------------------------------------

    def open(self) -> None:
        with self._lock:
            if self._unplugged or self._fail_opens > 0:
                self._fail_opens = max(0, self._fail_opens - 1)
                raise qr_error(DeviceProblem.UNPLUGGED, "fake camera: no such device")
            self._open = True
            self.opens += 1

    def read(self) -> Frame | None:
        self._tick.wait(self._interval_s)
        with self._lock:
            if not self._open:
                raise qr_error(DeviceProblem.IO_ERROR, "fake camera: read while closed")
            if self._unplugged:
                # What OpenCV does when the device vanishes: reads just stop returning frames.
                return None
            self.frames_served += 1
            exposure = self._tuning.exposure
            if exposure is None:
                return self._frame
            gain = exposure / AUTO_EXPOSURE
            brightened: Frame = np.clip(self._frame.astype(np.float32) * gain, 0, 255).astype(
                np.uint8
            )
            return brightened

    def close(self) -> None:
        with self._lock:
            self._open = False


class FakeKeyEventSource:
    """A keyboard-wedge scanner module for ``KeyboardQrReader`` without a device.

    ``type_payload`` queues the key events the module would send; ``unplug`` makes reads and
    opens fail until ``replug``, like the USB device vanishing.
    """

    def __init__(self) -> None:
        self.description = "fake keyboard scanner"
        self._events: deque[KeyEvent] = deque()
        self._unplugged = False
        self._open = False
        self._cond = threading.Condition()
        self.opens = 0

    def type_payload(self, payload: bytes) -> None:
        self.send(type_payload(payload))

    def send(self, events: Iterable[KeyEvent]) -> None:
        with self._cond:
            self._events.extend(events)
            self._cond.notify_all()

    def unplug(self) -> None:
        with self._cond:
            self._unplugged = True
            self._cond.notify_all()

    def replug(self) -> None:
        with self._cond:
            self._unplugged = False

    def open(self) -> None:
        with self._cond:
            if self._unplugged:
                raise qr_error(DeviceProblem.UNPLUGGED, "fake keyboard scanner: no such device")
            self._open = True
            self.opens += 1

    def read(self, timeout_s: float) -> list[KeyEvent]:
        with self._cond:
            self._cond.wait_for(lambda: self._events or self._unplugged, timeout_s)
            if self._unplugged:
                raise qr_error(DeviceProblem.UNPLUGGED, "fake keyboard scanner: [Errno 19]")
            events = list(self._events)
            self._events.clear()
            return events

    def close(self) -> None:
        with self._cond:
            self._open = False
