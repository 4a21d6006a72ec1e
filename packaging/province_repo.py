"""``province-repo``: the province's signed apt repository for its kiosks (reprepro + gpg).

    python3 packaging/province_repo.py init DIR --url URL [--name NAME]
    python3 packaging/province_repo.py publish DIR CHANNEL DEB...
    python3 packaging/province_repo.py promote DIR             # pilot -> stable
    python3 packaging/province_repo.py source-package DIR CHANNEL [--out DIR]
    python3 packaging/province_repo.py list DIR

Two channels: ``pilot`` (a few kiosks the province watches first) and ``stable`` (all the
others). A release goes to pilot; once the pilot kiosks have run it (their heartbeats show the
version and no alerts), ``promote`` copies exactly that build to stable.

``init`` makes the repository and its signing key (ed25519, kept in DIR/gnupg: the province
keeps it, backs it up offline, and never puts it on a kiosk). The web server serves DIR/public.
``source-package`` builds ``kiosk-dvc-repo_<n>_all.deb`` for one channel: the apt source and the
public key, which is what a kiosk needs to trust this repository and nothing else (Signed-By).
The Release files say ``Origin: kiosk-dvc``, the origin kiosk-dvc's unattended-upgrades policy
is limited to.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

ORIGIN = "kiosk-dvc"
PROMOTED = "kiosk-dvc"
KEYRING = "/usr/share/keyrings/kiosk-dvc-archive-keyring.gpg"
SOURCES = "/etc/apt/sources.list.d/kiosk-dvc.sources"


class Channel(StrEnum):
    PILOT = "pilot"
    STABLE = "stable"


class RepoError(Exception):
    """The repository cannot do what was asked; the message says why."""


def _run(command: list[str], *, env: dict[str, str] | None = None, stdin: str = "") -> str:
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, input=stdin,
        env={**os.environ, **(env or {})},
    )
    if result.returncode != 0:
        raise RepoError(f"{' '.join(command[:3])}… failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def _gpg(repo: Path, *args: str, stdin: str = "") -> str:
    home = repo / "gnupg"
    return _run(["gpg", "--batch", "--homedir", str(home), *args], stdin=stdin)


def fingerprint(repo: Path) -> str:
    for line in _gpg(repo, "--with-colons", "--list-secret-keys").splitlines():
        if line.startswith("fpr:"):
            return line.split(":")[9]
    raise RepoError(f"{repo}: no signing key; run init first")


def init(repo: Path, url: str, name: str) -> None:
    if (repo / "conf" / "distributions").exists():
        raise RepoError(f"{repo} is already a repository")
    home = repo / "gnupg"
    home.mkdir(parents=True, mode=0o700)
    # No passphrase here: a test or a first trial. A province protects the key (see
    # packaging/README.md): a passphrase and gpg-agent, or a signing machine offline.
    _gpg(
        repo, "--passphrase", "", "--quick-generate-key",
        f"{name} kiosk repository <kiosk-dvc@localhost>", "ed25519", "sign", "5y",
    )
    fpr = fingerprint(repo)
    (repo / "conf").mkdir()
    blocks = [
        f"Origin: {ORIGIN}\nLabel: {name}\nCodename: {channel.value}\nSuite: {channel.value}\n"
        f"Architectures: amd64\nComponents: main\n"
        f"Description: Kiosk dịch vụ công packages, {channel.value} channel\nSignWith: {fpr}\n"
        for channel in Channel
    ]
    (repo / "conf" / "distributions").write_text("\n".join(blocks), encoding="utf-8")
    (repo / "conf" / "options").write_text(
        f"basedir {repo}\noutdir {repo / 'public'}\n", encoding="utf-8"
    )
    (repo / "url").write_text(url.rstrip("/") + "\n", encoding="utf-8")
    _run(["reprepro", "-b", str(repo), "export"], env={"GNUPGHOME": str(home)})
    public = repo / "public" / "kiosk-dvc-archive-keyring.gpg"
    public.write_bytes(
        subprocess.run(
            ["gpg", "--batch", "--homedir", str(home), "--export", fpr],
            capture_output=True, check=True,
        ).stdout
    )


def publish(repo: Path, channel: Channel, debs: list[Path]) -> None:
    for deb in debs:
        _run(
            ["reprepro", "-b", str(repo), "includedeb", channel.value, str(deb)],
            env={"GNUPGHOME": str(repo / "gnupg")},
        )


def promote(repo: Path) -> None:
    """Copy every package of pilot, at the version pilot has, to stable."""
    names = {line.split()[1] for line in listing(repo, Channel.PILOT).splitlines() if line.strip()}
    if PROMOTED not in names:
        raise RepoError("the pilot channel holds no kiosk-dvc: nothing to promote")
    # kiosk-dvc only: each channel keeps its own kiosk-dvc-repo (its apt source names it).
    _run(
        ["reprepro", "-b", str(repo), "copy", Channel.STABLE.value, Channel.PILOT.value, PROMOTED],
        env={"GNUPGHOME": str(repo / "gnupg")},
    )


def listing(repo: Path, channel: Channel) -> str:
    return _run(["reprepro", "-b", str(repo), "list", channel.value])


def source_package(repo: Path, channel: Channel, out: Path) -> Path:
    """``kiosk-dvc-repo``: this repository's apt source (one channel) and its key."""
    url = (repo / "url").read_text(encoding="utf-8").strip()
    # Every public key in the repository's keyring: during a key change both the old and the
    # new one (packaging/README.md, "The signing key").
    key = subprocess.run(
        ["gpg", "--batch", "--homedir", str(repo / "gnupg"), "--export"],
        capture_output=True, check=True,
    ).stdout
    # A new key, address or channel is an upgrade the kiosks take like any other: the version
    # grows with time (UTC), never with a hash that could sort lower.
    version = f"1+{channel.value}.{datetime.now(UTC):%Y%m%d%H%M%S}"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        keyring = root / KEYRING.lstrip("/")
        keyring.parent.mkdir(parents=True)
        keyring.write_bytes(key)
        sources = root / SOURCES.lstrip("/")
        sources.parent.mkdir(parents=True)
        sources.write_text(
            "# The province's kiosk repository (province-repo source-package).\n"
            f"Types: deb\nURIs: {url}\nSuites: {channel.value}\nComponents: main\n"
            f"Signed-By: {KEYRING}\n",
            encoding="utf-8",
        )
        debian = root / "DEBIAN"
        debian.mkdir()
        (debian / "control").write_text(
            f"Package: kiosk-dvc-repo\nVersion: {version}\nArchitecture: all\n"
            "Maintainer: Kiosk DVC team <kiosk-dvc@localhost>\nSection: misc\n"
            "Priority: optional\n"
            "Description: the province's kiosk repository: apt source and signing key\n"
            f" Points apt at {url} ({channel.value} channel) and trusts it with the\n"
            " province's key only; kiosk-dvc's unattended upgrades take from it alone.\n",
            encoding="utf-8",
        )
        (debian / "conffiles").write_text(f"{SOURCES}\n", encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        deb = out / f"kiosk-dvc-repo_{version}_all.deb"
        _run(["dpkg-deb", "--root-owner-group", "--build", str(root), str(deb)])
    return deb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="province-repo", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("init", help="make the repository and its signing key")
    make.add_argument("repo", type=Path)
    make.add_argument("--url", required=True, help="where kiosks will find DIR/public")
    make.add_argument("--name", default="Province")
    put = sub.add_parser("publish", help="add .deb files to a channel")
    put.add_argument("repo", type=Path)
    put.add_argument("channel", type=Channel, choices=list(Channel))
    put.add_argument("debs", type=Path, nargs="+")
    up = sub.add_parser("promote", help="copy what pilot has to stable")
    up.add_argument("repo", type=Path)
    src = sub.add_parser("source-package", help="build kiosk-dvc-repo for one channel")
    src.add_argument("repo", type=Path)
    src.add_argument("channel", type=Channel, choices=list(Channel))
    src.add_argument("--out", type=Path, default=Path())
    show = sub.add_parser("list", help="what each channel holds")
    show.add_argument("repo", type=Path)
    args = parser.parse_args(argv)
    for tool in ("reprepro", "gpg", "dpkg-deb"):
        if shutil.which(tool) is None:
            print(f"province-repo: {tool} is missing (apt install reprepro gnupg)", file=sys.stderr)
            return 1
    try:
        if args.command == "init":
            init(args.repo.resolve(), args.url, args.name)
            print(f"repository in {args.repo}; serve {args.repo / 'public'} at {args.url}")
        elif args.command == "publish":
            publish(args.repo.resolve(), args.channel, args.debs)
        elif args.command == "promote":
            promote(args.repo.resolve())
        elif args.command == "source-package":
            print(source_package(args.repo.resolve(), args.channel, args.out))
        else:
            for channel in Channel:
                print(f"[{channel.value}]\n{listing(args.repo.resolve(), channel)}", end="")
    except RepoError as exc:
        print(f"province-repo: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
