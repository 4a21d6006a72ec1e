"""Screens one by one: the idle wipe in the middle of scanning, the language switch, the
on-screen keyboard, help on the identify screen, search, read-aloud, and touch-target sizes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QUrl
from PySide6.QtQuick import QQuickItem

from config.settings import Language
from drivers.qr.base import ReaderState
from drivers.qr.camera import PREVIEW_WIDTH
from drivers.qr.fake import FakeFrameSource
from drivers.scanner.fake import FakeScanner
from dvc_common.device_report import REPORT_FILE
from kiosk.maintenance_window import SESSION_MARKER
from kiosk.router import Screen
from offline_queue.opening import open_queue_store
from simulators.screens_demo import BOTH, NO_PACE, answer_page, demo_pages
from tests.ui.conftest import ARTIFACTS, AppFactory, AppHarness, Delivered
from tests.ui.test_speech import FakeBackend
from ui.journey_vm import IDENTIFY_HELP_AFTER_S
from ui.messages import sentences
from ui.speech import Speaker, SpeechEngine, open_backend

BIRTH = ("khai sinh", "1.001193")
EXTRACT_COPY = ("trích lục", "2.000635")  # an optional power of attorney, always offered


def to_identify(app: AppHarness, procedure: tuple[str, str] = BIRTH) -> None:
    """From home to the QR login of ``procedure`` (searched for, then chosen)."""
    driver = app.driver
    search, code = procedure
    driver.tap("startButton")
    driver.wait_screen(Screen.PROCEDURES)
    driver.type_into("searchField", search)
    driver.tap(f"procedure_{code}")
    driver.wait_screen(Screen.DETAILS)
    driver.tap("proceedButton")
    driver.wait_screen(Screen.IDENTIFY)


def to_form(app: AppHarness, procedure: tuple[str, str] = BIRTH) -> None:
    """From home to the first page of ``procedure``'s form, the card confirmed."""
    driver = app.driver
    to_identify(app, procedure)
    driver.tap("simulateQrButton")
    driver.wait_screen(Screen.CARD_CHECK)
    driver.tap("proceedButton")
    driver.wait_screen(Screen.FORM)


def to_scan(app: AppHarness, procedure: tuple[str, str] = BIRTH) -> None:
    """From home to the scan step of ``procedure``, with the form filled."""
    driver = app.driver
    to_form(app, procedure)
    while app.kapp.router.screen == Screen.FORM:  # the form's pages, one at a time
        answer_page(driver, app.kapp.journey, NO_PACE)
        driver.wait_until(
            lambda: app.kapp.router.screen != Screen.FORM or not app.kapp.journey.message,
            "the page to be taken",
        )
    driver.wait_screen(Screen.SCAN)


