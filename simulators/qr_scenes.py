"""Generated CCCD/VNeID QR payloads of invented people and camera "photos" of them.

There is no camera here and no real card may ever be used in a test, so the decoders are
measured on pictures made by this module: a QR code rendered from a payload with `qrcode`,
shown on a phone screen (the VNeID app) or printed on the back of a card-like carrier, placed in
a 1280×720 scene through a 3-D tilt and a pinhole projection, then spoiled the way kiosk cameras
spoil it (defocus, motion, sensor noise, dim or washed-out light, a specular glare blob, the
moiré of a phone's pixel grid, the room reflected in the glass over a phone's screen, the light
on dark code of an app in dark mode, codes held far away or too close, MJPEG compression). Each
condition has a ladder of three severities, from an easy photo most decoders read to a hard one.

QR model 1 (the 1990s variant without alignment patterns) is not generated: neither ``qrcode``
nor zxing-cpp (3.1) can encode it, and CCCD cards and VNeID show model 2.

Used by the tests, ``benchmarks.qr`` and the fake camera frame source of the demo. Everything is
driven by a numpy ``Generator`` so a seed gives the same pictures on every machine.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from simulators.people import invent_person

Image = npt.NDArray[np.uint8]
Floats = npt.NDArray[np.float32]

FRAME_WIDTH = 1280
FRAME_HEIGHT = 720
# A 720p webcam with a ~65° horizontal field of view.
FOCAL_PX = 1000.0


class Condition(StrEnum):
    """What makes a photo hard; each is generated at every ``Severity``."""

    CLEAN = "clean"
    PERSPECTIVE = "perspective"
    ROTATION = "rotation"
    BLUR = "blur"
    NOISE = "noise"
    LOW_CONTRAST = "low_contrast"
    GLARE = "glare"
    MOIRE = "moire"
    SMALL = "small"
    LARGE = "large"
    CARD = "card"
    INVERTED = "inverted"  # light modules on a dark screen: an app in dark mode
    SCREEN_GLASS = "screen_glass"  # the room reflected in a phone's glass, over its pixel grid


class Severity(StrEnum):
    """A ladder from a photo nearly every decoder reads to one that defeats most of them."""

    EASY = "easy"
    MILD = "mild"
    HARD = "hard"


class Carrier(StrEnum):
    PHONE = "phone"  # the VNeID app's identity screen
    CARD = "card"  # the back of a chip ID card


class Negative(StrEnum):
    """Pictures that hold no QR code and must decode to nothing."""

    TEXTURE = "texture"
    TEXT = "text"
    FACES = "faces"
    CODE128 = "code128"
    EAN13 = "ean13"
    DATAMATRIX = "datamatrix"
    PDF417 = "pdf417"
    CARD_WITHOUT_QR = "card_without_qr"
    BLANK_PHONE = "blank_phone"


# --- QR rendering --------------------------------------------------------------------------------


def qr_modules(payload: bytes, *, error_correction: str = "M", border: int = 4) -> Image:
    """The module matrix (1 = dark) of a QR code for ``payload`` in byte mode, with quiet zone."""
    import qrcode  # no stubs; generation only
    import qrcode.constants

    levels = {
        "L": qrcode.constants.ERROR_CORRECT_L,
        "M": qrcode.constants.ERROR_CORRECT_M,
        "Q": qrcode.constants.ERROR_CORRECT_Q,
        "H": qrcode.constants.ERROR_CORRECT_H,
    }
    code = qrcode.QRCode(error_correction=levels[error_correction], border=border)
    code.add_data(payload, optimize=0)
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=np.uint8)


def render_code(payload: bytes, *, module_px: int = 4, error_correction: str = "M") -> Image:
    """A clean grayscale image of the code (black on white), e.g. for a file to decode."""
    modules = qr_modules(payload, error_correction=error_correction)
    big = np.kron(modules, np.ones((module_px, module_px), dtype=np.uint8))
    return np.where(big > 0, 0, 255).astype(np.uint8)


# --- scenes --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scene:
    """How one photo is taken: the code's size and pose, the light and the camera's faults."""

    carrier: Carrier
    qr_side_px: float  # side of the code (quiet zone included) in the frame, at the centre
    roll_deg: float
    tilt_x_deg: float
    tilt_y_deg: float
    offset: tuple[float, float]  # centre of the code, in frame fractions from the frame centre
    defocus_sigma: float = 0.7
    motion_px: float = 0.0
    noise_sigma: float = 2.5
    contrast: tuple[float, float] = (0.0, 1.0)  # output range the scene's light maps to
    glare: float = 0.0  # peak of the additive specular blob (1.0 saturates the sensor)
    glare_size: float = 0.3  # blob radius over the code's side
    moire: float = 0.0  # contrast of the phone's pixel grid
    jpeg_quality: int = 85
    error_correction: str = "M"
    inverted: bool = False  # light modules on a dark screen (phone only)
    reflection: float = 0.0  # peak of the room's reflection in the screen's glass (phone only)


def _u8(array: Any) -> Image:
    clipped: Image = np.clip(np.asarray(array), 0, 255).astype(np.uint8)
    return clipped


def _background(rng: np.random.Generator) -> Floats:
    """A dim room behind the citizen: gradient, a few blurred objects, low-frequency mottling."""
    # Drawn at a quarter of the resolution: everything in it is blurred anyway.
    h, w = FRAME_HEIGHT // 4, FRAME_WIDTH // 4
    base = rng.uniform(60, 150, size=3).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    slope = rng.uniform(-0.4, 0.4, size=2).astype(np.float32)
    ramp = 1.0 + slope[0] * (xx / w - 0.5) + slope[1] * (yy / h - 0.5)
    img = base[None, None, :] * ramp[:, :, None]
    for _ in range(int(rng.integers(3, 8))):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1, y1 = min(w, x0 + int(rng.integers(15, 125))), min(h, y0 + int(rng.integers(15, 100)))
        grey = rng.uniform(40, 200)
        # Rooms are mostly muted: mix a random colour with grey.
        img[y0:y1, x0:x1] = (0.4 * rng.uniform(30, 220, size=3) + 0.6 * grey).astype(np.float32)
    mottle = cv2.resize(rng.normal(0, 12, size=(9, 16)).astype(np.float32), (w, h))
    img = np.asarray(cv2.GaussianBlur(img + mottle[:, :, None], (0, 0), 1.5), dtype=np.float32)
    size = (FRAME_WIDTH, FRAME_HEIGHT)
    return np.asarray(cv2.resize(img, size, interpolation=cv2.INTER_LINEAR), dtype=np.float32)


def _guilloche(canvas: Image, rng: np.random.Generator, colour: tuple[float, ...]) -> None:
    h, w = canvas.shape[:2]
    for k in range(14):
        phase = rng.uniform(0, 2 * math.pi)
        xs = np.arange(0, w, 3, dtype=np.float32)
        ys = h * (0.1 + 0.06 * k) + 0.04 * h * np.sin(xs / w * 2 * math.pi * 3 + phase)
        pts = np.stack([xs, ys], axis=1).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(canvas, [pts], isClosed=False, color=colour, thickness=1)


def _card(
    modules: Image | None, module_px: int, rng: np.random.Generator
) -> tuple[Floats, tuple[float, float, float]]:
    """The back of a chip ID card; returns the image and the code's (x, y, side) in it."""
    n = 53 if modules is None else modules.shape[0]
    side = n * module_px
    card_w = int(side / 0.24)
    card_h = int(card_w * 54 / 85.6)
    # OpenCV 5 draws text on 8-bit images only; the carrier becomes float once drawn.
    card = np.empty((card_h, card_w, 3), dtype=np.uint8)
    card[:] = (228, 226, 214)
    _guilloche(card, rng, (205, 190, 170))
    unit = card_w / 856
    font = cv2.FONT_HERSHEY_SIMPLEX
    lines = ("Dac diem nhan dang: Not ruoi C:1cm tren sau duoi mat trai", "Ngay, thang, nam:")
    for i, line in enumerate(lines):
        org = (int(30 * unit), int((60 + 40 * i) * unit))
        cv2.putText(card, line, org, font, 0.6 * unit, (60, 50, 50), max(1, int(unit)))
    for j in range(2):  # fingerprint boxes with ridge-like rings
        cx, cy = int((560 + 140 * j) * unit), int(330 * unit)
        half_w, half_h = int(60 * unit), int(80 * unit)
        box = ((cx - half_w, cy - half_h), (cx + half_w, cy + half_h))
        cv2.rectangle(card, box[0], box[1], (120, 110, 110), 1)
        for r in range(6, 70, 6):
            cv2.ellipse(card, (cx, cy), (int(r * unit * 0.8), int(r * unit)), 0, 0, 360, (90,) * 3)
    mrz_y = int(430 * unit)
    for i in range(3):
        text = "IDVNM" + "".join(str(int(d)) for d in rng.integers(0, 10, 20)) + "<<<<<"
        cv2.putText(
            card, text, (int(30 * unit), mrz_y + int(42 * i * unit)), cv2.FONT_HERSHEY_PLAIN,
            2.2 * unit, (30, 30, 30), max(1, int(1.6 * unit)),
        )  # fmt: skip
    x0, y0 = card_w - side - int(30 * unit), int(30 * unit)
    if modules is not None:
        code = np.kron(modules, np.ones((module_px, module_px), dtype=np.float32))
        card[y0 : y0 + side, x0 : x0 + side, :] = np.where(code > 0, 25, 235)[:, :, None]
    return card.astype(np.float32), (float(x0), float(y0), float(side))


