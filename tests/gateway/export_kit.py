"""USB export files for the gateway's import tests, made the way the format says a kiosk makes
them (``dvc_common.export_format`` inside ``dvc_common.sealed``): a tar stream in mode ``w|``
sealed to the gateway's X25519 key, from DossierCreate bodies and their files' bytes.

The kiosk's own exporter is written elsewhere; this one is deliberately small and also makes
the damaged and malformed files the gateway must refuse.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from dvc_common.export_format import (
    MANIFEST_NAME,
    ExportedDossier,
    ExportManifest,
    dossier_member,
    file_member,
)
from dvc_common.sealed import SealWriter

EXPORTED_AT = datetime.fromisoformat("2026-11-23T10:00:00+07:00")


@dataclass
class Exported:
    """One dossier to put in an export: its body and the bytes of each file it lists."""

    body: dict[str, Any]
    files: list[bytes]
    extra_members: list[tuple[str, bytes]] = field(default_factory=list)
    """Regular files after the dossier's own (names the format may not have)."""
    symlinks: list[tuple[str, str]] = field(default_factory=list)
    """Symbolic links (name, target) after those: an archive must never hold one."""


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(EXPORTED_AT.timestamp())
    tar.addfile(info, io.BytesIO(data))


def file_names(body: dict[str, Any]) -> list[str]:
    return [f["name"] for document in body["documents"] for f in document["files"]]


def export_bytes(
    recipient: X25519PublicKey,
    dossiers: Sequence[Exported],
    *,
    kiosk_id: str = "KIOSK01",
    manifest: dict[str, Any] | None = None,
    first_members: Sequence[tuple[str, bytes]] = (),
) -> bytes:
    """A sealed export of ``dossiers``, in the format's order.

    ``manifest`` replaces the manifest's JSON; ``first_members`` come before it (both for
    malformed files)."""
    document = manifest or ExportManifest(
        kiosk_id=kiosk_id,
        created_at=EXPORTED_AT,
        software="tests",
        dossiers=tuple(
            ExportedDossier(
                client_uuid=d.body["client_uuid"],
                receipt_number=d.body["receipt_number"],
                files=len(d.files),
            )
            for d in dossiers
        ),
    ).model_dump(mode="json")
    out = io.BytesIO()
    details = {"kiosk": kiosk_id, "created": EXPORTED_AT.isoformat()}
    with (
        SealWriter(out, recipient, details) as sealed,
        tarfile.open(fileobj=sealed, mode="w|") as tar,
    ):
        for name, data in first_members:
            _add(tar, name, data)
        _add(tar, MANIFEST_NAME, json.dumps(document).encode())
        for dossier in dossiers:
            uuid = dossier.body["client_uuid"]
            _add(tar, dossier_member(uuid), json.dumps(dossier.body, ensure_ascii=False).encode())
            for name, data in zip(file_names(dossier.body), dossier.files, strict=False):
                _add(tar, file_member(uuid, name), data)
            for name, data in dossier.extra_members:
                _add(tar, name, data)
            for name, target in dossier.symlinks:
                link = tarfile.TarInfo(name)
                link.type, link.linkname = tarfile.SYMTYPE, target
                tar.addfile(link)
    return out.getvalue()


def write_export(path: Path, recipient: X25519PublicKey, dossiers: Sequence[Exported]) -> Path:
    path.write_bytes(export_bytes(recipient, dossiers))
    return path
