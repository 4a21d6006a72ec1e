"""Pixels to raw QR bytes: pyzbar (libzbar) and zxing-cpp, alone or as a measured pipeline.

Raw bytes
    zbar converts QR byte segments to text with its own encoding guess and can hand back
    Shift-JIS or latin-1 mojibake of UTF-8 (pyzbar issues 14, 95, 155). pyzbar's ``decode()``
    cannot change zbar's configuration, so ``_Zbar`` drives libzbar through pyzbar's ctypes
    bindings (``pyzbar.wrapper``) and enables ``ZBAR_CFG_BINARY`` on the QR symbology. Its
    numeric value is asked of the library itself with ``zbar_parse_config("qrcode.binary")``,
    so a libzbar too old to know it (before 0.23.1) is detected rather than misconfigured:
    then zbar's converted text is handed over as it is and ``kiosk.identity.decode_payload``
    undoes the mojibake (``_Zbar.binary`` says which happened). zxing-cpp exposes the symbol's
    uninterpreted bytes as ``Barcode.bytes``; its own text conversion is never used.

The pipeline, as measured (2026-12-06, ``python -m benchmarks.qr --per-condition 10 --stages``)
    The first stage is zxing-cpp exactly as "zxing alone": ``read_barcodes`` with its defaults
    (rotations, inversion, downscaling, the local-average binarizer), QR family only, on the
    frame as it came (BGR is turned grey by zxing itself), so no picture zxing alone reads is
    lost; a test checks this photo by photo. 390 generated photos (13 conditions × easy, mild,
    hard × 10, seed 5) and 28 real QR pictures from open-source packages (no camera photos among
    them: see ``simulators.real_qr_photos``), read when the bytes are the payload:

        column            generated   real    all    ratio to zxing alone
        zxing alone         316/390  28/28  344/418    1.000
        pyzbar alone        248/390  27/28  275/418    0.799
        earlier pipeline    316/390  27/28  343/418    0.997  (4d1e21f: lost dark-mode codes)
        pipeline (camera)   343/390  28/28  371/418    1.078
        pipeline (still)    350/390  28/28  378/418    1.099  (``kiosk qr decode``)

    Never fewer than zxing alone on any condition, severity or source; gains on blur, glare,
    moiré (+7 of 10 hard), small codes, rotation with tilt, cards and dark mode. Hard glare
    (sensor saturated over a fifth of the code) and the hardest small codes (~1.7 px per
    module) defeat every column. 0 false positives on 56 pictures without a QR code (27
    generated, 29 real: photographs, 1-D barcodes, Data Matrix, PDF417, MaxiCode), 0 wrong bytes.

    Each stage on its own over the same 390 photos (55 with a located-but-unread symbol), with
    the median ms on a photo and on a frame without a code. The run shared the 2 cores with
    other heavy jobs (load average ~11): zxing alone took 104 ms per empty frame there against
    ~3 ms on an idle core, so these milliseconds are inflated and only their ratios mean much:

        stage                      kind       solved  ms code  ms none
        zxing (its defaults)       frame        316     2.6      6.7
        zxing GlobalHistogram      frame        223     0.6      0.7
        zxing on a 2× upscale      frame        310     9.3     12.8
        zxing, candidate 3×        candidate      6     0.0      0.0
        zxing sharpened            candidate    325     3.0      9.1
        zxing flattened            candidate    321     3.1      8.0
        zxing stretched            candidate    312     1.2      1.5
        zxing smoothed             candidate    173     1.3      1.8
        pyzbar sharpened           candidate    280    23.3     54.5
        pyzbar                     candidate    248    20.7     39.6
        pyzbar adaptive threshold  thorough     266    18.5     25.3
        pyzbar at half scale       thorough     191     5.9      9.4
        pyzbar flattened           thorough     280    23.7     48.9
        pyzbar CLAHE               thorough     230    28.2     70.7

    GlobalHistogram rescues moiré that defeats the local-average binarizer, the 2× upscale
    codes held far away, sharpening defocus, flattening (dividing by the frame's own blurred
    light) glare and reflections, the candidate crop enlarged 3× small located symbols, pyzbar
    low contrast and moiré zxing cannot split. The three FRAME stages cost, on an idle core,
    about what the earlier pipeline's did (its 6.6 ms median per empty frame) plus the first
    stage's inversion and downscale passes (~1.5 ms); measured in the same loaded run, the
    earlier pipeline took 37 ms and this one 67 ms per empty frame (median), so the ≤ 15 ms
    target is not shown by this run and must be measured again on a quiet machine.

Stages run in the order of ``PIPELINE`` until one finds a code or the time budget is spent.
FRAME stages run on every frame; CANDIDATE stages only when zxing's first pass located a QR
symbol it could not decode (``return_errors``), so that a frame without a code costs the three
FRAME stages only; THOROUGH stages (and the CANDIDATE ones, ungated) run for still images
(``thorough=True``, the ``qr decode`` command), where a second does not matter.
Only QR codes are enabled in both libraries: a barcode that is not QR decodes to nothing.
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from config.settings import QrDecoder
from drivers.errors import DeviceProblem
from drivers.qr.base import DecodedBy, qr_error

log = logging.getLogger(__name__)

Gray = npt.NDArray[np.uint8]

# Per-frame budget for the camera; a still image gets THOROUGH_BUDGET_MS.
DEFAULT_BUDGET_MS = 60.0
THOROUGH_BUDGET_MS = 1500.0  # a still image: every stage, even on a busy machine


class Stage(StrEnum):
    """One decoding pass; the value names it in reads, logs and the measurement tables."""

    ZXING = "zxing"  # zxing-cpp's own defaults, on the frame as it came
    ZXING_GLOBAL = "zxing_global_histogram"
    ZXING_UP = "zxing_2x"
    ZXING_SHARP = "zxing_sharpened"
    ZXING_FLAT = "zxing_flattened"  # divided by its own blurred light: glare, reflections
    ZXING_SMOOTH = "zxing_smoothed"  # a light blur first: moiré, pixel grid, noise
    ZXING_STRETCH = "zxing_stretched"  # the candidate's own grey range stretched to 0-255
    ZXING_CROP_UP = "zxing_candidate_3x"  # the located symbol cut out and enlarged 3×
    ZBAR_HALF = "pyzbar_half_scale"
    ZBAR = "pyzbar"
    ZBAR_SHARP = "pyzbar_sharpened"
    ZBAR_THRESHOLD = "pyzbar_adaptive_threshold"
    ZBAR_CLAHE = "pyzbar_clahe"
    ZBAR_FLAT = "pyzbar_flattened"


class StageKind(StrEnum):
    FRAME = "frame"  # every frame
    CANDIDATE = "candidate"  # only when zxing located a QR symbol it could not decode
    THOROUGH = "thorough"  # still images only


# The first stage is zxing-cpp exactly as "zxing alone" runs it, so nothing it reads is lost;
# the rest were ordered by measurement (see the module docstring): cheapest gain first.
PIPELINE: tuple[tuple[Stage, StageKind], ...] = (
    (Stage.ZXING, StageKind.FRAME),
    (Stage.ZXING_GLOBAL, StageKind.FRAME),
    (Stage.ZXING_UP, StageKind.FRAME),
    (Stage.ZXING_CROP_UP, StageKind.CANDIDATE),
    (Stage.ZXING_SHARP, StageKind.CANDIDATE),
    (Stage.ZXING_FLAT, StageKind.CANDIDATE),
    (Stage.ZXING_STRETCH, StageKind.CANDIDATE),
    (Stage.ZXING_SMOOTH, StageKind.CANDIDATE),
    (Stage.ZBAR_SHARP, StageKind.CANDIDATE),
    (Stage.ZBAR, StageKind.CANDIDATE),
    (Stage.ZBAR_THRESHOLD, StageKind.THOROUGH),
    (Stage.ZBAR_HALF, StageKind.THOROUGH),
    (Stage.ZBAR_FLAT, StageKind.THOROUGH),
    (Stage.ZBAR_CLAHE, StageKind.THOROUGH),
)

_DECODER_OF: dict[Stage, DecodedBy] = {
    stage: DecodedBy.PYZBAR if stage.value.startswith("pyzbar") else DecodedBy.ZXING
    for stage in Stage
}


@dataclass(frozen=True, slots=True)
class Decoded:
    payload: bytes = field(repr=False)
    decoder: DecodedBy
    stage: Stage


@dataclass(frozen=True, slots=True)
class DecodeOutcome:
    """What one image gave: the payloads of the first successful stage, and what it cost."""

    found: tuple[Decoded, ...]
    ms: float
    stages: tuple[Stage, ...]  # the stages that ran, in order
    candidates: int  # QR symbols zxing located but could not decode
    out_of_budget: bool = False

    @property
    def first(self) -> Decoded | None:
        return self.found[0] if self.found else None


Box = tuple[int, int, int, int]  # x0, y0, x1, y1


class _Zbar:
    """libzbar through pyzbar's ctypes bindings, QR only, in binary mode where available."""

    _FOURCC_Y800 = 808466521

    def __init__(self) -> None:
        try:
            from pyzbar import wrapper  # vendor, untyped
        except ImportError as exc:  # pyzbar missing, or libzbar0 not installed
            raise qr_error(
                DeviceProblem.UNSUPPORTED, f"pyzbar/libzbar unavailable: {exc}"
            ) from None
        self._w: Any = wrapper
        self.binary = self._binary_config()

    def _binary_config(self) -> tuple[int, int] | None:
        """(symbology, config) of ``qrcode.binary`` as this libzbar numbers them, or None."""
        sym, cfg, val = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        failed = self._w.zbar_parse_config(
            b"qrcode.binary", ctypes.byref(sym), ctypes.byref(cfg), ctypes.byref(val)
        )
        if failed:
            log.warning("libzbar has no binary mode: payload bytes come from zbar's text guess")
            return None
        return sym.value, cfg.value

    def decode(self, gray: Gray) -> list[bytes]:
        w = self._w
        pixels = np.ascontiguousarray(gray).tobytes()
        height, width = gray.shape[:2]
        # A scanner per call: cheap (microseconds) and no state shared between threads.
        scanner = w.zbar_image_scanner_create()
        image = w.zbar_image_create()
        if not scanner or not image:
            raise MemoryError("zbar could not allocate a scanner")
        try:
            w.zbar_image_scanner_set_config(scanner, 0, w.ZBarConfig.CFG_ENABLE, 0)
            qr = int(w.ZBarSymbol.QRCODE)
            w.zbar_image_scanner_set_config(scanner, qr, w.ZBarConfig.CFG_ENABLE, 1)
            if self.binary is not None:
                w.zbar_image_scanner_set_config(scanner, self.binary[0], self.binary[1], 1)
            w.zbar_image_set_format(image, self._FOURCC_Y800)
            w.zbar_image_set_size(image, width, height)
            buffer = ctypes.cast(ctypes.c_char_p(pixels), ctypes.c_void_p)
            w.zbar_image_set_data(image, buffer, len(pixels), None)
            if w.zbar_scan_image(scanner, image) < 0:
                raise RuntimeError("zbar_scan_image failed")
            found = []
            symbol = w.zbar_image_first_symbol(image)
            while symbol:
                data = ctypes.string_at(
                    w.zbar_symbol_get_data(symbol), w.zbar_symbol_get_data_length(symbol)
                )
                found.append(data)
                symbol = w.zbar_symbol_next(symbol)
            return found
        finally:
            w.zbar_image_destroy(image)
            w.zbar_image_scanner_destroy(scanner)


