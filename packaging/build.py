"""Builds the appliance's Debian package, ``dist/kiosk-dvc_<version>_amd64.deb``.

    python packaging/build.py build [--version V] [--out DIR] [--compression xz|gzip|none]
    python packaging/build.py lock    # rewrite requirements.lock from the pyproject files

``./run package`` calls ``build``. What it does, in order:

1. Checks that ``requirements.lock`` (every third-party wheel, pinned, with its SHA-256) was made
   from the dependencies the two pyproject files declare now.
2. Builds the appliance's two wheels (``kiosk-dvc`` and the shared leaf ``dvc-common``) from the
   tracked files of the work tree: never the gateway, never the simulators.
3. Makes a relocatable virtual environment on Debian's own ``/usr/bin/python3.11`` at
   ``/opt/kiosk-dvc`` and installs the locked wheels (hashes required, binaries only) and the two
   wheels into it. PySide6 is not in Debian 12, so Qt comes from its wheels.
4. Keeps only the Qt the app loads (``qt_prune.py``: the QML modules our screens import and what
   they import in turn, the plugins a kiosk needs, and the shared libraries those reach), and
   drops what only a developer uses (headers, stubs, Qt's tools).
5. Adds the appliance's files (units, sysusers, tmpfiles, udev rules, apt and polkit snippets, the
   default configuration) and the maintainer scripts, works out ``Depends:`` from the ELF files it
   ships (``shlibs.txt`` maps each system library to its Debian package), and builds the .deb
   with every file owned by root and every time stamp set to the commit's, so two builds of one
   commit list the same files at the same versions.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import qt_prune  # noqa: E402  (a sibling file; packaging/ is not a Python package)
import udev_rules  # noqa: E402

PACKAGE = "kiosk-dvc"
PREFIX = Path("/opt/kiosk-dvc")
PYTHON = Path("/usr/bin/python3.11")
UV_VERSION = "0.13.9"
KEPT_COMMANDS = ("kiosk", "kiosk-app")
BUILD_NOTES = ("direct_url.json", "uv_cache.json")
BUILD_ONLY = ("setuptools", "_distutils_hack", "distutils-precedence.pth", "pkg_resources")
HOLIDAY_LANGUAGES = frozenset({"vi", "en", "en_US"})
LOCK = HERE / "requirements.lock"
LOCK_INPUTS_MARK = "# inputs-sha256: "
# The appliance's two distributions; the gateway and the simulators are never packaged here.
OWN_PROJECTS = (ROOT / "pyproject.toml", ROOT / "dvc_common" / "pyproject.toml")
OWN_DISTRIBUTIONS = ("kiosk-dvc", "dvc-common")
# The deployment's own address goes here (./run package --maintainer "Name <address>").
MAINTAINER = os.environ.get("KIOSK_DVC_MAINTAINER", "Kiosk DVC team <kiosk-dvc@localhost>")

# Debian packages the code needs that no ELF file names: libraries opened with ctypes
# (pyzbar, pyinsane2, pyusb, the speech-dispatcher probe), programs it runs, and the system
# pieces the units and maintainer scripts use.
BASE_DEPENDS = (
    "python3 (>= 3.11)",
    "python3 (<< 3.12)",
    "python3.11",
    "libpython3.11-stdlib",
    "libzbar0",
    "libsane1",
    # The document check loads libtesseract.so.5 with ctypes and reads with the Vietnamese model.
    "libtesseract5",
    "tesseract-ocr-vie",
    "libusb-1.0-0",
    "cage",
    "kbd",  # chvt, before cage starts on tty1
    "espeak-ng",
    "fonts-noto-core",
    "fonts-dejavu-core",
    "tzdata",
    "ca-certificates",
    "systemd",
    "udev",
    "unattended-upgrades",
)
# Wanted on a real kiosk, not needed for the package to install and its checks to run:
# Wi-Fi and USB-stick handling in the technician mode, and the policy that lets the kiosk user
# use them.
RECOMMENDS = ("network-manager", "udisks2", "polkitd", "speech-dispatcher-espeak-ng", "sane-utils")


class Compression(StrEnum):
    XZ = "xz"
    GZIP = "gzip"
    NONE = "none"


class BuildError(Exception):
    """The package cannot be built; the message says what to do."""


# --- the lock ----------------------------------------------------------------------------------


def declared_requirements() -> list[str]:
    """Third-party requirements of the appliance's two distributions, as declared."""
    requirements: set[str] = set()
    for project in OWN_PROJECTS:
        data = tomllib.loads(project.read_text(encoding="utf-8"))
        for requirement in data["project"]["dependencies"]:
            name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower()
            if name not in OWN_DISTRIBUTIONS:
                requirements.add(requirement)
    return sorted(requirements)


