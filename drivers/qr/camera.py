"""QR login through a camera: frames from OpenCV, decoded by ``decode.FrameDecoder``.

Two threads per reader. The capture thread reads frames as fast as the camera delivers them (a
V4L2 camera that is not drained serves stale frames from its queue), keeps a small RGB preview
for the UI and drops each frame into a one-slot mailbox. The decode thread takes the newest
frame from the mailbox; a frame that arrives while a decode is still running replaces the one
waiting, so a slow decode skips frames instead of falling behind (counted in the status).

A camera that disappears (unplugged, or its reads stop returning frames for ``stall_reads``
reads in a row) is closed and reopened with backoff until it answers again, so plugging it
back in recovers without restarting the kiosk. ``FrameSource`` is the seam: ``OpenCvFrameSource``
is the real camera (or a recording standing in for one), ``fake.FakeFrameSource`` a scripted one.
OpenCV is imported only when a real camera is opened.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from drivers.errors import DeviceProblem
from drivers.qr.base import (
    DEFAULT_DEBOUNCE_S,
    RECONNECT_FIRST_S,
    RECONNECT_MAX_S,
    CameraTuning,
    PayloadCallback,
    PreviewFrame,
    QrSource,
    QrStatus,
    ReaderCore,
    StatusPredicate,
    Tunable,
    qr_error,
)
from drivers.qr.decode import FrameDecoder
from drivers.qr.lifecycle import ReaderLifecycle, Worker
from dvc_common.clock import Clock

log = logging.getLogger(__name__)

Frame = npt.NDArray[np.uint8]

PREVIEW_WIDTH = 320
STALL_READS = 30  # about a second of a 30 fps camera without a frame


class FrameSource(Protocol):
    """Where frames come from. ``open`` and ``read`` raise ``DeviceError`` only."""

    description: str

    def open(self) -> None: ...

    def read(self) -> Frame | None:
        """The next BGR frame, blocking about one frame interval; None if none came."""
        ...

    def close(self) -> None: ...


class OpenCvFrameSource:
    """A camera through ``cv2.VideoCapture``: a V4L2 camera by index, asked for MJPEG at the
    configured size, or a recording standing in for a camera (a path or URL OpenCV can play).

    A recording lets the real capture path run without a camera: the technician replays a
    recorded failed login, the demo runs on a laptop, the contract tests play a generated file.
    Like a camera it delivers frames at its own frame rate and never ends: at its end it is opened
    again from the path, so a replaced file (or a re-pointed link) is what the "camera" sees next,
    and a path that has gone away is an unplugged camera.
    """

    def __init__(
        self,
        device: int | str,
        width: int = 1280,
        height: int = 720,
        tuning: CameraTuning | None = None,
    ) -> None:
        self._device = device
        self._tuning = tuning or CameraTuning()
        # Set by a technician's slider on the GUI thread, applied by the capture thread (the
        # only one that touches the VideoCapture) before its next read.
        self._pending: CameraTuning | None = self._tuning
        self._tuning_lock = threading.Lock()
        self.description = (
            f"recording {device}"
            if isinstance(device, str)
            else f"camera {device} ({width}x{height})"
        )
        self._width = width
        self._height = height
        self._capture: Any = None
        self._interval_s = 0.0  # recordings only: seconds between frames
        self._due: float | None = None  # recordings only: when the next frame may be served
        self._pace = threading.Event()  # never set: only its timeout paces a recording

    def open(self) -> None:
        try:
            import cv2
        except ImportError as exc:
            raise qr_error(DeviceProblem.UNSUPPORTED, f"OpenCV unavailable: {exc}") from None
        try:
            if isinstance(self._device, str):
                capture = self._open_recording(cv2, self._device)
            else:
                capture = self._open_camera(cv2, self._device)
        except cv2.error as exc:
            raise qr_error(DeviceProblem.IO_ERROR, f"{self.description}: {exc}") from None
        self._capture = capture
        with self._tuning_lock:
            self._pending = self._tuning  # a camera opened again gets the technician's values

    def _open_camera(self, cv2: Any, index: int) -> Any:
        capture = cv2.VideoCapture(index, cv2.CAP_V4L2)
        if not capture.isOpened():
            capture.release()
            raise qr_error(DeviceProblem.UNPLUGGED, f"cannot open {self.description}")
        # 720p at 30 fps does not fit USB 2 uncompressed; MJPEG does.
        capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self._width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self._height)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        timeout = getattr(cv2, "CAP_PROP_READ_TIMEOUT_MSEC", None)
        if timeout is not None:
            capture.set(timeout, 2000)  # a vanished camera must not block a read for long
        return capture

    def _open_recording(self, cv2: Any, location: str) -> Any:
        # Checked first: OpenCV would only log a warning and say "not opened", and a file that
        # is gone (the stand-in for an unplugged camera) must be told from one it cannot play.
        if "://" not in location and not Path(location).exists():
            raise qr_error(DeviceProblem.UNPLUGGED, f"{self.description}: no such file")
        capture = cv2.VideoCapture(location, cv2.CAP_FFMPEG)
        if not capture.isOpened():
            capture.release()
            raise qr_error(DeviceProblem.IO_ERROR, f"cannot play {self.description}")
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self._interval_s = 1 / fps if math.isfinite(fps) and fps > 0 else 1 / 30
        return capture

    @property
    def tuning(self) -> CameraTuning:
        with self._tuning_lock:
            return self._tuning

    def tune(self, tuning: CameraTuning) -> None:
        with self._tuning_lock:
            self._tuning = tuning
            self._pending = tuning

    def _apply_tuning(self, cv2: Any) -> None:
        with self._tuning_lock:
            pending, self._pending = self._pending, None
        if pending is None or isinstance(self._device, str):
            return  # a recording has no exposure to set
        capture = self._capture
        # V4L2 through OpenCV: auto exposure 3 is the camera's own, 1 is manual.
        capture.set(cv2.CAP_PROP_AUTO_EXPOSURE, 3 if pending.exposure is None else 1)
        if pending.exposure is not None:
            capture.set(cv2.CAP_PROP_EXPOSURE, pending.exposure)
        capture.set(cv2.CAP_PROP_AUTOFOCUS, 1 if pending.focus is None else 0)
        if pending.focus is not None:
            capture.set(cv2.CAP_PROP_FOCUS, pending.focus)

    def read(self) -> Frame | None:
        import cv2

        if self._capture is None:
            raise qr_error(DeviceProblem.IO_ERROR, f"{self.description} is not open")
        try:
            self._apply_tuning(cv2)
            ok, frame = self._capture.read()
            if not ok and isinstance(self._device, str):
                # The recording ended: start again from whatever the path holds now.
                self._capture.release()
                self._capture = None
                self._capture = self._open_recording(cv2, self._device)
                ok, frame = self._capture.read()
        except cv2.error as exc:
            raise qr_error(DeviceProblem.IO_ERROR, f"{self.description}: {exc}") from None
        if not ok or frame is None:
            return None
        if isinstance(self._device, str):
            self._wait_for_frame_time()
        return np.asarray(frame, dtype=np.uint8)

    def _wait_for_frame_time(self) -> None:
        """Serve a recording's frames at its frame rate, as a camera would, not as fast as
        they decode (which would only keep the CPU busy with frames the decoder skips)."""
        now = time.monotonic()
        due = now if self._due is None else max(now, self._due)
        if due > now:
            self._pace.wait(due - now)
        self._due = due + self._interval_s

    def close(self) -> None:
        self._due = None
        if self._capture is not None:
            capture, self._capture = self._capture, None
            try:
                capture.release()
            except Exception:
                log.debug("releasing the camera failed", exc_info=True)


class _Mailbox:
    """One slot: the newest undecoded frame. ``put`` says whether it replaced one."""

    def __init__(self) -> None:
        self._frame: Frame | None = None
        self._closed = False
        self._cond = threading.Condition()

    def put(self, frame: Frame) -> bool:
        with self._cond:
            replaced = self._frame is not None
            self._frame = frame
            self._cond.notify()
            return replaced

    def take(self, timeout_s: float) -> Frame | None:
        with self._cond:
            if self._frame is None and not self._closed:
                self._cond.wait(timeout_s)
            frame, self._frame = self._frame, None
            return frame

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._frame = None
            self._cond.notify_all()

    def reopen(self) -> None:
        with self._cond:
            self._closed = False


def _preview(frame: Frame, width: int) -> npt.NDArray[np.uint8]:
    import cv2

    height = max(1, round(frame.shape[0] * width / frame.shape[1]))
    small = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
    if small.ndim == 2:
        return np.asarray(cv2.cvtColor(small, cv2.COLOR_GRAY2RGB), dtype=np.uint8)
    return np.asarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB), dtype=np.uint8)


class CameraQrReader:
    """``QrReader`` over a ``FrameSource`` and a ``FrameDecoder``; see the module docstring."""

    def __init__(
        self,
        source: FrameSource,
        decoder: FrameDecoder,
        clock: Clock,
        *,
        debounce_s: float = DEFAULT_DEBOUNCE_S,
        preview_width: int = PREVIEW_WIDTH,
        stall_reads: int = STALL_READS,
        reconnect_first_s: float = RECONNECT_FIRST_S,
        reconnect_max_s: float = RECONNECT_MAX_S,
    ) -> None:
        self._source = source
        self._decoder = decoder
        self._core = ReaderCore(QrSource.CAMERA, source.description, clock, debounce_s)
        self._preview_width = preview_width
        self._stall_reads = stall_reads
        self._misses = 0  # reads in a row without a frame (the capture thread's own)
        self._mailbox = _Mailbox()
        self._preview: PreviewFrame | None = None
        self._preview_lock = threading.Lock()
        self._lifecycle = ReaderLifecycle(
            self._core,
            name="qr-camera-capture",
            label="camera",
            open_device=self._open,
            read_one=self._capture,
            close_device=self._close,
            on_lost=self._forget_preview,
            workers=[Worker("qr-camera-decode", self._decode_next)],
            reconnect_first_s=reconnect_first_s,
            reconnect_max_s=reconnect_max_s,
        )

    @property
    def source(self) -> FrameSource:
        """Where the frames come from (a camera, a recording, a simulated scene)."""
        return self._source

    @property
    def tunable(self) -> bool:
        return isinstance(self._source, Tunable)

    @property
    def tuning(self) -> CameraTuning:
        return self._source.tuning if isinstance(self._source, Tunable) else CameraTuning()

    def tune(self, tuning: CameraTuning) -> None:
        """Exposure and focus from now on (the technician's sliders), where the source has them."""
        if isinstance(self._source, Tunable):
            self._source.tune(tuning)

    # --- QrReader --------------------------------------------------------------------------------

    def start(self, on_payload: PayloadCallback) -> None:
        self._mailbox.reopen()
        self._lifecycle.start(on_payload)

    def stop(self) -> None:
        self._lifecycle.stop(wake=self._mailbox.close)
        with self._preview_lock:
            self._preview = None

    def status(self) -> QrStatus:
        return self._core.status()

    def wait_status(self, predicate: StatusPredicate, timeout_s: float) -> QrStatus | None:
        return self._core.wait_status(predicate, timeout_s)

    def latest_preview(self) -> PreviewFrame | None:
        with self._preview_lock:
            return self._preview

    def forget_repeats(self) -> None:
        self._core.debouncer.forget()

    # --- the capture thread (the lifecycle's) ----------------------------------------------------

    def _open(self) -> None:
        self._source.open()
        self._misses = 0

    def _close(self, _handle: None) -> None:
        self._source.close()

    def _forget_preview(self) -> None:
        """A camera that failed shows nothing rather than a frozen picture of the past; cleared
        before the failure is reported, so whoever sees the failure sees no picture."""
        with self._preview_lock:
            self._preview = None

    def _capture(self, _handle: None) -> None:
        """One frame: previewed and put in the mailbox; a stalled camera counts as unplugged."""
        frame = self._source.read()
        if frame is None:
            self._misses += 1
            if self._misses >= self._stall_reads:
                raise qr_error(
                    DeviceProblem.UNPLUGGED,
                    f"{self._source.description}: no frame in {self._misses} reads",
                )
            return
        self._misses = 0
        rgb = _preview(frame, self._preview_width)
        with self._preview_lock:
            self._preview = PreviewFrame(rgb, self._core.clock.now())
        if self._mailbox.put(frame):
            self._core.add(frames_skipped=1)

    # --- the decode thread -----------------------------------------------------------------------

    def _decode_next(self) -> None:
        """Decode the newest frame, if one comes within a quarter of a second."""
        frame = self._mailbox.take(timeout_s=0.25)
        if frame is None:
            return
        try:
            outcome = self._decoder.decode(frame)
        except Exception:
            # A frame the decoder cannot take (odd size or format): skip it, keep going.
            log.exception("decoding a camera frame failed")
            return
        self._core.add(frames_decoded=1)
        self._core.update(last_decode_ms=round(outcome.ms, 2))
        for found in outcome.found:
            self._core.emit(found.payload, found.decoder, found.stage.value)
