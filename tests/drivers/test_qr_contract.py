"""One contract for every ``QrReader``, run against the fake and every real implementation that
can run here:

- ``FakeQrReader``;
- ``CameraQrReader`` over ``FakeFrameSource``, and over the real ``OpenCvFrameSource`` playing
  MJPEG/AVI recordings of generated photos of invented citizens' codes (decoded by the real
  pyzbar + zxing-cpp pipeline);
- ``SerialQrReader`` with real pyserial on a pseudo-terminal;
- ``KeyboardQrReader`` over ``FakeKeyEventSource``, and over real evdev where ``/dev/uinput``
  exists (not in this container: that variant skips and says why).

Each test makes the same assertions against every reader: raw bytes exactly as presented,
repeats debounced by the injected clock, a failing handler survived, the device unplugged and
plugged back in without a restart. Camera and byte-stream specifics follow the contract. Time
only moves when a test advances the ``FakeClock``; waits are on events, with timeouts that are
safety nets only (``qr_support``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from qr_support import (
    DEBOUNCE_S,
    READ_TIMEOUT_S,
    TAGS,
    TIMEOUT_S,
    CameraRig,
    Inbox,
    Rig,
    RigKind,
    StreamRig,
    make_rig,
    preview_shows,
    uinput_missing,
    wait_state,
    wait_status,
)

from drivers.errors import DeviceKind, DeviceProblem
from drivers.qr.base import QrSource, ReaderState
from drivers.qr.camera import PREVIEW_WIDTH
from drivers.qr.decode import DecodeOutcome, FrameDecoder
from dvc_common.clock import VIETNAM, FakeClock
from kiosk.identity import parse_identity
from simulators.people import invent_person, sample_person
from simulators.qr_scenes import FRAME_HEIGHT, FRAME_WIDTH
from tests.drivers.test_errors import citizen_sentence

TODAY = date(2026, 11, 23)
MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=VIETNAM)

# Invented people only. A CCCD payload with the diacritics zbar's guessing would mangle.
VIETNAMESE = (
    "079190012345||Nguyễn Thị Ánh Tuyết|01011990|Nữ|"
    "Ấp Bình Thạnh, xã Tân Hưng, TP Hồ Chí Minh|15082022"
).encode()
INVENTED = invent_person(np.random.default_rng(3))
# Bytes that are not UTF-8 at all (no CR/LF, which end a scanner module's payload).
NOT_UTF8 = bytes(range(0x80, 0x100)) + b"|end"
A = sample_person().payload()
B = invent_person(np.random.default_rng(5)).payload()
C = invent_person(np.random.default_rng(6)).payload()

CITIZEN_MESSAGES = {
    DeviceProblem.UNPLUGGED: "Thiết bị đang tạm ngừng. Xin bấm nút Gọi cán bộ để được hỗ trợ.",
    DeviceProblem.IO_ERROR: "Thiết bị gặp lỗi. Xin thử lại hoặc bấm nút Gọi cán bộ.",
}
CAMERAS = [RigKind.CAMERA_FAKE, RigKind.CAMERA_OPENCV]
STREAMS = [RigKind.SERIAL_PTY, RigKind.KEYBOARD_FAKE, RigKind.KEYBOARD_EVDEV]


def build(kind: RigKind, tmp_path: Path) -> Rig:
    if kind is RigKind.KEYBOARD_EVDEV and (why := uinput_missing()):
        pytest.skip(why)
    return make_rig(kind, FakeClock(MONDAY_MORNING), tmp_path)


@pytest.fixture(params=list(RigKind), ids=str)
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Rig]:
    built = build(request.param, tmp_path)
    yield built
    built.close()


@pytest.fixture(params=CAMERAS, ids=str)
def camera(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CameraRig]:
    built = build(request.param, tmp_path)
    assert isinstance(built, CameraRig)
    yield built
    built.close()


@pytest.fixture(params=STREAMS, ids=str)
def stream(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StreamRig]:
    built = build(request.param, tmp_path)
    assert isinstance(built, StreamRig)
    yield built
    built.close()


def start(rig: Rig, inbox: Inbox | None = None) -> Inbox:
    inbox = inbox or Inbox()
    rig.reader.start(inbox)
    wait_state(rig.reader, ReaderState.READY)
    return inbox


# --- the contract --------------------------------------------------------------------------------


def test_start_opens_the_device_and_reports_ready(rig: Rig) -> None:
    stopped = rig.reader.status()
    assert stopped.state is ReaderState.STOPPED
    assert stopped.source is rig.source
    start(rig)
    status = rig.reader.status()
    assert status.healthy
    assert status.error is None
    assert (status.reads, status.reconnects, status.last_read_at) == (0, 0, None)
    assert status.device
    with pytest.raises(RuntimeError, match="already started"):
        rig.reader.start(Inbox())


@pytest.mark.parametrize(
    "payload", [VIETNAMESE, INVENTED.payload(), NOT_UTF8], ids=["cccd", "invented", "not-utf8"]
)
def test_a_code_reaches_the_callback_as_its_exact_raw_bytes(rig: Rig, payload: bytes) -> None:
    inbox = start(rig)
    rig.present(payload)
    read = inbox.wait_for(payload)
    rig.flush(inbox)
    assert inbox.payloads() == [payload]  # nothing mangled, cut or doubled on the way
    assert read.source is rig.source
    assert read.decoded_by in rig.decoders
    assert read.at == rig.clock.now()
    assert payload[:12].decode("ascii", "replace") not in repr(read)  # no ID number in logs
    if payload is NOT_UTF8:
        return
    # The bytes are handed over undecoded; the identity parser accepts them as they are.
    identity = parse_identity(read.payload, today=TODAY)
    if payload is VIETNAMESE:
        assert identity.full_name == "Nguyễn Thị Ánh Tuyết"
        assert identity.address.startswith("Ấp Bình Thạnh")
    else:
        assert identity.id_number == INVENTED.id_number
        assert identity.full_name == INVENTED.full_name


def test_a_repeat_within_the_debounce_window_is_reported_once(rig: Rig) -> None:
    inbox = start(rig)
    rig.present(A)
    inbox.wait_for(A)
    rig.clock.advance(DEBOUNCE_S / 2)
    rig.present(A)  # the citizen holds the card up again too soon, or the module repeats it
    rig.flush(inbox)
    assert inbox.payloads() == [A]
    # The window runs from the last sighting, not from the report.
    rig.clock.advance(DEBOUNCE_S + 0.5)
    rig.present(A)
    rig.flush(inbox)
    assert inbox.payloads() == [A, A]
    assert rig.reader.status().reads == inbox.count()


def test_forgetting_repeats_lets_the_same_code_count_again(rig: Rig) -> None:
    inbox = start(rig)
    rig.present(A)
    inbox.wait_for(A)
    rig.flush(inbox)
    rig.reader.forget_repeats()  # a new citizen's session starts
    rig.present(A)
    rig.flush(inbox)
    assert inbox.payloads()[:2] == [A, A]


def test_two_different_codes_are_both_reported_in_order(rig: Rig) -> None:
    inbox = start(rig)
    rig.present(A)
    rig.present(B)
    inbox.wait_for(B)
    rig.flush(inbox)
    assert inbox.payloads() == [A, B]
    status = rig.reader.status()
    assert status.reads == inbox.count()
    assert status.last_read_at == rig.clock.now()


def test_stop_ends_the_reader_threads_and_no_callback_follows(rig: Rig) -> None:
    before = set(threading.enumerate())
    inbox = start(rig)
    rig.present(A)
    inbox.wait_for(A)
    threads = set(threading.enumerate()) - before
    assert all(t.name.startswith("qr-") for t in threads)
    if rig.kind is not RigKind.FAKE:
        assert threads, "a real reader reads in a thread of its own"
    rig.reader.stop()
    assert [t.name for t in threads if t.is_alive()] == []
    assert rig.reader.status().state is ReaderState.STOPPED
    rig.reader.stop()  # twice is safe
    heard = inbox.count()
    rig.present(B, settle=False)
    # No thread of the reader is left to call back; the fake reports nothing while stopped.
    assert inbox.count() == heard
    # And it starts again, with a new handler (e.g. after the technician changed a setting).
    again = start(rig)
    rig.present(C)
    again.wait_for(C)
    assert inbox.count() == heard


def test_a_callback_that_raises_does_not_stop_the_reader(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = start(rig, Inbox(raise_for=A))
    rig.present(A)
    inbox.wait_for(A)
    rig.present(B)
    inbox.wait_for(B)
    assert "QR payload handler failed" in caplog.text
    assert rig.reader.status().state is ReaderState.READY
    assert inbox.payloads() == [A, B]


def test_unplugged_then_plugged_back_in_recovers_without_a_restart(rig: Rig) -> None:
    inbox = start(rig)
    rig.present(A)
    inbox.wait_for(A)
    rig.unplug()
    status = wait_status(
        rig.reader,
        lambda s: s.state is ReaderState.RECONNECTING and s.error is not None,
        "waiting for the reader to notice the unplug",
    )
    error = status.error
    assert error is not None
    # No frozen picture of a camera that is gone.
    assert rig.reader.latest_preview() is None
    assert error.kind is DeviceKind.QR_READER
    assert error.problem in CITIZEN_MESSAGES
    assert citizen_sentence(error) == CITIZEN_MESSAGES[error.problem]
    assert error.technical
    assert not status.healthy
    assert status.reconnects == 1
    rig.replug()
    status = wait_state(rig.reader, ReaderState.READY)
    assert status.healthy
    assert status.reconnects == 1
    rig.present(B)
    inbox.wait_for(B)
    rig.flush(inbox)
    assert inbox.payloads() == [A, B]
    assert rig.reader.status().reads == inbox.count()


def test_a_reader_started_without_its_device_waits_for_it(rig: Rig) -> None:
    rig.unplug()  # the kiosk boots before the reader is plugged in
    inbox = Inbox()
    rig.reader.start(inbox)  # does not block on the missing device
    status = wait_status(
        rig.reader,
        lambda s: s.state is ReaderState.RECONNECTING and s.error is not None,
        "waiting for the reader to report the missing device",
    )
    assert status.error is not None
    assert status.error.problem is DeviceProblem.UNPLUGGED
    assert status.reconnects == 0  # it never was connected
    rig.replug()
    wait_state(rig.reader, ReaderState.READY)
    rig.present(A)
    inbox.wait_for(A)


def test_only_cameras_have_a_preview(rig: Rig) -> None:
    assert rig.reader.latest_preview() is None
    inbox = start(rig)
    rig.present(A)
    inbox.wait_for(A)
    preview = rig.reader.latest_preview()
    if rig.is_camera:
        assert preview is not None
        assert preview.at == rig.clock.now()
    else:
        assert preview is None
    status = rig.reader.status()
    if rig.is_camera:
        assert status.frames_decoded > 0
        assert status.last_decode_ms is not None
    else:
        assert (status.frames_decoded, status.frames_skipped, status.last_decode_ms) == (0, 0, None)
    rig.reader.stop()
    assert rig.reader.latest_preview() is None


# --- cameras ---------------------------------------------------------------------------------


def test_the_preview_is_a_downscaled_rgb_picture_of_the_scene(camera: CameraRig) -> None:
    start(camera)
    tag = camera.show(A)
    camera.wait_shown(tag)
    preview = camera.reader.latest_preview()
    assert preview is not None
    assert (preview.width, preview.height) == (PREVIEW_WIDTH, PREVIEW_WIDTH * 720 // 1280)
    assert preview.width < FRAME_WIDTH and preview.height < FRAME_HEIGHT
    assert preview.rgb.shape == (preview.height, preview.width, 3)
    assert preview.rgb.dtype == np.uint8
    assert len(preview.to_bytes()) == preview.width * preview.height * 3
    # The tag's colour is painted in BGR, as OpenCV frames are; it reads back in RGB order.
    blue, _, red = TAGS[tag % len(TAGS)]
    assert blue != red
    assert preview_shows(preview, tag)
    band = preview.rgb[2:8].reshape(-1, 3).mean(axis=0)
    assert abs(band[0] - red) < 48 and abs(band[2] - blue) < 48


def test_a_code_held_still_logs_in_once(camera: CameraRig) -> None:
    inbox = start(camera)
    camera.present(A)
    inbox.wait_for(A)
    decoded = camera.reader.status().frames_decoded
    wait_status(
        camera.reader,
        lambda s: s.frames_decoded >= decoded + 10,
        "waiting for the camera to decode ten more frames",
    )
    camera.flush(inbox)
    assert inbox.payloads() == [A]


class GatedDecoder(FrameDecoder):
    """The real decoder, held at a gate until the test opens it; notes its threads."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.threads: set[str] = set()

    def decode(self, image: npt.NDArray[np.uint8]) -> DecodeOutcome:
        self.threads.add(threading.current_thread().name)
        self.entered.set()
        self.gate.wait(TIMEOUT_S)
        return super().decode(image)


