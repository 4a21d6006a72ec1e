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

The pipeline, as measured
    On 660 generated photos (``simulators.qr_scenes``, 30 per condition × severity, seed 11)
    and 54 frames without a code, each stage run on its own over the whole frame, with the
    median ms on a frame without a code, on this 2-core machine:

        stage                       decodes  ms     stage                       decodes  ms
        zxing (LocalAverage)          606    1.1    pyzbar (binary, QR only)      531   20.5
        zxing GlobalHistogram         500    0.5    pyzbar sharpened              595   27.3
        zxing on a 2× upscale         636    5.1    pyzbar adaptive threshold     568   11.4
        zxing sharpened               625    3.1    pyzbar at half scale          374    5.0
        zxing inverted                  0    1.2    pyzbar CLAHE                  492   30.9

    zxing-cpp is both better and 10-20× cheaper here, so it goes first; GlobalHistogram rescues
    moiré that defeats the local-average binarizer, the 2× upscale rescues codes held far away
    (about 1.7 px per module), sharpening rescues defocus. No stage decoded anything on a frame
    without a code, and zxing never reported a candidate on one. All stages together decode
    644/660; FRAME stages zxing → GlobalHistogram → 2× plus the CANDIDATE stages reach the same
    644 at a median of 6.6 ms (p90 12.7 ms) per frame without a code; adding pyzbar at half
    scale to the FRAME stages gained nothing and cost 5 ms per empty frame. pyzbar stays as the
    independent second decoder where zxing saw a symbol it could not read. ``python -m
    benchmarks.qr --stages`` repeats this on a fresh set (seed 5, 12 per condition): pyzbar alone
    213/264, zxing alone 245/264, pipeline 260/264; ms per frame without a code (median) 20.0,
    1.3 and 5.7; with a code 13.5, 1.5 and 1.3.

Stages run in the order of ``PIPELINE`` until one finds a code or the time budget is spent.
FRAME stages run on every frame; CANDIDATE stages only when zxing's first pass located a QR
symbol it could not decode (``return_errors``), so that a frame without a code costs the three
cheap FRAME stages only; THOROUGH stages (and the CANDIDATE ones, ungated) run for still images
(``thorough=True``, the ``qr decode`` command), where a few hundred milliseconds do not matter.
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
THOROUGH_BUDGET_MS = 600.0


class Stage(StrEnum):
    """One decoding pass; the value names it in reads, logs and the measurement tables."""

    ZXING = "zxing"
    ZXING_GLOBAL = "zxing_global_histogram"
    ZXING_UP = "zxing_2x"
    ZXING_SHARP = "zxing_sharpened"
    ZBAR_HALF = "pyzbar_half_scale"
    ZBAR = "pyzbar"
    ZBAR_SHARP = "pyzbar_sharpened"
    ZBAR_THRESHOLD = "pyzbar_adaptive_threshold"
    ZBAR_CLAHE = "pyzbar_clahe"
    ZXING_INVERTED = "zxing_inverted"


class StageKind(StrEnum):
    FRAME = "frame"  # every frame
    CANDIDATE = "candidate"  # only when zxing located a QR symbol it could not decode
    THOROUGH = "thorough"  # still images only


# Chosen by measurement (see the module docstring): cheapest gain first.
PIPELINE: tuple[tuple[Stage, StageKind], ...] = (
    (Stage.ZXING, StageKind.FRAME),
    (Stage.ZXING_GLOBAL, StageKind.FRAME),
    (Stage.ZXING_UP, StageKind.FRAME),
    (Stage.ZXING_SHARP, StageKind.CANDIDATE),
    (Stage.ZBAR_SHARP, StageKind.CANDIDATE),
    (Stage.ZBAR, StageKind.CANDIDATE),
    (Stage.ZBAR_THRESHOLD, StageKind.THOROUGH),
    (Stage.ZBAR_HALF, StageKind.THOROUGH),
    (Stage.ZBAR_CLAHE, StageKind.THOROUGH),
    (Stage.ZXING_INVERTED, StageKind.THOROUGH),
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
    """zxing-cpp, QR only; returns raw bytes and the boxes of symbols it could not decode."""

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

    def decode_default(self, gray: Gray) -> list[bytes]:
        """zxing-cpp with its own default options (the "zxing alone" configuration)."""
        z = self._z
        results = z.read_barcodes(np.ascontiguousarray(gray), formats=z.BarcodeFormat.QRCode)
        return [b.bytes for b in results if b.valid]


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
            assert self._zxing is not None
            return self._single(Stage.ZXING, self._zxing.decode_default, gray, start)
        return self._pipeline(gray, start)

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

    def _runs(self, gray: Gray, candidates: list[Box]) -> dict[Stage, Callable[[], list[bytes]]]:
        """Every stage as a thunk over ``gray``; the first fills ``candidates``."""
        assert self._zbar is not None and self._zxing is not None
        zbar, zxing = self._zbar, self._zxing

        def first_pass() -> list[bytes]:
            found, boxes = zxing.decode(gray, want_candidates=True)
            candidates.extend(boxes)
            return found

        def zx(image: Gray, **options: bool) -> list[bytes]:
            return zxing.decode(image, **options)[0]

        return {
            Stage.ZXING: first_pass,
            Stage.ZXING_GLOBAL: lambda: zx(gray, global_histogram=True),
            Stage.ZXING_UP: lambda: zx(_scale(gray, 2.0)),
            Stage.ZXING_SHARP: lambda: zx(_sharpen(gray)),
            Stage.ZBAR_HALF: lambda: zbar.decode(_scale(gray, 0.5)),
            Stage.ZBAR: lambda: zbar.decode(gray),
            Stage.ZBAR_SHARP: lambda: zbar.decode(_sharpen(gray)),
            Stage.ZBAR_THRESHOLD: lambda: zbar.decode(_threshold(gray)),
            Stage.ZBAR_CLAHE: lambda: zbar.decode(_clahe(gray)),
            Stage.ZXING_INVERTED: lambda: zx(255 - gray),
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
        runs = self._runs(gray, candidates)
        out: dict[Stage, tuple[list[bytes], float]] = {}
        for stage, _kind in PIPELINE:
            start = self._timer()
            payloads = self._guarded(stage, runs[stage]) or []
            out[stage] = (_unique(payloads), self._elapsed(start))
        return out, len(candidates)

    def _pipeline(self, gray: Gray, start: float) -> DecodeOutcome:
        candidates: list[Box] = []
        runs = self._runs(gray, candidates)
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


def _unique(payloads: Sequence[bytes]) -> list[bytes]:
    return [p for i, p in enumerate(payloads) if p and p not in payloads[:i]]
