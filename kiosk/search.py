"""Finding a procedure by typing a few words, the way citizens actually type them.

Citizens on the touchscreen keyboard often leave out the diacritics ("ket hon" for "kết hôn"),
put a tone on the wrong letter or type in capitals, and they stop typing as soon as the list is
short enough. So matching folds both sides to plain lower-case letters and matches each query
word as the start of a word: "dang ky ket h" already finds "Đăng ký kết hôn".

Plain Python, no Qt: the search screen's view-model calls these functions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from enum import IntEnum

from dvc_common.catalog import Catalog, Procedure

_WORD = re.compile(r"\w+")
# đ/Đ are letters of their own, not d with a combining mark, so NFD leaves them alone.
_D_STROKE = str.maketrans({"đ": "d", "Đ": "d"})


class MatchTier(IntEnum):
    """Where a query word was found; lower sorts first."""

    NAME = 0
    KEYWORDS_OR_FIELD = 1
    SUMMARY = 2


def fold(text: str) -> str:
    """``text`` without diacritics, in lower case, with single spaces: "Đăng  Ký" -> "dang ky"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_STROKE))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


def _words(texts: Iterable[str]) -> list[str]:
    # Punctuation separates words too: "giấy tờ, văn bản" and "01/01/2016" split cleanly.
    return [word for text in texts for word in _WORD.findall(fold(text))]


def _found(query_word: str, words: Sequence[str]) -> bool:
    return any(word.startswith(query_word) for word in words)


def _tier(procedure: Procedure, query_words: Sequence[str]) -> MatchTier | None:
    """The tier of the weakest query word, or None when some word is found nowhere."""
    tiers = (
        (MatchTier.NAME, _words([procedure.name])),
        (MatchTier.KEYWORDS_OR_FIELD, _words([procedure.field, *procedure.keywords])),
        (MatchTier.SUMMARY, _words([procedure.summary])),
    )
    worst = MatchTier.NAME
    for query_word in query_words:
        best = next((tier for tier, words in tiers if _found(query_word, words)), None)
        if best is None:
            return None
        worst = max(worst, best)
    return worst


def search_procedures(catalog: Catalog, query: str) -> list[Procedure]:
    """Procedures in which every word of ``query`` starts some word, best matches first.

    Each query word may match in any of name, field, keywords and summary. Procedures whose
    words are all in the name come first, then those that also need the keywords or the field,
    then those that need the summary; within a tier the catalog order is kept. An empty query
    returns the whole catalog.
    """
    query_words = _words([query])
    if not query_words:
        return list(catalog)
    ranked: list[tuple[MatchTier, Procedure]] = []
    for procedure in catalog:
        tier = _tier(procedure, query_words)
        if tier is not None:
            ranked.append((tier, procedure))
    # sorted() is stable, so equal tiers stay in catalog order.
    return [procedure for _, procedure in sorted(ranked, key=lambda pair: pair[0])]


def categories(catalog: Catalog) -> list[tuple[str, int]]:
    """Each distinct ``field`` (lĩnh vực) in catalog order, with how many procedures it has."""
    counts: dict[str, int] = {}
    for procedure in catalog:
        counts[procedure.field] = counts.get(procedure.field, 0) + 1
    return list(counts.items())
