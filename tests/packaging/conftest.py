"""Fixtures for the appliance package's tests: the package built once, and a Debian 12 root.

The package is built by ``packaging/build.py`` exactly as ``./run package`` builds it, except
compressed with gzip -1 instead of xz (the size the README quotes is the xz build's). The root is
a ``debootstrap --variant=minbase`` Debian 12, cached as a tarball between runs (with apt's
downloaded packages beside it), so only the first run on a machine pays for the download. Each
use extracts a fresh copy: nothing one run installs is seen by the next.

Commands run in the root through ``chroot`` inside a private mount namespace (``unshare``) with
/proc mounted and apt's cache bound in; there is no systemd in a chroot, so the maintainer
scripts take their "systemd is not running" branch and the units are checked with
``systemd-analyze verify`` instead of being started.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MIRROR = "http://deb.debian.org/debian"
SUITE = "bookworm"


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kiosk-dvc"


def _why_not() -> str | None:
    """Why this machine cannot run the package tests, or None."""
    if sys.platform != "linux" or os.uname().machine != "x86_64":
        return "the package is amd64 Linux only"
    if os.geteuid() != 0:
        return "installing into a Debian root needs root (chroot, mounts, file ownership)"
    for tool in ("debootstrap", "dpkg-deb", "unshare", "chroot", "readelf"):
        if shutil.which(tool) is None:
            return f"{tool} is missing (scripts/setup.sh installs it)"
    return None


REASON = _why_not()
needs_root = pytest.mark.skipif(REASON is not None, reason=REASON or "")


@dataclass(frozen=True)
class Package:
    deb: Path
    version: str


def build_package(out: Path, version: str) -> Package:
    result = subprocess.run(
        [
            sys.executable, str(REPO / "packaging" / "build.py"), "build", "--compression",
            "gzip", "--out", str(out), "--version", version,
        ],
        capture_output=True, text=True, check=False, timeout=1800,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return Package(out / f"kiosk-dvc_{version}_amd64.deb", version)


def repack(package: Package, out: Path, version: str, *, schema: int | None = None) -> Package:
    """The same build under another version (what a later or earlier release looks like to
    dpkg), optionally claiming another outbox schema in its preinst."""
    work = out / f"unpacked-{version}"
    subprocess.run(["dpkg-deb", "-R", str(package.deb), str(work)], check=True)
    control = work / "DEBIAN" / "control"
    control.write_text(
        control.read_text().replace(f"Version: {package.version}", f"Version: {version}")
    )
    if schema is not None:
        preinst = work / "DEBIAN" / "preinst"
        text = preinst.read_text()
        current = text.split("SCHEMA=", 1)[1].split()[0]
        preinst.write_text(text.replace(f"SCHEMA={current}", f"SCHEMA={schema}", 1))
    deb = out / f"kiosk-dvc_{version}_amd64.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Znone", "--build", str(work), str(deb)],
        check=True, capture_output=True,
    )
    shutil.rmtree(work)
    return Package(deb, version)


@pytest.fixture(scope="session")
def package(tmp_path_factory: pytest.TempPathFactory) -> Package:
    if REASON is not None:
        pytest.skip(REASON)
    return build_package(tmp_path_factory.mktemp("deb"), "0.1.0-1")


def _base_tarball() -> Path:
    """A minbase Debian 12 with apt's lists fetched, made once per machine and cached."""
    cache = _cache_dir()
    tarball = cache / f"debian-{SUITE}-minbase.tar"
    if tarball.exists():
        return tarball
    cache.mkdir(parents=True, exist_ok=True)
    build = cache / f"debian-{SUITE}-minbase.build"
    shutil.rmtree(build, ignore_errors=True)
    subprocess.run(
        [
            "debootstrap", "--variant=minbase", f"--cache-dir={archives()}", SUITE, str(build),
            MIRROR,
        ],
        check=True, capture_output=True, timeout=1800,
    )
    # No service starts in a chroot (there is no systemd to start them anyway).
    policy = build / "usr" / "sbin" / "policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    root = DebianRoot(build)
    root.run("apt-get", "update", "-qq", timeout=600)
    partial = tarball.with_suffix(".partial")
    with tarfile.open(partial, "w") as archive:
        archive.add(build, arcname=".")
    partial.rename(tarball)
    shutil.rmtree(build)
    return tarball


def archives() -> Path:
    """apt's downloaded .debs, kept between runs and bound into every root."""
    archives = _cache_dir() / "apt-archives"
    (archives / "partial").mkdir(parents=True, exist_ok=True)
    return archives


@dataclass
class DebianRoot:
    path: Path

    def command(
        self, *command: str, user: str | None = None, env: dict[str, str] | None = None
    ) -> list[str]:
        """The host command line that runs ``command`` inside the root, with /proc and apt's
        cache mounted in a private mount (and PID) namespace."""
        inner = list(command)
        if user is not None:
            inner = ["runuser", "-u", user, "--", *inner]
        variables = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "DEBIAN_FRONTEND": "noninteractive",
            "LANG": "C.UTF-8",
            **(env or {}),
        }
        script = (
            'mount -t proc proc "$1/proc" && mount --bind "$2" "$1/var/cache/apt/archives" '
            '&& exec chroot "$1" /usr/bin/env -i "${@:3}"'
        )
        return [
            "unshare", "--mount", "--propagation", "private", "--pid", "--fork", "bash",
            "-c", script, "bash", str(self.path), str(archives()),
            *(f"{k}={v}" for k, v in variables.items()), *inner,
        ]

    def run(
        self,
        *command: str,
        check: bool = True,
        timeout: float = 600,
        user: str | None = None,
        env: dict[str, str] | None = None,
        stdin: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """``command`` inside the root; its output, and an error if it failed (``check``)."""
        result = subprocess.run(
            self.command(*command, user=user, env=env),
            capture_output=True, text=True, check=False, timeout=timeout, input=stdin,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} exited {result.returncode}:\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result

    def file(self, path: str) -> Path:
        return self.path / path.lstrip("/")

    def copy_in(self, source: Path, target: str) -> str:
        destination = self.file(target)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        return target

    def status(self, package: str = "kiosk-dvc") -> str:
        """``ii``/``iU``/``iHR``… and the version, as dpkg records them."""
        out = self.run(
            "dpkg-query", "-W", "-f=${db:Status-Abbrev}|${Version}", package, check=False
        ).stdout
        return out.replace(" ", "")


@pytest.fixture(scope="module")
def debian_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DebianRoot]:
    """A clean Debian 12 root, fresh for each test module."""
    if REASON is not None:
        pytest.skip(REASON)
    tarball = _base_tarball()
    # apt's cache is shared between runs for Debian's packages; builds of ours a run downloaded
    # (the repository test) must not be found there by the next run's recovery test.
    forget_our_builds()
    path = tmp_path_factory.mktemp("debian-root")
    with tarfile.open(tarball) as archive:
        # Our own cached debootstrap (device nodes, setuid files): extracted as made.
        archive.extractall(path, filter="fully_trusted")  # noqa: S202
    yield DebianRoot(path)
    shutil.rmtree(path, ignore_errors=True)
    forget_our_builds()


def forget_our_builds() -> None:
    for deb in archives().glob("kiosk-dvc*.deb"):
        deb.unlink()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