def _phone(
    modules: Image | None,
    module_px: int,
    moire: float,
    rng: np.random.Generator,
    inverted: bool = False,
) -> tuple[Floats, tuple[float, float, float]]:
    """A phone showing the VNeID identity QR; returns the image and the code's (x, y, side)."""
    n = 53 if modules is None else modules.shape[0]
    side = n * module_px
    margin = int(side * 0.12)
    screen_w = side + 2 * margin
    screen_h = int(screen_w * 2.0)
    bezel = int(screen_w * 0.05)
    phone = np.zeros((screen_h + 2 * bezel, screen_w + 2 * bezel, 3), dtype=np.float32)
    phone[:] = (25, 25, 28)
    canvas = np.empty((screen_h, screen_w, 3), dtype=np.uint8)
    canvas[:] = (28, 28, 30) if inverted else (245, 245, 245)
    canvas[: int(screen_h * 0.12)] = (40, 30, 200)  # the app's red header (BGR)
    unit = screen_w / 400
    cv2.putText(
        canvas, "VNeID", (int(20 * unit), int(50 * unit)), cv2.FONT_HERSHEY_SIMPLEX, 1.2 * unit,
        (255, 255, 255), max(1, int(2 * unit)),
    )  # fmt: skip
    for i, width in enumerate((300, 220, 260)):
        y = int(screen_h * 0.74 + 28 * unit * i)
        end = (margin + int(width * unit), y + int(10 * unit))
        cv2.rectangle(canvas, (margin, y), end, (170, 170, 170) if inverted else (90, 90, 90), -1)
    screen = canvas.astype(np.float32)
    y0 = int(screen_h * 0.2)
    if modules is not None:
        code = np.kron(modules, np.ones((module_px, module_px), dtype=np.float32))
        dark, light = (230.0, 28.0) if inverted else (10.0, 245.0)
        screen[y0 : y0 + side, margin : margin + side, :] = np.where(code > 0, dark, light)[
            :, :, None
        ]
    if moire > 0:
        screen *= _pixel_grid(screen.shape[0], screen.shape[1], 0.5 * moire)
    phone[bezel : bezel + screen_h, bezel : bezel + screen_w] = screen
    return phone, (float(bezel + margin), float(bezel + y0), float(side))


