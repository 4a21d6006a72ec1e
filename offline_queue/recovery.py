"""Self-describing dossier folders, and salvage from a database that can no longer be trusted.

The outbox database is an index; the dossier folders are the truth. Each folder holds, beside its
encrypted pages, ``dossier.kqm``: the dossier key wrapped by the master key and a manifest sealed
with the dossier key (receipt number, procedure, the full DossierCreate body, and each page's
index, document, name, media type, size and SHA-256). With the master key alone a lost or
corrupted database can be rebuilt from the folders; the gateway's idempotency (the client UUID is
the ``Idempotency-Key``) keeps a rebuilt dossier from being filed twice.

What the database knew about sync progress (status, attempts, upload URLs, the official code)
is salvaged from a quarantined copy where SQLite can still read it; where it cannot, a rebuilt
dossier starts again as ``queued`` and the gateway's answers bring it up to date.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dvc_common.atomic import write_atomic
from offline_queue import crypto
from offline_queue.crypto import CryptoError, MasterKey

MANIFEST_NAME = "dossier.kqm"
RATING_NAME = "rating.kqs"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class FolderFile:
    idx: int
    document_code: str
    name: str
    media_type: str
    size: int
    sha256: str
    path: str  # relative to the outbox's data directory


@dataclass(frozen=True)
class FolderManifest:
    client_uuid: str
    receipt_number: str
    procedure_code: str
    enqueued_at: float
    body: dict[str, Any]
    files: list[FolderFile]
    wrapped_key: bytes
    key_fingerprint: str


def write_manifest(
    directory: Path, manifest: FolderManifest, dossier_key: bytes, master: MasterKey
) -> None:
    """Write ``dossier.kqm`` atomically and durably (0600)."""
    sealed = crypto.seal(
        dossier_key,
        json.dumps(
            {
                "receipt_number": manifest.receipt_number,
                "procedure_code": manifest.procedure_code,
                "enqueued_at": manifest.enqueued_at,
                "body": manifest.body,
                "files": [vars(f) for f in manifest.files],
            }
        ).encode(),
        f"manifest:{manifest.client_uuid}",
    )
    document = {
        "format": MANIFEST_FORMAT,
        "client_uuid": manifest.client_uuid,
        "key_fingerprint": master.fingerprint,
        "wrapped_key": base64.b64encode(manifest.wrapped_key).decode(),
        "sealed": base64.b64encode(sealed).decode(),
    }
    write_atomic(directory / MANIFEST_NAME, json.dumps(document).encode(), mode=0o600)


def manifest_fingerprint(directory: Path) -> str | None:
    """Which master key sealed this folder, without decrypting anything (None if unreadable)."""
    try:
        document = json.loads((directory / MANIFEST_NAME).read_bytes())
    except (OSError, ValueError):
        return None
    value = document.get("key_fingerprint") if isinstance(document, dict) else None
    return value if isinstance(value, str) else None


def read_manifest(directory: Path, master: MasterKey) -> FolderManifest:
    """Open a folder's manifest; CryptoError says why it cannot be (missing, damaged, wrong key)."""
    try:
        document = json.loads((directory / MANIFEST_NAME).read_bytes())
    except FileNotFoundError:
        raise CryptoError(
            f"{directory.name}: no {MANIFEST_NAME} (queued before folders were "
            "self-describing, or never finished)"
        ) from None
    except (OSError, ValueError) as exc:
        raise CryptoError(f"{directory.name}: {MANIFEST_NAME} unreadable ({exc})") from None
    try:
        client_uuid = str(document["client_uuid"])
        # A folder kept twice in quarantine is named "<uuid>-<time>".
        if not directory.name.startswith(client_uuid) or document.get("format") != MANIFEST_FORMAT:
            raise CryptoError(f"{directory.name}: {MANIFEST_NAME} names another dossier")
        wrapped = base64.b64decode(document["wrapped_key"], validate=True)
        sealed = base64.b64decode(document["sealed"], validate=True)
    except (KeyError, TypeError, binascii.Error) as exc:
        raise CryptoError(f"{directory.name}: {MANIFEST_NAME} damaged ({exc})") from None
    key = master.unwrap(wrapped, f"key:{client_uuid}")
    try:
        inner = json.loads(crypto.open_sealed(key, sealed, f"manifest:{client_uuid}"))
        files = [FolderFile(**entry) for entry in inner["files"]]
        return FolderManifest(
            client_uuid=client_uuid,
            receipt_number=str(inner["receipt_number"]),
            procedure_code=str(inner["procedure_code"]),
            enqueued_at=float(inner["enqueued_at"]),
            body=dict(inner["body"]),
            files=files,
            wrapped_key=wrapped,
            key_fingerprint=str(document.get("key_fingerprint", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CryptoError(f"{directory.name}: manifest content damaged ({exc})") from None


def write_rating(directory: Path, client_uuid: str, sealed: bytes) -> None:
    """The citizen's rating beside the dossier, so a rebuilt row still carries it."""
    if directory.is_dir():
        write_atomic(directory / RATING_NAME, sealed, mode=0o600)


def read_rating(directory: Path) -> bytes | None:
    try:
        return (directory / RATING_NAME).read_bytes()
    except OSError:
        return None


# --- salvage --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SalvagedDossier:
    """What an old database still says about one dossier (any column may be unreadable)."""

    row: dict[str, Any]
    files: dict[int, dict[str, Any]]


@contextlib.contextmanager
def _readable_copy(db_dir: Path, db_name: str) -> Iterator[sqlite3.Connection | None]:
    """A private copy of a quarantined database (with its WAL), opened for reading.

    A copy, because opening the original would let SQLite rewrite it (WAL recovery), and the
    quarantined files are evidence a technician may still want.
    """
    # Inside the quarantine folder itself: the copy holds sealed personal data, so it stays in
    # the kiosk's private data directory (0700) rather than a shared /tmp, and goes at once.
    with tempfile.TemporaryDirectory(prefix=".salvage-", dir=db_dir) as tmp:
        copied = False
        for suffix in ("", "-wal"):
            source = db_dir / (db_name + suffix)
            if source.is_file():
                shutil.copyfile(source, Path(tmp) / source.name)
                copied = copied or suffix == ""
        if not copied:
            yield None
            return
        try:
            conn = sqlite3.connect(Path(tmp) / db_name, isolation_level=None)
        except sqlite3.Error:
            yield None
            return
        conn.row_factory = sqlite3.Row
        # Bytes, not text: a damaged page may hold bytes that are not UTF-8.
        conn.text_factory = bytes
        try:
            yield conn
        finally:
            conn.close()


def _text(value: Any) -> Any:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return value


def salvage(
    db_dir: Path, db_name: str, uuids: Iterable[str], *, everything: bool = False
) -> dict[str, SalvagedDossier]:
    """Read, one dossier at a time, whatever a damaged database still holds for ``uuids`` (and,
    with ``everything``, for every client UUID it can still list).

    Each query is on its own, so one unreadable page costs only the dossiers stored on it. One
    private copy of the database serves all of them.
    """
    found: dict[str, SalvagedDossier] = {}
    with _readable_copy(db_dir, db_name) as conn:
        if conn is None:
            return found
        wanted = list(uuids)
        if everything:
            with contextlib.suppress(sqlite3.Error, UnicodeDecodeError):
                for (value,) in conn.execute("SELECT client_uuid FROM dossiers"):
                    text = _text(value)
                    if isinstance(text, str) and text not in wanted:
                        wanted.append(text)
        for client_uuid in wanted:
            try:
                raw = conn.execute(
                    "SELECT * FROM dossiers WHERE client_uuid = ?", (client_uuid,)
                ).fetchone()
            except (sqlite3.Error, UnicodeDecodeError):
                continue
            if raw is None:
                continue
            row = {key: raw[key] for key in raw.keys()}  # noqa: SIM118 - sqlite3.Row
            for key, value in row.items():
                if key not in ("wrapped_key", "body", "rating"):
                    row[key] = _text(value)
            files: dict[int, dict[str, Any]] = {}
            with contextlib.suppress(sqlite3.Error, UnicodeDecodeError):
                for entry in conn.execute(
                    "SELECT * FROM files WHERE client_uuid = ?", (client_uuid,)
                ):
                    files[int(entry["idx"])] = {k: _text(entry[k]) for k in entry.keys()}  # noqa: SIM118
            found[client_uuid] = SalvagedDossier(row, files)
    return found
