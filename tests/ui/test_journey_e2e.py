"""The whole citizen journey through the real QML, tapped by objectName, with fake devices and
the reference gateway: online, offline then synced, and a status lookup from the slip.

Every screen is saved in both orientations to ``artifacts/screens`` on the way.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr

from drivers.printer.fake import PrinterFault
from kiosk.router import Screen
from offline_queue.opening import open_queue_store
from offline_queue.service import build_engine
from offline_queue.store import QueueStore
from simulators.gateway_process import GatewayProcess
from simulators.screens_demo import BOTH, JourneyShots, play_citizen, play_lookup
from tests.ui.conftest import ARTIFACTS, AppFactory


def sms_reader(gateway: GatewayProcess) -> str:
    lines = (gateway.data_dir / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    return str(json.loads(lines[-1])["code"])


def queued(store: QueueStore) -> list[tuple[str, dict[str, object]]]:
    """(receipt number, decrypted body) of every dossier in the outbox."""
    return [(row.receipt_number, store.body(row.client_uuid)) for row in store.list_dossiers()]


def rating_of(store: QueueStore) -> dict[str, object] | None:
    [row] = store.list_dossiers()
    return store.rating(row.client_uuid)


def test_full_journey_online_then_lookup_from_the_slip(
    make_app: AppFactory, gateway: GatewayProcess
) -> None:
    app = make_app(gateway)
    taken: list[Path] = []
    shots = JourneyShots(ARTIFACTS / "online", BOTH, taken)
    code = play_citizen(app.driver, shoot=shots, sms_code=lambda: sms_reader(gateway))
    # Every screen of the journey, in both orientations, as a real PNG...
    assert len(taken) == 2 * 14  # a parent applies: no power of attorney to skip
    assert all(path.stat().st_size > 10_000 for path in taken)
    # ...and on none of them is a control cut off, covered, overlapped or too small.
    assert shots.problems == {}, "\n".join(
        f"{name}: {problem}" for name, found in shots.problems.items() for problem in found
    )

    # The slip was drawn and "printed" as PNG and ESC/POS bytes, with the code on it.
    assert (app.root / "slips" / f"{code}.png").stat().st_size > 5_000
    assert (app.root / "slips" / f"{code}.bin").stat().st_size > 5_000

    # The dossier waits in the encrypted outbox: verified identity, the scanned pages.
    store = open_queue_store(app.settings)
    [(receipt, body)] = queued(store)
    assert receipt == code
    assert body["verification"] == "verified"
    assert body["procedure_code"] == "1.001193"
    assert isinstance(body["form"], dict) and body["form"]["phone"] == "0912345678"
    [row] = store.list_dossiers()
    assert [f.document_code for f in store.files(row.client_uuid)].count("birth_certificate") >= 1
    assert rating_of(store) == {"score": 5, "reason": None}

    # The sync process delivers it; the slip's QR code then finds it at the gateway.
    report = build_engine(app.settings, store).run_once()
    assert report.submitted == [code]
    assert any(d["receipt_number"] == code for d in gateway.received())
    result = play_lookup(app.driver, shoot=JourneyShots(ARTIFACTS / "online", BOTH))
    assert result["kind"] == "found"
    assert result["status"] == "Đã tiếp nhận"
    assert result["appointment"]


def test_journey_with_the_gateway_down_completes_then_syncs(
    make_app: AppFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    app = make_app(None)
    shots = JourneyShots(ARTIFACTS / "offline", BOTH)
    code = play_citizen(app.driver, shoot=shots, rating=2)
    assert shots.problems == {}, "\n".join(
        f"{name}: {problem}" for name, found in shots.problems.items() for problem in found
    )
    store = open_queue_store(app.settings)
    [(receipt, body)] = queued(store)
    # Nothing waited on the network: identity pending, a screen code, a provisional number.
    assert receipt == code
    assert body["verification"] == "pending"
    [row] = store.list_dossiers()
    assert row.official_code is None
    assert rating_of(store) == {"score": 2, "reason": "Phải chờ lâu"}
    assert app.kapp.router.screen == Screen.HOME

    # The gateway comes back: the same queue syncs to it.
    gateway = GatewayProcess.start(tmp_path_factory.mktemp("late-gateway"))
    try:
        settings = app.settings.model_copy(
            update={
                "gateway": app.settings.gateway.model_copy(
                    update={"url": gateway.url, "token": SecretStr(gateway.token)}
                )
            }
        )
        report = build_engine(settings, store).run_once()
        assert report.submitted == [code]
        [received] = gateway.received()
        assert received["receipt_number"] == code
    finally:
        gateway.stop()


def test_status_lookup_offline_says_so_plainly(make_app: AppFactory) -> None:
    app = make_app(None)
    driver = app.driver
    driver.tap("lookupButton")
    driver.wait_screen(Screen.LOOKUP)
    driver.type_into("lookupField", "KIOSK01-261202-0001")
    driver.tap("lookupSubmit")
    driver.wait_until(lambda: bool(app.kapp.lookup.result), "the lookup answer")
    assert app.kapp.lookup.result["kind"] == "offline"
    assert "chưa kết nối được" in driver.text("lookupMessage")
    driver.shoot(ARTIFACTS / "offline", "14-lookup-offline", BOTH)
    driver.tap("backButton")
    driver.wait_screen(Screen.HOME)


def test_print_failure_keeps_the_code_on_screen_and_the_slip_for_reprint(
    make_app: AppFactory,
) -> None:
    app = make_app(None)
    app.printer.inject(PrinterFault.PAPER_OUT)
    journey = app.kapp.journey
    driver = app.driver
    play_citizen(driver, stop_at_done=True)
    assert app.kapp.router.screen == Screen.DONE
    assert journey.printStatus == "failed"
    code = journey.dossier["code"]
    assert driver.text("dossierCode") == code
    assert "chụp ảnh mã hồ sơ" in driver.text("printFailed")
    driver.shoot(ARTIFACTS / "offline", "15-print-failed", BOTH)
    kept = app.kapp.hub.printing.kept_slips.pending()
    assert [slip.code for slip in kept] == [code]