def _moire_bands(frame: Floats, screen: Floats, strength: float, rng: np.random.Generator) -> None:
    """Darken the screen with curved, colour-fringed interference bands.

    They are the low-frequency beat between the screen's pixel grid and the sensor's; the sensor
    averages away the fine grid, the beat stays. Each colour channel beats at its own phase
    because the sub-pixels sit side by side.
    """
    h, w = frame.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    theta = rng.uniform(0, math.pi)
    wavelength = rng.uniform(10, 36)
    along = (xx * math.cos(theta) + yy * math.sin(theta)) / wavelength
    across = (-xx * math.sin(theta) + yy * math.cos(theta)) / wavelength
    bend = rng.uniform(-0.02, 0.02)
    for channel in range(3):
        phase = 2 * math.pi * (along + bend * (across - across.mean()) ** 2) + channel * 0.9
        band = 1.0 - strength * (0.5 + 0.5 * np.cos(phase))
        frame[:, :, channel] *= 1.0 - screen * (1.0 - band)


def _reflection(frame: Floats, screen: Floats, peak: float, rng: np.random.Generator) -> None:
    """Add what the phone's glass mirrors: a bright window with its bars, a darker silhouette
    (the citizen's head) and a soft haze, all out of focus and only where the screen is.

    Glass reflects a few percent of a dim room but most of a window behind the citizen; the
    reflection adds light to dark and light modules alike, so it lowers the local contrast and
    draws sharp-edged bright shapes across the code.
    """
    h, w = frame.shape[:2]
    small = np.zeros((h // 4, w // 4), dtype=np.float32)
    sh, sw = small.shape
    cx, cy = rng.uniform(0.3, 0.7) * sw, rng.uniform(0.3, 0.7) * sh
    half_w, half_h = rng.uniform(0.06, 0.14) * sw, rng.uniform(0.1, 0.25) * sh
    corners = cv2.boxPoints(((cx, cy), (2 * half_w, 2 * half_h), rng.uniform(-25, 25)))
    cv2.fillConvexPoly(small, corners.astype(np.int32), 1.0)
    bar = max(1, int(half_w * 0.12))
    cv2.line(small, (int(cx), 0), (int(cx), sh), 0.35, bar)  # the window's frame bars
    cv2.line(small, (0, int(cy)), (sw, int(cy)), 0.35, bar)
    head = (int(rng.uniform(0.2, 0.8) * sw), int(rng.uniform(0.2, 0.8) * sh))
    cv2.ellipse(small, head, (int(0.08 * sw), int(0.12 * sh)), 0, 0, 360, 0.1, -1)
    small = np.asarray(cv2.GaussianBlur(small, (0, 0), rng.uniform(0.8, 2.0)), dtype=np.float32)
    haze = np.float32(rng.uniform(0.15, 0.3))
    light = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR) * (1 - haze) + haze
    frame += (255.0 * peak * light * screen)[:, :, None]


def _pixel_grid(h: int, w: int, strength: float) -> Floats:
    """The screen's sub-pixel stripes (R, G, B and a dark gap per pixel, 4 carrier px).

    Warped onto the sensor without anti-aliasing, a grid whose pitch lands near one camera
    pixel aliases into the coloured interference bands people see when they photograph a screen.
    """
    mask = np.full((h, w, 3), 1.0 - strength, dtype=np.float32)
    for channel, offset in ((2, 0), (1, 1), (0, 2)):  # BGR order: red stripe first
        mask[:, offset::4, channel] = 1.0
    mask[3::4, :, :] *= 1.0 - strength  # row gaps
    return mask * (1.0 / (1.0 - 0.5 * strength))


def _rotation(roll: float, tilt_x: float, tilt_y: float) -> npt.NDArray[np.float64]:
    a, b, c = (math.radians(v) for v in (tilt_x, tilt_y, roll))
    rx = np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])
    ry = np.array([[math.cos(b), 0, math.sin(b)], [0, 1, 0], [-math.sin(b), 0, math.cos(b)]])
    rz = np.array([[math.cos(c), -math.sin(c), 0], [math.sin(c), math.cos(c), 0], [0, 0, 1]])
    return np.asarray(rx @ ry @ rz, dtype=np.float64)


