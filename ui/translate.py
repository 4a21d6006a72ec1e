"""The view-models' one way to word a reason: Qt's translation of its id (``ui.messages``) in the
language the screens show, with the reason's values filled in.

Python-side texts do not follow a language switch by themselves, as ``qsTrId`` bindings do: the
composition root re-emits each view-model's ``changed`` when the language changes
(``ui.app``), so the screens read every text again in the new language.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from PySide6.QtCore import qtTrId

from dvc_common.catalog import Procedure
from kiosk.journey import Notice
from ui.messages import arguments, fill, message_id

# The screens' own wording of catalog facts and dates (the slip keeps kiosk.slip's Vietnamese).
SAME_DAY = "procedure.time.sameDay"
WORKING_DAYS = "procedure.time.days"  # %1 working days
MONEY = "money.vnd"  # %1 the amount with the language's digit grouping
GROUPING = "money.grouping"  # the thousands separator of the language
APPOINTMENT = "date.appointment"  # %1 weekday, %2 dd/mm/yyyy
RECEIVED = "date.received"  # %1 hours, %2 minutes, %3 dd/mm/yyyy
WORDING_IDS = (
    SAME_DAY,
    WORKING_DAYS,
    MONEY,
    GROUPING,
    APPOINTMENT,
    RECEIVED,
    *(f"date.weekday{n}" for n in range(7)),
)


def translate(reason: StrEnum, params: Mapping[str, str] | None = None) -> str:
    """The sentence for ``reason`` in the current language."""
    return fill(qtTrId(message_id(reason)), arguments(reason, params or {}))


def translate_id(message: str) -> str:
    """A screen text the view-model words itself (a label beside the card's details)."""
    return qtTrId(message)


def notice_text(notice: Notice | None) -> str:
    """The notice's sentence, or "" for none."""
    return "" if notice is None else translate(notice.reason, notice.params)


def processing_time_words(procedure: Procedure) -> str:
    """ "Trong ngày" / "3 ngày làm việc" in the screens' language."""
    if procedure.same_day:
        return qtTrId(SAME_DAY)
    return fill(qtTrId(WORKING_DAYS), [str(procedure.processing_days)])


def money_words(amount_vnd: int) -> str:
    """``15.000 đồng`` / ``15,000 dong``."""
    return fill(qtTrId(MONEY), [f"{amount_vnd:,}".replace(",", qtTrId(GROUPING))])


def appointment_words(day: date) -> str:
    """``Thứ Hai, ngày 07/12/2026`` / ``Monday, 07/12/2026``."""
    return fill(qtTrId(APPOINTMENT), [qtTrId(f"date.weekday{day.weekday()}"), f"{day:%d/%m/%Y}"])


def received_words(moment: datetime, tz: ZoneInfo) -> str:
    """``09 giờ 05 phút, ngày 08/10/2026`` / ``09:05 on 08/10/2026`` in the kiosk's zone."""
    local = moment.astimezone(tz) if moment.tzinfo is not None else moment
    return fill(qtTrId(RECEIVED), [f"{local:%H}", f"{local:%M}", f"{local:%d/%m/%Y}"])
