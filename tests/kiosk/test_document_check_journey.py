"""The document check in the citizen journey: a warning belongs to its document's scan step, the
citizen scans again (the pages go) or keeps it (the dossier and the gateway body record it), a
match says nothing, and a result for a citizen who has left lands nowhere."""

from __future__ import annotations

import uuid
from pathlib import Path

from dvc_common.protocol import CheckVerdict
from kiosk.document_check import DocumentCheck, DocumentVerdict
from kiosk.dossier import DocumentWarning, Dossier
from kiosk.journey import (
    Cancel,
    DocumentChecked,
    DocumentProgress,
    EnterCode,
    KeepDocument,
    PageScanned,
    Proceed,
    RejectReason,
    ReplacePage,
    RescanDocument,
    State,
    Tick,
)
from kiosk.outbox import gateway_body
from tests.kiosk.conftest import Harness
from tests.kiosk.test_journey import COUNTDOWN, WARN_AFTER, code, drive_to, send

LOOKS_LIKE = "Sổ hộ khẩu"


def current(h: Harness) -> DocumentProgress:
    snapshot = h.kiosk.journey.snapshot()
    return snapshot.documents[snapshot.document_index]


def scan_pages(h: Harness, count: int) -> list[Path]:
    paths = [h.page(f"page-{uuid.uuid4().hex[:8]}.pdf", f"%PDF {n}".encode()) for n in range(count)]
    for path in paths:
        send(h, PageScanned(path))
    return paths


def checked(h: Harness, verdict: DocumentVerdict, looks_like: str | None = None) -> None:
    snapshot = h.kiosk.journey.snapshot()
    assert snapshot.session_id is not None
    code_ = current(h).document.code
    check = DocumentCheck(verdict, code_, looks_like, 0, ms=420.0)
    send(h, DocumentChecked(snapshot.session_id, check))


def finish(h: Harness) -> Dossier:
    """From the scan step to the queued dossier, the way a citizen goes on."""
    journey = h.kiosk.journey
    while journey.state is State.SCAN:
        send(h, Proceed())
    send(h, Proceed())  # review → confirm
    send(h, EnterCode(code(h)))
    assert journey.state is State.DONE
    return h.queue.dossiers[-1]