def inputs_digest(requirements: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(requirements).encode()).hexdigest()


def uv(cache: Path) -> Path:
    """A pinned uv in the build's tool environment (installed on first use)."""
    tools = ROOT / "build" / "tools"
    binary = tools / "bin" / "uv"
    if binary.exists():
        version = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, check=False
        ).stdout.split()
        if version[1:2] == [UV_VERSION]:
            return binary
    if not (tools / "bin" / "python").exists():
        run([str(PYTHON), "-m", "venv", str(tools)])
    run([str(tools / "bin" / "python"), "-m", "pip", "install", "-q", f"uv=={UV_VERSION}"])
    cache.mkdir(parents=True, exist_ok=True)
    return binary


def write_lock(cache: Path) -> None:
    requirements = declared_requirements()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "requirements.in"
        source.write_text("\n".join(requirements) + "\n", encoding="utf-8")
        out = Path(tmp) / "requirements.lock"
        run(
            [
                str(uv(cache)), "pip", "compile", str(source), "--output-file", str(out),
                "--generate-hashes", "--no-header", "--quiet",
                "--python-version", "3.11", "--python-platform", "x86_64-manylinux_2_36",
            ],
            env={"UV_CACHE_DIR": str(cache)},
        )
        body = out.read_text(encoding="utf-8").replace(str(source), "requirements.in")
    header = (
        "# The appliance's third-party wheels, pinned with their hashes (packaging/build.py).\n"
        "# Rewrite with: ./run package --relock   (after changing a pyproject's dependencies)\n"
        f"{LOCK_INPUTS_MARK}{inputs_digest(requirements)}\n"
    )
    LOCK.write_text(header + body, encoding="utf-8")


def check_lock() -> None:
    if not LOCK.exists():
        raise BuildError(f"{LOCK} is missing: run ./run package --relock")
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line.startswith(LOCK_INPUTS_MARK):
            if line[len(LOCK_INPUTS_MARK):] == inputs_digest(declared_requirements()):
                return
            break
    raise BuildError(
        f"{LOCK.name} was made from other dependencies than the pyproject files declare now: "
        "run ./run package --relock and commit the new lock"
    )


def locked_versions() -> dict[str, str]:
    versions: dict[str, str] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        found = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", line)
        if found:
            versions[found.group(1).lower()] = found.group(2)
    return versions


# --- helpers -----------------------------------------------------------------------------------