@pytest.mark.parametrize("kind", CAMERAS, ids=str)
def test_decoding_runs_off_the_capture_thread(kind: RigKind, tmp_path: Path) -> None:
    decoder = GatedDecoder()
    camera = CameraRig(
        FakeClock(MONDAY_MORNING), tmp_path, opencv=kind is RigKind.CAMERA_OPENCV, decoder=decoder
    )
    try:
        inbox = start(camera)
        assert decoder.entered.wait(TIMEOUT_S)
        # The decoder is stuck; the capture thread keeps reading, previewing and replacing the
        # frame waiting for the decoder (counted as skipped).
        skipped = camera.reader.status().frames_skipped
        tag = camera.show(B)
        wait_status(
            camera.reader,
            lambda s: (
                s.frames_skipped >= skipped + 3
                and preview_shows(camera.reader.latest_preview(), tag)
            ),
            "waiting for the capture thread to go on while a decode is stuck",
        )
        decoder.gate.set()
        inbox.wait_for(B)  # the newest frame is the one decoded next
        assert camera.frames.threads == {"qr-camera-capture"}
        assert decoder.threads == {"qr-camera-decode"}
        assert inbox.threads == {"qr-camera-decode"}
        assert camera.reader.status().source is QrSource.CAMERA
    finally:
        decoder.gate.set()
        camera.close()