def _homography(qr_box: tuple[float, float, float], scene: Scene) -> npt.NDArray[np.float64]:
    """Carrier pixels → frame pixels: the carrier is a plane tilted in 3-D and seen by a pinhole."""
    x0, y0, side = qr_box
    centre = np.array([x0 + side / 2, y0 + side / 2])
    depth = FOCAL_PX * side / scene.qr_side_px  # in carrier pixels, so the code appears this big
    rot = _rotation(scene.roll_deg, scene.tilt_x_deg, scene.tilt_y_deg)
    src = np.array(
        [[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side]], dtype=np.float64
    )
    target = np.array(
        [
            FRAME_WIDTH / 2 + scene.offset[0] * FRAME_WIDTH,
            FRAME_HEIGHT / 2 + scene.offset[1] * FRAME_HEIGHT,
        ]
    )
    dst = []
    for point in src:
        local = np.array([point[0] - centre[0], point[1] - centre[1], 0.0])
        world = rot @ local + np.array([0.0, 0.0, depth])
        dst.append(FOCAL_PX * world[:2] / world[2] + target)
    matrix = cv2.getPerspectiveTransform(src.astype(np.float32), np.array(dst, dtype=np.float32))
    return np.asarray(matrix, dtype=np.float64)


def _module_px_for(scene: Scene, n_modules: int) -> int:
    """Carrier resolution: ~1.6 carrier px per frame px, enough for an honest downsampling."""
    target = scene.qr_side_px / n_modules
    if scene.moire > 0:
        # The pixel grid needs 4 carrier px per screen pixel and a few screen pixels per module.
        return max(16, round(target * 4.5 / 4) * 4)
    return max(4, math.ceil(target * 1.6))