def run(command: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=cwd,
        env={**os.environ, **(env or {})},
    )
    if result.returncode != 0:
        raise BuildError(
            f"{' '.join(command[:4])}… failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
    return result.stdout


def project_version() -> str:
    text = (ROOT / "kiosk" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if not found:
        raise BuildError("kiosk/__init__.py has no __version__")
    return found.group(1)


def schema_version() -> int:
    text = (ROOT / "offline_queue" / "database.py").read_text(encoding="utf-8")
    found = re.search(r"^SCHEMA_VERSION = (\d+)", text, re.MULTILINE)
    if not found:
        raise BuildError("offline_queue/database.py has no SCHEMA_VERSION")
    return int(found.group(1))


def source_date_epoch() -> int:
    """The commit's time: every file in the package carries it (reproducible builds)."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        return int(os.environ["SOURCE_DATE_EPOCH"])
    out = subprocess.run(
        ["git", "-C", str(ROOT), "log", "-1", "--format=%ct"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()
    return int(out) if out else 0


def tracked_tree(destination: Path) -> None:
    """The work tree's tracked (and new, not ignored) files: no build leftovers in the wheels."""
    listing = run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    )
    for name in filter(None, listing.split("\0")):
        source = ROOT / name
        if not source.is_file():
            continue  # deleted in the work tree, not yet committed
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


# --- the build ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    deb: Path
    version: str
    installed_kib: int
    files: int


def build_environment(stage: Path, cache: Path, epoch: int) -> None:
    """The virtual environment at PREFIX inside ``stage``: locked wheels plus our two."""
    venv = stage / PREFIX.relative_to("/")
    tool = str(uv(cache))
    env = {"UV_CACHE_DIR": str(cache), "SOURCE_DATE_EPOCH": str(epoch), "UV_NO_CONFIG": "1"}
    run([tool, "venv", "--quiet", "--relocatable", "--python", str(PYTHON), str(venv)], env=env)
    python = str(venv / "bin" / "python")
    run(
        [
            tool, "pip", "install", "--quiet", "--python", python, "--require-hashes",
            "--no-deps", "--link-mode", "copy", "-r", str(LOCK),
            # pyinsane2 comes only as source (pure Python): its build tools are pinned too.
            "--build-constraints", str(HERE / "build-constraints.txt"),
        ],
        env=env,
    )
    with tempfile.TemporaryDirectory() as tmp:
        source, wheels = Path(tmp) / "src", Path(tmp) / "wheels"
        tracked_tree(source)
        # Without build isolation: setuptools and wheel come from the dev environment
        # (scripts/setup.sh), so building needs no network beyond the lock.
        run(
            [
                sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                "--no-build-isolation", "--wheel-dir", str(wheels),
                str(source / "dvc_common"), str(source),
            ],
            env=env,
            cwd=source,
        )
        # By name from a folder, not by path: an install by path records the (temporary) path
        # in direct_url.json, and two builds would differ there.
        run(
            [
                tool, "pip", "install", "--quiet", "--python", python, "--no-deps",
                "--link-mode", "copy", "--no-index", "--find-links", str(wheels),
                *OWN_DISTRIBUTIONS,
            ],
            env=env,
        )


def trim_environment(venv: Path) -> None:
    """Drop what only a developer uses, then keep only the Qt the app loads."""
    site = next((venv / "lib").glob("python3.*/site-packages"))
    qt_prune.prune(site / "PySide6")
    for pattern in ("**/*.pyi", "**/__pycache__", "**/tests"):
        for path in list(site.glob(pattern)):
            qt_prune.remove(path)
    # Installer notes that name a build's temporary path or time (direct_url.json, uv's
    # uv_cache.json) would make two builds of one commit differ: dropped, and out of RECORD.
    for info in site.glob("*.dist-info"):
        dropped = [info / name for name in BUILD_NOTES if (info / name).exists()]
        for path in dropped:
            path.unlink()
        record = info / "RECORD"
        if dropped and record.exists():
            names = {f"{info.name}/{path.name}" for path in dropped}
            lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
            kept = [line for line in lines if line.split(",", 1)[0] not in names]
            record.write_text("".join(kept), encoding="utf-8")
    # Build tools a wheel declared but nothing imports at run time (python-escpos names
    # setuptools; its version module was merely generated by setuptools_scm).
    for name in BUILD_ONLY:
        for path in [site / name, *site.glob(f"{name}-*.dist-info")]:
            qt_prune.remove(path)
    # holidays' names of holidays in 164 languages: the kiosk reads Vietnamese and English.
    for locale in (site / "holidays" / "locale").iterdir():
        if locale.is_dir() and locale.name not in HOLIDAY_LANGUAGES:
            shutil.rmtree(locale)
    # Pillow's AVIF support alone carries a 5 MB codec; the kiosk reads and writes PNG, JPEG
    # and PDF (Pillow says "unsupported" if an AVIF ever came).
    for module in site.glob("PIL/_avif*.so"):
        module.unlink()
    prune_wheel_libraries(site)
    # bin/: only the kiosk's two commands and the interpreter links. Third-party entry points
    # (f2py, pyserial-miniterm…) have no use on a kiosk.
    for entry in (venv / "bin").iterdir():
        if entry.name not in (*KEPT_COMMANDS, "python", "python3", "python3.11"):
            entry.unlink()
    for name in KEPT_COMMANDS:
        _plain_shebang(venv / "bin" / name)
    (venv / ".gitignore").unlink(missing_ok=True)
    # No strip: the wheels' libraries were rewritten by patchelf (auditwheel), and strip breaks
    # such files ("ELF load command address/offset not page-aligned", seen with numpy's
    # OpenBLAS). The lintian override says so.


def prune_wheel_libraries(site: Path) -> None:
    """Libraries auditwheel put in ``<package>.libs`` that no shipped module needs any more."""
    bundled = [d for d in site.glob("*.libs") if d.is_dir()]
    users = [p for p in qt_prune.elf_files(site) if p.parent not in bundled]
    libraries = {p.name: p for d in bundled for p in d.iterdir() if p.is_file()}
    qt_prune.drop_unreachable(users, libraries)


def _plain_shebang(script: Path) -> None:
    """uv's relocatable scripts start with a shell/Python polyglot that finds the interpreter
    beside them; the package knows where that is, so the usual venv shebang is plainer (and a
    shell syntax check of the file passes)."""
    lines = script.read_text(encoding="utf-8").splitlines(keepends=True)
    if lines and lines[0].startswith("#!/bin/sh"):
        polyglot = len(lines) > 2 and lines[1].startswith("'" * 3 + "exec'")
        body = lines[3:] if polyglot else lines[1:]
        script.write_text(f"#!{PREFIX}/bin/python\n" + "".join(body), encoding="utf-8")



def compile_bytecode(stage: Path, venv: Path, epoch: int) -> None:
    """Byte-code compiled now, so a read-only /opt never makes Python recompile at each start.

    ``unchecked-hash``: the files never change under dpkg, and the .pyc then holds no time stamp.
    """
    run(
        [
            str(PYTHON), "-m", "compileall", "-q", "-j", "0", "--invalidation-mode",
            "unchecked-hash", "-s", str(stage), "-p", "/", str(venv / "lib"),
        ],
        env={"SOURCE_DATE_EPOCH": str(epoch)},
    )


def install_appliance_files(stage: Path, version: str, schema: int, epoch: int) -> list[str]:
    """Units, sysusers, tmpfiles, udev, apt, polkit, config, docs; returns the conffiles."""
    def put(source: Path, target: str, mode: int = 0o644) -> None:
        destination = stage / target.lstrip("/")
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        destination.chmod(mode)

    def write(target: str, data: bytes, mode: int = 0o644) -> None:
        destination = stage / target.lstrip("/")
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
        destination.chmod(mode)

    for unit in sorted((HERE / "systemd").glob("*.service")):
        put(unit, f"/lib/systemd/system/{unit.name}")
    for dropin in sorted((HERE / "systemd").glob("*.d/*.conf")):
        put(dropin, f"/lib/systemd/system/{dropin.parent.name}/{dropin.name}")
    put(HERE / "sysusers.conf", f"/usr/lib/sysusers.d/{PACKAGE}.conf")
    put(HERE / "tmpfiles.conf", f"/usr/lib/tmpfiles.d/{PACKAGE}.conf")
    write(
        f"/lib/udev/rules.d/70-{PACKAGE}.rules",
        udev_rules.render(udev_rules.load(HERE / "devices.toml")).encode(),
    )
    put(HERE / "apt" / "unattended-upgrades.conf", f"/etc/apt/apt.conf.d/52{PACKAGE}")
    put(HERE / "polkit.rules", f"/usr/share/polkit-1/rules.d/50-{PACKAGE}.rules")
    put(HERE / "kiosk.toml", "/etc/kiosk/kiosk.toml", 0o600)
    put(HERE / "kiosk-recover", f"/usr/libexec/{PACKAGE}/kiosk-recover", 0o755)
    put(HERE / "kiosk-maint", f"/usr/libexec/{PACKAGE}/kiosk-maint", 0o755)
    put(HERE / "kiosk.toml", f"{PREFIX}/share/kiosk.toml.default")
    put(HERE / "debian" / "copyright", f"/usr/share/doc/{PACKAGE}/copyright")
    put(HERE / "README.md", f"/usr/share/doc/{PACKAGE}/README.md")
    put(HERE / "debian" / "lintian-overrides", f"/usr/share/lintian/overrides/{PACKAGE}")
    write(f"/usr/share/doc/{PACKAGE}/changelog.Debian.gz", changelog(version, epoch))
    # What the preinst of a later package reads to refuse a downgrade it cannot serve.
    write(f"{PREFIX}/share/schema-version", f"{schema}\n".encode())
    for command in ("kiosk", "kiosk-app"):
        link = stage / "usr" / "bin" / command
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(f"{PREFIX}/bin/{command}")
    return ["/etc/kiosk/kiosk.toml", f"/etc/apt/apt.conf.d/52{PACKAGE}"]


def changelog(version: str, epoch: int) -> bytes:
    from email.utils import formatdate  # noqa: PLC0415

    text = (
        f"{PACKAGE} ({version}) stable; urgency=medium\n\n"
        f"  * Build of kiosk-dvc {version}; docs/STATE.md in the source says what it holds.\n\n"
        f" -- {MAINTAINER}  {formatdate(epoch, usegmt=False)}\n"
    ).replace("-0000", "+0000")
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=epoch, compresslevel=9) as handle:
        handle.write(text.encode())
    return buffer.getvalue()