def showing_a_camera_picture(app: AppHarness) -> bool:
    """The identify screen shows the camera's picture the feed last handed it (not the
    placeholder)."""
    picture = app.driver.find("cameraPicture")
    return (
        picture is not None
        and picture.isVisible()
        and picture.property("source") == QUrl(f"image://camera/{app.kapp.camera.frame}")
        and picture.property("progress") == 1.0  # loaded
        and picture.property("implicitWidth") == PREVIEW_WIDTH
    )


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_idle_in_the_middle_of_scanning_wipes_everything(make_app: AppFactory) -> None:
    app = make_app(None)
    scanner = app.scanner
    scanner.load(list(demo_pages(3)))
    scanner.hold()  # the feeder pulls one page at a time, only when the test says
    to_scan(app)
    journey = app.kapp.journey
    driver = app.driver
    scan_ended = Delivered(app.kapp.hub.scanFinished)
    driver.tap("scanButton")
    scanner.release(1)
    driver.wait_until(lambda: len(journey.documents[0]["pages"]) == 1, "the first page")
    assert journey.scanning
    # The page sits in the session folder (beside it, the session-active marker).
    assert [p for p in files_under(app.settings.paths.scratch_dir) if p.name != SESSION_MARKER]

    session = app.settings.session
    app.idle(session.idle_warning_after_s + 1)
    assert journey.state == "idle_warning"
    assert driver.exists("idleOverlay")
    driver.shoot(ARTIFACTS / "idle", "idle-warning-while-scanning", BOTH)
    app.idle(session.idle_countdown_s)
    driver.wait_screen(Screen.HOME)
    scanner.unhold()
    driver.wait_until(lambda: not app.kapp.hub.scanning, "the scan job to stop")
    # Settled: the job's thread has ended and the app has handled all it sent (its pages come
    # before its end), so whatever it would leave behind is there to be found now.
    driver.wait_until(lambda: len(scan_ended.items) == 1, "the end of the scan job, handled")

    # Nothing of the citizen is left: not in the view-models...
    assert journey.identity == {}
    assert journey.fields == []
    assert journey.documents == []
    assert journey.dossier == {}
    assert journey.challenge == {}
    assert journey.procedure == {}
    # ...not on disk (pages, thumbnails, the session folder)...
    # (The device report the sync process reads sits in the scratch folder too, written every
    # 30 s and after a scan, whatever the session: it says how the printer, scanner and reader
    # are, nothing of a citizen.)
    left = [p for p in files_under(app.settings.paths.scratch_dir) if p.name != REPORT_FILE]
    assert left == []
    # ...and nothing was queued.
    assert open_queue_store(app.settings).list_dossiers() == []


def test_touch_during_the_warning_keeps_the_session(make_app: AppFactory) -> None:
    app = make_app(None)
    to_scan(app)
    app.idle(app.settings.session.idle_warning_after_s + 1)
    assert app.kapp.journey.state == "idle_warning"
    app.driver.tap("stillHereButton")
    assert app.kapp.journey.state == "scan"
    assert app.kapp.journey.identity["maskedId"].endswith("1234")


def test_language_switch_retranslates_and_resets_for_the_next_citizen(
    make_app: AppFactory,
) -> None:
    app = make_app(None)
    driver = app.driver
    assert driver.text("startButton") == "Nộp hồ sơ"
    driver.tap("languageButton")
    driver.wait_until(lambda: driver.text("startButton") == "Hand in an application", "English")
    driver.shoot(ARTIFACTS / "language", "home-english", BOTH)
    driver.tap("startButton")
    driver.wait_screen(Screen.PROCEDURES)
    assert driver.text("backButton") == "Back to start"
    driver.tap("backButton")  # the citizen leaves: the next one starts in Vietnamese
    driver.wait_screen(Screen.HOME)
    driver.wait_until(lambda: driver.text("startButton") == "Nộp hồ sơ", "Vietnamese")


def test_text_fields_open_the_vietnamese_on_screen_keyboard(make_app: AppFactory) -> None:
    app = make_app(None)
    driver = app.driver
    keyboard = driver.find("keyboard")
    assert keyboard is not None
    assert not keyboard.property("active")
    driver.tap("startButton")
    driver.wait_screen(Screen.PROCEDURES)
    driver.tap("searchField")
    driver.wait_until(lambda: bool(keyboard.property("active")), "the keyboard")
    assert app.kapp.window.property("keyboardLocale") == "vi_VN"
    driver.shoot(ARTIFACTS / "keyboard", "search-with-keyboard", BOTH)
    # Typing without tones finds the procedure with them.
    driver.type_into("searchField", "ket hon")
    names = [row["name"] for row in app.kapp.catalog.results]
    assert names[0] == "Đăng ký kết hôn"


def test_identify_offers_help_after_20_seconds_without_a_read(make_app: AppFactory) -> None:
    app = make_app(None)
    driver = app.driver
    to_identify(app)
    banner = driver.find("identifyHelp")  # the screen is loaded: the banner is there, hidden
    assert banner is not None
    assert not banner.isVisible()
    app.idle(IDENTIFY_HELP_AFTER_S - 1)
    assert not app.kapp.journey.identifyHelp
    assert not banner.isVisible()
    app.idle(1)
    driver.wait_until(lambda: "chưa đọc được mã" in driver.text("identifyHelp"), "the help")
    driver.shoot(ARTIFACTS / "identify", "identify-help", BOTH)


