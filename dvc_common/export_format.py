"""The USB export of unsent dossiers, as both ends read it: a tar archive sealed to the gateway
(``dvc_common.sealed``), written on the kiosk by the technician's "export to USB" and imported
at the gateway exactly as if the kiosk had synced.

Inside the seal, a tar stream (``tarfile`` mode ``w|``/``r|``: written and read in one pass,
bounded memory) whose members come in this order::

    manifest.json                            ExportManifest (what follows, and from where)
    dossiers/<client_uuid>/dossier.json      the body the kiosk would POST (DossierCreate)
    dossiers/<client_uuid>/files/<name>      each file the body's documents list, in that order

A dossier's ``client_uuid`` is its idempotency key over the network too, so the gateway stores a
dossier that arrives by stick and later by sync (or the other way round) once. Every file is
checked against the SHA-256 and size its dossier body declares.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

EXPORT_VERSION: Final = 1
MANIFEST_NAME: Final = "manifest.json"
SUFFIX: Final = ".dvcexport"  # the file name on the stick: <kiosk>-<yyyymmdd-hhmmss>.dvcexport
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_FILE_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}"
_MEMBER = re.compile(
    rf"^dossiers/(?P<uuid>{_UUID})/(?:dossier\.json|files/(?P<file>{_FILE_NAME}))$"
)


class ExportedDossier(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    client_uuid: str = Field(pattern=rf"^{_UUID}$")
    receipt_number: str = Field(pattern=r"^[A-Z0-9]{2,12}-[0-9]{6}-[0-9]{4,6}$")
    files: int = Field(ge=0, le=500, description="How many files follow its dossier.json.")


class ExportManifest(BaseModel):
    """The first member: the kiosk, when, and the dossiers that follow in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=EXPORT_VERSION, ge=EXPORT_VERSION, le=EXPORT_VERSION)
    kiosk_id: str = Field(pattern=r"^[A-Z0-9]{2,12}$")
    created_at: datetime
    software: str = Field(max_length=40)
    dossiers: tuple[ExportedDossier, ...] = Field(max_length=10_000)


def dossier_member(client_uuid: str) -> str:
    return f"dossiers/{client_uuid}/dossier.json"


def file_member(client_uuid: str, name: str) -> str:
    return f"dossiers/{client_uuid}/files/{name}"


def parse_member(name: str) -> tuple[str, str | None] | None:
    """``(client_uuid, file name or None for dossier.json)``, or None for a name the format
    does not have (refused: an archive must not write where it likes)."""
    found = _MEMBER.fullmatch(name)
    if found is None:
        return None
    return found["uuid"], found["file"]


def export_file_name(kiosk_id: str, at: datetime) -> str:
    return f"{kiosk_id}-{at:%Y%m%d-%H%M%S}{SUFFIX}"