class _Zxing:
    """zxing-cpp, QR family only; returns raw bytes and the boxes of symbols it could not decode.

    ``BarcodeFormat.QRCode`` is the whole QR family in zxing-cpp 3 (models 1 and 2, Micro QR,
    rMQR); restricting to it leaves every other option at the library's default.
    """

    def __init__(self) -> None:
        try:
            import zxingcpp
        except ImportError as exc:
            raise qr_error(DeviceProblem.UNSUPPORTED, f"zxing-cpp unavailable: {exc}") from None
        self._z = zxingcpp

    def decode(
        self,
        gray: Gray,
        *,
        global_histogram: bool = False,
        try_invert: bool = False,
        want_candidates: bool = False,
    ) -> tuple[list[bytes], list[Box]]:
        z = self._z
        results = z.read_barcodes(
            np.ascontiguousarray(gray),
            formats=z.BarcodeFormat.QRCode,
            try_invert=try_invert,
            binarizer=z.Binarizer.GlobalHistogram if global_histogram else z.Binarizer.LocalAverage,
            return_errors=want_candidates,
        )
        return self._split(results)

    def decode_default(
        self, image: npt.NDArray[np.uint8], *, want_candidates: bool = False
    ) -> tuple[list[bytes], list[Box]]:
        """zxing-cpp with its own default options (try rotations, inversion, downscaling, the
        local-average binarizer): the "zxing alone" configuration, on the frame as it came."""
        z = self._z
        results = z.read_barcodes(
            np.ascontiguousarray(image),
            formats=z.BarcodeFormat.QRCode,
            return_errors=want_candidates,
        )
        return self._split(results)

    @staticmethod
    def _split(results: Sequence[Any]) -> tuple[list[bytes], list[Box]]:
        found: list[bytes] = []
        candidates: list[Box] = []
        for barcode in results:
            if barcode.valid:
                found.append(barcode.bytes)
            else:
                p = barcode.position
                xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
                ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
                candidates.append((min(xs), min(ys), max(xs), max(ys)))
        return found, candidates


