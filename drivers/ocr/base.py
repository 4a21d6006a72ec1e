"""The text reader's port and result types: words with their confidence and box, in lines.

A reader takes a grey page image and its resolution and returns what it read. It raises
``OcrError`` (never a vendor exception) when it cannot read at all: the engine's library or its
language data is missing, or the engine failed on this image.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Protocol

import numpy as np
import numpy.typing as npt

Gray = npt.NDArray[np.uint8]

__all__ = ["Gray", "Layout", "OcrError", "OcrProblem", "ReadResult", "TextReader", "Word"]


class Layout(IntEnum):
    """How the text on the image is laid out; the values are tesseract's page segmentation modes,
    which the other readers ignore."""

    AUTO = 3  # columns, blocks and lines found by the engine
    SINGLE_BLOCK = 6  # one block of lines (a title area)
    SINGLE_LINE = 7  # one line of text (a title cut out of the page)
    SPARSE = 11  # scattered words in no particular order


class OcrProblem(StrEnum):
    """Why a reader could not read, as a stable identifier for logs and tests."""

    LIBRARY_MISSING = "library_missing"  # the engine is not installed
    LANGUAGE_MISSING = "language_missing"  # the engine is there, the language data is not
    ENGINE_ERROR = "engine_error"  # the engine failed on this image


class OcrError(Exception):
    """The reader could not read; ``technical`` is for the technician's log."""

    def __init__(self, problem: OcrProblem, technical: str) -> None:
        self.problem = problem
        self.technical = technical
        super().__init__(f"ocr: {problem.value}: {technical}")


@dataclass(frozen=True, slots=True)
class Word:
    """One word read, with the engine's confidence (0-100) and its box in image pixels."""

    text: str
    confidence: float
    left: int
    top: int
    width: int
    height: int
    line: int  # index of its text line in reading order


@dataclass(frozen=True, slots=True)
class ReadResult:
    """Every word read on one image, in reading order."""

    words: tuple[Word, ...]
    width: int
    height: int
    ms: float = 0.0

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def lines(self) -> tuple[str, ...]:
        """The words joined by line, in reading order."""
        lines: dict[int, list[str]] = {}
        for word in self.words:
            lines.setdefault(word.line, []).append(word.text)
        return tuple(" ".join(words) for _, words in sorted(lines.items()))

    def line_words(self) -> tuple[tuple[Word, ...], ...]:
        """The words grouped by line, in reading order."""
        lines: dict[int, list[Word]] = {}
        for word in self.words:
            lines.setdefault(word.line, []).append(word)
        return tuple(tuple(words) for _, words in sorted(lines.items()))


class TextReader(Protocol):
    """Reads printed text on a grey image scanned at ``dpi``. Safe to call from any thread."""

    def read(self, image: Gray, dpi: float, *, layout: Layout = Layout.AUTO) -> ReadResult: ...
