"""The package's life on one kiosk, in a clean Debian 12 root: install, enrol, sync, upgrade,
refused downgrade, an upgrade cut off by a power loss, an unattended upgrade from the
province's signed repository, refused and then granted purge.

The steps run in order on one root, as they would on one kiosk; each asserts what a technician
or the province would check, read from the root's files and dpkg's own records. The gateway is
the reference gateway on 127.0.0.1 (the root shares the host's network).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulators.gateway_process import GatewayProcess, sample_dossier_body
from tests.packaging.conftest import (
    REPO,
    DebianRoot,
    Package,
    archives,
    needs_root,
    repack,
    sha256,
)

pytestmark = needs_root

KIOSK = "KIOSK01"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    data = tmp_path_factory.mktemp("gateway")
    subprocess.run(
        [sys.executable, "-m", "gateway", "keys", "init", "--data", str(data)],
        check=True, capture_output=True, timeout=60,
    )
    process = GatewayProcess.start(data, kiosk_id=KIOSK)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def releases(package: Package, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Package]:
    """The built package, later builds of it, and an older one with an older outbox schema."""
    out = tmp_path_factory.mktemp("releases")
    return {
        "first": package,
        "upgrade": repack(package, out, "0.1.0-2"),
        "interrupted": repack(package, out, "0.1.0-3"),
        "killed": repack(package, out, "0.1.0-4"),
        "older": repack(package, out, "0.0.9-1", schema=1),
    }


def enqueue(root: DebianRoot, receipt: str) -> str:
    """A dossier put into the kiosk's outbox as the app does (``kiosk queue add``)."""
    client_uuid = str(uuid.uuid4())
    body = sample_dossier_body(client_uuid, receipt)
    body["documents"][0]["files"] = [{"name": "page-1.png", "media_type": "image/png"}]
    root.file("/tmp/dossier.json").write_text(json.dumps(body, ensure_ascii=False))
    root.file("/tmp/page-1.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2048))
    added = root.run(
        "kiosk", "queue", "add", "/tmp/dossier.json", "/tmp/page-1.png", user="kiosk"
    )
    assert f"queued {receipt}" in added.stdout
    return client_uuid


def queue_counts(root: DebianRoot) -> dict[str, int]:
    listing = root.run("kiosk", "queue", "list", "--json", user="kiosk")
    counts: dict[str, int] = json.loads(listing.stdout)["counts"]
    return counts


def sync_once(root: DebianRoot) -> subprocess.CompletedProcess[str]:
    return root.run("kiosk", "sync", "--once", user="kiosk", check=False, timeout=300)


def outbox_files(root: DebianRoot) -> dict[str, str]:
    queue = root.file("/var/lib/kiosk/queue")
    return {
        str(p.relative_to(queue)): sha256(p)
        for p in sorted(queue.rglob("*"))
        if p.is_file() and "database" not in p.name and not p.name.startswith("queue.sqlite3")
    }


def test_01_installs_into_a_clean_debian_root(debian_root: DebianRoot, package: Package) -> None:
    target = debian_root.copy_in(package.deb, f"/tmp/{package.deb.name}")
    installed = debian_root.run(
        "apt-get", "install", "-y", "-q", "--no-install-recommends", target, timeout=1800
    )
    assert debian_root.status() == f"ii|{package.version}", installed.stdout[-2000:]


def test_02_user_directories_and_permissions(debian_root: DebianRoot) -> None:
    passwd = debian_root.file("/etc/passwd").read_text().splitlines()
    (entry,) = [line for line in passwd if line.startswith("kiosk:")]
    _, _, uid, gid, _, home, shell = entry.split(":")
    assert int(uid) < 1000 and home == "/var/lib/kiosk" and shell == "/usr/sbin/nologin"
    groups = debian_root.run("id", "-nG", "kiosk").stdout.split()
    assert {"kiosk", "lp", "scanner", "dialout", "input", "video", "render"} <= set(groups)

    def mode(path: str) -> tuple[int, int, int]:
        st = debian_root.file(path).stat()
        return st.st_mode & 0o7777, st.st_uid, st.st_gid

    kiosk_ids = (int(uid), int(gid))
    assert mode("/var/lib/kiosk") == (0o700, *kiosk_ids)
    assert mode("/etc/kiosk") == (0o700, *kiosk_ids)
    assert mode("/etc/kiosk/kiosk.toml") == (0o600, *kiosk_ids)
    # The master key: made at install, by the kiosk user, readable by no one else.
    assert mode("/var/lib/kiosk/master.key") == (0o600, *kiosk_ids)
    assert debian_root.file("/var/lib/kiosk/master.key").stat().st_size == 32
    conffiles = debian_root.file("/var/lib/dpkg/info/kiosk-dvc.conffiles").read_text().split()
    assert "/etc/kiosk/kiosk.toml" in conffiles
    # The key never comes from the package.
    listed = debian_root.file("/var/lib/dpkg/info/kiosk-dvc.list").read_text()
    assert "master.key" not in listed
    # Units enabled for boot (no systemd runs in a chroot to start them).
    wants = debian_root.file("/etc/systemd/system/multi-user.target.wants")
    assert {"kiosk-app.service", "kiosk-sync.service", "kiosk-recover.service"} <= {
        p.name for p in wants.iterdir()
    }
    rules = debian_root.file("/lib/udev/rules.d/70-kiosk-dvc.rules").read_text()
    assert 'ATTR{idVendor}=="04b8", ATTR{idProduct}=="0e15", GROUP="kiosk"' in rules


def test_03_units_pass_systemd_analyze_verify(debian_root: DebianRoot) -> None:
    units = [
        f"/lib/systemd/system/{name}"
        for name in ("kiosk-app.service", "kiosk-sync.service", "kiosk-recover.service")
    ]
    verified = debian_root.run("systemd-analyze", "verify", *units, check=False)
    assert verified.returncode == 0, verified.stderr
    assert "kiosk" not in verified.stderr, verified.stderr  # no warning about our units
    # apt's upgrade units with the package's drop-ins (the condition and the night window).
    # (--man=no: apt's unit names its manual page, which a minimal root does not install.)
    apt_units = debian_root.run(
        "systemd-analyze", "verify", "--man=no", "apt-daily-upgrade.service",
        "apt-daily-upgrade.timer", check=False,
    )
    assert apt_units.returncode == 0, apt_units.stderr
    window = debian_root.file("/lib/systemd/system/apt-daily-upgrade.timer.d/kiosk-dvc.conf")
    (spec,) = [
        line.split("=", 1)[1] for line in window.read_text().splitlines()
        if line.startswith("OnCalendar=") and line != "OnCalendar="
    ]
    calendar = debian_root.run("systemd-analyze", "calendar", spec)
    assert "Normalized form: *-*-* 01,02,03:00:00" in calendar.stdout, calendar.stdout


def test_04_version_and_doctor_run(debian_root: DebianRoot) -> None:
    version = debian_root.run("kiosk", "--version")
    assert version.stdout.startswith("kiosk 0.1.0")
    doctor = debian_root.run("kiosk", "doctor", "--json", user="kiosk", check=False, timeout=300)
    assert doctor.returncode in (0, 1, 2), doctor.stderr
    checks = {c["check"]: c for c in map(json.loads, doctor.stdout.splitlines())}
    # Not enrolled and no devices here: the doctor says so instead of crashing.
    assert checks["enrolment"]["outcome"] == "failed"
    assert checks["configuration"]["outcome"] != "failed", checks["configuration"]
    assert doctor.returncode != 0
    # What apt-daily-upgrade's ExecCondition runs, as root: nobody at the screen, nothing sent.
    window = debian_root.run("kiosk", "maintenance", "check", check=False)
    assert window.returncode == 0 and window.stdout.startswith("ok:"), window.stdout + window.stderr


def test_04b_the_app_starts_from_the_package_and_feeds_its_watchdog(
    debian_root: DebianRoot,
) -> None:
    """kiosk-app from the installed package, on the packaged configuration (real drivers, no
    devices here), offscreen: it loads every screen and the virtual keyboard from the reduced Qt,
    tells the service manager it is ready, pings the watchdog, and stops cleanly on SIGTERM."""
    path = debian_root.file("/run/kiosk-notify-test.sock")
    path.unlink(missing_ok=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    sock.bind(str(path))
    path.chmod(0o777)
    sock.settimeout(180)  # an upper bound for a slow machine; the test waits on the messages
    command = debian_root.command(
        "kiosk-app",
        user="kiosk",
        env={
            "QT_QPA_PLATFORM": "offscreen",
            "QT_QUICK_BACKEND": "software",
            "NOTIFY_SOCKET": "/run/kiosk-notify-test.sock",
            "WATCHDOG_USEC": "2000000",
            "KIOSK_CONFIG": "/etc/kiosk/kiosk.toml",
        },
    )
    app = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    sender = 0
    try:
        while not ({"READY=1", "WATCHDOG=1"} <= set(seen)):
            message, ancillary, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(12))
            seen += message.decode().splitlines()
            for level, kind, data in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    sender = struct.unpack("iII", data[:12])[0]
        assert sender > 0
        os.kill(sender, signal.SIGTERM)  # the app's PID as this host sees it
        _, err = app.communicate(timeout=120)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate()
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            while True:
                seen += sock.recv(4096).decode().splitlines()
        sock.close()
        path.unlink(missing_ok=True)
    assert app.returncode == 0, err[-3000:]
    assert "STOPPING=1" in seen
    for problem in ("is not installed", "Cannot load library", "Could not load the Qt platform"):
        assert problem not in err, err[-3000:]


def test_05_enrolled_kiosk_syncs_a_dossier(
    debian_root: DebianRoot, gateway: GatewayProcess
) -> None:
    code = subprocess.run(
        [
            sys.executable, "-m", "gateway", "enrol-code", "--data", str(gateway.data_dir),
            "--kiosk", KIOSK, "--url", gateway.url,
        ],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()
    enrolled = debian_root.run("kiosk", "enrol", code, user="kiosk", timeout=300)
    assert KIOSK in enrolled.stdout + enrolled.stderr
    client_uuid = enqueue(debian_root, "KIOSK01-261206-0001")
    synced = sync_once(debian_root)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert client_uuid in {d["client_uuid"] for d in gateway.received()}
    assert queue_counts(debian_root)["submitted"] == 1


def test_06_upgrade_keeps_outbox_keys_and_config(
    debian_root: DebianRoot, releases: dict[str, Package], gateway: GatewayProcess
) -> None:
    # A dossier waiting in the outbox (not sent yet) when the upgrade comes.
    waiting = enqueue(debian_root, "KIOSK01-261206-0002")
    assert queue_counts(debian_root)["queued"] == 1
    key = sha256(debian_root.file("/var/lib/kiosk/master.key"))
    config = debian_root.file("/etc/kiosk/kiosk.toml").read_text()
    files = outbox_files(debian_root)

    upgrade = releases["upgrade"]
    target = debian_root.copy_in(upgrade.deb, f"/tmp/{upgrade.deb.name}")
    debian_root.run("dpkg", "-i", target, timeout=900)

    assert debian_root.status() == f"ii|{upgrade.version}"
    assert sha256(debian_root.file("/var/lib/kiosk/master.key")) == key
    assert debian_root.file("/etc/kiosk/kiosk.toml").read_text() == config
    assert outbox_files(debian_root) == files
    assert sync_once(debian_root).returncode == 0
    assert waiting in {d["client_uuid"] for d in gateway.received()}


def test_07_downgrade_below_the_outbox_schema_is_refused(
    debian_root: DebianRoot, releases: dict[str, Package]
) -> None:
    older = releases["older"]
    target = debian_root.copy_in(older.deb, f"/tmp/{older.deb.name}")
    refused = debian_root.run("dpkg", "-i", target, check=False, timeout=900)
    assert refused.returncode != 0
    assert "REFUSED" in refused.stderr and "schema" in refused.stderr
    assert debian_root.status() == f"ii|{releases['upgrade'].version}"


def test_08_upgrade_interrupted_before_configure_recovers_at_boot(
    debian_root: DebianRoot, releases: dict[str, Package]
) -> None:
    nxt = releases["interrupted"]
    target = debian_root.copy_in(nxt.deb, f"/tmp/{nxt.deb.name}")
    # Power lost after unpacking, before configuring.
    debian_root.run("dpkg", "--unpack", target, timeout=900)
    assert debian_root.status() == f"iU|{nxt.version}"
    recovered = debian_root.run("/usr/libexec/kiosk-dvc/kiosk-recover", timeout=900)
    assert "finishing" in recovered.stdout
    assert debian_root.status() == f"ii|{nxt.version}"
    assert queue_counts(debian_root)["submitted"] == 2


def test_09_upgrade_killed_mid_unpack_recovers_at_boot(
    debian_root: DebianRoot, releases: dict[str, Package], request: pytest.FixtureRequest
) -> None:
    killed = releases["killed"]
    target = debian_root.copy_in(killed.deb, f"/tmp/{killed.deb.name}")
    # apt keeps the .deb it installs in its cache (the one bound into the root): the recovery
    # finds it there.
    cached = archives() / killed.deb.name
    shutil.copyfile(killed.deb, cached)
    request.addfinalizer(lambda: cached.unlink(missing_ok=True))
    key = sha256(debian_root.file("/var/lib/kiosk/master.key"))
    files = outbox_files(debian_root)
    # A real dpkg, killed (SIGKILL, like a power cut) once it has started replacing files.
    process = subprocess.Popen(
        ["chroot", str(debian_root.path), "dpkg", "-i", target],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
    )
    site = debian_root.file("/opt/kiosk-dvc/lib/python3.11/site-packages")
    try:
        while process.poll() is None and not any(site.rglob("*.dpkg-new")):
            time.sleep(0.005)  # polling a condition dpkg exposes; no fixed wait
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert debian_root.status().split("|")[0] != "ii"
    recovered = debian_root.run("/usr/libexec/kiosk-dvc/kiosk-recover", timeout=900)
    assert debian_root.status() == f"ii|{killed.version}", recovered.stdout + recovered.stderr
    assert sha256(debian_root.file("/var/lib/kiosk/master.key")) == key
    assert outbox_files(debian_root) == files
    assert debian_root.run("kiosk", "--version").returncode == 0


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A plain HTTP server on 127.0.0.1 for the province's repository (``public/``)."""
    top = tmp_path_factory.mktemp("web")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(top))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", top
    server.shutdown()
    server.server_close()


def province_repo(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(REPO / "packaging" / "province_repo.py"), *args],
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_10_unattended_upgrade_from_the_province_repository(
    debian_root: DebianRoot,
    releases: dict[str, Package],
    web: tuple[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    url, top = web
    repo = tmp_path_factory.mktemp("province") / "repo"
    province_repo("init", str(repo), "--url", f"{url}/kiosk", "--name", "Tỉnh Mẫu")
    (top / "kiosk").symlink_to(repo / "public")
    source = Path(
        province_repo("source-package", str(repo), "pilot", "--out", str(repo.parent)).strip()
    )
    newer = repack(releases["first"], repo.parent, "0.1.0-5")
    province_repo("publish", str(repo), "pilot", str(source), str(newer.deb))
    assert "kiosk-dvc 0.1.0-5" in province_repo("list", str(repo))

    # The kiosk trusts the province's repository through the repo package (source + key)...
    debian_root.run("dpkg", "-i", debian_root.copy_in(source, f"/tmp/{source.name}"))
    patterns = debian_root.run("apt-config", "dump", "Unattended-Upgrade::Origins-Pattern")
    # ...and unattended-upgrades takes from that origin only.
    assert patterns.stdout.count("Origins-Pattern::") == 1
    assert '"origin=kiosk-dvc"' in patterns.stdout
    debian_root.run("apt-get", "update", "-q", timeout=900)
    policy = debian_root.run("apt-cache", "policy", "kiosk-dvc").stdout
    assert "0.1.0-5" in policy and f"{url}/kiosk pilot/main" in policy
    upgraded = debian_root.run("unattended-upgrade", "-v", timeout=1800, check=False)
    assert debian_root.status() == "ii|0.1.0-5", upgraded.stdout[-3000:] + upgraded.stderr[-3000:]
    assert queue_counts(debian_root)["submitted"] == 2

    # Promotion copies exactly the pilot build to stable.
    province_repo("promote", str(repo))
    channels = province_repo("list", str(repo))
    assert "stable|main|amd64: kiosk-dvc 0.1.0-5" in channels
    # Each channel keeps its own apt source: the pilot's is not promoted to stable.
    assert "stable|main|amd64: kiosk-dvc-repo" not in channels


def test_11_purge_refuses_while_a_dossier_is_unsynced(
    debian_root: DebianRoot, gateway: GatewayProcess
) -> None:
    unsent = enqueue(debian_root, "KIOSK01-261206-0003")
    config = debian_root.file("/etc/kiosk/kiosk.toml").read_text()
    key = sha256(debian_root.file("/var/lib/kiosk/master.key"))
    files = outbox_files(debian_root)

    # Purged while installed: refused before anything is removed; the kiosk stays as it was.
    refused = debian_root.run("dpkg", "--purge", "kiosk-dvc", check=False, timeout=900)
    assert refused.returncode != 0
    assert "PURGE REFUSED" in refused.stderr and "holds 1 dossier" in refused.stderr
    assert "Nothing was removed" in refused.stderr
    assert debian_root.status().split("|")[0].endswith("i")  # still installed
    assert debian_root.run("kiosk", "--version").returncode == 0
    assert debian_root.file("/etc/kiosk/kiosk.toml").read_text() == config

    # Removed, then purged: the software is gone by then; the count noted at removal refuses.
    debian_root.run("dpkg", "--remove", "kiosk-dvc", timeout=900)
    assert debian_root.status().startswith("rc|")
    refused = debian_root.run("dpkg", "--purge", "kiosk-dvc", check=False, timeout=900)
    assert refused.returncode != 0 and "PURGE REFUSED" in refused.stderr
    assert sha256(debian_root.file("/var/lib/kiosk/master.key")) == key
    assert outbox_files(debian_root) == files

    # Reinstalling brings the kiosk back as it was, enrolment included, and it sends the dossier.
    debian_root.run("apt-get", "install", "-y", "-q", "kiosk-dvc", timeout=900)
    assert debian_root.status() == "ii|0.1.0-5"
    assert debian_root.file("/etc/kiosk/kiosk.toml").read_text() == config
    assert sync_once(debian_root).returncode == 0
    assert unsent in {d["client_uuid"] for d in gateway.received()}


def test_11b_a_dossier_exported_to_a_stick_does_not_hold_the_purge(
    debian_root: DebianRoot, gateway: GatewayProcess
) -> None:
    """The README's way out for a kiosk whose link is dead: export to a stick, then purge."""
    enqueue(debian_root, "KIOSK01-261206-0004")
    debian_root.run("install", "-d", "-o", "kiosk", "-g", "kiosk", "/tmp/stick")
    exported = debian_root.run(
        "kiosk", "queue", "export-usb", "--to", "/tmp/stick", user="kiosk", timeout=300
    )
    assert list(debian_root.file("/tmp/stick").iterdir()), exported.stdout + exported.stderr
    counted = debian_root.run("/usr/libexec/kiosk-dvc/kiosk-maint", "unsynced", user="kiosk")
    assert counted.stdout.strip() == "0"
    assert queue_counts(debian_root)["queued"] == 1  # still syncing: exported is not acknowledged


def test_12_purge_of_a_synced_kiosk_crypto_erases(debian_root: DebianRoot) -> None:
    # Everything sent, or exported to a stick (test_11b): nothing a purge would lose.
    counted = debian_root.run("/usr/libexec/kiosk-dvc/kiosk-maint", "unsynced", user="kiosk")
    assert counted.stdout.strip() == "0"
    purged = debian_root.run("dpkg", "--purge", "kiosk-dvc", check=False, timeout=900)
    assert purged.returncode == 0, purged.stderr
    assert not debian_root.file("/var/lib/kiosk").exists()
    assert not debian_root.file("/etc/kiosk").exists()
    assert not debian_root.file("/opt/kiosk-dvc").exists()
    assert debian_root.status() == "" or debian_root.status().startswith("un")