def test_a_bad_qr_code_is_refused_in_plain_vietnamese(make_app: AppFactory) -> None:
    app = make_app(None)
    driver = app.driver
    to_identify(app)
    reader = app.devices.qr
    reader.present_garbage()  # type: ignore[attr-defined]
    driver.wait_until(lambda: bool(app.kapp.journey.message), "the refusal")
    assert app.kapp.router.screen == Screen.IDENTIFY
    assert driver.text("messageBanner")
    message = app.kapp.journey.message
    assert any(ch in message for ch in "ăâđêôơư"), message


def test_listen_button_shows_only_with_a_speech_engine(make_app: AppFactory) -> None:
    silent = make_app(None, speaker=Speaker(None))
    silent.driver.wait_screen(Screen.HOME)
    listen = silent.driver.find("listenButton")  # in the header: there, and hidden
    assert listen is not None
    assert not listen.isVisible()
    assert not silent.driver.exists("listenButton")
    backend = open_backend((SpeechEngine.ESPEAK_NG,))
    assert backend is not None, "scripts/setup.sh installs espeak-ng"
    talking = make_app(None, speaker=Speaker(backend))
    assert talking.driver.text("listenButton") == "Nghe hướng dẫn"


def test_touch_targets_and_body_text_are_large(make_app: AppFactory) -> None:
    app = make_app(None)
    driver = app.driver
    for name in ("startButton", "lookupButton", "callStaffButton", "languageButton"):
        item = driver.item(name)
        assert item.height() >= 100, name  # ≥ 15 mm on a 21.5" 1080p panel is ~60 px
        assert item.property("font").pixelSize() >= 28, name
    driver.tap("startButton")
    driver.wait_screen(Screen.PROCEDURES)
    for name in ("backButton", "footerCallStaffButton"):
        item = driver.item(name)
        assert item.height() >= 100, name
        assert item.property("font").pixelSize() >= 28, name
    driver.wait_until(lambda: driver.find("procedure_1.001193") is not None, "the list rows")
    procedure = driver.find("procedure_1.001193")
    assert isinstance(procedure, QQuickItem) and procedure.height() >= 100


def test_scanned_pages_can_be_removed(make_app: AppFactory) -> None:
    app = make_app(None)
    assert isinstance(app.scanner, FakeScanner)
    to_scan(app)
    journey = app.kapp.journey
    driver = app.driver
    driver.tap("scanButton")
    driver.wait_until(
        lambda: not journey.scanning and len(journey.documents[0]["pages"]) == 2, "two pages"
    )
    assert driver.exists("takeOriginals")
    second = journey.documents[0]["pages"][1]["thumbnail"]
    driver.tap("removePage_1")
    driver.wait_until(lambda: len(journey.documents[0]["pages"]) == 1, "one page left")
    # A slip of the finger can be undone: the page comes back, picture and all.
    driver.tap("undoRemoveButton")
    driver.wait_until(lambda: len(journey.documents[0]["pages"]) == 2, "the page back")
    assert journey.documents[0]["pages"][1]["thumbnail"] == second
    assert not driver.exists("undoBar")
    driver.tap("removePage_1")
    driver.wait_until(lambda: len(journey.documents[0]["pages"]) == 1, "one page left again")
    driver.tap("proceedButton")  # moving on: the removed page is gone from the disk
    driver.wait_until(lambda: app.kapp.router.screen != Screen.SCAN, "the review")
    pdfs = [p for p in files_under(app.settings.paths.scratch_dir) if p.suffix == ".pdf"]
    assert len(pdfs) == 1
    pngs = [p for p in files_under(app.settings.paths.scratch_dir) if p.suffix == ".png"]
    assert len(pngs) == 1