def _glare(
    frame: Floats, centre: tuple[float, float], radius: float, peak: float, rng: Any
) -> None:
    h, w = frame.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, math.pi)
    dx, dy = xx - centre[0], yy - centre[1]
    u = dx * math.cos(angle) + dy * math.sin(angle)
    v = -dx * math.sin(angle) + dy * math.cos(angle)
    blob = np.exp(-(u**2 / (2 * radius**2) + v**2 / (2 * (0.55 * radius) ** 2)))
    # A specular highlight is light added on top of the scene and clipped by the sensor.
    frame += (255.0 * peak * blob)[:, :, None]


def photo(payload: bytes | None, scene: Scene, rng: np.random.Generator) -> Image:
    """A 1280×720 BGR camera frame of ``payload``'s code (or of its carrier without a code)."""
    modules = (
        None if payload is None else qr_modules(payload, error_correction=scene.error_correction)
    )
    n = 53 if modules is None else modules.shape[0]
    module_px = _module_px_for(scene, n)
    if scene.carrier is Carrier.CARD:
        carrier, box = _card(modules, module_px, rng)
    else:
        carrier, box = _phone(modules, module_px, scene.moire, rng, scene.inverted)
    matrix = _homography(box, scene)
    scale = module_px / (scene.qr_side_px / n)
    if scene.moire == 0 and scale > 1.2:
        # Optical low-pass before resampling; the moiré scene keeps its aliasing on purpose.
        carrier = np.asarray(cv2.GaussianBlur(carrier, (0, 0), 0.45 * scale), dtype=np.float32)
    frame = _background(rng)
    screen_lit = scene.carrier is Carrier.PHONE and (scene.moire > 0 or scene.reflection > 0)
    if screen_lit:
        # Where the screen lands in the frame, for the interference bands and reflections.
        lit = np.zeros(carrier.shape[:2], dtype=np.float32)
        border = int(carrier.shape[1] * 0.05)
        lit[border:-border, border:-border] = 1.0
        screen = cv2.warpPerspective(lit, matrix, (FRAME_WIDTH, FRAME_HEIGHT))
    # Pixels outside the carrier keep the background (its edge is softened by the defocus below).
    cv2.warpPerspective(
        carrier, matrix, (FRAME_WIDTH, FRAME_HEIGHT), dst=frame, flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_TRANSPARENT,
    )  # fmt: skip
    if screen_lit and scene.moire > 0:
        _moire_bands(frame, np.asarray(screen, dtype=np.float32), 0.6 * scene.moire, rng)
    if screen_lit and scene.reflection > 0:
        _reflection(frame, np.asarray(screen, dtype=np.float32), scene.reflection, rng)
    _thumb(frame, matrix, carrier.shape, rng)
    x0, y0, side = box
    centre = cv2.perspectiveTransform(
        np.array([[[x0 + side / 2, y0 + side / 2]]], dtype=np.float32), matrix
    )[0, 0]
    if scene.glare > 0:
        shift = rng.uniform(-0.25, 0.25, size=2) * scene.qr_side_px
        spot = (float(centre[0] + shift[0]), float(centre[1] + shift[1]))
        _glare(frame, spot, scene.glare_size * scene.qr_side_px, scene.glare, rng)
    frame = np.clip(frame, 0, 255)  # the sensor saturates before the ISP touches the picture
    lo, hi = scene.contrast
    frame = 255.0 * lo + frame * (hi - lo)
    frame = np.asarray(cv2.GaussianBlur(frame, (0, 0), scene.defocus_sigma), dtype=np.float32)
    if scene.motion_px > 0:
        length = max(3, int(scene.motion_px) | 1)
        kernel = np.zeros((length, length), dtype=np.float32)
        kernel[length // 2, :] = 1.0 / length
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1)
        kernel = np.asarray(cv2.warpAffine(kernel, rot, (length, length)), dtype=np.float32)
        kernel /= max(float(kernel.sum()), 1e-6)
        frame = np.asarray(cv2.filter2D(frame, -1, kernel), dtype=np.float32)
    # Read noise plus shot noise, which grows with the square root of the light.
    sigma = scene.noise_sigma * (0.5 + 1.5 * np.sqrt(np.maximum(frame, 0) * (1 / 255.0)))
    noise = np.empty_like(frame)
    # OpenCV's generator is 3x faster than numpy's here; seeding it from ``rng`` keeps photos
    # reproducible (its state is per thread).
    cv2.setRNGSeed(int(rng.integers(2**31)))
    cv2.randn(noise, 0.0, 1.0)  # type: ignore[call-overload]  # OpenCV 5 stubs: arrays only
    frame += noise * sigma
    ok, jpeg = cv2.imencode(".jpg", _u8(frame), [cv2.IMWRITE_JPEG_QUALITY, scene.jpeg_quality])
    assert ok
    return _u8(cv2.imdecode(jpeg, cv2.IMREAD_COLOR))


