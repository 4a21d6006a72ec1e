"""Is the scanned paper the document asked for? ``TitleChecker`` reads the title and decides.

Vietnamese administrative papers carry their kind as a bold upper-case title in the top part of
the first page, under the national motto ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do -
Hạnh phúc", which heads nearly every form and so identifies nothing). The checker reads that area
of the first kept page with the text reader, and scores what it read against every title it
knows: the expected document's (``RequiredDocument.titles``), those of every other document the
catalog asks for, and those of common papers a citizen may feed by mistake (``KNOWN_PAPERS``).
The best-scoring title decides: the expected document's gives ``MATCH``, another's
``OTHER_DOCUMENT`` with its Vietnamese name.

When no title is read in the top area, the bottom area turned over is read (a page fed upside
down that the scan pipeline could not turn has its title there): a title there gives
``UPSIDE_DOWN``. Otherwise the page is ``CUT_OFF`` (the pipeline saw the paper run off the scan,
or the text touches the top edge), ``BLANK`` (nothing legible) or ``UNREADABLE`` (text, but no
title). A second kept page is tried when the first says nothing and time remains.

Matching is on diacritic-free, case-folded letters with the usual OCR confusions merged (l/1/I/|,
O/0), words joined so that a split or merged word costs little; the diacritics break ties
("GIẤY CHỨNG TỬ" and "GIẤY CHỨNG SINH" differ anyway, but "BẢN ÁN" and "BẢN AN" do not). Titles
printed in capitals are preferred to mentions of the same words in the body's running text.

The list of common papers lives here, not in the catalog: it names papers no procedure asks for
(a household book, a receipt), is a fact of Vietnamese administrative practice rather than of
one province's procedures, and the gateway has nothing to validate about it.

The reader may be unable to read at all (engine or language data missing): the check then says
``NOT_CHECKED``, which warns nobody, and logs the problem once for the technician rather than
warning every citizen about a fault of the kiosk.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from drivers.ocr.base import Gray, Layout, OcrError, TextReader, Word
from drivers.scanner.pipeline import MM_PER_INCH, PageFlag, ProcessedPage, render_page
from dvc_common.catalog import Catalog, DocumentHandling, RequiredDocument
from dvc_common.clock import Clock, SystemClock
from kiosk import search
from kiosk.document_check import DocumentCheck, DocumentVerdict

__all__ = [
    "KNOWN_PAPERS",
    "KnownPaper",
    "TitleChecker",
    "fold",
    "title_score",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KnownPaper:
    """A paper a citizen may feed by mistake: its Vietnamese name and the titles printed on it."""

    name: str
    titles: tuple[str, ...]


# Common papers a citizen carries in the same folder as the one asked for. Some are also asked
# for by a procedure of the catalog: then the catalog's own entry counts too, which is harmless.
KNOWN_PAPERS: tuple[KnownPaper, ...] = (
    KnownPaper("Sổ hộ khẩu", ("SỔ HỘ KHẨU",)),
    KnownPaper("Sổ tạm trú", ("SỔ TẠM TRÚ",)),
    KnownPaper(
        "Giấy xác nhận thông tin về cư trú",
        ("GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ", "XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ"),
    ),
    KnownPaper(
        "Giấy khai sinh", ("GIẤY KHAI SINH", "TRÍCH LỤC KHAI SINH", "BẢN SAO GIẤY KHAI SINH")
    ),
    KnownPaper("Giấy chứng nhận kết hôn", ("GIẤY CHỨNG NHẬN KẾT HÔN", "TRÍCH LỤC KẾT HÔN")),
    KnownPaper("Giấy chứng tử", ("GIẤY CHỨNG TỬ", "TRÍCH LỤC KHAI TỬ")),
    KnownPaper(
        "Thẻ căn cước", ("CĂN CƯỚC CÔNG DÂN", "CĂN CƯỚC", "IDENTITY CARD", "CHỨNG MINH NHÂN DÂN")
    ),
    KnownPaper("Biên lai", ("BIÊN LAI THU TIỀN", "BIÊN LAI")),
    KnownPaper("Hóa đơn", ("HÓA ĐƠN GIÁ TRỊ GIA TĂNG", "HÓA ĐƠN BÁN HÀNG", "HÓA ĐƠN")),
    KnownPaper("Giấy chứng nhận quyền sử dụng đất", ("GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT",)),
    KnownPaper("Bằng tốt nghiệp", ("BẰNG TỐT NGHIỆP",)),
    KnownPaper("Giấy ra viện", ("GIẤY RA VIỆN",)),
    KnownPaper("Sổ bảo hiểm xã hội", ("SỔ BẢO HIỂM XÃ HỘI",)),
    KnownPaper("Thẻ bảo hiểm y tế", ("BẢO HIỂM Y TẾ",)),
    KnownPaper("Đơn", ("ĐƠN ĐỀ NGHỊ", "ĐƠN XIN")),
    KnownPaper("Tờ khai", ("TỜ KHAI",)),
)

# Lines that head almost every paper and identify none.
_MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")

# OCR confuses these; both sides of a comparison are folded the same way.
_CONFUSIONS = str.maketrans({"0": "o", "1": "i", "l": "i", "|": "i", "!": "i", "j": "i"})

MATCH_SCORE = 0.82  # a title read with about one wrong letter in six still counts
PROSE_MATCH_SCORE = 0.9  # a title found only in mixed-case text must be read almost exactly
CAPITALS_FRACTION = 0.7  # letters in capitals above which a line is printed like a title
TITLE_AREA = 0.42  # top fraction of the page where the title is printed
EDGE_MM = 1.5  # text closer than this to the top edge: the page was cut there
MIN_CONFIDENCE = 40.0  # words read with less confidence are noise
MIN_LEGIBLE_WORDS = 3  # fewer confident words than this in the title area: nothing printed
SECOND_PAGE_BUDGET_MS = 450.0  # try the next page only if less than this was spent
READ_BUDGET_MS = 750.0  # no further line is read once the check has taken this long
UPRIGHT_CONFIDENCE = 60.0  # text read with this mean confidence is the right way up
SHORT_TITLE_LETTERS = 7  # titles of fewer letters than this ...
SHORT_TITLE_SCORE = 0.95  # ... must be read exactly
MIN_LENGTH_RATIO = 0.85  # a run of words shorter than this share of a title is not that title
MAX_LINES_READ = 4  # text lines read per area, most title-like first
SURE_SCORE = 0.9  # a title read this well in capitals ends the search
INK_LEVEL = 128  # darker than this in the rendered page: ink
MIN_LINE_MM = 1.5  # a band of ink lower than this is a rule or dust, not text
MAX_LINE_MM = 12.0  # higher than this: a photo or a drawing, not a line of text
MARK_GAP_MM = 0.9  # a diacritic sits at most this far above its letters
PAD_MM = 1.5  # white margin left around a line cut out for the reader


def fold(text: str) -> str:
    """``text`` as the matcher compares it: lower case, no diacritics, OCR confusions merged,
    letters and digits only, words separated by one space."""
    letters = re.sub(r"[^0-9a-z]+", " ", search.fold(text).translate(_CONFUSIONS))
    return " ".join(letters.split())


def _accents(text: str) -> str:
    """``text`` in lower case with its diacritics (NFC), letters only: the tie-breaker."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text.casefold()) if ch.isalnum())