def test_a_page_scanned_again_takes_its_place(make_app: AppFactory) -> None:
    app = make_app(None, sheets=2)
    to_scan(app)
    journey = app.kapp.journey
    driver = app.driver
    driver.tap("scanButton")
    driver.wait_until(
        lambda: not journey.scanning and len(journey.documents[0]["pages"]) == 2, "two pages"
    )
    before = [page["thumbnail"] for page in journey.documents[0]["pages"]]
    app.scanner.load(list(demo_pages(1, seed=11)))  # the citizen feeds the first page again
    driver.tap("rescanPage_0")
    driver.wait_until(
        lambda: not journey.scanning and journey.documents[0]["pages"][0]["thumbnail"] != before[0],
        "the page scanned again",
    )
    after = [page["thumbnail"] for page in journey.documents[0]["pages"]]
    assert len(after) == 2
    assert after[1] == before[1]  # the other page stays where it was
    pdfs = [p for p in files_under(app.settings.paths.scratch_dir) if p.suffix == ".pdf"]
    assert len(pdfs) == 2  # the replaced scan is gone from disk
    driver.shoot(ARTIFACTS / "scan", "scan-two-pages", BOTH)


def test_a_page_fed_during_the_idle_warning_is_kept(make_app: AppFactory) -> None:
    app = make_app(None)
    scanner = app.scanner
    scanner.load(list(demo_pages(2)))
    scanner.hold()
    to_scan(app)
    journey = app.kapp.journey
    driver = app.driver
    pages = Delivered(app.kapp.hub.pageReady)
    driver.tap("scanButton")
    app.idle(app.settings.session.idle_warning_after_s + 1)
    assert journey.state == "idle_warning"
    scanner.release(1)  # the feeder was still pulling the citizen's page
    scratch = app.settings.paths.scratch_dir
    driver.wait_until(
        lambda: any(p.suffix == ".pdf" for p in files_under(scratch)), "the page on disk"
    )
    # Settled: the page has reached the app and been handled while the warning is up.
    driver.wait_until(lambda: len(pages.items) == 1, "the page handed to the app")
    assert journey.state == "idle_warning"
    assert journey.documents[0]["pages"] == []  # not taken while the warning is up
    driver.tap("stillHereButton")
    driver.wait_until(lambda: len(journey.documents[0]["pages"]) == 1, "the held page")
    scanner.unhold()


def test_the_home_screen_forgets_language_and_search_when_left_alone(
    make_app: AppFactory,
) -> None:
    app = make_app(None)
    driver = app.driver
    driver.tap("languageButton")
    assert driver.text("startButton") == "Hand in an application"
    driver.tap("startButton")
    driver.wait_screen(Screen.PROCEDURES)
    driver.type_into("searchField", "ket hon")
    assert app.kapp.catalog.query == "ket hon"
    app.idle(app.settings.session.idle_warning_after_s + 1)
    app.idle(app.settings.session.idle_countdown_s + 1)
    driver.wait_screen(Screen.HOME)
    driver.wait_until(lambda: driver.text("startButton") == "Nộp hồ sơ", "Vietnamese")
    assert app.kapp.catalog.query == ""
    driver.tap("startButton")
    driver.wait_screen(Screen.PROCEDURES)
    assert driver.text("searchField") == ""


def test_login_through_the_camera_with_a_live_preview(make_app: AppFactory) -> None:
    app = make_app(None, camera=True)
    driver = app.driver
    camera = app.kapp.camera
    to_identify(app)
    # The real capture thread and decoders run on the simulated scene; the screen shows it...
    driver.wait_until(lambda: bool(camera.hasPreview), "the camera picture")
    preview = driver.item("cameraPreview")
    assert preview.isVisible()
    driver.wait_until(lambda: showing_a_camera_picture(app), "the camera picture on screen")
    # ...live: the next picture the camera delivers replaces it.
    first = camera.frame
    driver.wait_until(
        lambda: camera.frame > first and showing_a_camera_picture(app), "a newer picture"
    )
    driver.tap("simulateQrButton")  # a phone with the VNeID code held up to the camera
    driver.wait_screen(Screen.CARD_CHECK)
    assert app.kapp.journey.identity["maskedId"].endswith("1234")
    assert app.kapp.camera.frame > 0


