"""The protocol's limits, defined once: the request models (``gateway.models``), the tus server,
the body-size middleware and the limits document (``GET /api/v1/limits``) all read them from
``LIMITS``, so what the gateway publishes is by construction what it enforces.

A kiosk fetches the document like the catalog and checks a dossier against it at intake: a
dossier the gateway would refuse is refused while the citizen is still at the screen, instead of
sitting in the outbox as "needs attention" for ever.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Final

LIMITS_VERSION: Final = 1
_MIB = 1024 * 1024
# One pattern for every machine name in a dossier: form keys and document codes alike.
_SLUG_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"


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

    def document(self) -> dict[str, Any]:
        """The limits document as JSON-able data, ``version`` first."""
        return {"version": LIMITS_VERSION, **asdict(self)}


LIMITS: Final = ProtocolLimits()
