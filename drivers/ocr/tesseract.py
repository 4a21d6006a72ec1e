"""The real text reader: libtesseract 5 through its C API with ctypes, ``TesseractReader``.

Calling the C API keeps the language model loaded between pages, where running the
``tesseract`` command would start a process and load the model again for every page (about
200 ms before any reading). The engine is loaded on first use, not at construction, so building
the kiosk costs nothing when no document is ever checked. One ``TessBaseAPI`` is not thread-safe:
a lock serialises reads, which is what one scanner worker needs.

Every failure surfaces as ``OcrError``: the library missing (``libtesseract5`` not installed),
the language data missing (``tesseract-ocr-vie``), or the engine refusing an image.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from drivers.ocr.base import Gray, Layout, OcrError, OcrProblem, ReadResult, Word

__all__ = ["TesseractReader"]

log = logging.getLogger(__name__)

LIBRARY = "libtesseract.so.5"
_RIL_TEXTLINE = 2  # tesseract's PageIteratorLevel
_RIL_WORD = 3
_SMALLEST_PX = 3  # tesseract refuses images narrower or lower than a few pixels

_c = ctypes
_P = _c.c_void_p


def _single_threaded() -> Callable[[], None]:
    """A function that keeps tesseract's OpenMP to one thread on the calling thread.

    libtesseract is built with OpenMP; on the kiosk's two cores, shared with the scan pipeline
    and the GUI, its worker threads spin against the other work and a read takes four to five
    times longer than on one thread (measured: 41 ms against 200 ms for a title line under
    load). ``OMP_THREAD_LIMIT`` works only if set before libgomp loads; ``omp_set_num_threads``
    works per calling thread, so it is called before each read.
    """
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        gomp = _c.CDLL("libgomp.so.1")
        set_threads = gomp.omp_set_num_threads
    except (OSError, AttributeError):
        return lambda: None
    set_threads.argtypes = [_c.c_int]
    set_threads.restype = None
    return lambda: set_threads(1)


def _load(name: str) -> ctypes.CDLL:
    try:
        lib = _c.CDLL(name)
    except OSError as exc:
        # Only the default name falls back to whatever version the system's linker knows.
        found = ctypes.util.find_library("tesseract") if name == LIBRARY else None
        if found is None:
            raise OcrError(OcrProblem.LIBRARY_MISSING, f"{name}: {exc}") from None
        try:
            lib = _c.CDLL(found)
        except OSError as exc2:
            raise OcrError(OcrProblem.LIBRARY_MISSING, f"{found}: {exc2}") from None
    signatures: dict[str, tuple[object, list[object]]] = {
        "TessVersion": (_c.c_char_p, []),
        "TessBaseAPICreate": (_P, []),
        "TessBaseAPIDelete": (None, [_P]),
        "TessBaseAPIEnd": (None, [_P]),
        "TessBaseAPIInit3": (_c.c_int, [_P, _c.c_char_p, _c.c_char_p]),
        "TessBaseAPISetVariable": (_c.c_int, [_P, _c.c_char_p, _c.c_char_p]),
        "TessBaseAPISetPageSegMode": (None, [_P, _c.c_int]),
        "TessBaseAPISetImage": (None, [_P, _P, _c.c_int, _c.c_int, _c.c_int, _c.c_int]),
        "TessBaseAPISetSourceResolution": (None, [_P, _c.c_int]),
        "TessBaseAPIRecognize": (_c.c_int, [_P, _P]),
        "TessBaseAPIClear": (None, [_P]),
        "TessBaseAPIGetIterator": (_P, [_P]),
        "TessResultIteratorDelete": (None, [_P]),
        "TessResultIteratorNext": (_c.c_int, [_P, _c.c_int]),
        "TessResultIteratorGetPageIterator": (_P, [_P]),
        "TessResultIteratorGetUTF8Text": (_P, [_P, _c.c_int]),
        "TessResultIteratorConfidence": (_c.c_float, [_P, _c.c_int]),
        "TessPageIteratorIsAtBeginningOf": (_c.c_int, [_P, _c.c_int]),
        "TessPageIteratorBoundingBox": (
            _c.c_int,
            [_P, _c.c_int, *[_c.POINTER(_c.c_int)] * 4],
        ),
        "TessDeleteText": (None, [_P]),
    }
    for symbol, (restype, argtypes) in signatures.items():
        try:
            function = getattr(lib, symbol)
        except AttributeError:
            raise OcrError(OcrProblem.LIBRARY_MISSING, f"{name} lacks {symbol}") from None
        function.restype = restype
        function.argtypes = argtypes
    return lib


class TesseractReader:
    """Reads text with tesseract in ``languages`` ("vie", or "vie+eng"), model kept loaded.

    ``tessdata`` is the directory of the ``*.traineddata`` files; None uses the engine's own
    default (``/usr/share/tesseract-ocr/5/tessdata`` on Debian, or ``TESSDATA_PREFIX``).
    """

    def __init__(
        self,
        languages: str = "vie",
        *,
        tessdata: Path | None = None,
        library: str = LIBRARY,
    ) -> None:
        self.languages = languages
        self._tessdata = tessdata
        self._library = library
        self._lock = threading.Lock()
        self._lib: ctypes.CDLL | None = None
        self._api: int | None = None
        self._one_thread: Callable[[], None] = lambda: None

    def _engine(self) -> tuple[ctypes.CDLL, int]:
        """The loaded engine, loading it on first use (under the lock)."""
        if self._lib is not None and self._api is not None:
            return self._lib, self._api
        self._one_thread = _single_threaded()
        lib = _load(self._library)
        api = lib.TessBaseAPICreate()
        if not api:
            raise OcrError(OcrProblem.ENGINE_ERROR, "TessBaseAPICreate returned nothing")
        datapath = None if self._tessdata is None else str(self._tessdata).encode()
        if lib.TessBaseAPIInit3(api, datapath, self.languages.encode()) != 0:
            lib.TessBaseAPIDelete(api)
            where = "the default tessdata" if self._tessdata is None else str(self._tessdata)
            raise OcrError(
                OcrProblem.LANGUAGE_MISSING,
                f"no usable '{self.languages}' language data in {where}",
            )
        # The scanned page's own resolution is set per image; keep the engine's messages about
        # guessing it out of the journal.
        lib.TessBaseAPISetVariable(api, b"debug_file", b"/dev/null")
        version = lib.TessVersion()
        log.info("tesseract %s loaded (%s)", version.decode() if version else "?", self.languages)
        self._lib, self._api = lib, api
        return lib, api

    def read(self, image: Gray, dpi: float, *, layout: Layout = Layout.AUTO) -> ReadResult:
        start = time.perf_counter()
        if image.ndim != 2:
            raise ValueError("the reader takes a grey (2-D) image")
        height, width = image.shape
        if width < _SMALLEST_PX or height < _SMALLEST_PX:
            return ReadResult((), width, height, (time.perf_counter() - start) * 1000)
        pixels = np.ascontiguousarray(image, dtype=np.uint8)
        with self._lock:
            lib, api = self._engine()
            self._one_thread()
            lib.TessBaseAPISetPageSegMode(api, int(layout))
            lib.TessBaseAPISetImage(api, pixels.ctypes.data, width, height, 1, width)
            lib.TessBaseAPISetSourceResolution(api, round(dpi))
            try:
                if lib.TessBaseAPIRecognize(api, None) != 0:
                    raise OcrError(OcrProblem.ENGINE_ERROR, "recognition failed on this image")
                words = self._words(lib, api)
            finally:
                lib.TessBaseAPIClear(api)
        return ReadResult(words, width, height, (time.perf_counter() - start) * 1000)

    @staticmethod
    def _words(lib: ctypes.CDLL, api: int) -> tuple[Word, ...]:
        iterator = lib.TessBaseAPIGetIterator(api)
        if not iterator:
            return ()
        words: list[Word] = []
        line = -1
        box = [_c.c_int() for _ in range(4)]
        try:
            page = lib.TessResultIteratorGetPageIterator(iterator)
            while True:
                if lib.TessPageIteratorIsAtBeginningOf(page, _RIL_TEXTLINE):
                    line += 1
                raw = lib.TessResultIteratorGetUTF8Text(iterator, _RIL_WORD)
                if raw:
                    try:
                        text = _c.string_at(raw).decode("utf-8", "replace").strip()
                    finally:
                        lib.TessDeleteText(raw)
                    found = lib.TessPageIteratorBoundingBox(
                        page, _RIL_WORD, *[_c.byref(v) for v in box]
                    )
                    if text and found:
                        left, top, right, bottom = (v.value for v in box)
                        confidence = float(lib.TessResultIteratorConfidence(iterator, _RIL_WORD))
                        words.append(
                            Word(text, confidence, left, top, right - left, bottom - top,
                                 max(line, 0))
                        )  # fmt: skip
                if not lib.TessResultIteratorNext(iterator, _RIL_WORD):
                    break
        finally:
            lib.TessResultIteratorDelete(iterator)
        return tuple(words)

    def close(self) -> None:
        """Free the engine; a later read loads it again."""
        with self._lock:
            if self._lib is not None and self._api is not None:
                self._lib.TessBaseAPIEnd(self._api)
                self._lib.TessBaseAPIDelete(self._api)
            self._lib, self._api = None, None