def title_score(title: str, text: str) -> float:
    """How well ``title`` is found in ``text`` (0-1): the best similarity of the title's folded
    letters with a run of about as many words of the text (one word more or fewer, so that a
    word split or merged by the reader costs little)."""
    folded = fold(title)
    if not folded or not fold(text):
        return 0.0
    return _best_ratio(folded.replace(" ", ""), _windows(text, len(folded.split())), 0.0)


def _windows(text: str, size_hint: int) -> list[str]:
    words = fold(text).split()
    return [
        "".join(words[start : start + size])
        for size in range(max(1, size_hint - 1), size_hint + 2)
        for start in range(max(1, len(words) - size + 1))
    ]


def _best_ratio(wanted: str, windows: Sequence[str], floor: float) -> float:
    """The best similarity of ``wanted`` with one of ``windows``; 0 when none reaches
    ``floor`` (the cheap upper bounds skip most windows)."""
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(wanted)  # the matcher indexes its second sequence once
    best = 0.0
    shortest = MIN_LENGTH_RATIO * len(wanted)
    for window in windows:
        if len(window) < shortest:
            # The first words of a title are not the title: "GIẤY CHỨNG" read off a blurred
            # "GIẤY CHỨNG SINH" must not pass for "GIẤY CHỨNG TỬ".
            continue
        matcher.set_seq1(window)
        if matcher.real_quick_ratio() < max(floor, best) or matcher.quick_ratio() < max(
            floor, best
        ):
            continue
        best = max(best, matcher.ratio())
    return best if best >= floor else 0.0