def test_the_preview_appears_when_the_camera_comes_up_late(make_app: AppFactory) -> None:
    scene = FakeFrameSource()
    scene.unplug()  # the camera is not there yet when the kiosk starts
    app = make_app(None, camera=scene)
    driver = app.driver
    camera = app.kapp.camera
    reader = app.devices.qr
    to_identify(app)
    # Settled: the reader has failed to open the camera, so there is no picture to show.
    driver.wait_until(
        lambda: reader.status().state is ReaderState.RECONNECTING, "the reader to retry"
    )
    assert reader.latest_preview() is None
    picture = driver.find("cameraPicture")
    assert picture is not None and not picture.isVisible()
    assert not camera.hasPreview
    scene.replug()  # the camera comes up while the citizen is on the screen
    driver.wait_until(lambda: showing_a_camera_picture(app), "the camera picture")
    assert camera.hasPreview


def test_cancel_asks_first_and_keeping_on_loses_nothing(make_app: AppFactory) -> None:
    app = make_app(None)
    driver = app.driver
    to_identify(app)
    assert not driver.exists("cancelOverlay")
    driver.tap("cancelButton")
    driver.wait_until(lambda: driver.exists("cancelOverlay"), "the question")
    # Far from the way forward: cancel sits in the step bar at the top, the footer at the bottom.
    assert driver.item("cancelButton").mapToScene(QPointF(0, 0)).y() < 400
    driver.tap("keepGoingButton")
    driver.wait_until(lambda: not driver.exists("cancelOverlay"), "the question gone")
    assert app.kapp.router.screen == Screen.IDENTIFY
    assert app.kapp.journey.procedure["code"] == "1.001193"
    driver.tap("cancelButton")
    driver.tap("confirmCancelButton")
    driver.wait_screen(Screen.HOME)
    assert app.kapp.journey.procedure == {}
    assert not driver.exists("cancelOverlay")


def test_the_idle_warning_counts_in_seconds_and_says_so_aloud(make_app: AppFactory) -> None:
    backend = FakeBackend()
    app = make_app(None, speaker=Speaker(backend))
    driver = app.driver
    to_identify(app)
    app.idle(app.settings.session.idle_warning_after_s + 3)
    driver.wait_until(lambda: driver.exists("idleOverlay"), "the warning")
    seconds = app.settings.session.idle_countdown_s
    # Not a bare number: "Còn 30 giây".
    assert driver.text("idleCountdown") == f"Còn {seconds} giây"
    assert backend.said == [sentences(Language.VI)["idle.spoken"]]
    assert "chạm vào màn hình" in backend.said[0]


def test_read_aloud_on_the_scan_screen_names_the_button_that_is_there(
    make_app: AppFactory,
) -> None:
    # An optional paper not yet scanned has "skip" where "continue" will be, and its guide says
    # so; once a page of it is scanned the button is "continue", and so is the guide.
    backend = FakeBackend()
    app = make_app(None, speaker=Speaker(backend))
    driver, journey = app.driver, app.kapp.journey
    texts = sentences(Language.VI)
    to_scan(app, EXTRACT_COPY)
    assert not journey.documents[journey.documentIndex]["mandatory"]
    assert driver.text("proceedButton") == texts["scan.skip"]
    driver.tap("listenButton")
    driver.wait_until(lambda: len(backend.said) == 1, "the guide read")
    assert backend.said == [texts["guide.ScanOptional"]]
    assert "bỏ qua" in backend.said[0]

    driver.tap("scanButton")
    driver.wait_until(lambda: not journey.scanning and bool(journey.documents[0]["pages"]), "pages")
    assert driver.text("proceedButton") == texts["common.next"]
    driver.tap("listenButton")
    driver.wait_until(lambda: len(backend.said) == 2, "the guide read again")
    assert backend.said[1] == texts["guide.Scan"]
    assert "bỏ qua" not in backend.said[1]
