"""Two staff changing one dossier's status at the same moment: the console's check of the form's
status and the store's change are one atomic step (``Store.change_status``), so a colleague's
change committed after the page read the dossier wins and this one is answered "moved
meanwhile" (409), never applied on top of it. The interleaving is made to happen, not hoped
for: the gateway's store commits the colleague's change, through a second connection, just after
the console has read the dossier for the change."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from gateway_testkit import MONDAY_MORNING, UNIT_CODE
from starlette.applications import Starlette
from starlette.routing import Mount
from test_console_kit import PASSWORD, ConsoleClient, password_hash

from dvc_common.clock import FakeClock
from dvc_common.protocol import ProcessingStatus
from gateway.blobs import DirectoryBlobStore
from gateway.console import create_console
from gateway.console.store import ConsoleAction, Outcome, StaffRole
from gateway.console.store_sqlite import SqliteConsoleStore
from gateway.console.web import MSG_STATUS_MOVED
from gateway.server import BackgroundServer
from gateway.settings import GatewaySettings
from gateway.store import DossierRecord
from gateway.store_sqlite import SqliteStore

KIOSK = "KIOSK01"


class ColleagueFirst(SqliteStore):
    """The gateway's store, with a colleague's status change slipped in (through a second
    connection, as another replica would make it) right after the dossier is read, once armed.
    """

    def __init__(self, data_dir: Path, colleague: SqliteStore, now: datetime) -> None:
        super().__init__(data_dir)
        self.colleague = colleague
        self.now = now
        self.armed = False

    def dossier(self, dossier_id: str) -> DossierRecord | None:
        record = super().dossier(dossier_id)
        if self.armed and record is not None:
            self.armed = False
            self.colleague.change_status(
                dossier_id, expected=record.status, status=ProcessingStatus.REJECTED,
                at=self.now, note="Đồng nghiệp đã xử lý",
            )  # fmt: skip
        return record


@pytest.fixture
def setting(
    tmp_path: Path,
) -> Iterator[tuple[ColleagueFirst, SqliteConsoleStore, str, ConsoleClient]]:
    clock = FakeClock(MONDAY_MORNING)
    colleague = SqliteStore(tmp_path)
    store = ColleagueFirst(tmp_path, colleague, clock.now())
    console_store = SqliteConsoleStore(tmp_path)
    console_store.add_staff(
        username="xa.a", full_name="Lê Thị Lan", role=StaffRole.COMMUNE_STAFF,
        unit_prefix=UNIT_CODE, password_hash=password_hash(), now=clock.now(),
    )  # fmt: skip
    store.enrol(KIOSK, clock.now(), UNIT_CODE)
    dossier, _ = store.create_dossier(
        client_uuid="c-1", kiosk_id=KIOSK, receipt_number="KIOSK01-261123-0001",
        procedure_code="1.001193", body="{}", files=[], now=clock.now(),
    )  # fmt: skip
    store.finalize(
        dossier.dossier_id, now=clock.now(), day=clock.now().date(), unit_code=UNIT_CODE,
        appointment_date=clock.now().date(), note="Tiếp nhận",
    )  # fmt: skip
    console = create_console(
        store=store,
        console_store=console_store,
        blobs=DirectoryBlobStore(tmp_path),
        settings=GatewaySettings(unit_code=UNIT_CODE, clock=clock.now),
    )
    server = BackgroundServer(Starlette(routes=[Mount("/console", console)])).start()
    client = ConsoleClient(server.url + "/console")
    yield store, console_store, dossier.dossier_id, client
    client.close()
    server.stop()
    for opened in (store, colleague, console_store):
        opened.close()


def test_a_change_racing_a_colleague_s_is_refused_as_moved_meanwhile(
    setting: tuple[ColleagueFirst, SqliteConsoleStore, str, ConsoleClient],
) -> None:
    store, console_store, dossier_id, client = setting
    assert client.login("xa.a", PASSWORD).status_code == 303
    page = client.get(f"/dossiers/{dossier_id}").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None and 'name="from_status" value="received"' in page

    store.armed = True  # the colleague's change lands after the console reads the dossier
    answer = client.post(
        f"/dossiers/{dossier_id}/status",
        {"csrf_token": found.group(1), "from_status": "received", "status": "processing",
         "note": "Chuyển phòng Tư pháp"},
    )  # fmt: skip

    assert not store.armed  # the colleague did get in between
    assert answer.status_code == 409 and MSG_STATUS_MOVED in answer.text
    dossier = store.dossier(dossier_id)
    assert dossier is not None and dossier.status is ProcessingStatus.REJECTED
    assert [h.status for h in store.history(dossier_id)] == [
        ProcessingStatus.RECEIVED,
        ProcessingStatus.REJECTED,
    ]
    refused = console_store.audit_entries(unit_prefix=None, limit=1)[0]
    assert (refused.action, refused.outcome, refused.actor) == (
        ConsoleAction.STATUS_CHANGE,
        Outcome.REFUSED,
        "xa.a",
    )
    assert "Từ chối tiếp nhận" in refused.detail  # what it now is