def control_files(
    stage: Path, version: str, schema: int, conffiles: list[str], depends: list[str]
) -> None:
    debian = stage / "DEBIAN"
    debian.mkdir()
    installed_kib = sum(
        (p.lstat().st_size + 1023) // 1024
        for p in stage.rglob("*")
        if p.is_file() and not p.is_symlink() and debian not in p.parents
    )
    control = (
        f"Package: {PACKAGE}\n"
        f"Version: {version}\n"
        "Architecture: amd64\n"
        f"Maintainer: {MAINTAINER}\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {', '.join(depends)}\n"
        f"Recommends: {', '.join(RECOMMENDS)}\n"
        "Section: misc\n"
        "Priority: optional\n"
        "Description: self-service dossier intake kiosk (Kiosk dịch vụ công)\n"
        " The touchscreen appliance of a commune's one-stop office: a citizen picks a\n"
        " procedure, logs in with the VNeID QR code, fills a short form, scans the\n"
        " required papers and takes an appointment slip. Dossiers wait in an encrypted\n"
        " outbox and a separate sync service sends them to the province's gateway.\n"
        " .\n"
        " Carries its own Python environment with Qt under /opt/kiosk-dvc (PySide6 is\n"
        " not in Debian 12), systemd units for the app inside cage and for the sync\n"
        " service, udev rules for the QR reader, scanner and receipt printer, and the\n"
        " unattended-upgrades policy for the province's repository.\n"
    )
    (debian / "control").write_text(control, encoding="utf-8")
    (debian / "conffiles").write_text("".join(f"{c}\n" for c in conffiles), encoding="utf-8")
    for script in ("preinst", "postinst", "prerm", "postrm"):
        text = (HERE / "debian" / script).read_text(encoding="utf-8")
        text = text.replace("@SCHEMA@", str(schema)).replace("@VERSION@", version)
        (debian / script).write_text(text, encoding="utf-8")
        (debian / script).chmod(0o755)
    sums = []
    for path in sorted(stage.rglob("*")):
        if path.is_file() and not path.is_symlink() and debian not in path.parents:
            digest = hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
            sums.append(f"{digest}  {path.relative_to(stage)}\n")
    (debian / "md5sums").write_text("".join(sums), encoding="utf-8")


