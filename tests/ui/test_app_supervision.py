"""``kiosk-app`` as systemd runs it (``Type=notify``, ``WatchdogSec=``, inside cage): READY=1
once the window shows, WATCHDOG=1 from the GUI thread, SIGTERM / SIGINT → STOPPING=1 and exit
0, READY=1 again after it restarts itself on a new configuration; real processes on the
offscreen platform, a notify socket bound here. Then the ``session-active`` marker a citizen's
session keeps for ``kiosk maintenance check``, in the app under test."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from config.settings import (
    DevicesSection,
    GatewaySection,
    PathsSection,
    PrinterSection,
    Settings,
    save_settings,
)
from dvc_common.markers import live_marker
from dvc_common.sd_notify import Notice
from kiosk.maintenance_window import SESSION_MARKER
from kiosk.router import Screen
from tests.dvc_common.notify_support import NotifyListener, path_listener
from tests.ui.conftest import AppFactory, closed_port_url

ROOT = Path(__file__).resolve().parents[2]
KIOSK_APP = Path(sys.executable).with_name("kiosk-app")  # the console script, as installed
RESTART_PROBE = ROOT / "tests" / "ui" / "restart_probe.py"
STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def appliance_config(root: Path) -> Path:
    """A configured kiosk on fake devices (the defaults) whose gateway is down."""
    path = root / "kiosk.toml"
    save_settings(
        Settings(
            paths=PathsSection(data_dir=root / "data", scratch_dir=root / "scratch"),
            gateway=GatewaySection(url=closed_port_url(), token=SecretStr("t0ken")),
            devices=DevicesSection(printer=PrinterSection(path=root / "slips")),
        ),
        path,
    )
    return path


def start(
    command: list[str], manager: NotifyListener, stderr_path: Path, **env: str
) -> subprocess.Popen[bytes]:
    stderr = stderr_path.open("w")
    info = os.fstat(stderr.fileno())
    try:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=manager.env(
                QT_QPA_PLATFORM="offscreen",
                QT_QUICK_BACKEND="software",
                JOURNAL_STREAM=f"{info.st_dev}:{info.st_ino}",
                **env,
            ),
        )
    finally:
        stderr.close()  # the child has its own copy


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_app_is_ready_fed_from_the_gui_thread_and_ends_cleanly_on_a_signal(
    tmp_path: Path, sig: signal.Signals
) -> None:
    config = appliance_config(tmp_path)
    log = tmp_path / "stderr.log"
    with path_listener() as manager:
        # Started by cage, not by systemd: WATCHDOG_PID names its parent (here, this process).
        process = start(
            [str(KIOSK_APP), "--config", str(config)],
            manager,
            log,
            WATCHDOG_USEC="3000000",
            WATCHDOG_PID=str(os.getpid()),
        )
        try:
            ready = manager.wait_field(Notice.READY)
            assert ready.pid == process.pid
            for _ in range(2):
                assert manager.wait_field(Notice.WATCHDOG).pid == process.pid
            process.send_signal(sig)
            assert manager.wait_field(Notice.STOPPING).pid == process.pid
            assert process.wait(timeout=60) == 0
        finally:
            stop(process)
    assert not (tmp_path / "scratch" / SESSION_MARKER).exists()
    assert not list((tmp_path / "scratch").glob("session-*"))
    lines = log.read_text(encoding="utf-8").splitlines()
    ours = [line for line in lines if line.startswith("<")]  # Qt's own lines are Qt's
    assert any(line.startswith("<6>INFO ") for line in ours)
    assert not any(STAMP.match(line) for line in lines)


def test_after_restarting_itself_the_new_image_says_ready_again(tmp_path: Path) -> None:
    config = appliance_config(tmp_path)
    flag = tmp_path / "restarted-once"
    with path_listener() as manager:
        process = start(
            [sys.executable, str(RESTART_PROBE), "--config", str(config)],
            manager,
            tmp_path / "stderr.log",
            KIOSK_RESTART_FLAG=str(flag),
        )
        try:
            manager.wait_field(Notice.READY)
            manager.wait_field(Notice.RELOADING)
            again = manager.wait_field(Notice.READY)
            assert flag.read_text(encoding="utf-8") == str(process.pid)  # the first image's
            assert again.pid == process.pid  # the same process slot, a new image
            process.send_signal(signal.SIGTERM)
            manager.wait_field(Notice.STOPPING)
            assert process.wait(timeout=60) == 0
        finally:
            stop(process)
    said = [m.fields[0] for m in manager.received if not m.has(Notice.WATCHDOG)]
    assert said == ["READY=1", "RELOADING=1", "READY=1", "STOPPING=1"]


def test_an_open_session_keeps_the_marker_the_maintenance_check_reads(
    make_app: AppFactory,
) -> None:
    app = make_app(None)
    marker = app.settings.paths.scratch_dir / SESSION_MARKER
    check = [sys.executable, "-m", "kiosk", "--config", str(app.root / "kiosk.toml")]
    save_settings(app.settings, app.root / "kiosk.toml")
    assert not marker.exists()

    app.driver.tap("startButton")  # the citizen leaves the home screen
    app.driver.wait_screen(Screen.PROCEDURES)
    holder = live_marker(marker)
    assert holder is not None
    assert holder.pid == os.getpid()  # this process is the app
    busy = subprocess.run(
        [*check, "maintenance", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (busy.returncode, busy.stdout) == (1, "not now: a citizen session is open\n")

    session = app.settings.session
    app.idle(session.idle_warning_after_s + 1)
    app.idle(session.idle_countdown_s)  # wiped for being left alone
    app.driver.wait_screen(Screen.HOME)
    assert not marker.exists()
    clear = subprocess.run(
        [*check, "maintenance", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert clear.returncode == 0


def test_a_broken_configuration_shows_the_fault_page_until_it_is_fixed(tmp_path: Path) -> None:
    """The appliance (full screen) with a configuration that does not validate: no exit, no
    crash loop. It says READY with the reason, keeps the watchdog fed and shows the fault page;
    once the file is fixed it starts again on it, in the same process, and the kiosk is up."""
    config = appliance_config(tmp_path)
    good = config.read_text(encoding="utf-8")
    config.write_text(good.replace("[paths]", "[paths]\nscratch_dir_typo = 1"), encoding="utf-8")
    log = tmp_path / "stderr.log"
    with path_listener() as manager:
        process = start(
            [str(KIOSK_APP), "--config", str(config), "--fullscreen"],
            manager,
            log,
            WATCHDOG_USEC="3000000",
            WATCHDOG_PID=str(os.getpid()),
        )
        try:
            unusable = manager.wait_status("configuration unusable")
            assert "scratch_dir_typo" in (unusable.value("STATUS") or "")
            first = manager.wait_field(Notice.READY)
            assert first.pid == process.pid
            assert manager.wait_field(Notice.WATCHDOG).pid == process.pid
            assert process.poll() is None  # still up, showing the page
            # The technician fixes the file (an atomic rewrite, as an editor or enrolment does).
            fixed = tmp_path / "kiosk.toml.new"
            fixed.write_text(good, encoding="utf-8")
            fixed.replace(config)
            assert manager.wait_field(Notice.RELOADING).pid == process.pid
            again = manager.wait_field(Notice.READY)
            assert again.pid == process.pid  # the same service process, re-executed
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) == 0
        finally:
            stop(process)
    assert "scratch_dir_typo" in log.read_text(encoding="utf-8")
