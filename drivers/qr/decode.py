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
        pipeline (camera)   353/390  28/28  381/418    1.108  (712f37b: 340/390, 1.070)
        pipeline (still)    367/390  28/28  395/418    1.148  (712f37b: 350/390, 1.099)

    (712f37b's camera path reads 343 without its 60 ms wall-clock budget; on the loaded
    machine the budget cut 3 reads short. Today's reads 353 either way.)

    Never fewer than zxing alone on any condition, severity or source; gains on blur (+8),
    inverted dark-mode codes (+7 hard), moiré (+10), small codes (+5; still images +13), low
    contrast, rotation with tilt, cards and glare. The camera no longer reads 3 moiré and 2
    small photos that 712f37b read (the whole-frame 2× upscale now runs only on located
    symbols, to pay for the deconvolution); still images read them all. Hard glare (the sensor
    saturated over a fifth of the code: its modules are gone, and without erasure decoding,
    which neither library offers, level M cannot restore them; filling the saturated area from
    its neighbourhood by inpainting or a local mean, and 74 fixed and adaptive thresholds and
    gamma curves on each located symbol's crop and rectified square, read none of the ten)
    defeats every column.
    0 false positives on 56 pictures without a QR code (27 generated, 29 real: photographs,
    1-D barcodes, Data Matrix, PDF417, MaxiCode), 0 wrong bytes.

    Milliseconds per 1280×720 frame without a code (median of 81), in two runs of the same
    benchmark: one while other heavy jobs shared the 2 cores (load ~6-11) and one on a quiet
    machine. CPU time (``process_time``: every thread, OpenCV's workers included, which also
    counts their spinning while they wait for work; zxing-cpp and libzbar run on the calling
    thread, whose ``thread_time`` equals their ``process_time``) barely moves with the load,
    the wall clock does; callgrind's instruction count (``--instructions``) not at all:

                           loaded run            quiet run             instructions
        column             wall   cpu  thread    wall   cpu  thread
        zxing alone        31.1  15.6   15.6     13.5  13.5   13.5       176.0 M
        earlier pipeline   25.2   8.4    7.7      5.6   8.1    5.6        16.7 M
        pipeline (camera)  31.6  14.2   11.0      9.1  14.3    9.1        35.1 M

    So the ≤ 15 ms target holds on a quiet machine in wall clock (9.1 ms, p90 14.9; 9.5 and
    11.3 in two repeats, against 7.5 and 9.0 for 712f37b) and is at its limit in CPU time
    (14.3 ms, of which ~5 ms are OpenCV's worker threads; 15.0 and 17.2 in the repeats): the
    Wiener deconvolution is most of the growth. ("zxing alone" reads every format; its QR-only first
    pass here costs 2.3 ms of CPU.)

    Putting the 2× upscale back among the FRAME stages reads 358 (not 353) generated photos but
    costs ~21 ms of CPU per empty frame (a separate run without a time budget), over the
    target.

    Each stage on its own over the same 390 photos (55 with a located-but-unread symbol), with
    the median CPU ms on a photo and on a frame without a code (loaded run; the quiet run's
    differ by at most 0.4 ms):

        stage                      kind       solved  cpu code  cpu none
        zxing (its defaults)       frame        316     2.4       2.3
        zxing GlobalHistogram      frame        223     0.6       0.5
        zxing deblurred            frame        222     8.6       8.7
        zxing on a 2× upscale      candidate    310     5.6       5.5
        zxing, candidate 3×        candidate      6     0.0       0.0
        zxing rectified            candidate      8     0.0       0.0
        zxing sharpened            candidate    325     2.6       4.4
        zxing flattened            candidate    321     2.5       3.5
        zxing stretched            candidate    312     1.1       1.2
        zxing smoothed             candidate    173     1.3       1.2
        pyzbar sharpened           candidate    280    15.3      25.5
        pyzbar                     candidate    248    13.1      18.2
        zxing 3× sharpened         thorough     350    59.4      67.0
        pyzbar adaptive threshold  thorough     266    11.9      11.0
        pyzbar at half scale       thorough     191     4.0       4.4
        pyzbar flattened           thorough     280    15.9      23.5
        pyzbar CLAHE               thorough     230    18.8      30.5

    GlobalHistogram rescues moiré that defeats the local-average binarizer; the Wiener
    deconvolution of a 2-pixel Gaussian defocus (``_deblur``, ~7 ms with OpenCV's DFT) defocused
    and dark-mode codes zxing finds no symbol in (9 photos no other stage reads); the 2× upscale
    codes held far away, the candidate crop enlarged 3× and the candidate warped upright
    (``_rectified``, from the corners zxing reports for a symbol it located but could not read)
    small and tilted ones; sharpening defocus, flattening (dividing by the frame's own blurred
    light) glare and reflections, pyzbar low contrast and moiré zxing cannot split; the whole
    frame enlarged 3× with Lanczos and sharpened the smallest codes (~1.7 px per module, still
    images only: 6 photos no other stage reads).

    Tried and left out: OpenCV's ``QRCodeDetectorAruco`` and ``QRCodeDetector`` (OpenCV 5.1,
    ``detectAndDecodeBytesMulti`` hands over raw bytes, UTF-8 intact) read 240 and 145 of the
    390 photos, nothing the still pipeline misses (5 the 712f37b camera path missed, low
    contrast and moiré), but Aruco returned WRONG bytes on 8 hard-glare and 2 small photos (its
    error correction accepts miscorrected data), so neither may decide a citizen's identity;
    inpainting or mean-filling saturated glare (0 of 10); stronger unsharp masks (a subset of
    what the deconvolution reads).

Stages run in the order of ``PIPELINE`` until one finds a code or the time budget is spent.
FRAME stages run on every frame; CANDIDATE stages only when zxing's first pass located a QR
symbol it could not decode (``return_errors``), so that a frame without a code costs the three
FRAME stages only; THOROUGH stages (and the CANDIDATE ones, ungated) run for still images
(``thorough=True``, the ``qr decode`` command), where a second does not matter.
Only QR codes are enabled in both libraries: a barcode that is not QR decodes to nothing.
"""

from __future__ import annotations

import ctypes
import functools
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
    ZXING_RECTIFIED = "zxing_rectified"  # the located symbol's quad warped to a large square
    ZXING_DEBLURRED = "zxing_deblurred"  # Wiener deconvolution of a Gaussian defocus
    ZXING_UP3_SHARP = "zxing_3x_sharpened"  # the whole frame enlarged 3× (Lanczos), sharpened
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
    (Stage.ZXING_DEBLURRED, StageKind.FRAME),
    (Stage.ZXING_UP, StageKind.CANDIDATE),
    (Stage.ZXING_CROP_UP, StageKind.CANDIDATE),
    (Stage.ZXING_RECTIFIED, StageKind.CANDIDATE),
    (Stage.ZXING_SHARP, StageKind.CANDIDATE),
    (Stage.ZXING_FLAT, StageKind.CANDIDATE),
    (Stage.ZXING_STRETCH, StageKind.CANDIDATE),
    (Stage.ZXING_SMOOTH, StageKind.CANDIDATE),
    (Stage.ZBAR_SHARP, StageKind.CANDIDATE),
    (Stage.ZBAR, StageKind.CANDIDATE),
    (Stage.ZXING_UP3_SHARP, StageKind.THOROUGH),
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
Quad = tuple[tuple[float, float], ...]  # top-left, top-right, bottom-right, bottom-left


@dataclass(frozen=True, slots=True)
class Candidate:
    """A QR symbol zxing located but could not decode: its corners and their bounding box."""

    quad: Quad
    box: Box


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
    ) -> tuple[list[bytes], list[Candidate]]:
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
    ) -> tuple[list[bytes], list[Candidate]]:
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
    def _split(results: Sequence[Any]) -> tuple[list[bytes], list[Candidate]]:
        found: list[bytes] = []
        candidates: list[Candidate] = []
        for barcode in results:
            if barcode.valid:
                found.append(barcode.bytes)
            else:
                p = barcode.position
                corners = (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
                quad = tuple((float(c.x), float(c.y)) for c in corners)
                xs, ys = [c.x for c in corners], [c.y for c in corners]
                candidates.append(Candidate(quad, (min(xs), min(ys), max(xs), max(ys))))
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


def _stretch(gray: Gray, candidates: Sequence[Candidate]) -> Gray:
    """The frame with the grey range of the located symbols stretched to 0-255 (washed-out or
    dim light leaves a code in a narrow band the binarizers do not split well)."""
    if not candidates:
        return gray
    crop = gray[_crop_slices(gray, candidates[0].box, 0.1)]
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


def _crops(gray: Gray, candidates: Sequence[Candidate]) -> list[Gray]:
    """Each located symbol cut out with a quiet zone's margin."""
    return [np.ascontiguousarray(gray[_crop_slices(gray, c.box, 0.3)]) for c in candidates]


def _crops_enlarged(gray: Gray, candidates: Sequence[Candidate], factor: float) -> list[Gray]:
    """Each located symbol cut out with a quiet zone's margin, enlarged: a far or tilted code
    gets more pixels per module at a fraction of the cost of enlarging the whole frame."""
    return [_scale(crop, factor) for crop in _crops(gray, candidates)]


def _rectified(gray: Gray, quad: Quad, side: int = 400) -> Gray:
    """The located symbol's quadrilateral warped to a ``side``-pixel square with a quiet zone:
    a steeply tilted or small code becomes a large upright one, so the binarizer and the
    sampling grid see square modules of several pixels."""
    cv2 = _cv2()
    margin = side * 0.12
    far = margin + side
    target = np.array([[margin, margin], [far, margin], [far, far], [margin, far]], np.float32)
    matrix = cv2.getPerspectiveTransform(np.array(quad, dtype=np.float32), target)
    size = int(side + 2 * margin)
    warped = cv2.warpPerspective(
        gray, matrix, (size, size), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(warped, dtype=np.uint8)


@functools.lru_cache(maxsize=8)
def _wiener_gain(shape: tuple[int, int], sigma: float, noise: float) -> npt.NDArray[np.float32]:
    """The Wiener filter of a Gaussian blur, in OpenCV's two-channel spectrum layout. A centred
    Gaussian's transfer function is real, so the filter is too: ``H / (H² + noise)``."""
    h, w = shape
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[None, :]
    blur = np.exp(-2.0 * (np.pi * sigma) ** 2 * (fx**2 + fy**2))
    gain = (blur / (blur * blur + noise)).astype(np.float32)
    return np.ascontiguousarray(np.dstack([gain, gain]))


def _deblur(gray: Gray, sigma: float = 2.0, noise: float = 0.01) -> Gray:
    """Wiener deconvolution of a Gaussian defocus of ``sigma`` pixels: an out-of-focus code's
    modules run into each other, and dividing the blur out in the frequency domain (damped by
    ``noise`` where the blur left nothing to recover) separates them again."""
    cv2 = _cv2()
    spectrum = cv2.dft(gray.astype(np.float32), flags=cv2.DFT_COMPLEX_OUTPUT)
    spectrum *= _wiener_gain((gray.shape[0], gray.shape[1]), sigma, noise)
    restored = cv2.idft(spectrum, flags=cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
    out: Gray = np.clip(restored, 0, 255).astype(np.uint8)
    return out


def _sharpen_upscaled(gray: Gray, factor: float) -> Gray:
    """Enlarged with Lanczos and sharpened: codes of under two pixels per module, which a plain
    upscale leaves too soft for the binarizer."""
    cv2 = _cv2()
    big = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_LANCZOS4)
    blurred = cv2.GaussianBlur(big, (0, 0), 3.0)
    return np.asarray(cv2.addWeighted(big, 2.0, blurred, -1.0, 0), dtype=np.uint8)


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
        self, frame: npt.NDArray[np.uint8], gray: Gray, candidates: list[Candidate]
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

        def both(image: Gray) -> list[bytes]:
            # Either binarizer, either polarity: a few ms on a crop.
            return zx(image, try_invert=True) or zx(image, global_histogram=True, try_invert=True)

        def crops() -> list[bytes]:
            return [p for crop in _crops_enlarged(gray, candidates, 3.0) for p in both(crop)]

        def rectified() -> list[bytes]:
            found: list[bytes] = []
            for candidate in candidates:
                square = _rectified(gray, candidate.quad)
                found.extend(both(square) or both(_sharpen(square)))
            return found

        def deblurred() -> list[bytes]:
            # The located symbols each way when there are some (a few ms), else the whole
            # frame with the local-average binarizer only (~8 ms).
            if candidates:
                return [p for crop in _crops(gray, candidates) for p in both(_deblur(crop))]
            return zx(_deblur(gray), try_invert=True)

        return {
            Stage.ZXING: first_pass,
            Stage.ZXING_GLOBAL: lambda: zx(gray, global_histogram=True),
            Stage.ZXING_UP: lambda: zx(_scale(gray, 2.0)),
            Stage.ZXING_SHARP: lambda: zx(_sharpen(gray), try_invert=True),
            Stage.ZXING_FLAT: lambda: zx(_flatten(gray), try_invert=True),
            Stage.ZXING_SMOOTH: lambda: zx(_smooth(gray), global_histogram=True, try_invert=True),
            Stage.ZXING_STRETCH: lambda: zx(_stretch(gray, candidates), try_invert=True),
            Stage.ZXING_CROP_UP: crops,
            Stage.ZXING_RECTIFIED: rectified,
            Stage.ZXING_DEBLURRED: deblurred,
            Stage.ZXING_UP3_SHARP: lambda: both(_sharpen_upscaled(gray, 3.0)),
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
        candidates: list[Candidate] = []
        runs = self._runs(_zxing_input(image, gray), gray, candidates)
        out: dict[Stage, tuple[list[bytes], float]] = {}
        for stage, _kind in PIPELINE:
            start = self._timer()
            payloads = self._guarded(stage, runs[stage]) or []
            out[stage] = (_unique(payloads), self._elapsed(start))
        return out, len(candidates)

    def _pipeline(self, frame: npt.NDArray[np.uint8], gray: Gray, start: float) -> DecodeOutcome:
        candidates: list[Candidate] = []
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
