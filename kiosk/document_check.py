"""Is the paper just scanned the document the procedure asks for? The check's types.

After the pages of one required document are scanned, the kiosk reads the title area of its
pages and compares what it reads with the titles and keywords the catalog declares for that
document (``RequiredDocument.titles``). A page that looks like another document, is blank,
upside down, cut off or unreadable gives a ``DocumentCheck`` whose verdict is not ``MATCH``: the
citizen is told plainly which document was expected and may scan again or go on. The decision
stays with the civil servant, so going on is always allowed and the dossier records the warning.

The core reports the verdict as an enum; the screens word it. This module holds only the types
both sides share: the verdict, the result and the ``DocumentChecker`` port the scan service
calls on the scanner's worker thread (never the GUI thread: reading a page takes up to a
second).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from drivers.scanner.pipeline import ProcessedPage
from dvc_common.catalog import RequiredDocument

__all__ = ["DocumentCheck", "DocumentChecker", "DocumentVerdict"]


class DocumentVerdict(StrEnum):
    """What the check made of a scanned document's pages."""

    MATCH = "match"  # the title of the expected document was read
    OTHER_DOCUMENT = "other_document"  # the title of another known paper was read
    BLANK = "blank"  # nothing printed where a title should be
    UPSIDE_DOWN = "upside_down"  # the title reads only with the page turned over
    CUT_OFF = "cut_off"  # part of the page is missing from the scan
    UNREADABLE = "unreadable"  # text is there, but no title could be read
    # The pages could not be read at all (the OCR engine or its language data is missing): the
    # kiosk cannot tell, so it says nothing to the citizen; the technician sees it in the log.
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True, slots=True)
class DocumentCheck:
    """The check of one required document's pages, as the dossier records it."""

    verdict: DocumentVerdict
    expected: str  # the code of the document asked for (``RequiredDocument.code``)
    looks_like: str | None = None  # for OTHER_DOCUMENT: the Vietnamese name of what was read
    page_index: int | None = None  # the page the verdict is about (0-based), if one
    ms: float = 0.0

    @property
    def warned(self) -> bool:
        """Whether the citizen is told (and the dossier records) that something looks wrong."""
        return self.verdict not in {DocumentVerdict.MATCH, DocumentVerdict.NOT_CHECKED}


class DocumentChecker(Protocol):
    """Reads the scanned pages of one document and judges them against the catalog."""

    def check(
        self, pages: Sequence[ProcessedPage], document: RequiredDocument
    ) -> DocumentCheck: ...
