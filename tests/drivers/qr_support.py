"""Rigs for the QR reader contract tests: each builds one ``QrReader`` and plays the device behind
it (shows a code, types a scan, unplugs the device, plugs it back in), so that one suite of tests
runs unchanged against the fake and every real implementation that can run here.

- ``FakeRig``: ``FakeQrReader``.
- ``CameraRig``: ``CameraQrReader`` over ``FakeFrameSource``, or over the real
  ``OpenCvFrameSource`` playing MJPEG/AVI recordings written with ``cv2.VideoWriter`` behind a
  symlink (re-pointing the link is "holding another code up"; removing it is the unplug).
- ``SerialRig``: ``SerialQrReader`` with real pyserial on a pseudo-terminal reached through a
  symlink, as a ``/dev/serial/by-id`` link; the unplug closes the pty and removes the link, the
  replug opens a new pty (another ``/dev/pts/N``, as a module coming back as another ttyACM).
- ``KeyboardRig``: ``KeyboardQrReader`` over ``FakeKeyEventSource`` or, where ``/dev/uinput``
  exists, over the real ``EvdevKeySource`` reading a virtual keyboard made with ``evdev.UInput``.

Nothing here sleeps: tests wait on the callback's ``Inbox``, on ``QrReader.wait_status`` or on
a tap that sees what a reader thread took, each with a generous timeout that is only a safety net.
Imported by ``test_qr_contract`` (pytest puts this folder on ``sys.path``); holds no fixtures.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from drivers.qr.base import (
    DecodedBy,
    PreviewFrame,
    QrRead,
    QrReader,
    QrSource,
    QrStatus,
    ReaderState,
    StatusPredicate,
)
from drivers.qr.camera import CameraQrReader, FrameSource, OpenCvFrameSource
from drivers.qr.decode import FrameDecoder
from drivers.qr.fake import FakeFrameSource, FakeKeyEventSource, FakeQrReader
from drivers.qr.keyboard import (
    EvdevKeySource,
    KeyboardQrReader,
    KeyEvent,
    KeyEventSource,
    type_payload,
)
from drivers.qr.serial_reader import SerialPort, SerialQrReader, open_pyserial
from dvc_common.clock import FakeClock
from simulators.qr_scenes import FRAME_HEIGHT, FRAME_WIDTH, Carrier, Scene, photo, render_code

Image = npt.NDArray[np.uint8]

TIMEOUT_S = 10.0  # a safety net for waits that normally end in milliseconds; never a measurement
DEBOUNCE_S = 3.0
READ_TIMEOUT_S = 2.0  # the serial and keyboard framers' partial-payload timeout (injected clock)
# Real readers retry a vanished device quickly in tests; the backoff logic is the production one.
RECONNECT_FIRST_S = 0.05
RECONNECT_MAX_S = 0.2
STALL_READS = 10  # a camera without frames for 10 reads counts as unplugged
FRAMES_PER_RECORDING = 4  # a recording loops, so a new one is seen within ~4 frames
MARKER_PREFIX = b"zz-marker-"
# uinput is the kernel's way to make a virtual input device; containers rarely have it.
UINPUT = Path("/dev/uinput")


class RigKind(StrEnum):
    FAKE = "fake"
    CAMERA_FAKE = "camera-fake-frames"
    CAMERA_OPENCV = "camera-opencv-recording"
    SERIAL_PTY = "serial-pyserial-pty"
    KEYBOARD_FAKE = "keyboard-fake-events"
    KEYBOARD_EVDEV = "keyboard-evdev-uinput"


def is_marker(payload: bytes) -> bool:
    return payload.startswith(MARKER_PREFIX)


class Inbox:
    """The payload callback: records every read and who called it; tests wait on it.

    ``raise_for`` makes the callback fail on that payload (after recording it), as a kiosk
    handler with a bug would.
    """

    def __init__(self, *, raise_for: bytes | None = None) -> None:
        self._cond = threading.Condition()
        self._reads: list[QrRead] = []
        self._raise_for = raise_for
        self.threads: set[str] = set()  # names of the threads that called back

    def __call__(self, read: QrRead) -> None:
        with self._cond:
            self._reads.append(read)
            self.threads.add(threading.current_thread().name)
            self._cond.notify_all()
        if read.payload == self._raise_for:
            raise RuntimeError("the kiosk's payload handler failed (on purpose)")

    def wait_for(self, payload: bytes, timeout_s: float = TIMEOUT_S) -> QrRead:
        """The first read of ``payload``, waiting for it if it has not come yet."""
        with self._cond:
            arrived = self._cond.wait_for(
                lambda: any(r.payload == payload for r in self._reads), timeout_s
            )
            # The payload itself stays out of the message: it may hold an ID number.
            assert arrived, f"a {len(payload)}-byte payload was not reported in {timeout_s} s"
            return next(r for r in self._reads if r.payload == payload)

    def reads(self) -> list[QrRead]:
        """Every read except the markers tests use to flush a reader."""
        with self._cond:
            return [r for r in self._reads if not is_marker(r.payload)]

    def payloads(self) -> list[bytes]:
        return [r.payload for r in self.reads()]

    def count(self) -> int:
        with self._cond:
            return len(self._reads)


def wait_status(reader: QrReader, predicate: StatusPredicate, what: str) -> QrStatus:
    status = reader.wait_status(predicate, TIMEOUT_S)
    assert status is not None, f"{what}: still {reader.status()!r} after {TIMEOUT_S} s"
    return status


def wait_state(reader: QrReader, state: ReaderState) -> QrStatus:
    return wait_status(reader, lambda s: s.state is state, f"waiting for {state.value}")


# --- the rigs ------------------------------------------------------------------------------------


class Rig(ABC):
    """One reader under test and the device behind it."""

    kind: RigKind
    reader: QrReader
    source: QrSource
    decoders: frozenset[DecodedBy]  # who may be named as the decoder of a read

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self._markers = 0

    @abstractmethod
    def present(self, payload: bytes, *, settle: bool = True) -> None:
        """The citizen holds up a code holding ``payload``. With ``settle`` (the reader must be
        running) it returns once the reader has had a look at it; camera rigs need that because
        the next ``present`` replaces the scene."""

    @abstractmethod
    def unplug(self) -> None: ...

    @abstractmethod
    def replug(self) -> None: ...

    def close(self) -> None:
        self.reader.stop()

    def flush(self, inbox: Inbox) -> None:
        """Present a fresh marker and wait for it: everything presented before it has then
        been reported, or dropped, because every reader reports in the order it sees codes."""
        self._markers += 1
        marker = MARKER_PREFIX + str(self._markers).encode()
        self.present(marker)
        inbox.wait_for(marker)

    @property
    def is_camera(self) -> bool:
        return self.source is QrSource.CAMERA


class StreamRig(Rig):
    """A scanner module that sends bytes: payloads end at CR/LF (or Enter)."""

    @abstractmethod
    def send(self, data: bytes, *, end: bool) -> None:
        """Send ``data`` as the module would, followed by its terminator when ``end``."""

    @abstractmethod
    def wait_taken(self) -> None:
        """Return once the reader thread has taken everything sent so far and gone round its
        loop once more (so it has also looked at the clock after taking it)."""

    def dropped(self) -> int | None:
        """Partial payloads the reader threw away, where it says."""
        return None

    def present(self, payload: bytes, *, settle: bool = True) -> None:
        self.send(payload, end=True)


class FakeRig(Rig):
    kind = RigKind.FAKE
    source = QrSource.FAKE
    decoders = frozenset({DecodedBy.SCRIPT})

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock)
        self.fake = FakeQrReader(clock, debounce_s=DEBOUNCE_S)
        self.reader = self.fake

    def present(self, payload: bytes, *, settle: bool = True) -> None:
        self.fake.present(payload)

    def unplug(self) -> None:
        self.fake.unplug()

    def replug(self) -> None:
        self.fake.replug()


# --- cameras -------------------------------------------------------------------------------------

# Tag colours (BGR) painted across the top of each scene, so a test can see in the preview which
# scene the camera is showing. Consecutive scenes always differ. Every colour has far more red
# than blue, so a preview with its channels swapped matches none of them (not even the tag of
# another scene, which would let a BGR preview pass for the next scene's RGB one).
TAGS: tuple[tuple[int, int, int], ...] = (
    (0, 0, 255), (0, 255, 255), (128, 0, 255), (0, 128, 255), (0, 200, 128),
)  # fmt: skip
TAG_ROWS = 48


@functools.lru_cache(maxsize=32)
def scene_of(payload: bytes | None) -> Image:
    """A 1280×720 BGR frame of ``payload``'s code: a generated photo of the VNeID app screen
    for a citizen's payload, a clean code for a marker, an empty room for None. Checked to
    decode, so a scene that cannot be read fails here rather than as a timeout later."""
    if payload is None:
        return np.full((FRAME_HEIGHT, FRAME_WIDTH, 3), 90, dtype=np.uint8)
    if is_marker(payload):
        code = render_code(payload, module_px=6)
        frame = np.full((FRAME_HEIGHT, FRAME_WIDTH, 3), 200, dtype=np.uint8)
        y, x = (FRAME_HEIGHT - code.shape[0]) // 2, (FRAME_WIDTH - code.shape[1]) // 2
        frame[y : y + code.shape[0], x : x + code.shape[1]] = code[:, :, None]
    else:
        scene = Scene(Carrier.PHONE, 300.0, 4.0, 3.0, -2.0, (0.0, 0.05))
        rng = np.random.default_rng(list(payload[:16]) or [0])
        frame = photo(payload, scene, rng)
    found = [d.payload for d in FrameDecoder().decode(frame).found]
    assert found == [payload], "the generated scene does not decode to its payload"
    return frame


def tagged(payload: bytes | None, tag: int) -> Image:
    frame = scene_of(payload).copy()
    frame[:TAG_ROWS] = TAGS[tag % len(TAGS)]
    return frame


def preview_shows(preview: PreviewFrame | None, tag: int) -> bool:
    """Whether the preview's top band has the tag's colour, in RGB order."""
    if preview is None:
        return False
    rows = max(1, TAG_ROWS * preview.height // FRAME_HEIGHT - 2)
    band = preview.rgb[1:rows].reshape(-1, 3).mean(axis=0)
    blue, green, red = TAGS[tag % len(TAGS)]
    return bool(np.all(np.abs(band - np.array([red, green, blue])) < 48))


class Recording:
    """A camera that is an MJPEG/AVI recording behind ``link``: ``show`` writes a new recording
    and re-points the link atomically; ``unplug`` removes the link, ``replug`` restores it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.link = folder / "video-camera.avi"
        self._count = 0
        self._current: Path | None = None

    def show(self, frame: Image) -> None:
        self._count += 1
        path = self.folder / f"scene-{self._count}.avi"
        height, width = frame.shape[:2]
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (width, height))
        assert writer.isOpened(), "OpenCV cannot write MJPEG/AVI here"
        for _ in range(FRAMES_PER_RECORDING):
            writer.write(frame)
        writer.release()
        self._current = path
        self.replug()

    def unplug(self) -> None:
        self.link.unlink()

    def replug(self) -> None:
        assert self._current is not None
        fresh = self.folder / "link.tmp"
        fresh.symlink_to(self._current)
        fresh.replace(self.link)  # rename(2): the reader sees the old or the new, never nothing


