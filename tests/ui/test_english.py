"""English mode shows English everywhere: reasons the core reports (a form field's problem, a
scanner's fault, the status lookup's answer) are worded by the screens in the language on
screen, and follow the language toggle both ways while they are shown. Catalog data (a field's
label) stays as the catalog words it."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from config.settings import Language
from drivers.errors import DeviceProblem
from kiosk.faults import DeviceFault
from kiosk.forms import FieldReason
from kiosk.gateway_services import StatusKind
from kiosk.journey import RejectReason
from kiosk.router import Screen
from simulators.screens_demo import BOTH
from tests.ui.conftest import ARTIFACTS, AppFactory, AppHarness
from tests.ui.test_screens import to_identify, to_scan
from ui.messages import say, sentences

EN = sentences(Language.EN)
VI = sentences(Language.VI)
SHOTS = ARTIFACTS / "english"


def english(reason: StrEnum, params: Mapping[str, str] | None = None) -> str:
    return say(reason, params, EN)


def vietnamese(reason: StrEnum, params: Mapping[str, str] | None = None) -> str:
    return say(reason, params, VI)


def switch_to(app: AppHarness, language: Language) -> None:
    app.driver.tap("languageButton")
    app.driver.wait_until(lambda: app.kapp.language.code == language.value, language.name)


def test_a_form_field_problem_follows_the_language(make_app: AppFactory) -> None:
    app = make_app(None)
    driver = app.driver
    to_identify(app)
    driver.tap("simulateQrButton")
    driver.wait_screen(Screen.FORM)
    [field] = [f for f in app.kapp.journey.fields if f["name"] == "applicant_name"]
    label = str(field["label"])
    app.kapp.journey.setField("applicant_name", "An 2")
    driver.tap("proceedButton")
    problem = {"label": label}
    in_vietnamese = vietnamese(FieldReason.NAME_INVALID, problem)
    driver.wait_until(
        lambda: driver.text("error_applicant_name") == in_vietnamese,
        "the field's problem in Vietnamese",
    )
    assert driver.text("messageBanner") == vietnamese(RejectReason.FORM_INVALID)

    switch_to(app, Language.EN)
    expected = english(FieldReason.NAME_INVALID, problem)
    driver.wait_until(lambda: driver.text("error_applicant_name") == expected, "it in English")
    assert expected == f"{label}: letters only, no digits or symbols."  # the label is data
    assert driver.text("messageBanner") == english(RejectReason.FORM_INVALID)
    assert driver.text("messageBanner") == (
        "Some details are not right yet. Please see the lines marked in red."
    )
    driver.shoot(SHOTS, "form-field-problem-english", BOTH)

    switch_to(app, Language.VI)
    driver.wait_until(
        lambda: driver.text("error_applicant_name") == in_vietnamese, "back in Vietnamese"
    )
    assert in_vietnamese == f"{label}: chỉ gồm chữ cái, không có chữ số hay ký hiệu."
    assert driver.text("messageBanner") == "Còn thông tin chưa đúng. Xin xem các dòng báo đỏ."


def test_a_scanner_fault_follows_the_language(make_app: AppFactory) -> None:
    app = make_app(None)
    driver = app.driver
    to_scan(app)
    switch_to(app, Language.EN)
    app.scanner.fail_next(DeviceProblem.NO_DOCUMENTS)
    driver.tap("scanButton")
    expected = english(DeviceFault.NO_DOCUMENTS)
    assert expected == "There is no paper in the tray. Please put your papers in the scanner tray."
    driver.wait_until(lambda: driver.text("scanMessage") == expected, "the fault in English")
    driver.shoot(SHOTS, "scan-fault-english", BOTH)
    switch_to(app, Language.VI)
    driver.wait_until(
        lambda: (
            driver.text("scanMessage") == "Chưa có giấy trong khay. Xin đặt giấy tờ vào khay quét."
        ),
        "the fault in Vietnamese",
    )


def test_the_lookup_answer_follows_the_language(make_app: AppFactory) -> None:
    app = make_app(None)  # the gateway's port is closed: the lookup is offline
    driver = app.driver
    driver.tap("lookupButton")
    driver.wait_screen(Screen.LOOKUP)
    switch_to(app, Language.EN)
    driver.type_into("lookupField", "not a code")
    driver.tap("lookupSubmit")
    driver.wait_until(lambda: bool(app.kapp.lookup.result), "the lookup answer")
    assert app.kapp.lookup.result["kind"] == StatusKind.INVALID_CODE.value
    assert driver.text("lookupMessage") == english(StatusKind.INVALID_CODE)
    assert driver.text("lookupMessage").startswith("This application code is not valid.")

    driver.type_into("lookupField", "KIOSK01-261202-0001")
    driver.tap("lookupSubmit")
    driver.wait_until(
        lambda: app.kapp.lookup.result.get("kind") == StatusKind.OFFLINE.value, "offline"
    )
    expected = english(StatusKind.OFFLINE)
    driver.wait_until(lambda: driver.text("lookupMessage") == expected, "offline in English")
    assert "cannot reach the public service system" in expected
    driver.shoot(SHOTS, "lookup-offline-english", BOTH)
    switch_to(app, Language.VI)
    driver.wait_until(
        lambda: driver.text("lookupMessage") == vietnamese(StatusKind.OFFLINE),
        "offline in Vietnamese",
    )
    assert "chưa kết nối được" in driver.text("lookupMessage")
