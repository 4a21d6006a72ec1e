"""The document check on the real scan and review screens (offscreen QML, fake scanner, a
scripted checker at the check's port): "checking" while it reads, the warning large and plain
naming the document asked for, "scan again" discarding the pages and feeding again, "submit it
anyway" keeping them, the review screen and the queued dossier saying so. Both orientations are
shot to ``artifacts/screens/document-check`` and their geometry checked."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

from PySide6.QtQuick import QQuickWindow

from config.settings import Language
from drivers.scanner.pipeline import ProcessedPage
from dvc_common.catalog import RequiredDocument
from kiosk.document_check import DocumentCheck, DocumentVerdict
from kiosk.router import Screen
from kiosk.scanning import ScanService
from offline_queue.opening import open_queue_store
from simulators.layout_check import LayoutProblem, layout_problems
from simulators.screens_demo import BOTH, demo_pages
from tests.ui.conftest import ARTIFACTS, AppFactory, AppHarness
from tests.ui.test_screens import to_scan
from ui.app import Orientation
from ui.journey_vm import CHECK_WORDING
from ui.messages import sentences

SHOTS = ARTIFACTS / "document-check"
LOOKS_LIKE = "Sổ hộ khẩu"
WAIT_S = 60.0


class ScriptedChecker:
    """The check's port answered from a script; ``gate`` holds a check until the test opens it,
    so the screen can be seen while the check runs."""

    def __init__(self, *verdicts: DocumentVerdict) -> None:
        self._verdicts = list(verdicts)
        self.gate = threading.Event()
        self.gate.set()
        self.calls = 0

    def check(self, pages: Sequence[ProcessedPage], document: RequiredDocument) -> DocumentCheck:
        self.calls += 1
        assert self.gate.wait(WAIT_S), "the test never let the check finish"
        verdict = self._verdicts.pop(0)
        looks_like = LOOKS_LIKE if verdict is DocumentVerdict.OTHER_DOCUMENT else None
        return DocumentCheck(verdict, document.code, looks_like, 0, ms=5.0)


def with_checker(app: AppHarness, checker: ScriptedChecker) -> None:
    """The app's scan service, given the scripted checker (the device hub's public seam)."""
    app.kapp.hub.scanning_service = ScanService(
        app.devices.scanner, app.settings.devices.scanner, checker
    )


def shoot_checked(app: AppHarness, name: str) -> None:
    problems: list[LayoutProblem] = []

    def check(_: Orientation, window: QQuickWindow) -> None:
        problems.extend(layout_problems(window))

    shots = app.driver.shoot(SHOTS, name, BOTH, check=check)
    assert all(path.stat().st_size > 10_000 for path in shots)
    assert problems == [], "\n".join(map(str, problems))


def overlay_shown(app: AppHarness) -> bool:
    overlay = app.driver.find("checkWarningOverlay")
    return overlay is not None and overlay.isVisible()


def test_the_warning_then_scanning_again(make_app: AppFactory) -> None:
    app = make_app(sheets=2)
    checker = ScriptedChecker(DocumentVerdict.OTHER_DOCUMENT, DocumentVerdict.MATCH)
    checker.gate.clear()  # the first check waits until the "checking" screen is seen
    with_checker(app, checker)
    driver, journey = app.driver, app.kapp.journey
    to_scan(app)
    driver.tap("scanButton")
    driver.wait_until(lambda: journey.checking, "the check to start", timeout_s=WAIT_S)
    assert "Đang kiểm tra giấy tờ vừa quét" in driver.text("checkingBanner")
    assert not overlay_shown(app)
    shoot_checked(app, "checking")
    checker.gate.set()
    driver.wait_until(lambda: overlay_shown(app), "the warning", timeout_s=WAIT_S)
    assert not journey.checking
    assert driver.text("checkWarningText") == (
        "Giấy tờ vừa quét có vẻ là “Sổ hộ khẩu”, không phải “Giấy chứng sinh”."
    )
    first_pages = [p["thumbnail"] for p in journey.documents[0]["pages"]]
    assert len(first_pages) == 2
    shoot_checked(app, "warning-other-document")

    app.scanner.load(list(demo_pages(2, seed=5)))  # the right papers, into the tray
    driver.tap("rescanDocumentButton")
    driver.wait_until(
        lambda: not journey.scanning and len(journey.documents[0]["pages"]) == 2,
        "the document scanned again",
        timeout_s=WAIT_S,
    )
    assert checker.calls == 2
    assert not overlay_shown(app)
    assert journey.documents[0]["warning"] == ""
    # The pages of the warned scan are gone, from the screen and from the disk.
    again = [p["thumbnail"] for p in journey.documents[0]["pages"]]
    assert set(again).isdisjoint(first_pages)
    session_dir = journey.snapshot.session_dir
    assert session_dir is not None
    assert len(list(session_dir.glob("*.pdf"))) == 2


def test_the_warning_then_submitting_it_anyway(make_app: AppFactory) -> None:
    app = make_app(sheets=1, orientation=Orientation.LANDSCAPE)
    with_checker(app, ScriptedChecker(DocumentVerdict.UPSIDE_DOWN))
    driver, journey = app.driver, app.kapp.journey
    to_scan(app)
    driver.tap("scanButton")
    driver.wait_until(lambda: overlay_shown(app), "the warning", timeout_s=WAIT_S)
    assert "có vẻ bị đặt ngược" in driver.text("checkWarningText")
    assert "Giấy chứng sinh" in driver.text("checkWarningText")
    shoot_checked(app, "warning-upside-down")
    driver.tap("keepDocumentButton")
    driver.wait_until(lambda: not overlay_shown(app), "the warning to close")
    assert "cán bộ sẽ kiểm tra lại" in driver.text("checkKeptNote")
    assert len(journey.documents[0]["pages"]) == 1
    shoot_checked(app, "kept")

    while app.kapp.router.screen == Screen.SCAN:  # the optional papers: skipped
        index = journey.documentIndex
        driver.tap("proceedButton")
        driver.wait_until(
            lambda i=index: app.kapp.router.screen != Screen.SCAN or journey.documentIndex != i,
            "the next document",
        )
    driver.wait_screen(Screen.REVIEW)
    assert driver.exists("reviewCheckKept_0")
    assert "cán bộ sẽ kiểm tra lại" in driver.text("reviewCheckKept_0")
    assert driver.text("reviewCheckBanner") == (
        "⚠ Cán bộ sẽ kiểm tra lại giấy tờ có thể chưa đúng: Giấy chứng sinh."
    )
    shoot_checked(app, "review-kept")

    driver.tap("proceedButton")
    driver.wait_screen(Screen.CONFIRM)
    driver.type_into("codeField", str(journey.challenge["code"]))
    driver.press_enter()
    driver.wait_screen(Screen.DONE)
    # What waits in the outbox for the gateway carries the warning with the document.
    store = open_queue_store(app.settings)
    [row] = store.list_dossiers()
    documents = store.body(row.client_uuid)["documents"]
    assert isinstance(documents, list)
    assert documents[0]["code"] == "birth_certificate"
    assert documents[0]["check"] == {"verdict": "upside_down", "page_index": 0}
    assert all("check" not in d for d in documents[1:])
    store.close()


def test_every_warning_is_worded_in_both_languages_with_its_values() -> None:
    assert set(CHECK_WORDING) == {v for v in DocumentVerdict if DocumentCheck(v, "x").warned}
    for language in Language:
        texts = sentences(language)
        for verdict, message in CHECK_WORDING.items():
            wanted = ["%1", "%2"] if verdict is DocumentVerdict.OTHER_DOCUMENT else ["%1"]
            # Each value once; English may name them in another order.
            assert sorted(re.findall(r"%\d", texts[message])) == wanted, (language, message)
