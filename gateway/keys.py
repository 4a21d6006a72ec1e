"""The gateway's two private keys, kept in its data directory: the Ed25519 *signing* key
(technician badges) and the X25519 *sealing* key (USB exports are sealed to it).

Each is one file of ``dvc_common.trust.private_key_text``, mode 0600, created once and never
overwritten: a kiosk holds the public halves in its configuration, so a replaced key would
silently invalidate every badge issued and make every export sealed so far unreadable. Creation
is atomic: the key is written to a private temporary file and hard-linked to its name, which
fails if the name exists, so two processes starting at once both end with the same key.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from dvc_common.atomic import fsync_directory
from dvc_common.trust import (
    TrustError,
    private_key_text,
    public_key_text,
    sealing_private_key,
    signing_private_key,
)

SIGNING_KEY_FILE: Final = "signing.key"
SEALING_KEY_FILE: Final = "sealing.key"
_PRIVATE_MODE: Final = 0o600


class KeyFileError(Exception):
    """A key file that is missing or cannot be read as a key; the message names the file."""


@dataclass(frozen=True)
class GatewayKeys:
    signing: Ed25519PrivateKey
    sealing: X25519PrivateKey

    @property
    def signing_public(self) -> str:
        """``ed25519:…``, as a kiosk's configuration holds it."""
        return public_key_text(self.signing.public_key())

    @property
    def sealing_public(self) -> str:
        """``x25519:…``, as a kiosk's configuration holds it."""
        return public_key_text(self.sealing.public_key())


def _create_once(path: Path, make: Callable[[], str]) -> bool:
    """Write the key ``make`` returns to ``path`` unless it exists; True if this call created
    it."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    text = make()
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    # O_EXCL with mode 0600 from the start: the key is never readable by others, not even for
    # the moment between creating and chmod-ing a file.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # atomic, and refuses to replace an existing key
        except FileExistsError:
            return False
        fsync_directory(path.parent)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise KeyFileError(f"{path} does not exist; run 'dvc-gateway keys init'") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"{path} cannot be read: {exc}") from None


def load_keys(data_dir: Path) -> GatewayKeys:
    """The gateway's keys; KeyFileError if either is missing or damaged."""
    signing_path, sealing_path = data_dir / SIGNING_KEY_FILE, data_dir / SEALING_KEY_FILE
    try:
        signing = signing_private_key(_read(signing_path))
    except TrustError as exc:
        raise KeyFileError(f"{signing_path}: {exc}") from None
    try:
        sealing = sealing_private_key(_read(sealing_path))
    except TrustError as exc:
        raise KeyFileError(f"{sealing_path}: {exc}") from None
    return GatewayKeys(signing, sealing)


def ensure_keys(data_dir: Path) -> tuple[GatewayKeys, bool]:
    """The gateway's keys, each created now if it did not exist (True if any was)."""
    signing = _create_once(
        data_dir / SIGNING_KEY_FILE, lambda: private_key_text(Ed25519PrivateKey.generate())
    )
    sealing = _create_once(
        data_dir / SEALING_KEY_FILE, lambda: private_key_text(X25519PrivateKey.generate())
    )
    created = signing or sealing
    return load_keys(data_dir), created