@dataclass(frozen=True, slots=True)
class _Band:
    """A horizontal band of ink in a page area: one line of text (or a few side by side)."""

    top: int
    bottom: int
    left: int
    right: int
    stroke: float  # mean horizontal run of ink, in pixels: bold type has thicker strokes

    @property
    def height(self) -> int:
        return self.bottom - self.top


def _bands(area: Gray, dpi: float) -> list[_Band]:
    """The lines of text in ``area`` (a deskewed page part), top to bottom: rows with ink,
    diacritic rows joined to their letters, rules, dust and pictures left out."""
    ink = area < INK_LEVEL
    rows = ink.sum(axis=1)
    on = rows >= 2
    edges = np.flatnonzero(np.diff(np.concatenate(([0], on.astype(np.int8), [0]))))
    runs = [[int(a), int(b)] for a, b in zip(edges[::2], edges[1::2], strict=True)]
    px = dpi / MM_PER_INCH
    joined: list[list[int]] = []
    for run in runs:
        if joined:
            last = joined[-1]
            gap = run[0] - last[1]
            small = min(last[1] - last[0], run[1] - run[0])
            large = max(last[1] - last[0], run[1] - run[0])
            # A row of diacritics (or a dot of a descender) belongs to the line it touches.
            if gap <= MARK_GAP_MM * px and small < 0.45 * large:
                last[1] = run[1]
                continue
        joined.append(run)
    bands = []
    for top, bottom in joined:
        if not MIN_LINE_MM * px <= bottom - top <= MAX_LINE_MM * px:
            continue
        part = ink[top:bottom]
        cols = np.flatnonzero(part.any(axis=0))
        starts = int(np.count_nonzero(part[:, 1:] & ~part[:, :-1])) + int(
            np.count_nonzero(part[:, 0])
        )
        stroke = float(np.count_nonzero(part)) / max(1, starts)
        bands.append(_Band(top, bottom, int(cols[0]), int(cols[-1]) + 1, stroke))
    return bands


def _title_like(bands: Sequence[_Band]) -> list[int]:
    """The indices of ``bands``, most title-like first: titles are printed in the largest bold
    type of the top of the page (strokes thicker than the running text's, lines higher)."""
    if not bands:
        return []
    usual = float(np.median([b.stroke for b in bands]))
    return sorted(
        range(len(bands)),
        key=lambda i: bands[i].height * min(2.0, bands[i].stroke / usual),
        reverse=True,
    )


@dataclass(frozen=True, slots=True)
class _Title:
    text: str
    folded: str
    owner: str  # the document code, or the known paper's name
    name: str  # what the citizen is told it looks like

    @property
    def wanted(self) -> str:
        return self.folded.replace(" ", "")

    @property
    def size(self) -> int:
        return len(self.folded.split())


@dataclass(frozen=True, slots=True)
class _Found:
    title: _Title
    score: float
    accents: float
    line: tuple[Word, ...]


@dataclass(frozen=True, slots=True)
class _Reading:
    """What one read of one area found."""

    found: tuple[_Found, ...]  # titles above their threshold, best first
    legible: int  # confident words read
    touches_top: bool  # the first line of text starts at the area's top edge
    lines: int  # lines of text seen (read or not)
    confidence: float  # mean confidence of the words read

    @property
    def upright(self) -> bool:
        """Whether the text read looks the right way up (a turned page reads as low-confidence
        garbage)."""
        return self.legible >= MIN_LEGIBLE_WORDS and self.confidence >= UPRIGHT_CONFIDENCE


def _sentence_case(title: str) -> str:
    lower = title.lower()
    return lower[:1].upper() + lower[1:]


def _is_motto(text: str) -> bool:
    """Whether ``text`` holds a line of the national motto (alone or beside an issuing body)."""
    return any(title_score(line, text) >= MATCH_SCORE for line in _MOTTO)


def _capitals(words: Iterable[Word]) -> float:
    letters = [ch for w in words for ch in w.text if ch.isalpha()]
    return sum(ch.isupper() for ch in letters) / len(letters) if letters else 0.0