def _runnable(path: Path) -> bool:
    """A script, or an ELF executable (not a shared object: those are mapped, not run)."""
    with path.open("rb") as handle:
        head = handle.read(18)
    if head.startswith(b"#!"):
        return True
    # e_type at offset 16: 2 is an executable; 3 (shared object) includes PIE executables,
    # told apart by their name (no .so in it).
    return head[:4] == b"\x7fELF" and (head[16] == 2 or ".so" not in path.name)


def normalise(stage: Path, epoch: int) -> None:
    """Modes a Debian package expects and one time stamp for every file (reproducible)."""
    for path in sorted(stage.rglob("*"), reverse=True):
        if path.is_symlink():
            os.utime(path, (epoch, epoch), follow_symlinks=False)
            continue
        mode = path.stat().st_mode
        if path.is_dir():
            path.chmod(0o755)
        elif path.parent.name == "DEBIAN":
            pass  # set where written
        elif str(path).endswith("/etc/kiosk/kiosk.toml"):
            path.chmod(0o600)
        else:
            path.chmod(0o755 if mode & stat.S_IXUSR and _runnable(path) else 0o644)
        os.utime(path, (epoch, epoch))
    os.utime(stage, (epoch, epoch))


def build(version: str | None, out: Path, compression: Compression, cache: Path) -> Built:
    check_lock()
    epoch = source_date_epoch()
    version = version or f"{project_version()}-1"
    schema = schema_version()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kiosk-deb-") as tmp:
        stage = Path(tmp) / "root"
        venv = stage / PREFIX.relative_to("/")
        build_environment(stage, cache, epoch)
        trim_environment(venv)
        compile_bytecode(stage, venv, epoch)
        conffiles = install_appliance_files(stage, version, schema, epoch)
        try:
            depends = qt_prune.debian_depends(stage, HERE / "shlibs.txt", BASE_DEPENDS)
        except qt_prune.MissingLibraryError as exc:
            raise BuildError(str(exc)) from None
        normalise(stage, epoch)
        control_files(stage, version, schema, conffiles, depends)
        normalise(stage / "DEBIAN", epoch)
        deb = out / f"{PACKAGE}_{version}_amd64.deb"
        level = {Compression.XZ: ["-z6"], Compression.GZIP: ["-z1"], Compression.NONE: []}
        run(
            [
                "dpkg-deb", "--root-owner-group", f"-Z{compression.value}",
                *level[compression], "--build", str(stage), str(deb),
            ],
            env={"SOURCE_DATE_EPOCH": str(epoch)},
        )
        files = sum(1 for p in stage.rglob("*") if p.is_file() and "DEBIAN" not in p.parts)
        installed = int(
            (stage / "DEBIAN" / "control").read_text().split("Installed-Size: ")[1].split()[0]
        )
    write_manifest(deb)
    return Built(deb=deb, version=version, installed_kib=installed, files=files)


