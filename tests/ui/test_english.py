"""English mode shows English everywhere: reasons the core reports (a form field's problem, a
scanner's fault, the status lookup's answer) are worded by the screens in the language on
screen, and follow the language toggle both ways while they are shown. Catalog data (a field's
label) stays as the catalog words it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import StrEnum

from config.settings import Language
from drivers.errors import DeviceProblem
from dvc_common.clock import VIETNAM
from kiosk.faults import DeviceFault
from kiosk.forms import FieldReason
from kiosk.gateway_services import StatusKind
from kiosk.journey import RejectReason
from kiosk.router import Screen
from kiosk.slip import (
    format_appointment,
    format_received,
    format_vnd,
    processing_time_text,
)
from simulators.screens_demo import BOTH
from tests.ui.conftest import ARTIFACTS, AppFactory, AppHarness
from tests.ui.test_screens import to_form, to_identify, to_scan
from ui.messages import say, sentences
from ui.translate import appointment_words, money_words, received_words

EN = sentences(Language.EN)
VI = sentences(Language.VI)
SHOTS = ARTIFACTS / "english"
# Letters only Vietnamese has (a plain English text has none of them).
VIETNAMESE = re.compile(
    "[ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]", re.IGNORECASE
)


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
    to_form(app)
    [field] = [f for f in app.kapp.journey.fields if f["name"] == "phone"]
    label = str(field["label"])
    app.kapp.journey.setField("phone", "09ab")
    driver.tap("proceedButton")
    problem = {"label": label}
    in_vietnamese = vietnamese(FieldReason.DIGITS_ONLY, problem)
    driver.wait_until(
        lambda: driver.text("error_phone") == in_vietnamese,
        "the field's problem in Vietnamese",
    )
    assert driver.text("messageBanner") == vietnamese(RejectReason.FORM_INVALID)

    switch_to(app, Language.EN)
    expected = english(FieldReason.DIGITS_ONLY, problem)
    driver.wait_until(lambda: driver.text("error_phone") == expected, "it in English")
    assert expected.startswith(f"{label}: ")  # the label is data
    assert not VIETNAMESE.search(expected.removeprefix(f"{label}: "))
    assert driver.text("messageBanner") == english(RejectReason.FORM_INVALID)
    assert driver.text("messageBanner") == (
        "Some details are not right. Please see the line marked ⚠."
    )
    driver.shoot(SHOTS, "form-field-problem-english", BOTH)

    switch_to(app, Language.VI)
    driver.wait_until(lambda: driver.text("error_phone") == in_vietnamese, "back in Vietnamese")
    assert driver.text("messageBanner") == "Còn thông tin chưa đúng. Xin xem dòng có dấu ⚠."


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


def test_catalog_facts_money_and_dates_are_worded_in_the_language_on_screen(
    make_app: AppFactory,
) -> None:
    app = make_app(None)
    to_identify(app)  # through the details screen: the procedure stays chosen
    procedure = app.kapp.kiosk.journey.snapshot().procedure
    assert procedure is not None
    day, moment = date(2026, 12, 7), datetime(2026, 12, 2, 2, 5, tzinfo=UTC)
    shown = app.kapp.journey.procedure
    # Vietnamese: exactly the words the slip prints (kiosk.slip), so nothing changed there.
    assert shown["processingTime"] == processing_time_text(procedure)
    assert appointment_words(day) == format_appointment(day) == "Thứ Hai, ngày 07/12/2026"
    assert received_words(moment, VIETNAM) == format_received(moment, VIETNAM)
    assert money_words(15000) == format_vnd(15000) == "15.000 đồng"

    switch_to(app, Language.EN)
    app.driver.wait_until(
        lambda: app.kapp.journey.procedure["processingTime"] != shown["processingTime"],
        "English wording",
    )
    english_view = app.kapp.journey.procedure
    assert english_view["processingTime"] in {
        "The same day",
        f"{procedure.processing_days} working days",
    }
    assert not VIETNAMESE.search(english_view["processingTime"])
    assert appointment_words(day) == "Monday, 07/12/2026"
    assert received_words(moment, VIETNAM) == "09:05 on 02/12/2026"
    assert money_words(15000) == "15,000 dong"