def test_a_warning_belongs_to_the_document_and_is_asked_about(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    scan_pages(harness, 2)
    checked(harness, DocumentVerdict.OTHER_DOCUMENT, LOOKS_LIKE)
    progress = current(harness)
    assert progress.warned and progress.warning_open and not progress.kept
    assert progress.check is not None
    assert progress.check.looks_like == LOOKS_LIKE
    assert progress.check.expected == progress.document.code
    # A system event: the citizen stays where they are, nothing is refused.
    assert harness.kiosk.journey.state is State.SCAN
    assert harness.kiosk.journey.snapshot().notice is None


def test_scanning_again_discards_the_documents_pages_and_the_warning(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    paths = scan_pages(harness, 2)
    checked(harness, DocumentVerdict.UPSIDE_DOWN)
    send(harness, RescanDocument())
    progress = current(harness)
    assert progress.pages == ()
    assert progress.check is None and not progress.warned
    assert [p.exists() for p in paths] == [False, False]
    assert harness.kiosk.journey.state is State.SCAN
    # The pages scanned next start the document afresh, with no warning of the old ones.
    scan_pages(harness, 1)
    assert not current(harness).warned


def test_keeping_it_records_the_warning_in_the_dossier_and_its_upload(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    scan_pages(harness, 1)
    checked(harness, DocumentVerdict.OTHER_DOCUMENT, LOOKS_LIKE)
    expected_name = current(harness).document.name
    send(harness, KeepDocument())
    progress = current(harness)
    assert progress.kept and progress.warned and not progress.warning_open
    assert len(progress.pages) == 1  # the pages stay
    dossier = finish(harness)
    warned = [d for d in dossier.documents if d.warning is not None]
    assert len(warned) == 1
    assert warned[0].name == expected_name
    assert warned[0].warning == DocumentWarning(CheckVerdict.OTHER_DOCUMENT, LOOKS_LIKE, 0)
    # Stored on the kiosk and read back unchanged.
    assert Dossier.from_json(dossier.to_json()) == dossier
    # Sent to the gateway with the document entry; staff see it there.
    entries = {d["code"]: d for d in gateway_body(dossier)["documents"]}
    assert entries[warned[0].code]["check"] == {
        "verdict": "other_document",
        "looks_like": LOOKS_LIKE,
        "page_index": 0,
    }


def test_going_on_without_answering_keeps_it_and_records_it(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    scan_pages(harness, 1)
    checked(harness, DocumentVerdict.BLANK)
    dossier = finish(harness)
    assert [d.warning for d in dossier.documents if d.warning] == [
        DocumentWarning(CheckVerdict.BLANK, None, 0)
    ]


def test_a_match_warns_about_nothing_and_the_upload_is_as_before(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    scan_pages(harness, 1)
    checked(harness, DocumentVerdict.MATCH)
    progress = current(harness)
    assert progress.check is not None and not progress.warned and not progress.warning_open
    send(harness, KeepDocument(), accepted=False)  # nothing to keep
    dossier = finish(harness)
    assert all(d.warning is None for d in dossier.documents)
    for entry in gateway_body(dossier)["documents"]:
        assert set(entry) == {"code", "name"}  # byte for byte what older kiosks sent


def test_a_new_check_of_the_first_page_replaces_the_old_one(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    scan_pages(harness, 1)
    checked(harness, DocumentVerdict.CUT_OFF)
    send(harness, KeepDocument())
    checked(harness, DocumentVerdict.UNREADABLE)
    progress = current(harness)
    assert progress.check is not None
    assert progress.check.verdict is DocumentVerdict.UNREADABLE
    assert progress.warning_open  # asked afresh
    checked(harness, DocumentVerdict.MATCH)
    assert not current(harness).warned


def test_the_first_page_scanned_again_takes_the_warning_with_it(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    scan_pages(harness, 2)
    checked(harness, DocumentVerdict.CUT_OFF)
    send(harness, ReplacePage(1, harness.page("second-again.pdf", b"%PDF second")))
    assert current(harness).warned  # the title page is as it was
    send(harness, ReplacePage(0, harness.page("first-again.pdf", b"%PDF first")))
    assert current(harness).check is None  # until the new page's own check arrives


def test_without_a_warning_there_is_nothing_to_scan_again(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    paths = scan_pages(harness, 1)
    outcome = harness.kiosk.journey.dispatch(RescanDocument())
    assert not outcome.accepted and outcome.reason is RejectReason.NOT_ALLOWED_HERE
    assert paths[0].exists()


def test_a_check_for_a_citizen_who_has_left_lands_nowhere(harness: Harness) -> None:
    journey = harness.kiosk.journey
    drive_to(harness, State.SCAN)
    scan_pages(harness, 1)
    old = journey.snapshot()
    assert old.session_id is not None
    document = current(harness).document.code
    send(harness, Cancel())
    drive_to(harness, State.SCAN)
    scan_pages(harness, 1)
    late = DocumentCheck(DocumentVerdict.OTHER_DOCUMENT, document, LOOKS_LIKE, 0)
    send(harness, DocumentChecked(old.session_id, late))
    assert current(harness).check is None
    # Nor for a session that never was, or a document this procedure does not ask for.
    send(harness, DocumentChecked(uuid.uuid4(), late))
    snapshot = journey.snapshot()
    assert snapshot.session_id is not None
    stranger = DocumentCheck(DocumentVerdict.BLANK, "no_such_document", None, 0)
    send(harness, DocumentChecked(snapshot.session_id, stranger))
    assert all(p.check is None for p in journey.snapshot().documents)


def test_idle_timeout_wipes_the_warning_with_everything_else(harness: Harness) -> None:
    journey = harness.kiosk.journey
    drive_to(harness, State.SCAN)
    scan_pages(harness, 1)
    checked(harness, DocumentVerdict.OTHER_DOCUMENT, LOOKS_LIKE)
    harness.clock.advance(WARN_AFTER)
    send(harness, Tick())
    assert journey.state is State.IDLE_WARNING
    harness.clock.advance(COUNTDOWN)
    send(harness, Tick())
    assert journey.state is State.ATTRACT
    assert journey.snapshot().documents == ()
    drive_to(harness, State.SCAN)
    assert all(p.check is None and not p.pages for p in journey.snapshot().documents)


def test_a_result_arriving_during_the_idle_warning_is_kept_for_the_citizen(
    harness: Harness,
) -> None:
    journey = harness.kiosk.journey
    drive_to(harness, State.SCAN)
    scan_pages(harness, 1)
    harness.clock.advance(WARN_AFTER)
    send(harness, Tick())
    assert journey.state is State.IDLE_WARNING
    checked(harness, DocumentVerdict.UPSIDE_DOWN)
    # The check is not the citizen: the warning still counts down.
    assert journey.state is State.IDLE_WARNING
    send(harness, Tick())
    assert journey.state is State.IDLE_WARNING
    harness.clock.advance(1)
    send(harness, Proceed())  # the first touch only answers "are you still there?"
    assert journey.state is State.SCAN
    assert current(harness).warning_open


def test_the_protocol_carries_exactly_the_verdicts_that_warn() -> None:
    warning = {v.value for v in DocumentVerdict if DocumentCheck(v, "any").warned}
    assert warning == {v.value for v in CheckVerdict}


def test_a_dossier_stored_before_the_check_existed_still_loads(harness: Harness) -> None:
    drive_to(harness, State.SCAN)
    scan_pages(harness, 1)
    dossier = finish(harness)
    data = dossier.to_dict()
    for document in data["documents"]:
        del document["warning"]  # as dossiers were written before
    assert Dossier.from_dict(data) == dossier
