"""Issue 13's check, end to end through the real QML and the reference gateway in its own
process: a kiosk never enrolled is enrolled from the gateway's one-time code read at the reader,
started again on what it wrote, a technician comes in with a badge the gateway signed, a citizen's
dossier left unsynced is carried to the gateway on a stick and imported, and when the kiosk's
link comes back its sync stores nothing twice."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from config.settings import GatewaySection, Settings, load_settings
from dvc_common.clock import VIETNAM
from kiosk.router import Screen
from offline_queue.opening import open_queue_store
from simulators.gateway_process import GatewayProcess
from simulators.layout_check import LayoutProblem, layout_problems
from simulators.screens_demo import BOTH, play_citizen, register_sample_citizen
from tests.ui.conftest import ARTIFACTS, AppFactory
from tests.ui.test_journey_e2e import sms_reader
from tests.ui.test_technician_screens import open_entry, reader


def gateway_cli(gateway: GatewayProcess, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "gateway", *args, "--data", str(gateway.data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[GatewayProcess]:
    process = GatewayProcess.start(tmp_path / "gateway")
    register_sample_citizen(process.data_dir)
    yield process
    process.stop()


def test_enrol_badge_carry_on_a_stick_and_sync_without_duplicates(
    make_app: AppFactory, gateway: GatewayProcess, tmp_path: Path
) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()

    def never_enrolled(settings: Settings) -> Settings:
        # First boot: the gateway's address only; no token, no keys, no PIN.
        paths = settings.paths.model_copy(update={"usb_dir": usb})
        return settings.model_copy(
            update={"gateway": GatewaySection(url=gateway.url), "paths": paths}
        )

    restarts: list[bool] = []
    first = make_app(
        configure=never_enrolled, config_file=True, restart=lambda: restarts.append(True)
    )
    config = first.root / "kiosk.toml"
    code = gateway_cli(gateway, "enrol-code", "--kiosk", "KIOSK07", "--url", gateway.url)
    assert code.startswith("DVCE1.")

    # Not enrolled: the kiosk opens on its first-run set-up, not on the citizen screens, with no
    # way back to them and no PIN pad (there is no PIN). A badge cannot be checked yet (no
    # gateway key): the enrolment code is the way in.
    first.driver.wait_screen(Screen.TECH_ENTRY)
    assert first.driver.text("techEntryHow").startswith("Kiosk này chưa đăng ký")
    assert not first.driver.exists("techEntryBack") and not first.driver.exists("pinPad")
    problems: list[LayoutProblem] = []
    first.driver.shoot(
        ARTIFACTS / "technician",
        "first-run",
        BOTH,
        check=lambda _, window: problems.extend(layout_problems(window)),
    )
    assert problems == []
    reader(first).present(code.encode())
    first.driver.wait_screen(Screen.TECHNICIAN, timeout_s=60)
    enrolled = load_settings(config)
    assert enrolled.kiosk.id == "KIOSK07"
    assert enrolled.gateway.token.get_secret_value()
    assert enrolled.gateway.signing_key.startswith("ed25519:")
    assert enrolled.gateway.sealing_key.startswith("x25519:")
    first.driver.wait_until(lambda: first.driver.exists("restartKiosk"), "restart offered")
    first.driver.tap("restartKiosk")
    assert restarts == [True]
    # The same code again is refused: it was spent.
    again = subprocess.run(
        [sys.executable, "-m", "kiosk", "enrol", code, "--config", str(tmp_path / "other.toml")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode != 0 and "already been used" in (again.stdout + again.stderr)

    # Started again on what enrolment wrote.
    kiosk = make_app(configure=lambda _: load_settings(config), config_file=True)
    assert kiosk.settings.kiosk.id == "KIOSK07"
    # A citizen submits; the sync process is not running here: the dossier stays queued.
    receipt = play_citizen(kiosk.driver, show_errors=False, sms_code=lambda: sms_reader(gateway))
    assert receipt.startswith("KIOSK07-")

    # The technician's badge, signed by the gateway, opens the kiosk offline.
    badge = gateway_cli(
        gateway,
        "badge",
        "issue",
        "--technician-id",
        "KT-7",
        "--name",
        "Hà Thị Kỹ",
        "--kiosk",
        "KIOSK07",
    )
    # The badge is valid from the gateway's now; the kiosk's test clock is days behind it.
    kiosk.clock.advance((datetime.now(VIETNAM) - kiosk.clock.now()).total_seconds())
    open_entry(kiosk)
    reader(kiosk).present(badge.splitlines()[-1].encode())
    kiosk.driver.wait_screen(Screen.TECHNICIAN)
    assert "Hà Thị Kỹ" in kiosk.driver.text("techActor")
    kiosk.driver.tap("tab_outbox")
    kiosk.driver.tap("exportOutbox")
    tech = kiosk.kapp.technician
    kiosk.driver.wait_until(lambda: tech.export.get("ok") is True, "exported to the stick")
    [carried] = list(usb.glob("*.dvcexport"))

    # At the gateway's office: imported from the stick.
    imported = gateway_cli(gateway, "import", "--json", str(carried))
    assert receipt in imported
    assert [d["receipt_number"] for d in gateway.received()].count(receipt) == 1

    # The link is back: the kiosk's own sync finds the dossier already there.
    sync = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk",
            "--config",
            str(kiosk.root / "kiosk.toml"),
            "sync",
            "--once",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert sync.returncode == 0, sync.stderr
    store = open_queue_store(load_settings(kiosk.root / "kiosk.toml"))
    try:
        [row] = store.list_dossiers()
        assert row.receipt_number == receipt and row.status.value == "submitted"
        assert [e.kind for e in store.pending_audit(100)] == []  # delivered with the pass
    finally:
        store.close()
    assert [d["receipt_number"] for d in gateway.received()].count(receipt) == 1