def write_manifest(deb: Path) -> None:
    """``<deb>.manifest``: the package's file list and the versions inside it, for comparing
    two builds (``dpkg-deb --contents`` without sizes of byte code or time stamps)."""
    contents = run(["dpkg-deb", "--contents", str(deb)])
    names = sorted(line.split(None, 5)[5].split(" -> ")[0] for line in contents.splitlines())
    fields = run(["dpkg-deb", "--field", str(deb), "Package", "Version", "Depends"])
    manifest = {"control": fields, "files": names, "locked": locked_versions()}
    deb.with_suffix(".manifest.json").write_text(
        json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


@contextlib.contextmanager
def _reporting() -> Iterator[None]:
    try:
        yield
    except BuildError as exc:
        print(f"package: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kiosk-dvc" / "uv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="packaging/build.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("build", help="build dist/kiosk-dvc_<version>_amd64.deb")
    make.add_argument("--version", help="Debian version (default <kiosk.__version__>-1)")
    make.add_argument("--out", type=Path, default=ROOT / "dist")
    make.add_argument(
        "--compression", type=Compression, choices=list(Compression), default=Compression.XZ
    )
    make.add_argument("--cache", type=Path, default=default_cache())
    make.add_argument("--maintainer", help='"Name <address>" for the control file')
    lock = sub.add_parser("lock", help="rewrite requirements.lock from the pyproject files")
    lock.add_argument("--cache", type=Path, default=default_cache())
    args = parser.parse_args(argv)
    with _reporting():
        if args.command == "lock":
            write_lock(args.cache)
            print(f"wrote {LOCK.relative_to(ROOT)}")
            return 0
        if args.maintainer:
            global MAINTAINER  # noqa: PLW0603 (one build per process)
            MAINTAINER = args.maintainer
        built = build(args.version, args.out, args.compression, args.cache)
        size_mib = built.deb.stat().st_size / 2**20
        print(
            f"built {built.deb} ({size_mib:.1f} MiB; installed {built.installed_kib / 1024:.1f}"
            f" MiB in {built.files} files)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