class TitleChecker:
    """The document check of ``kiosk.document_check``, by the title printed on the paper.

    ``reader`` reads text (``drivers.ocr.tesseract.TesseractReader`` on the kiosk); ``catalog``
    says which documents exist and which titles identify each. Thread-safe: it keeps no state
    between checks but the titles, built once, and the once-only log flag.
    """

    def __init__(
        self,
        reader: TextReader,
        catalog: Catalog,
        *,
        clock: Clock | None = None,
        known_papers: Sequence[KnownPaper] = KNOWN_PAPERS,
        title_area: float = TITLE_AREA,
    ) -> None:
        self.reader = reader
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.title_area = title_area
        titles: dict[tuple[str, str], _Title] = {}
        for procedure in catalog:
            for document in procedure.documents:
                if document.handling is DocumentHandling.SCAN:
                    for title in document.titles:
                        titles[fold(title), document.code] = _Title(
                            title, fold(title), document.code, _sentence_case(title)
                        )
        for paper in known_papers:
            for title in paper.titles:
                titles[fold(title), paper.name] = _Title(title, fold(title), paper.name, paper.name)
        self._titles = tuple(titles.values())
        self._lock = threading.Lock()
        self._reported: set[str] = set()

    # --- the check ------------------------------------------------------------------------------

    def check(self, pages: Sequence[ProcessedPage], document: RequiredDocument) -> DocumentCheck:
        start = self.clock.monotonic()

        def result(
            verdict: DocumentVerdict, page: int | None, looks_like: str | None = None
        ) -> DocumentCheck:
            ms = (self.clock.monotonic() - start) * 1000
            return DocumentCheck(verdict, document.code, looks_like, page, ms)

        kept = [page for page in pages if not page.dropped]
        if not kept:
            return result(DocumentVerdict.BLANK, 0 if pages else None)
        titles = self._titles_for(document)
        expected = {t.folded for t in titles if t.owner == document.code}
        first_words = None
        try:
            for number, page in enumerate(kept[:2]):
                if number and (self.clock.monotonic() - start) * 1000 > SECOND_PAGE_BUDGET_MS:
                    break
                image = render_page(page)
                top = self._top(image)
                reading = self._read(top, page.dpi, titles, start, first=not number)
                if reading.found and document.any_paper:
                    return result(self._cut_or(page, reading, DocumentVerdict.MATCH), page.index)
                if reading.found:
                    best = self._decide(reading.found, expected, document)
                    if best is None:
                        if PageFlag.CUT_OFF in page.flags:
                            return result(DocumentVerdict.CUT_OFF, page.index)
                        return result(DocumentVerdict.MATCH, page.index)
                    return result(DocumentVerdict.OTHER_DOCUMENT, page.index, best.title.name)
                if first_words is None:
                    first_words = (page, reading)
                if not reading.upright:
                    turned = self._read(self._bottom_turned(image), page.dpi, titles, start)
                    if turned.found:
                        return result(DocumentVerdict.UPSIDE_DOWN, page.index)
                if document.any_paper and reading.legible:
                    # Any paper will do and this one has text the right way up.
                    return result(self._cut_or(page, reading, DocumentVerdict.MATCH), page.index)
        except OcrError as exc:
            self._report(exc)
            return result(DocumentVerdict.NOT_CHECKED, None)
        assert first_words is not None  # at least one page was read
        page, reading = first_words
        if not reading.lines or reading.legible < MIN_LEGIBLE_WORDS:
            return result(self._cut_or(page, reading, DocumentVerdict.BLANK), page.index)
        return result(self._cut_or(page, reading, DocumentVerdict.UNREADABLE), page.index)

    # --- parts ----------------------------------------------------------------------------------

    def _titles_for(self, document: RequiredDocument) -> tuple[_Title, ...]:
        """Every known title, with the expected document's own (whatever the catalog given at
        construction said) counted as the expected one."""
        own = tuple(_Title(t, fold(t), document.code, _sentence_case(t)) for t in document.titles)
        folded = {t.folded for t in own}
        return own + tuple(t for t in self._titles if t.folded not in folded)

    def _top(self, image: Gray) -> Gray:
        return image[: max(1, round(image.shape[0] * self.title_area)), :]

    def _bottom_turned(self, image: Gray) -> Gray:
        height = image.shape[0]
        return np.ascontiguousarray(
            image[height - round(height * self.title_area) :, :][::-1, ::-1]
        )

    def _read(
        self, area: Gray, dpi: float, titles: Sequence[_Title], start: float, *, first: bool = False
    ) -> _Reading:
        """Read the most title-like lines of ``area`` one by one (a line costs tens of
        milliseconds, a whole area most of a second) until a title is read for sure."""
        bands = _bands(area, dpi)
        if not bands:
            return _Reading((), 0, False, 0, 0.0)
        touches_top = bands[0].top <= EDGE_MM / MM_PER_INCH * dpi
        pad = round(PAD_MM / MM_PER_INCH * dpi)
        ranked = _title_like(bands)
        read_lines: dict[int, tuple[Word, ...]] = {}
        found: dict[str, _Found] = {}
        legible = 0
        confidences: list[float] = []
        for number, i in enumerate(ranked[:MAX_LINES_READ]):
            # The first line of the check is always read; after it, the budget decides.
            spent = (self.clock.monotonic() - start) * 1000
            if (number or not first) and spent > READ_BUDGET_MS:
                break
            band = bands[i]
            crop = area[
                max(0, band.top - pad) : band.bottom + pad,
                max(0, band.left - pad) : band.right + pad,
            ]
            read = self.reader.read(np.ascontiguousarray(crop), dpi, layout=Layout.SINGLE_BLOCK)
            words = tuple(
                w for w in read.words if w.confidence >= MIN_CONFIDENCE or len(read.words) > 1
            )
            legible += sum(1 for w in words if w.confidence >= MIN_CONFIDENCE)
            read_lines[i] = words
            confidences.extend(w.confidence for w in words)
            # A title printed over two lines is found in the two joined.
            candidates = [words]
            kept = set(words)
            # The reader may see several lines in one band (text set close): each counts alone.
            split = [tuple(w for w in line if w in kept) for line in read.line_words()]
            if len(split) > 1:
                candidates.extend(split)
            if i - 1 in read_lines:
                candidates.append(read_lines[i - 1] + words)
            if i + 1 in read_lines:
                candidates.append(words + read_lines[i + 1])
            self._score(candidates, titles, found)
            if any(f.score >= SURE_SCORE for f in found.values()):
                break
        ordered = sorted(
            found.values(),
            key=lambda f: (round(f.score, 2), len(f.title.folded), f.accents),
            reverse=True,
        )
        confidence = float(np.mean(confidences)) if confidences else 0.0
        return _Reading(tuple(ordered), legible, touches_top, len(bands), confidence)

    @staticmethod
    def _score(
        lines: Iterable[tuple[Word, ...]], titles: Sequence[_Title], found: dict[str, _Found]
    ) -> None:
        """Add to ``found`` the titles read in ``lines`` above their threshold."""
        for line in lines:
            if not line:
                continue
            text = " ".join(w.text for w in line)
            if _is_motto(text):
                continue
            capitals = _capitals(line) >= CAPITALS_FRACTION
            needed = MATCH_SCORE if capitals else PROSE_MATCH_SCORE
            words = fold(text).split()
            for title in titles:
                windows = [
                    "".join(words[start : start + size])
                    for size in range(max(1, title.size - 1), title.size + 2)
                    for start in range(max(1, len(words) - size + 1))
                ]
                # A short title is found by accident in a longer line ("BẢN ÁN" in "ỦY BAN
                # NHÂN DÂN"): it must be read exactly.
                floor = SHORT_TITLE_SCORE if len(title.wanted) < SHORT_TITLE_LETTERS else needed
                score = _best_ratio(title.wanted, windows, max(needed, floor))
                if not score:
                    continue
                # Prose mentions rank below a title in capitals of the same score.
                ranked = score if capitals else score - 0.1
                accents = SequenceMatcher(None, _accents(title.text), _accents(text)).ratio()
                key = f"{title.folded}|{title.owner}"
                if key not in found or found[key].score < ranked:
                    found[key] = _Found(title, ranked, accents, line)

    @staticmethod
    def _decide(
        found: Sequence[_Found], expected: set[str], document: RequiredDocument
    ) -> _Found | None:
        """None when the expected document wins; the other paper's title otherwise. The
        expected document wins a tie: the citizen is not warned on a doubt."""
        best = found[0]
        if best.title.owner == document.code or best.title.folded in expected:
            return None
        for other in found[1:]:
            same_rank = round(other.score, 2) == round(best.score, 2) and len(
                other.title.folded
            ) == len(best.title.folded)
            if not same_rank:
                break
            if other.title.owner == document.code or other.title.folded in expected:
                return None
        return best

    @staticmethod
    def _cut_or(
        page: ProcessedPage, reading: _Reading, otherwise: DocumentVerdict
    ) -> DocumentVerdict:
        if PageFlag.CUT_OFF in page.flags or reading.touches_top:
            return DocumentVerdict.CUT_OFF
        return otherwise

    def _report(self, exc: OcrError) -> None:
        with self._lock:
            first = exc.problem.value not in self._reported
            self._reported.add(exc.problem.value)
        # Once per problem at warning level: every document of every citizen would repeat it.
        log.log(
            logging.WARNING if first else logging.DEBUG,
            "document check not done: %s",
            exc.technical,
        )
