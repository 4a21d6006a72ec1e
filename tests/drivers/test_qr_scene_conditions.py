"""The pipeline never reads less than zxing-cpp alone, the scene conditions are what they claim,
and pictures without a QR code give nothing, in the camera and the still-image modes.

"zxing alone" here is ``zxingcpp.read_barcodes(image)`` with every default, as a user calls it;
the property is checked photo by photo on a fixed sample of generated photos.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable

import numpy as np
import pytest
import zxingcpp

from config.settings import QrDecoder
from drivers.qr.decode import FrameDecoder
from simulators.people import invent_person
from simulators.qr_scenes import (
    Carrier,
    Condition,
    Negative,
    Scene,
    Severity,
    negative,
    photo,
    photo_set,
    scene_for,
)


def zxing_alone(image: np.ndarray) -> list[bytes]:
    return [b.bytes for b in zxingcpp.read_barcodes(image) if b.valid]


def test_the_pipeline_reads_every_photo_zxing_alone_reads() -> None:
    camera = FrameDecoder(QrDecoder.PIPELINE)
    still = FrameDecoder(QrDecoder.PIPELINE, thorough=True)
    read_by_zxing = lost = 0
    for sample in photo_set(2, seed=31):
        if sample.payload not in zxing_alone(sample.image):
            continue
        read_by_zxing += 1
        for decoder in (camera, still):
            if sample.payload not in [d.payload for d in decoder.decode(sample.image).found]:
                lost += 1
    assert read_by_zxing >= 50  # the sample is not trivially empty
    assert lost == 0


# How hard each condition's scene is, as one number that must grow from EASY to HARD.
DIFFICULTY: dict[Condition, Callable[[Scene], float]] = {
    Condition.PERSPECTIVE: lambda s: abs(s.tilt_x_deg),
    Condition.BLUR: lambda s: s.defocus_sigma,
    Condition.NOISE: lambda s: s.noise_sigma,
    Condition.LOW_CONTRAST: lambda s: -(s.contrast[1] - s.contrast[0]),
    Condition.GLARE: lambda s: s.glare,
    Condition.MOIRE: lambda s: s.moire,
    Condition.SMALL: lambda s: -s.qr_side_px,
    Condition.LARGE: lambda s: s.defocus_sigma,
    Condition.CARD: lambda s: -s.qr_side_px,
    Condition.INVERTED: lambda s: s.defocus_sigma,
    Condition.SCREEN_GLASS: lambda s: s.reflection,
}


@pytest.mark.parametrize("condition", list(DIFFICULTY))
def test_each_condition_grows_harder_from_easy_to_hard(condition: Condition) -> None:
    rng = np.random.default_rng(4)
    ranges = []
    for severity in Severity:
        values = [DIFFICULTY[condition](scene_for(condition, severity, rng, i)) for i in range(40)]
        ranges.append((min(values), max(values)))
    for (_, easier_max), (harder_min, _) in itertools.pairwise(ranges):
        assert easier_max <= harder_min, (condition, ranges)


def test_an_inverted_photo_is_light_on_dark() -> None:
    rng = np.random.default_rng(8)
    payload = invent_person(rng).payload()
    image = photo(payload, scene_for(Condition.INVERTED, Severity.EASY, rng), rng)
    gray = np.asarray(image.mean(axis=2), dtype=np.uint8)

    def plain(picture: np.ndarray) -> list[bytes]:
        found = zxingcpp.read_barcodes(picture, try_invert=False)
        return [b.bytes for b in found if b.valid]

    assert plain(gray) == []  # read as dark on light, it is not a code
    assert plain(255 - gray) == [payload]


def test_a_screen_behind_glass_carries_a_reflection_over_the_phone_only() -> None:
    payload = b"reflection check"
    scene = Scene(Carrier.PHONE, 260.0, 4.0, 3.0, -3.0, (0.0, 0.0), noise_sigma=0.0)
    reflected = dataclasses.replace(scene, reflection=0.6)
    plain = photo(payload, scene, np.random.default_rng(5)).astype(np.float32)
    glass = photo(payload, reflected, np.random.default_rng(5)).astype(np.float32)
    lift = (glass - plain).mean(axis=2)
    assert lift.max() > 60  # the window's reflection is bright
    assert np.percentile(lift, 99) > 20
    # Outside the phone nothing changes: the frame's corners are the room behind.
    assert abs(float(lift[:40, :40].mean())) < 2 and abs(float(lift[-40:, -40:].mean())) < 2
    # Dark modules are lifted: the code loses contrast where the reflection lies.
    assert float(glass.min()) >= float(plain.min())


def test_the_severity_ladder_starts_easy() -> None:
    """EASY photos of every condition are read by zxing alone almost always: the ladder does not
    start at photos designed to defeat it."""
    samples = list(photo_set(2, seed=13, severities=(Severity.EASY,)))
    read = sum(s.payload in zxing_alone(s.image) for s in samples)
    assert read >= len(samples) - 2


@pytest.mark.parametrize("thorough", [False, True], ids=["camera", "still"])
def test_no_payload_from_any_kind_of_picture_without_a_code(thorough: bool) -> None:
    decoder = FrameDecoder(QrDecoder.PIPELINE, thorough=thorough)
    rng = np.random.default_rng(77)
    found = [
        (kind, decoder.decode(negative(kind, rng)).found) for kind in Negative for _ in range(2)
    ]
    assert all(not payloads for _, payloads in found), found