def _cv2() -> Any:
    import cv2

    return cv2


def to_gray(image: npt.NDArray[np.uint8]) -> Gray:
    """8-bit grayscale of a BGR, BGRA or grayscale frame."""
    if image.dtype != np.uint8:
        raise ValueError(f"expected an 8-bit image, got {image.dtype}")
    if image.ndim == 2:
        return image
    cv2 = _cv2()
    if image.ndim == 3 and image.shape[2] == 3:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    if image.ndim == 3 and image.shape[2] == 4:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY), dtype=np.uint8)
    if image.ndim == 3 and image.shape[2] == 1:
        return image[:, :, 0]
    raise ValueError(f"unsupported image shape {image.shape}")


def _sharpen(gray: Gray) -> Gray:
    cv2 = _cv2()
    blurred = cv2.GaussianBlur(gray, (0, 0), 2.0)
    return np.asarray(cv2.addWeighted(gray, 2.0, blurred, -1.0, 0), dtype=np.uint8)


def _scale(gray: Gray, factor: float) -> Gray:
    cv2 = _cv2()
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    resized = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=interpolation)
    return np.asarray(resized, dtype=np.uint8)


def _threshold(gray: Gray) -> Gray:
    cv2 = _cv2()
    # Block of ~3 modules for a typical code; a local mean survives glare gradients.
    block = max(15, (min(gray.shape[:2]) // 12) | 1)
    binary = cv2.adaptiveThreshold(
        gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 5
    )
    return np.asarray(binary, dtype=np.uint8)


def _flatten(gray: Gray) -> Gray:
    """The frame divided by its own light: a glare blob or a window reflected in a phone's glass
    lifts dark and light modules alike, and dividing by a blur wider than a module undoes it."""
    cv2 = _cv2()
    h, w = gray.shape[:2]
    # The light varies slowly: blurring an eighth-size copy costs ~1 ms instead of ~40.
    small = cv2.resize(gray, (max(1, w // 8), max(1, h // 8)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), max(1.0, min(h, w) / 320))
    light = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(gray, np.maximum(light, 1).astype(np.uint8), scale=160)
    return np.asarray(flat, dtype=np.uint8)


def _smooth(gray: Gray) -> Gray:
    cv2 = _cv2()
    return np.asarray(cv2.GaussianBlur(gray, (0, 0), 1.0), dtype=np.uint8)


def _stretch(gray: Gray, boxes: Sequence[Box]) -> Gray:
    """The frame with the grey range of the located symbols stretched to 0-255 (washed-out or
    dim light leaves a code in a narrow band the binarizers do not split well)."""
    if not boxes:
        return gray
    crop = gray[_crop_slices(gray, boxes[0], 0.1)]
    lo, hi = np.percentile(crop, (2, 98))
    if hi - lo < 4:
        return gray
    scaled = (gray.astype(np.float32) - lo) * (255.0 / (hi - lo))
    stretched: Gray = np.clip(scaled, 0, 255).astype(np.uint8)
    return stretched


def _crop_slices(gray: Gray, box: Box, margin: float) -> tuple[slice, slice]:
    x0, y0, x1, y1 = box
    pad = int(margin * max(x1 - x0, y1 - y0)) + 8
    h, w = gray.shape[:2]
    return slice(max(0, y0 - pad), min(h, y1 + pad)), slice(max(0, x0 - pad), min(w, x1 + pad))


def _crops_enlarged(gray: Gray, boxes: Sequence[Box], factor: float) -> list[Gray]:
    """Each located symbol cut out with a quiet zone's margin, enlarged: a far or tilted code
    gets more pixels per module at a fraction of the cost of enlarging the whole frame."""
    return [_scale(np.ascontiguousarray(gray[_crop_slices(gray, b, 0.3)]), factor) for b in boxes]


def _clahe(gray: Gray) -> Gray:
    cv2 = _cv2()
    return np.asarray(cv2.createCLAHE(2.0, (8, 8)).apply(gray), dtype=np.uint8)


class FrameDecoder:
    """Finds QR codes in frames and returns their raw bytes.

    ``mode`` picks pyzbar alone, zxing-cpp alone (each: one pass over the whole frame with the
    library's defaults, QR only) or the measured pipeline. Thread-safe; a camera uses one from
    its decode thread, the CLI from the main thread.
    """

    def __init__(
        self,
        mode: QrDecoder = QrDecoder.PIPELINE,
        *,
        budget_ms: float | None = None,
        thorough: bool = False,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.mode = mode
        self.thorough = thorough
        self.budget_ms = budget_ms or (THOROUGH_BUDGET_MS if thorough else DEFAULT_BUDGET_MS)
        self._timer = timer
        uses_zbar = mode in {QrDecoder.PYZBAR, QrDecoder.PIPELINE}
        uses_zxing = mode in {QrDecoder.ZXING, QrDecoder.PIPELINE}
        self._zbar = _Zbar() if uses_zbar else None
        self._zxing = _Zxing() if uses_zxing else None
        self._lock = threading.Lock()
        self.stage_failures = 0  # passes that raised (logged); a frame is then just unread

    @property
    def zbar_binary(self) -> bool | None:
        """Whether zbar hands over raw bytes (None when zbar is not used)."""
        return None if self._zbar is None else self._zbar.binary is not None

    def decode(self, image: npt.NDArray[np.uint8]) -> DecodeOutcome:
        start = self._timer()
        gray = to_gray(image)
        if self.mode is QrDecoder.PYZBAR:
            assert self._zbar is not None
            return self._single(Stage.ZBAR, self._zbar.decode, gray, start)
        if self.mode is QrDecoder.ZXING:
            zxing = self._zxing
            assert zxing is not None
            frame = _zxing_input(image, gray)
            return self._single(Stage.ZXING, lambda _: zxing.decode_default(frame)[0], gray, start)
        return self._pipeline(_zxing_input(image, gray), gray, start)

    def _single(
        self, stage: Stage, fn: Callable[[Gray], list[bytes]], gray: Gray, start: float
    ) -> DecodeOutcome:
        payloads = self._guarded(stage, lambda: fn(gray)) or []
        found = tuple(Decoded(p, _DECODER_OF[stage], stage) for p in _unique(payloads))
        return DecodeOutcome(found, (self._timer() - start) * 1000, (stage,), 0)

    def _guarded(self, stage: Stage, fn: Callable[[], list[bytes]]) -> list[bytes] | None:
        try:
            return fn()
        except Exception:
            # One odd frame must not stop a camera; the pass just found nothing.
            with self._lock:
                self.stage_failures += 1
            log.exception("QR decoding pass %s failed", stage.value)
            return None

    def _runs(
        self, frame: npt.NDArray[np.uint8], gray: Gray, candidates: list[Box]
    ) -> dict[Stage, Callable[[], list[bytes]]]:
        """Every stage as a thunk over ``frame`` (as it came) or its ``gray``; the first fills
        ``candidates``."""
        assert self._zbar is not None and self._zxing is not None
        zbar, zxing = self._zbar, self._zxing

        def first_pass() -> list[bytes]:
            # Exactly zxing alone's call on exactly its input, so its reads are never lost.
            found, boxes = zxing.decode_default(frame, want_candidates=True)
            candidates.extend(boxes)
            return found

        def zx(image: Gray, **options: bool) -> list[bytes]:
            return zxing.decode(image, **options)[0]

        def crops() -> list[bytes]:
            found: list[bytes] = []
            for crop in _crops_enlarged(gray, candidates, 3.0):
                found.extend(zx(crop, try_invert=True))
                if not found:
                    found.extend(zx(crop, global_histogram=True, try_invert=True))
            return found

        return {
            Stage.ZXING: first_pass,
            Stage.ZXING_GLOBAL: lambda: zx(gray, global_histogram=True),
            Stage.ZXING_UP: lambda: zx(_scale(gray, 2.0)),
            Stage.ZXING_SHARP: lambda: zx(_sharpen(gray), try_invert=True),
            Stage.ZXING_FLAT: lambda: zx(_flatten(gray), try_invert=True),
            Stage.ZXING_SMOOTH: lambda: zx(_smooth(gray), global_histogram=True, try_invert=True),
            Stage.ZXING_STRETCH: lambda: zx(_stretch(gray, candidates), try_invert=True),
            Stage.ZXING_CROP_UP: crops,
            Stage.ZBAR_HALF: lambda: zbar.decode(_scale(gray, 0.5)),
            Stage.ZBAR: lambda: zbar.decode(gray),
            Stage.ZBAR_SHARP: lambda: zbar.decode(_sharpen(gray)),
            Stage.ZBAR_THRESHOLD: lambda: zbar.decode(_threshold(gray)),
            Stage.ZBAR_CLAHE: lambda: zbar.decode(_clahe(gray)),
            Stage.ZBAR_FLAT: lambda: zbar.decode(_flatten(gray)),
        }

    def each_stage(
        self, image: npt.NDArray[np.uint8]
    ) -> tuple[dict[Stage, tuple[list[bytes], float]], int]:
        """Every stage run on its own, whatever its kind: payloads and milliseconds per stage,
        and the number of candidates zxing's first pass saw. This is how the pipeline's order
        and gating were chosen (``benchmarks.qr --stages``)."""
        if self._zbar is None or self._zxing is None:
            raise ValueError("each_stage needs the pipeline mode")
        gray = to_gray(image)
        candidates: list[Box] = []
        runs = self._runs(_zxing_input(image, gray), gray, candidates)
        out: dict[Stage, tuple[list[bytes], float]] = {}
        for stage, _kind in PIPELINE:
            start = self._timer()
            payloads = self._guarded(stage, runs[stage]) or []
            out[stage] = (_unique(payloads), self._elapsed(start))
        return out, len(candidates)

    def _pipeline(self, frame: npt.NDArray[np.uint8], gray: Gray, start: float) -> DecodeOutcome:
        candidates: list[Box] = []
        runs = self._runs(frame, gray, candidates)
        ran: list[Stage] = []
        for stage, kind in PIPELINE:
            if kind is StageKind.CANDIDATE and not (candidates or self.thorough):
                continue
            if kind is StageKind.THOROUGH and not self.thorough:
                continue
            if ran and (self._timer() - start) * 1000 >= self.budget_ms:
                return DecodeOutcome((), self._elapsed(start), tuple(ran), len(candidates), True)
            ran.append(stage)
            payloads = self._guarded(stage, runs[stage])
            if payloads:
                found = tuple(Decoded(p, _DECODER_OF[stage], stage) for p in _unique(payloads))
                return DecodeOutcome(found, self._elapsed(start), tuple(ran), len(candidates))
        return DecodeOutcome((), self._elapsed(start), tuple(ran), len(candidates))

    def _elapsed(self, start: float) -> float:
        return (self._timer() - start) * 1000


def _zxing_input(image: npt.NDArray[np.uint8], gray: Gray) -> npt.NDArray[np.uint8]:
    """What zxing-cpp alone is handed: the frame itself when it takes it (grey or BGR, turned
    grey by zxing's own formula), else our grey (BGRA, one-channel 3-D)."""
    if image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3):
        return image
    return gray


def _unique(payloads: Sequence[bytes]) -> list[bytes]:
    return [p for i, p in enumerate(payloads) if p and p not in payloads[:i]]
