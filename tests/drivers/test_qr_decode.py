"""Decoding returns the exact raw bytes (Vietnamese included) from pyzbar, zxing-cpp and the
pipeline; pictures without a QR code decode to nothing; stages, gating and the budget behave."""

from __future__ import annotations

from datetime import date

import cv2
import numpy as np
import pytest
import zxingcpp

from config.settings import QrDecoder
from drivers.qr.base import DecodedBy
from drivers.qr.decode import PIPELINE, FrameDecoder, Stage, StageKind, _rectified, to_gray
from kiosk.identity import parse_identity
from simulators.people import invent_person, sample_person
from simulators.qr_scenes import Negative, negative, render_code

TODAY = date(2026, 11, 23)
MODES = list(QrDecoder)


@pytest.fixture(scope="module")
def decoders() -> dict[QrDecoder, FrameDecoder]:
    return {mode: FrameDecoder(mode) for mode in MODES}


def in_frame(code: np.ndarray, width: int = 1280, height: int = 720) -> np.ndarray:
    """A clean code pasted into a grey BGR frame."""
    frame = np.full((height, width, 3), 128, dtype=np.uint8)
    y, x = (height - code.shape[0]) // 2, (width - code.shape[1]) // 2
    frame[y : y + code.shape[0], x : x + code.shape[1]] = code[:, :, None]
    return frame


VIETNAMESE = (
    "079190012345||Nguyễn Thị Ánh Tuyết|01011990|Nữ|"
    "Ấp Bình Thạnh, xã Tân Hưng, TP Hồ Chí Minh|15082022"
)


@pytest.mark.parametrize("mode", MODES)
def test_vietnamese_payload_comes_back_byte_identical(
    decoders: dict[QrDecoder, FrameDecoder], mode: QrDecoder
) -> None:
    payload = VIETNAMESE.encode("utf-8")
    assert "Nguyễn".encode() in payload
    outcome = decoders[mode].decode(in_frame(render_code(payload, module_px=5)))
    assert [d.payload for d in outcome.found] == [payload]
    identity = parse_identity(outcome.found[0].payload, today=TODAY)
    assert identity.full_name == "Nguyễn Thị Ánh Tuyết"
    assert identity.address.startswith("Ấp Bình Thạnh")


@pytest.mark.parametrize(
    "text",
    [
        "ヨ日本",  # UTF-8 that zbar's own guess takes for Shift-JIS
        "été",  # UTF-8 that zbar's own guess takes for latin-1
        "NGUYỄN VĂN THỬ",
    ],
)
def test_pyzbar_is_in_binary_mode(decoders: dict[QrDecoder, FrameDecoder], text: str) -> None:
    decoder = decoders[QrDecoder.PYZBAR]
    assert decoder.zbar_binary is True
    payload = text.encode("utf-8")
    outcome = decoder.decode(in_frame(render_code(payload, module_px=6)))
    assert [d.payload for d in outcome.found] == [payload]
    assert outcome.found[0].decoder is DecodedBy.PYZBAR


def test_non_text_bytes_survive_every_decoder(decoders: dict[QrDecoder, FrameDecoder]) -> None:
    payload = bytes(range(256))
    for mode in MODES:
        outcome = decoders[mode].decode(in_frame(render_code(payload, module_px=4)))
        assert [d.payload for d in outcome.found] == [payload], mode


@pytest.mark.parametrize("seed", range(4))
def test_invented_people_round_trip(decoders: dict[QrDecoder, FrameDecoder], seed: int) -> None:
    person = invent_person(np.random.default_rng(seed))
    outcome = decoders[QrDecoder.PIPELINE].decode(in_frame(render_code(person.payload())))
    assert outcome.first is not None
    assert outcome.first.payload == person.payload()
    assert parse_identity(outcome.first.payload, today=TODAY).id_number == person.id_number


@pytest.mark.parametrize("kind", list(Negative))
def test_pictures_without_a_qr_code_decode_to_nothing(
    decoders: dict[QrDecoder, FrameDecoder], kind: Negative
) -> None:
    rng = np.random.default_rng(sorted(Negative).index(kind))
    for _ in range(2):
        frame = negative(kind, rng)
        for mode in MODES:
            assert decoders[mode].decode(frame).found == (), (kind, mode)


def test_thorough_mode_finds_nothing_in_a_non_qr_barcode() -> None:
    frame = negative(Negative.DATAMATRIX, np.random.default_rng(1))
    outcome = FrameDecoder(thorough=True, budget_ms=60_000).decode(frame)  # every stage runs
    assert outcome.found == ()
    assert set(outcome.stages) == {stage for stage, _ in PIPELINE}


def test_gray_bgr_and_bgra_frames_are_accepted(decoders: dict[QrDecoder, FrameDecoder]) -> None:
    bgr = in_frame(render_code(sample_person().payload()))
    gray = to_gray(bgr)
    bgra = np.dstack([bgr, np.full(gray.shape, 255, dtype=np.uint8)])
    for frame in (bgr, gray, bgra, gray[:, :, None]):
        outcome = decoders[QrDecoder.PIPELINE].decode(frame)
        assert outcome.first is not None
        assert outcome.first.payload == sample_person().payload()
    with pytest.raises(ValueError, match="8-bit"):
        to_gray(bgr.astype(np.float32))  # type: ignore[arg-type]


