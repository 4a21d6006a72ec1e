"""A text reader without an engine, for the tests and the demo: ``FakeReader``.

It returns the lines it was given (or those a callable derives from the image), and injects the
faults a real engine has: the language data missing, the engine failing, and slowness. Slowness
is simulated on the injected clock (``FakeClock.advance``), never by sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from drivers.ocr.base import Gray, Layout, OcrError, OcrProblem, ReadResult, Word
from dvc_common.clock import FakeClock

__all__ = ["FakeReader"]

LINE_HEIGHT_PX = 40  # where the fake "finds" each line, top to bottom


class FakeReader:
    """Reads ``lines`` (each at confidence ``confidence``) on every image, or what ``answer``
    returns for the image. ``fail`` makes every read raise ``OcrError`` with that problem."""

    def __init__(
        self,
        lines: Sequence[str] = (),
        *,
        answer: Callable[[Gray], Sequence[str]] | None = None,
        confidence: float = 90.0,
        fail: OcrProblem | None = None,
        clock: FakeClock | None = None,
        delay_s: float = 0.0,
    ) -> None:
        self.lines = tuple(lines)
        self.answer = answer
        self.confidence = confidence
        self.fail = fail
        self.clock = clock
        self.delay_s = delay_s
        self.reads = 0
        self._lock = threading.Lock()

    def read(self, image: Gray, dpi: float, *, layout: Layout = Layout.AUTO) -> ReadResult:
        with self._lock:
            self.reads += 1
        if self.clock is not None and self.delay_s:
            self.clock.advance(self.delay_s)
        if self.fail is not None:
            raise OcrError(self.fail, f"fake reader set to fail with {self.fail.value}")
        lines = self.lines if self.answer is None else tuple(self.answer(image))
        height, width = image.shape[:2]
        words = []
        for index, line in enumerate(lines):
            left = 0
            for text in line.split():
                w = 20 * len(text)
                words.append(
                    Word(text, self.confidence, left, index * LINE_HEIGHT_PX, w, 30, index)
                )
                left += w + 20
        return ReadResult(tuple(words), width, height, self.delay_s * 1000)
