"""The protocol between kiosk and gateway, the parts both ends hold in code: the processing
status a dossier has in the back office, the warning a document of the dossier may carry, and the
limits one dossier must keep.

The limits are defined once: the gateway's request models, tus server and body-size middleware
enforce them and ``GET /api/v1/limits`` publishes them (``to_document``); the kiosk parses the
published document (``from_document``), installs it beside the catalog, and checks every dossier
against it at intake, falling back to ``DEFAULT_LIMITS`` until it has one. A dossier the gateway
would refuse is refused while the citizen is still at the screen.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any, Final

LIMITS_VERSION: Final = 1
_MIB = 1024 * 1024
# One pattern for every machine name in a dossier: form keys and document codes alike.
_SLUG_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"


class ProcessingStatus(StrEnum):
    """Where a registered dossier stands in the back office (the status lookup's answer)."""

    RECEIVED = "received"
    PROCESSING = "processing"
    ADDITIONAL_DOCUMENTS_REQUIRED = "additional_documents_required"
    READY = "ready"
    RETURNED = "returned"
    REJECTED = "rejected"


class CheckVerdict(StrEnum):
    """Why the kiosk's document check warned about a scanned document the citizen kept anyway.

    A document entry of a dossier may carry ``check: {verdict, looks_like, page_index}`` (all but
    ``verdict`` optional); an entry without it was not warned about, or came from a kiosk without
    the check. Only warnings travel: the kiosk's own ``kiosk.document_check.DocumentVerdict`` is
    these plus ``match`` and ``not_checked``, which warn nobody and are never sent.
    """

    OTHER_DOCUMENT = "other_document"  # the title of another paper was read (``looks_like``)
    BLANK = "blank"
    UPSIDE_DOWN = "upside_down"
    CUT_OFF = "cut_off"
    UNREADABLE = "unreadable"


class DeviceKind(StrEnum):
    """The devices a heartbeat reports on: the keys of its ``devices`` object."""

    PRINTER = "printer"
    SCANNER = "scanner"
    QR_READER = "qr_reader"


class DeviceCondition(StrEnum):
    """What a heartbeat says of one device: the values of its ``devices`` object.

    The kiosk maps each driver's own states onto these (a printer's ``paper_near_end`` is
    ``PAPER_LOW``); the console translates them. A kiosk of an older version may send other text,
    which the gateway keeps and shows as it came.
    """

    OK = "ok"
    PAPER_LOW = "paper_low"  # still prints; change the roll soon
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    MISSING = "missing"  # not connected, or not found where the configuration says
    ERROR = "error"  # connected but failing (I/O errors, a jam, a reader restarting)
    UNKNOWN = "unknown"  # not known yet since the kiosk started


class LinkQuality(StrEnum):
    """How well a kiosk reaches the gateway, judged by the gateway from a heartbeat's ``link``
    object (``gateway.fleet.LinkReport``)."""

    GOOD = "good"
    WEAK = "weak"
    POOR = "poor"
    UNKNOWN = "unknown"  # the kiosk sent no link figures (an older version, or just started)


MAX_LOOKS_LIKE_CHARS: Final = 200
"""The name of the paper a warned document looks like (a catalog name, Vietnamese)."""


@dataclass(frozen=True)
class ProtocolLimits:
    """What one dossier may hold. Field order is the order of the published document.

    Patterns are anchored, so they mean the same under a full match and under a search.
    """

    max_file_bytes: int = 20 * _MIB
    """One uploaded file: a manifest entry's ``size`` and tus ``Upload-Length``/``Tus-Max-Size``."""
    max_files_per_document: int = 200
    max_documents: int = 30
    max_form_fields: int = 100
    max_form_value_chars: int = 500
    """Characters (Unicode code points), not bytes."""
    form_key_pattern: str = _SLUG_PATTERN
    document_code_pattern: str = _SLUG_PATTERN
    max_file_name_chars: int = 200
    max_dossier_bytes: int = 256 * _MIB
    """The sum of the manifest's file sizes; bounds what one dossier can put on the gateway's
    disk (the per-file and per-count limits alone would allow 6000 files of 20 MiB)."""
    max_body_bytes: int = 256 * 1024
    """Every request body except tus PATCH (and the bytes sent with a tus creation)."""

    def __post_init__(self) -> None:
        for name in ("form_key_pattern", "document_code_pattern"):
            pattern: str = getattr(self, name)
            if not (pattern.startswith("^") and pattern.endswith("$")):
                raise ValueError(f"{name} must be anchored with ^ and $")
            re.compile(pattern)

    @classmethod
    def from_document(cls, data: Any) -> ProtocolLimits:
        """Parse the gateway's document; ValueError names what is wrong with it.

        Unknown keys are ignored (a newer gateway may publish more); a known key with a value of
        the wrong type, a non-positive bound or a pattern that does not compile is refused, so a
        garbled document can never loosen or break the kiosk's checks.
        """
        if not isinstance(data, dict):
            raise ValueError("limits document is not a JSON object")
        if data.get("version") != LIMITS_VERSION:
            raise ValueError(f"limits document version {data.get('version')!r} is not supported")
        values: dict[str, Any] = {}
        for spec in fields(cls):
            if spec.name not in data:
                continue
            value = data[spec.name]
            if spec.name.endswith("_pattern"):
                if not isinstance(value, str):
                    raise ValueError(f"{spec.name} is not a string")
                try:
                    re.compile(value)
                except re.error as exc:
                    raise ValueError(f"{spec.name} does not compile: {exc}") from None
            elif isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{spec.name} is not a positive integer")
            values[spec.name] = value
        return cls(**values)

    def to_document(self) -> dict[str, Any]:
        """The limits document as JSON-able data, ``version`` first."""
        return {"version": LIMITS_VERSION, **asdict(self)}


DEFAULT_LIMITS: Final = ProtocolLimits()
