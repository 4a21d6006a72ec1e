"""Custody of the outbox's master key: loading it, making one only where nothing was ever
sealed, proving it is the key the outbox was sealed with, and replacing a key lost for good.

Every dossier has its own AES-GCM key, wrapped by the master key (``offline_queue.crypto``).
A wrong or new master key would make every folder unreadable and seal new dossiers with it, so
the outbox records the key's fingerprint and refuses any other; a replacement is a technician's
explicit act (``kiosk queue rekey --abandon-lost-key``) that keeps what the old key sealed.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from offline_queue import crypto, recovery
from offline_queue.crypto import CryptoError, MasterKey
from offline_queue.database import Database, MetaKey, connect
from offline_queue.errors import MasterKeyError
from offline_queue.layout import Layout
from offline_queue.records import ErrorKind, EventKind, QueueStatus

log = logging.getLogger(__name__)


def dossier_key(master: MasterKey, raw: sqlite3.Row) -> bytes:
    """The dossier key of a ``dossiers`` row; CryptoError once it was erased."""
    if raw["wrapped_key"] is None:
        raise CryptoError(f"dossier {raw['receipt_number']} was erased")
    return master.unwrap(raw["wrapped_key"], f"key:{raw['client_uuid']}")


def _sealed_evidence(db: Database) -> str | None:
    """Why a new master key must not be made here, or None when nothing was ever sealed."""
    fingerprint = db.get_meta(MetaKey.KEY_FINGERPRINT)
    if fingerprint is not None:
        return f"this outbox was sealed with master key {fingerprint}"
    if db.conn.execute("SELECT 1 FROM dossiers LIMIT 1").fetchone() is not None:
        return "the outbox database holds dossiers"
    layout = db.layout
    for entry in layout.dossier_folders(layout.files_root, layout.orphans):
        sealed_with = recovery.manifest_fingerprint(entry)
        return f"{entry.parent.name}/{entry.name} was sealed with master key " + (
            sealed_with or "(unknown)"
        )
    return None


def _folder_fingerprints(layout: Layout) -> set[str]:
    return {
        fingerprint
        for entry in layout.dossier_folders(layout.files_root, layout.orphans)
        if (fingerprint := recovery.manifest_fingerprint(entry))
    }


def load_master_key(db: Database, path: Path) -> MasterKey:
    """Load the master key; create one only for an outbox that never sealed anything.

    One transaction, so two processes starting a fresh kiosk at once agree on one key (the
    loser of the race reads the winner's key) and record one fingerprint.
    """
    with db.transaction():
        recorded = db.get_meta(MetaKey.KEY_FINGERPRINT)
        try:
            key = crypto.load_master_key(path)
        except FileNotFoundError:
            evidence = _sealed_evidence(db)
            if evidence is not None:
                raise MasterKeyError(
                    f"master key file {path} is missing, but {evidence}. Restore the key "
                    "file from the kiosk's key backup (32 bytes, mode 0600). If it is lost "
                    "for good, `kiosk queue rekey --abandon-lost-key` starts a new key; "
                    "dossiers sealed with the lost one stay in quarantine."
                ) from None
            key = crypto.create_master_key(path)
        except CryptoError as exc:
            raise MasterKeyError(
                f"{exc}. Restore the key file from the kiosk's key backup; a deliberate "
                "new key is `kiosk queue rekey --abandon-lost-key`."
            ) from None
        if recorded is None:
            sealed_with = _folder_fingerprints(db.layout)
            if sealed_with and key.fingerprint not in sealed_with:
                # The database forgot its key (new or rebuilt), the folders did not: a
                # wrong key would make every folder unreadable and seal new dossiers
                # with it.
                raise MasterKeyError(
                    f"master key {path} (fingerprint {key.fingerprint}) is not the key the "
                    f"outbox's folders were sealed with ({', '.join(sorted(sealed_with))}). "
                    "Put the right key file back."
                )
            db.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                (MetaKey.KEY_FINGERPRINT.value, key.fingerprint),
            )
        elif recorded != key.fingerprint:
            raise MasterKeyError(
                f"master key {path} (fingerprint {key.fingerprint}) is not the key this "
                f"outbox was sealed with ({recorded}). Put the right key file back; a "
                "deliberate new key is `kiosk queue rekey --abandon-lost-key`."
            )
    return key


def replace_lost_key(
    layout: Layout, master_key_path: Path, now: Callable[[], float]
) -> tuple[str, int]:
    """Start a new master key; (fingerprint, dossiers sealed with the old one).

    The caller has established that the current key does not open the outbox. The old key
    file, if any, is kept beside the new one; dossiers sealed with the lost key are marked
    corrupt and kept (quarantined), never deleted: should the key turn up, they can be
    recovered.
    """
    conn = connect(layout.db_path, 15.0)
    try:
        conn.execute("BEGIN IMMEDIATE")
        if master_key_path.exists():
            master_key_path.replace(
                master_key_path.with_name(f"{master_key_path.name}.replaced-{int(now())}")
            )
        key = crypto.create_master_key(master_key_path)
        old = conn.execute(
            "SELECT value FROM meta WHERE key = ?", (MetaKey.KEY_FINGERPRINT.value,)
        ).fetchone()
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            (MetaKey.KEY_FINGERPRINT.value, key.fingerprint),
        )
        if old is not None:
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                (MetaKey.RETIRED_KEY_FINGERPRINTS.value, old[0]),
            )
        lost = conn.execute(
            "UPDATE dossiers SET status = ?, quarantined = 1, error_kind = ?, "
            "last_error = 'sealed with a master key that was replaced' "
            "WHERE wrapped_key IS NOT NULL",
            (QueueStatus.NEEDS_ATTENTION.value, ErrorKind.CORRUPT.value),
        ).rowcount
        conn.execute(
            "INSERT INTO events (client_uuid, at, kind, detail) VALUES (NULL, ?, ?, ?)",
            (
                now(),
                EventKind.REKEY.value,
                f"new master key {key.fingerprint}; {lost} dossier(s) kept",
            ),
        )
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
    log.warning("new master key %s; %d dossier(s) sealed with the old one", key.fingerprint, lost)
    return key.fingerprint, lost