def test_frame_without_code_runs_only_the_frame_stages(
    decoders: dict[QrDecoder, FrameDecoder],
) -> None:
    outcome = decoders[QrDecoder.PIPELINE].decode(np.full((720, 1280, 3), 90, dtype=np.uint8))
    frame_stages = tuple(stage for stage, kind in PIPELINE if kind is StageKind.FRAME)
    assert outcome.stages == frame_stages
    assert outcome.candidates == 0


def test_a_clean_code_is_found_by_the_first_stage(decoders: dict[QrDecoder, FrameDecoder]) -> None:
    outcome = decoders[QrDecoder.PIPELINE].decode(in_frame(render_code(b"049085001234")))
    assert outcome.stages == (Stage.ZXING,)
    assert outcome.first is not None
    assert outcome.first.decoder is DecodedBy.ZXING


def test_the_budget_stops_the_pipeline_between_stages() -> None:
    ticks = iter(range(0, 10_000, 50))  # every reading of the timer is 50 ms later

    def timer() -> float:
        return next(ticks) / 1000

    decoder = FrameDecoder(budget_ms=60, timer=timer)
    outcome = decoder.decode(np.full((240, 320), 200, dtype=np.uint8))
    # Read at 0 (start), 50 (< 60: the second stage runs), 100 (over: stop before the third).
    assert outcome.out_of_budget
    assert outcome.stages == (Stage.ZXING, Stage.ZXING_GLOBAL)


def test_a_failing_stage_is_logged_and_skipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    decoder = FrameDecoder()
    zxing = decoder._zxing
    assert zxing is not None
    calls = {"n": 0}
    real = zxing.decode_default

    def flaky(image: np.ndarray, **options: bool) -> tuple[list[bytes], list[object]]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("vendor blew up")
        return real(image, **options)  # type: ignore[return-value]

    # The first stage (zxing's defaults) fails; a later stage still reads the code.
    monkeypatch.setattr(zxing, "decode_default", flaky)
    outcome = decoder.decode(in_frame(render_code(b"hello")))
    assert decoder.stage_failures == 1
    assert outcome.first is not None
    assert outcome.first.payload == b"hello"
    assert "zxing" in caplog.text


def test_each_stage_reports_every_stage(decoders: dict[QrDecoder, FrameDecoder]) -> None:
    stages, candidates = decoders[QrDecoder.PIPELINE].each_stage(in_frame(render_code(b"x" * 40)))
    assert list(stages) == [stage for stage, _ in PIPELINE]
    assert candidates == 0
    assert stages[Stage.ZBAR][0] == [b"x" * 40]
    assert stages[Stage.ZXING][0] == [b"x" * 40]
    assert stages[Stage.ZXING_CROP_UP][0] == []  # nothing located-but-unread to enlarge
    with pytest.raises(ValueError, match="pipeline"):
        decoders[QrDecoder.ZXING].each_stage(np.zeros((10, 10), dtype=np.uint8))


def test_a_defocused_code_zxing_alone_misses_is_read_by_deconvolution() -> None:
    payload = sample_person().payload()
    # Three pixels per module under a Gaussian defocus of two: the modules run together.
    frame = cv2.GaussianBlur(in_frame(render_code(payload, module_px=3)), (0, 0), 2.0)
    assert [b for b in zxingcpp.read_barcodes(frame) if b.valid] == []
    outcome = FrameDecoder(QrDecoder.PIPELINE, budget_ms=60_000).decode(frame)
    assert outcome.first is not None
    assert outcome.first.payload == payload
    assert outcome.first.stage is Stage.ZXING_DEBLURRED


def test_rectifying_a_located_quad_gives_an_upright_square_code() -> None:
    payload = sample_person().payload()
    code = render_code(payload, module_px=6)
    side, quiet = code.shape[0], 4 * 6
    corners = np.float32([[0, 0], [side, 0], [side, side], [0, side]])
    tilted = np.float32([[500, 200], [760, 240], [740, 420], [520, 470]])
    matrix = cv2.getPerspectiveTransform(corners, tilted)
    frame = np.full((720, 1280), 128, dtype=np.uint8)
    cv2.warpPerspective(code, matrix, (1280, 720), dst=frame, borderMode=cv2.BORDER_TRANSPARENT)
    symbol = np.float32([[[quiet, quiet], [side - quiet, quiet], [side - quiet, side - quiet],
                          [quiet, side - quiet]]])  # fmt: skip
    quad = tuple((float(x), float(y)) for x, y in cv2.perspectiveTransform(symbol, matrix)[0])
    square = _rectified(frame, quad)
    assert square.shape == (496, 496)  # 400 px of symbol and a quiet zone of 12% each side
    # Upright: read without trying rotations, and the top-left finder is where it belongs.
    read = zxingcpp.read_barcodes(square, try_rotate=False)
    assert [b.bytes for b in read if b.valid] == [payload]
    top_left = read[0].position.top_left
    assert abs(top_left.x - 48) < 12 and abs(top_left.y - 48) < 12
