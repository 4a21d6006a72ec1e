"""A camera's exposure and focus set by a technician: applied by the capture thread before its
next read (the only thread that touches the VideoCapture), again after the camera reopens, and
never to a recording."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from drivers.qr.base import CameraTuning
from drivers.qr.camera import OpenCvFrameSource


class StubCapture:
    """What ``cv2.VideoCapture`` is asked: the properties set, in order."""

    def __init__(self) -> None:
        self.set_calls: list[tuple[int, float]] = []

    def set(self, prop: int, value: float) -> bool:
        self.set_calls.append((prop, value))
        return True

    def read(self) -> tuple[bool, Any]:
        return True, np.zeros((4, 4, 3), dtype=np.uint8)

    def release(self) -> None:
        """Nothing to let go."""


def opened(source: OpenCvFrameSource) -> StubCapture:
    stub = StubCapture()
    source._capture = stub  # as open() would leave it
    return stub


def test_manual_exposure_and_focus_reach_the_camera_before_the_next_read() -> None:
    source = OpenCvFrameSource(0, tuning=CameraTuning(exposure=450, focus=None))
    stub = opened(source)
    source.read()
    assert stub.set_calls == [
        (cv2.CAP_PROP_AUTO_EXPOSURE, 1),
        (cv2.CAP_PROP_EXPOSURE, 450),
        (cv2.CAP_PROP_AUTOFOCUS, 1),
    ]
    stub.set_calls.clear()
    source.read()
    assert stub.set_calls == []  # applied once, not on every frame
    source.tune(CameraTuning(exposure=None, focus=30))
    assert source.tuning == CameraTuning(None, 30)
    source.read()
    assert stub.set_calls == [
        (cv2.CAP_PROP_AUTO_EXPOSURE, 3),
        (cv2.CAP_PROP_AUTOFOCUS, 0),
        (cv2.CAP_PROP_FOCUS, 30),
    ]


def test_a_recording_has_no_exposure_to_set() -> None:
    source = OpenCvFrameSource("/nonexistent/scene.mp4", tuning=CameraTuning(exposure=450))
    stub = opened(source)
    source._interval_s = 0.0
    source.read()
    assert stub.set_calls == []