def _thumb(frame: Floats, matrix: Any, shape: tuple[int, ...], rng: Any) -> None:
    """The citizen's thumb over the lower edge of the phone (it never covers the code)."""
    h, w = shape[:2]
    x_in = w * rng.uniform(0.2, 0.8)
    points = np.array([[[x_in, h * 0.97], [x_in + w / 3, h * 0.97]]], dtype=np.float32)
    (x, y), (x2, y2) = cv2.perspectiveTransform(points, matrix)[0]
    scale = math.hypot(float(x2 - x), float(y2 - y))
    axes = (max(4, int(scale * 0.45)), max(6, int(scale * 0.8)))
    cv2.ellipse(frame, (int(x), int(y)), axes, rng.uniform(-30, 30), 0, 360, (120, 150, 200), -1)


def scene_for(
    condition: Condition, severity: Severity, rng: np.random.Generator, index: int = 0
) -> Scene:
    """A random scene of the given condition; ``index`` alternates phone and card carriers.

    Each condition's three severities pick from ranges that grow harder from EASY (a photo the
    decoders mostly read) through MILD to HARD (at or past the limit of what a decoder can be
    asked to read: about 1.5 px per module, contrast of a few grey levels, the sensor saturated
    over part of the code).
    """
    level = list(Severity).index(severity)  # 0 easy, 1 mild, 2 hard
    carrier = Carrier.PHONE if index % 2 == 0 else Carrier.CARD

    def u(lo: float, hi: float) -> float:
        return float(rng.uniform(lo, hi))

    def pm(limit: float) -> float:
        return float(rng.uniform(-limit, limit))

    def rung(*ranges: tuple[float, float]) -> float:
        return u(*ranges[level])

    base: dict[str, Any] = {
        "carrier": carrier,
        "qr_side_px": u(200, 300),
        "roll_deg": pm(12),
        "tilt_x_deg": pm(8),
        "tilt_y_deg": pm(8),
        "offset": (pm(0.15), pm(0.1)),
    }
    match condition:
        case Condition.CLEAN:
            pass
        case Condition.PERSPECTIVE:
            limit = ((20, 35), (38, 55), (55, 65))[level]
            sign = 1 if rng.integers(2) else -1
            base["tilt_x_deg"] = sign * u(*limit)
            base["tilt_y_deg"] = pm(limit[1] * 0.6)
        case Condition.ROTATION:
            base["roll_deg"] = u(0, 360)
            if level >= 1:
                tilt = (25, 35)[level - 1]
                base["tilt_x_deg"], base["tilt_y_deg"] = pm(tilt), pm(tilt)
                base["qr_side_px"] = rung((0, 0), (150, 200), (110, 140))
        case Condition.BLUR:
            base["defocus_sigma"] = rung((1.2, 1.6), (1.8, 2.4), (2.4, 3.0))
            base["motion_px"] = rung((0, 4), (4, 8), (8, 12))
        case Condition.NOISE:
            base["noise_sigma"] = rung((10, 15), (22, 32), (34, 44))
        case Condition.LOW_CONTRAST:
            lo = rung((0.25, 0.32), (0.38, 0.45), (0.42, 0.47))
            base["contrast"] = (lo, lo + rung((0.28, 0.35), (0.12, 0.16), (0.07, 0.1)))
        case Condition.GLARE:
            base["glare"] = rung((0.5, 0.8), (0.9, 1.3), (1.4, 2.0))
            base["glare_size"] = rung((0.12, 0.18), (0.16, 0.22), (0.22, 0.3))
        case Condition.MOIRE:
            base["carrier"] = Carrier.PHONE
            base["moire"] = rung((0.25, 0.4), (0.55, 0.7), (0.75, 0.9))
        case Condition.SMALL:
            base["qr_side_px"] = rung((118, 135), (85, 100), (70, 82))
            base["defocus_sigma"] = 0.6
        case Condition.LARGE:
            base["qr_side_px"] = rung((480, 580), (650, 700), (690, 710))
            base["offset"] = (pm(0.05), pm(0.02))
            base["defocus_sigma"] = rung((1.0, 1.5), (2.0, 3.0), (3.0, 4.0))  # too close to focus
        case Condition.CARD:
            base["carrier"] = Carrier.CARD
            base["qr_side_px"] = rung((170, 220), (130, 160), (105, 125))
            tilt = (10, 20, 30)[level]
            base["tilt_x_deg"], base["tilt_y_deg"] = pm(tilt), pm(tilt)
        case Condition.INVERTED:
            base["carrier"] = Carrier.PHONE
            base["inverted"] = True
            base["defocus_sigma"] = rung((0.6, 0.9), (1.4, 1.8), (1.8, 2.4))
            if level >= 1:
                tilt = (25, 35)[level - 1]
                base["tilt_x_deg"], base["tilt_y_deg"] = pm(tilt), pm(tilt)
                lo = u(0.15, 0.25)
                base["contrast"] = (lo, lo + rung((0, 0), (0.3, 0.4), (0.18, 0.25)))
        case Condition.SCREEN_GLASS:
            base["carrier"] = Carrier.PHONE
            base["reflection"] = rung((0.2, 0.35), (0.45, 0.65), (0.7, 0.95))
            base["moire"] = rung((0.0, 0.1), (0.2, 0.35), (0.35, 0.5))
    return Scene(**base)