class SpyFrameSource:
    """A ``FrameSource`` that passes everything through and notes the threads that read."""

    def __init__(self, inner: FrameSource) -> None:
        self.inner = inner
        self.description = inner.description
        self.threads: set[str] = set()

    def open(self) -> None:
        self.inner.open()

    def read(self) -> npt.NDArray[np.uint8] | None:
        self.threads.add(threading.current_thread().name)
        return self.inner.read()

    def close(self) -> None:
        self.inner.close()


class CameraRig(Rig):
    source = QrSource.CAMERA
    decoders = frozenset({DecodedBy.ZXING, DecodedBy.PYZBAR})

    def __init__(
        self,
        clock: FakeClock,
        folder: Path,
        *,
        opencv: bool,
        decoder: FrameDecoder | None = None,
    ) -> None:
        super().__init__(clock)
        self.kind = RigKind.CAMERA_OPENCV if opencv else RigKind.CAMERA_FAKE
        self._tag = 0
        self.recording: Recording | None = None
        self.fake: FakeFrameSource | None = None
        inner: FrameSource
        if opencv:
            self.recording = Recording(folder)
            self.recording.show(tagged(None, self._tag))
            inner = OpenCvFrameSource(str(self.recording.link))
        else:
            self.fake = FakeFrameSource()
            self.fake.show(tagged(None, self._tag))
            inner = self.fake
        self.frames = SpyFrameSource(inner)
        self.camera = CameraQrReader(
            self.frames,
            decoder or FrameDecoder(),
            clock,
            debounce_s=DEBOUNCE_S,
            stall_reads=STALL_READS,
            reconnect_first_s=RECONNECT_FIRST_S,
            reconnect_max_s=RECONNECT_MAX_S,
        )
        self.reader = self.camera

    def show(self, payload: bytes | None) -> int:
        """Put a new scene in front of the camera; returns its tag."""
        self._tag += 1
        frame = tagged(payload, self._tag)
        if self.recording is not None:
            self.recording.show(frame)
        else:
            assert self.fake is not None
            self.fake.show(frame)
        return self._tag

    def wait_shown(self, tag: int) -> None:
        """Wait until the preview shows the scene, then until two more frames were decoded: a
        frame already waiting for the decoder may predate the scene, the one after it cannot."""
        seen_at: list[int] = []

        def looked_at(status: QrStatus) -> bool:
            if not seen_at:
                if preview_shows(self.camera.latest_preview(), tag):
                    seen_at.append(status.frames_decoded)
                return False
            return status.frames_decoded >= seen_at[0] + 2

        wait_status(self.camera, looked_at, "waiting for the camera to see a new scene")

    def present(self, payload: bytes, *, settle: bool = True) -> None:
        tag = self.show(payload)
        if settle:
            self.wait_shown(tag)

    def unplug(self) -> None:
        if self.recording is not None:
            self.recording.unplug()
        else:
            assert self.fake is not None
            self.fake.unplug()

    def replug(self) -> None:
        if self.recording is not None:
            self.recording.replug()
        else:
            assert self.fake is not None
            self.fake.replug()


