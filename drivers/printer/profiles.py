"""Printer capabilities from python-escpos's profile database, and the guarded escpos import.

The dot width of the slip, the code pages a printer knows and whether it can cut all come from
``escpos.capabilities`` (the printer database python-escpos ships), never from our code. Unknown
widths fall back to 576 dots (80 mm paper at 203 dpi, the common kiosk printer).

Importing python-escpos has side effects: ``escpos.capabilities`` calls ``logging.basicConfig()``
at import, which would put a second, unmasked stderr handler on the root logger of a process that
has not configured logging yet. Every escpos import therefore goes through ``escpos_modules()``.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

DEFAULT_WIDTH_DOTS = 576
# Narrower than 58 mm paper (384 dots) is a line display or a label printer, not a slip printer.
MIN_WIDTH_DOTS = 384
VIETNAMESE_CODE_PAGE = "CP1258"  # TCVN-3 needs two tables and has no Python codec: not used


@dataclass(frozen=True)
class EscposModules:
    printer: ModuleType
    capabilities: ModuleType
    exceptions: ModuleType
    constants: ModuleType


@functools.cache
def escpos_modules() -> EscposModules:
    """python-escpos, imported once, without letting it configure the root logger."""
    root = logging.getLogger()
    guard: logging.Handler | None = None
    if not root.handlers:
        # basicConfig() does nothing when the root logger has a handler; remove ours afterwards.
        guard = logging.NullHandler()
        root.addHandler(guard)
    try:
        return EscposModules(
            printer=importlib.import_module("escpos.printer"),
            capabilities=importlib.import_module("escpos.capabilities"),
            exceptions=importlib.import_module("escpos.exceptions"),
            constants=importlib.import_module("escpos.constants"),
        )
    finally:
        if guard is not None:
            root.removeHandler(guard)


class UnknownProfileError(ValueError):
    """The printer profile is not in python-escpos's database, or cannot print a slip."""


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    width_dots: int
    width_known: bool  # False when the database has no pixel width and the fallback is used
    code_pages: Mapping[str, int]  # encoding name → number for ESC t
    columns: int  # characters per line in font A, for text mode
    full_cut: bool
    partial_cut: bool

    @property
    def vietnamese_code_page(self) -> int | None:
        """The ESC t number of CP1258 when the printer has it."""
        return self.code_pages.get(VIETNAMESE_CODE_PAGE)


def profile_names() -> list[str]:
    return sorted(escpos_modules().capabilities.CAPABILITIES["profiles"])


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@functools.cache
def load_profile(name: str) -> PrinterProfile:
    """The capabilities of printer profile ``name`` (e.g. ``TM-T20II``, ``TM-T88V``)."""
    profiles: dict[str, Any] = escpos_modules().capabilities.CAPABILITIES["profiles"]
    data = profiles.get(name)
    if data is None:
        close = difflib.get_close_matches(name, profiles, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownProfileError(f"unknown printer profile {name!r}{hint}")
    width = _int_or_none(data.get("media", {}).get("width", {}).get("pixels"))
    if width is not None and width < MIN_WIDTH_DOTS:
        raise UnknownProfileError(
            f"printer profile {name!r} is {width} dots wide; a slip needs at least "
            f"{MIN_WIDTH_DOTS} (58 mm paper)"
        )
    code_pages: dict[str, int] = {}
    for number, encoding in data.get("codePages", {}).items():
        # The database lists some pages twice; the first number is the one the printer documents.
        code_pages.setdefault(str(encoding), int(number))
    fonts = data.get("fonts", {})
    columns = _int_or_none(fonts.get("0", {}).get("columns")) or 42
    features = data.get("features", {})
    return PrinterProfile(
        name=name,
        width_dots=width or DEFAULT_WIDTH_DOTS,
        width_known=width is not None,
        code_pages=code_pages,
        columns=columns,
        full_cut=bool(features.get("paperFullCut")),
        partial_cut=bool(features.get("paperPartCut")),
    )