@dataclass(frozen=True, slots=True)
class Sample:
    condition: Condition
    severity: Severity
    payload: bytes
    image: Image

    def __repr__(self) -> str:
        return f"Sample({self.condition.value}, {self.severity.value}, {self.image.shape})"


def photo_set(
    per_condition: int,
    *,
    seed: int = 7,
    conditions: tuple[Condition, ...] = tuple(Condition),
    severities: tuple[Severity, ...] = tuple(Severity),
) -> Iterator[Sample]:
    """``per_condition`` photos of invented people for every condition and severity."""
    for condition in conditions:
        for severity in severities:
            stable = sum(ord(c) for c in condition.value + severity.value)
            rng = np.random.default_rng([seed, stable])
            for i in range(per_condition):
                payload = invent_person(rng).payload()
                scene = scene_for(condition, severity, rng, i)
                yield Sample(condition, severity, payload, photo(payload, scene, rng))


# --- pictures without a QR code ------------------------------------------------------------------


def negative(kind: Negative, rng: np.random.Generator) -> Image:
    """A 1280×720 frame that holds no QR code (but may hold other things that look coded)."""
    h, w = FRAME_HEIGHT, FRAME_WIDTH
    if kind in {Negative.CARD_WITHOUT_QR, Negative.BLANK_PHONE}:
        carrier = Carrier.CARD if kind is Negative.CARD_WITHOUT_QR else Carrier.PHONE
        scene = Scene(carrier, float(rng.uniform(180, 260)), 5.0, 4.0, -3.0, (0.0, 0.0))
        return photo(None, scene, rng)
    frame = _background(rng)
    drawn = _u8(frame)
    if kind is Negative.TEXTURE:
        fine = rng.normal(128, 50, size=(h // 4, w // 4)).astype(np.float32)
        fine = np.asarray(cv2.resize(fine, (w, h), interpolation=cv2.INTER_NEAREST), np.float32)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        weave = 40 * np.sin(xx / 3.1) * np.sin(yy / 2.7)
        tiles = ((xx // 24 + yy // 24) % 2) * 60
        frame = (frame + fine[:, :, None] + weave[:, :, None] + tiles[:, :, None]) / 2
    elif kind is Negative.TEXT:
        drawn[:] = 235
        for i in range(18):
            words = " ".join(
                "".join(chr(int(c)) for c in rng.integers(97, 123, size=int(rng.integers(2, 9))))
                for _ in range(int(rng.integers(4, 9)))
            )
            org = (40, 40 + 38 * i)
            cv2.putText(drawn, words, org, cv2.FONT_HERSHEY_SIMPLEX, 1.0, (20, 20, 20), 2)
        frame = drawn.astype(np.float32)
    elif kind is Negative.FACES:
        for _ in range(3):
            cx, cy = int(rng.integers(200, w - 200)), int(rng.integers(200, h - 200))
            ax = int(rng.integers(90, 160))
            cv2.ellipse(drawn, (cx, cy), (ax, int(ax * 1.3)), 0, 0, 360, (140, 170, 215), -1)
            for ex in (-ax // 3, ax // 3):
                cv2.circle(drawn, (cx + ex, cy - ax // 4), ax // 8, (40, 40, 40), -1)
            cv2.ellipse(drawn, (cx, cy + ax // 2), (ax // 3, ax // 8), 0, 0, 180, (60, 60, 120), 4)
            hair = ((cx - ax, cy - int(ax * 1.4)), (cx + ax, cy - ax))
            cv2.rectangle(drawn, hair[0], hair[1], (30, 30, 30), -1)
        frame = drawn.astype(np.float32) + rng.normal(0, 20, size=drawn.shape).astype(np.float32)
    else:
        frame = _other_barcode(kind, frame, rng)
    frame = np.asarray(cv2.GaussianBlur(frame, (0, 0), 0.7), dtype=np.float32)
    frame += rng.normal(0, 3, size=frame.shape).astype(np.float32)
    return _u8(frame)


def _other_barcode(kind: Negative, frame: Floats, rng: np.random.Generator) -> Floats:
    import zxingcpp

    fmt, content = {
        Negative.CODE128: (zxingcpp.BarcodeFormat.Code128, "049085001234"),
        Negative.EAN13: (zxingcpp.BarcodeFormat.EAN13, "893456313801"),
        Negative.DATAMATRIX: (zxingcpp.BarcodeFormat.DataMatrix, "049085001234|NGUYEN VAN A"),
        Negative.PDF417: (zxingcpp.BarcodeFormat.PDF417, "049085001234|NGUYEN VAN A|1985"),
    }[kind]
    symbol = zxingcpp.create_barcode(content, fmt)
    code = np.asarray(symbol.to_image(scale=4), dtype=np.float32)
    ch, cw = code.shape[:2]
    x0, y0 = (
        int(rng.integers(50, FRAME_WIDTH - cw - 50)),
        int(rng.integers(50, FRAME_HEIGHT - ch - 50)),
    )
    frame[y0 : y0 + ch, x0 : x0 + cw, :] = code[:, :, None] * 0.85 + 20
    return frame