# --- serial --------------------------------------------------------------------------------------


class PtyModule:
    """A scanner module on a pseudo-terminal, reached through ``link`` as through a
    ``/dev/serial/by-id`` link. The test writes to the master side, the reader opens the link."""

    def __init__(self, folder: Path) -> None:
        self.link = folder / "usb-QR_Scanner_Module-if00"
        self._fds: tuple[int, int] | None = None
        self.plug()

    def plug(self) -> None:
        master, slave = os.openpty()
        # The slave stays open here too until the unplug, so that the pty exists whether or not
        # the reader holds it open at the moment.
        self._fds = (master, slave)
        fresh = self.link.with_name("pty.tmp")
        fresh.symlink_to(os.ttyname(slave))
        fresh.replace(self.link)

    def write(self, data: bytes) -> None:
        assert self._fds is not None, "the module is unplugged"
        view = memoryview(data)
        while view:
            view = view[os.write(self._fds[0], view) :]

    def unplug(self) -> None:
        if self._fds is not None:
            for fd in self._fds:
                os.close(fd)  # the reader's next read fails with EIO, as a vanished ttyACM
            self._fds = None
        self.link.unlink(missing_ok=True)


class _Tap:
    """Counts what a reader thread took from a device and how often it went round its loop."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._taken: list[int] = []  # units taken by each read, empty reads included

    def record(self, units: int) -> None:
        with self._cond:
            self._taken.append(units)
            self._cond.notify_all()

    def reset(self) -> None:
        with self._cond:
            self._taken.clear()

    def wait_taken(self, total: int) -> None:
        def done() -> bool:
            seen = 0
            for i, units in enumerate(self._taken):
                seen += units
                if seen >= total:
                    return len(self._taken) > i + 1
            return False

        with self._cond:
            assert self._cond.wait_for(done, TIMEOUT_S), "the reader did not take what was sent"


class _TappedPort:
    def __init__(self, port: SerialPort, tap: _Tap) -> None:
        self._port = port
        self._tap = tap

    @property
    def in_waiting(self) -> int:
        return self._port.in_waiting

    def read(self, size: int = 1) -> bytes:
        chunk = self._port.read(size)
        self._tap.record(len(chunk))
        return chunk

    def close(self) -> None:
        self._port.close()


class SerialRig(StreamRig):
    kind = RigKind.SERIAL_PTY
    source = QrSource.SERIAL
    decoders = frozenset({DecodedBy.SCANNER_MODULE})

    def __init__(self, clock: FakeClock, folder: Path) -> None:
        super().__init__(clock)
        self.module = PtyModule(folder)
        self._tap = _Tap()
        self._sent = 0

        def open_tapped(url: str, baudrate: int, poll_s: float) -> SerialPort:
            # The real opener (pyserial); the tap only watches the reads.
            return _TappedPort(open_pyserial(url, baudrate, poll_s), self._tap)

        self.serial = SerialQrReader(
            str(self.module.link),
            clock,
            read_timeout_s=READ_TIMEOUT_S,
            debounce_s=DEBOUNCE_S,
            open_port=open_tapped,
            reconnect_first_s=RECONNECT_FIRST_S,
            reconnect_max_s=RECONNECT_MAX_S,
        )
        self.reader = self.serial

    def send(self, data: bytes, *, end: bool) -> None:
        data += b"\r\n" if end else b""
        self._sent += len(data)
        self.module.write(data)

    def wait_taken(self) -> None:
        self._tap.wait_taken(self._sent)

    def dropped(self) -> int | None:
        return self.serial.dropped

    def unplug(self) -> None:
        self.module.unplug()

    def replug(self) -> None:
        self._tap.reset()
        self._sent = 0
        self.module.plug()

    def close(self) -> None:
        super().close()
        self.module.unplug()


# --- keyboard wedge ------------------------------------------------------------------------------


class TappedKeySource:
    """A ``KeyEventSource`` that passes everything through and counts the events read."""

    def __init__(self, inner: KeyEventSource, tap: _Tap) -> None:
        self.inner = inner
        self.description = inner.description
        self._tap = tap

    def open(self) -> None:
        self.inner.open()

    def read(self, timeout_s: float) -> Sequence[KeyEvent]:
        events = self.inner.read(timeout_s)
        self._tap.record(len(events))
        return events

    def close(self) -> None:
        self.inner.close()


class KeyboardRig(StreamRig):
    source = QrSource.KEYBOARD
    decoders = frozenset({DecodedBy.SCANNER_MODULE})

    def __init__(self, clock: FakeClock, *, evdev: bool) -> None:
        super().__init__(clock)
        self.kind = RigKind.KEYBOARD_EVDEV if evdev else RigKind.KEYBOARD_FAKE
        self._tap = _Tap()
        self._sent = 0
        self.fake: FakeKeyEventSource | None = None
        self.uinput: VirtualScanner | None = None
        inner: KeyEventSource
        if evdev:
            self.uinput = VirtualScanner()
            inner = EvdevKeySource("")  # found by its name, as an unconfigured kiosk would
        else:
            self.fake = FakeKeyEventSource()
            inner = self.fake
        self.keyboard = KeyboardQrReader(
            TappedKeySource(inner, self._tap),
            clock,
            read_timeout_s=READ_TIMEOUT_S,
            debounce_s=DEBOUNCE_S,
            reconnect_first_s=RECONNECT_FIRST_S,
            reconnect_max_s=RECONNECT_MAX_S,
        )
        self.reader = self.keyboard

    def send(self, data: bytes, *, end: bool) -> None:
        events = type_payload(data, enter=end)
        self._sent += len(events)
        if self.uinput is not None:
            self.uinput.send(events)
        else:
            assert self.fake is not None
            self.fake.send(events)

    def wait_taken(self) -> None:
        self._tap.wait_taken(self._sent)

    def unplug(self) -> None:
        if self.uinput is not None:
            self.uinput.unplug()
        else:
            assert self.fake is not None
            self.fake.unplug()

    def replug(self) -> None:
        self._tap.reset()
        self._sent = 0
        if self.uinput is not None:
            self.uinput.plug()
        else:
            assert self.fake is not None
            self.fake.replug()

    def close(self) -> None:
        super().close()
        if self.uinput is not None:
            self.uinput.unplug()


class VirtualScanner:
    """A keyboard-wedge scanner made with ``evdev.UInput``; needs a writable ``/dev/uinput``."""

    NAME = "Virtual QR Scanner (kiosk tests)"

    def __init__(self) -> None:
        import evdev

        self._evdev: Any = evdev
        self._device: Any = None
        self.plug()

    def plug(self) -> None:
        ecodes = self._evdev.ecodes
        keys = [code for code in range(1, 128) if code in ecodes.KEY]
        self._device = self._evdev.UInput({ecodes.EV_KEY: keys}, name=self.NAME)

    def send(self, events: Sequence[KeyEvent]) -> None:
        for event in events:
            self._device.write(event.type, event.code, event.value)
            self._device.syn()

    def unplug(self) -> None:
        if self._device is not None:
            with contextlib.suppress(OSError):
                self._device.close()
            self._device = None


def uinput_missing() -> str | None:
    """Why the real evdev rig cannot run here, or None if it can."""
    if not UINPUT.exists():
        return (
            "real evdev needs /dev/uinput to create a virtual keyboard-wedge scanner; this "
            "machine (a container) has no /dev/uinput"
        )
    if not os.access(UINPUT, os.R_OK | os.W_OK):
        return "real evdev needs read/write access to /dev/uinput (root or the uinput group)"
    return None


def make_rig(kind: RigKind, clock: FakeClock, folder: Path) -> Rig:
    match kind:
        case RigKind.FAKE:
            return FakeRig(clock)
        case RigKind.CAMERA_FAKE | RigKind.CAMERA_OPENCV:
            return CameraRig(clock, folder, opencv=kind is RigKind.CAMERA_OPENCV)
        case RigKind.SERIAL_PTY:
            return SerialRig(clock, folder)
        case RigKind.KEYBOARD_FAKE | RigKind.KEYBOARD_EVDEV:
            return KeyboardRig(clock, evdev=kind is RigKind.KEYBOARD_EVDEV)
    raise ValueError(kind)  # pragma: no cover