# --- scanner modules that send bytes (serial, keyboard wedge) ----------------------------------


def test_a_payload_split_across_reads_is_joined(stream: StreamRig) -> None:
    inbox = start(stream)
    # Split inside a multi-byte UTF-8 character, as a USB packet boundary may fall.
    cut = VIETNAMESE.index("ễ".encode()) + 1
    stream.send(VIETNAMESE[:cut], end=False)
    stream.wait_taken()
    stream.send(VIETNAMESE[cut:], end=True)
    inbox.wait_for(VIETNAMESE)
    stream.flush(inbox)
    assert inbox.payloads() == [VIETNAMESE]


def test_a_payload_without_terminator_is_dropped_after_the_read_timeout(stream: StreamRig) -> None:
    inbox = start(stream)
    stream.send(A[:20], end=False)  # the citizen pulled the card away mid-scan
    stream.wait_taken()
    stream.clock.advance(READ_TIMEOUT_S + 0.5)
    stream.send(B, end=True)
    inbox.wait_for(B)
    stream.flush(inbox)
    assert inbox.payloads() == [B]  # not glued to the half scan
    assert stream.dropped() in {1, None}


def test_every_terminator_ends_a_payload_and_padding_is_stripped(stream: StreamRig) -> None:
    inbox = start(stream)
    stream.send(b"\x00\x00" + A + b"\r" + B + b"\n" + C, end=True)
    inbox.wait_for(C)
    assert inbox.payloads() == [A, B, C]
