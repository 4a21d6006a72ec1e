"""Which database holds a gateway's metadata: the embedded SQLite file in its data directory, or
the PostgreSQL database its data directory names.

A gateway is its data directory: the keys, the files received, the uploads in progress and, for
a province, one line naming its PostgreSQL database (``database.url``). Replicas share the
directory, so they share the database too, and every command (``enrol``, ``received``, ``import``)
run on the directory reaches the same metadata without being told a URL again. Without the file
the metadata is SQLite's, the embedded default of the demo and the kiosk's tests.

The URL may carry a password (``postgresql://gateway:secret@db.local/gateway``), so the file is
the gateway user's alone (0600), and the URL is never logged whole: ``redacted`` shows it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from dvc_common.atomic import write_atomic

DATABASE_FILE = "database.url"
SCHEMES = ("postgresql", "postgres")


class DatabaseChoiceError(ValueError):
    """The URL is not a PostgreSQL URL, the file is unreadable, or the choice would strand
    metadata the directory already holds elsewhere; the message says which."""


def check_url(url: str) -> str:
    """``url`` stripped, if it is a PostgreSQL URL libpq takes (DatabaseChoiceError if not)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise DatabaseChoiceError(
            f"{redacted(url)!r} is not a PostgreSQL URL (postgresql://user@host/database)"
        )
    if not parts.path.strip("/"):
        raise DatabaseChoiceError(f"{redacted(url)!r} names no database")
    return url


def redacted(url: str) -> str:
    """The URL with any password replaced by ``***``, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def database_url(data_dir: Path) -> str | None:
    """The PostgreSQL URL the data directory names, or None for the embedded SQLite file."""
    path = data_dir / DATABASE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise DatabaseChoiceError(f"cannot read {path}: {exc}") from None
    return check_url(text)


def record_url(data_dir: Path, url: str) -> None:
    """Name ``url`` as the data directory's database (the gateway user's file alone)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(data_dir / DATABASE_FILE, (check_url(url) + "\n").encode(), mode=0o600)
