"""What the appointment slip says: the official fields of the "Giấy tiếp nhận hồ sơ và hẹn trả
kết quả", worded from a dossier, its procedure and the agency settings.

Plain Python (no Qt): drawing the ``SlipContent`` built here is a port (``SlipRenderer``), which
the composition root fills with the printer driver's Qt painter
(``drivers.printer.slip.render_slip``). Only the provisional receipt number, the masked phone and
the name are personal data on the slip; the ID number and address are not printed (a slip is
easily lost).

The slip is read by elderly citizens, so it tells them only what applies to them:

* the way of receiving the result they chose (the form's ``DELIVERY_FIELD``), not every way the
  procedure offers; dossiers made before the question existed print the procedure's ways;
* where to come, by the office's own name (``agency.office``) rather than the catalog's generic
  "Bộ phận Một cửa, Ủy ban nhân dân cấp xã", and the hours it receives people;
* what to bring: this slip, the ID card and every document the procedure has them show
  (``DocumentHandling.SHOW``). A shown document whose code is in ``IDENTITY_DOCUMENT_CODES`` *is*
  the ID card and takes its place in the list, so the card is never asked for twice;
* every document handed in, starting with the declaration form filled in on the kiosk.

The slip is always Vietnamese, whatever language the screens were in: it is an official paper.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo

from config.settings import Settings
from drivers.printer.base import RenderedSlip, SlipContent, SlipDocument
from drivers.printer.profiles import PrinterProfile, load_profile
from dvc_common import catalog
from dvc_common.catalog import (
    Delivery,
    DocumentHandling,
    FeeKind,
    Procedure,
    RequiredDocument,
)
from kiosk.dossier import Dossier, Verification

log = logging.getLogger(__name__)

# The form's key for the way the citizen chose to receive the result. The catalog validates the
# question under this name and the journey asks it; one name, imported from here or there.
DELIVERY_FIELD = catalog.DELIVERY_FIELD

SAME_DAY = "Trong ngày"
FREE = "Miễn phí"
VERIFICATION_PENDING_NOTE = (
    "Kiosk mất kết nối mạng nên chưa xác minh được danh tính của ông/bà; hồ sơ sẽ được xác minh "
    "khi gửi đến cơ quan giải quyết. Xin nhớ mang theo thẻ căn cước."
)
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
# The same words as the screens' Vietnamese ("procedure.delivery.*" in ui/i18n/kiosk_vi.ts):
# the citizen reads on paper what they read on screen (tests/ui/test_english.py holds them equal).
DELIVERY_TEXT = {
    Delivery.IN_PERSON: "nhận trực tiếp",
    Delivery.POSTAL: "qua dịch vụ bưu chính công ích",
    Delivery.ONLINE: "nhận bản điện tử trực tuyến",
}
# What to bring. The slip and the ID card come first: every citizen needs them.
BRING_IN_PERSON = "Khi đến nhận kết quả, xin mang theo:"
BRING_POSTAL = "Khi nhận kết quả qua bưu điện, xin chuẩn bị sẵn:"
BRING_SLIP = "Phiếu hẹn này"
BRING_ID_CARD = "Thẻ căn cước (hoặc căn cước công dân) của người nộp hồ sơ"
# Codes the catalogs give the ID card when a procedure lists it among the documents to show
# ("identity_cards" is both spouses' cards for a marriage). Such a document replaces
# ``BRING_ID_CARD``: the catalog's own wording is more precise, and the card is listed once.
IDENTITY_DOCUMENT_CODES = frozenset({"identity_card", "identity_cards"})
# After the declaration form's name: it was not scanned, the citizen filled it in on screen.
FORM_FILLED_ON_KIOSK = "(đã điền trên máy)"
# Catalog places containing this are the generic wording for whichever commune's office
# receives the dossier; the kiosk's own office is named instead (``agency.office``). A place
# without it names a specific office (a provincial centre, say) and is printed as it is.
GENERIC_PLACE_MARK = "cấp xã"


class SlipRenderer(Protocol):
    """Draws a slip's content for a printer profile and encodes the print job (the driver's
    ``drivers.printer.slip.render_slip``, which needs Qt: the core only ever receives it)."""

    def __call__(
        self,
        content: SlipContent,
        profile: PrinterProfile,
        *,
        copies: int = 1,
        text_mode: bool = False,
    ) -> RenderedSlip: ...


def weekday_vi(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def format_received(moment: datetime, tz: ZoneInfo) -> str:
    """``09 giờ 05 phút, ngày 08/10/2026`` in the kiosk's time zone."""
    local = moment.astimezone(tz) if moment.tzinfo is not None else moment
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


def format_appointment(day: date) -> str:
    """``Thứ Năm, ngày 08/10/2026``."""
    return f"{weekday_vi(day)}, ngày {day:%d/%m/%Y}"


def format_vnd(amount: int) -> str:
    """``15.000 đồng``: Vietnamese groups thousands with dots."""
    return f"{amount:,} đồng".replace(",", ".")


def mask_phone(phone: str) -> str:
    """Every digit hidden but the last three: ``0912345678`` → ``*******678``."""
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) <= 3:
        return "*" * len(digits)
    return "*" * (len(digits) - 3) + digits[-3:]


def processing_time_text(procedure: Procedure) -> str:
    if procedure.same_day:
        return SAME_DAY
    return f"{procedure.processing_days} ngày làm việc"


def delivery_text(deliveries: Sequence[Delivery]) -> str:
    text = " hoặc ".join(DELIVERY_TEXT[d] for d in deliveries)
    return text[:1].upper() + text[1:]


def chosen_deliveries(dossier: Dossier, procedure: Procedure) -> tuple[Delivery, ...]:
    """The way the citizen chose to receive the result, as a one-element tuple.

    Without an answer (one way offered, or a dossier made before the question was asked) the
    procedure's ways. An answer the procedure does not offer (a catalog changed since) is not
    trusted either: the procedure's ways are printed and a warning logged, never a crash, since
    the dossier is already stored and the citizen is waiting for the slip.
    """
    offered = procedure.result_delivery
    answer = dossier.form.get(DELIVERY_FIELD, "").strip()
    if not answer:
        return offered
    chosen = next((way for way in offered if way.value == answer), None)
    if chosen is None:
        log.warning(
            "dossier %s: %s=%r is not offered by procedure %s; the slip lists %s",
            dossier.receipt_number,
            DELIVERY_FIELD,
            answer[:40],
            procedure.code,
            ", ".join(way.value for way in offered),
        )
        return offered
    return (chosen,)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def result_place_text(procedure: Procedure, settings: Settings) -> tuple[str, str | None]:
    """Where to come for the result, and the address to print under it (None: none).

    The office's name and address replace the catalog's generic place (``GENERIC_PLACE_MARK``);
    a catalog place naming another office is printed as it is, without our address.
    """
    place = _nfc(procedure.result_place)
    if _nfc(GENERIC_PLACE_MARK) not in place.casefold():
        return place, None
    agency = settings.agency
    return agency.office, agency.address.strip() or None


def _condition_text(condition: str) -> str:
    """A catalog condition ("Khi cha, mẹ … đối chiếu.") as an aside: "khi cha, mẹ … đối chiếu"."""
    text = condition.strip().rstrip(".")
    # Lower-case the first letter of an ordinary word only: "UBND…" or "VNeID…" keep theirs.
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return text


def shown_document_text(document: RequiredDocument) -> str:
    """A document to show, with the case it is needed in when it is optional."""
    if not document.mandatory and document.condition:
        return f"{document.name} ({_condition_text(document.condition)})"
    return document.name


def bring_list(procedure: Procedure) -> tuple[str, ...]:
    """This slip, the ID card once, then the procedure's other documents to show."""
    shown = [d for d in procedure.documents if d.handling is DocumentHandling.SHOW]
    cards = [shown_document_text(d) for d in shown if d.code in IDENTITY_DOCUMENT_CODES]
    others = [shown_document_text(d) for d in shown if d.code not in IDENTITY_DOCUMENT_CODES]
    return (BRING_SLIP, *(cards or [BRING_ID_CARD]), *others)


def bring_heading(deliveries: Sequence[Delivery]) -> str | None:
    """How the list of what to bring is introduced; None when nothing is handed over (an
    electronic result only)."""
    if Delivery.IN_PERSON in deliveries:
        return BRING_IN_PERSON
    if Delivery.POSTAL in deliveries:
        return BRING_POSTAL
    return None


def documents_received(dossier: Dossier, procedure: Procedure) -> tuple[SlipDocument, ...]:
    """The declaration form(s) the kiosk made from the screen form, then each scanned document
    with its page count, in the order they were scanned."""
    forms = tuple(
        SlipDocument(f"{d.name} {FORM_FILLED_ON_KIOSK}", 0)
        for d in procedure.documents
        if d.handling is DocumentHandling.FORM
    )
    return forms + tuple(SlipDocument(doc.name, len(doc.pages)) for doc in dossier.documents)


def _form_int(form: dict[str, str], key: str) -> int | None:
    value = form.get(key, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def fee_text(procedure: Procedure, dossier: Dossier) -> str:
    """The fee for this dossier; per-page and per-copy fees use the form's page and copy counts.

    Those two are marked "tạm tính": staff confirm the count when the citizen pays.
    """
    fee = procedure.fee
    if fee.kind is FeeKind.FREE:
        return FREE
    scanned = sum(len(doc.pages) for doc in dossier.documents)
    pages = _form_int(dossier.form, "page_count") or max(scanned, 1)
    copies = _form_int(dossier.form, "copies") or 1
    amount = fee.amount_for(pages=pages, copies=copies)
    if amount == 0:
        return FREE
    if fee.kind is FeeKind.PER_DOSSIER:
        return format_vnd(amount)
    return f"{format_vnd(amount)} (tạm tính)"


def qr_payload(code: str, url_template: str | None = None) -> str:
    if url_template is None:
        return code
    if "{code}" not in url_template:
        raise ValueError("the QR URL template must contain {code}")
    return url_template.replace("{code}", quote(code, safe=""))


def build_slip_content(
    dossier: Dossier,
    procedure: Procedure,
    settings: Settings,
    *,
    qr_url_template: str | None = None,
) -> SlipContent:
    if procedure.code != dossier.procedure_code:
        raise ValueError(f"dossier is for procedure {dossier.procedure_code}, not {procedure.code}")
    agency = settings.agency
    phone = dossier.form.get("phone", "").strip()
    deliveries = chosen_deliveries(dossier, procedure)
    in_person = Delivery.IN_PERSON in deliveries
    place, address = result_place_text(procedure, settings) if in_person else (None, None)
    heading = bring_heading(deliveries)
    return SlipContent(
        parent=agency.parent,
        agency=agency.name,
        unit=agency.unit,
        code=dossier.display_code,
        provisional=dossier.is_provisional,
        applicant_name=dossier.form.get("applicant_name", "").strip()
        or dossier.applicant.full_name,
        phone=mask_phone(phone) if phone else None,
        procedure_name=procedure.name,
        documents=documents_received(dossier, procedure),
        sets=procedure.number_of_sets,
        processing_time=processing_time_text(procedure),
        received=format_received(dossier.received_at, ZoneInfo(settings.kiosk.timezone)),
        appointment=format_appointment(dossier.due_date),
        # The hours matter to someone coming to the office, not to one waiting for the post.
        office_hours=agency.office_hours if in_person else None,
        result_place=place,
        address=address,
        delivery=delivery_text(deliveries),
        bring_heading=heading,
        bring=bring_list(procedure) if heading else (),
        fee=fee_text(procedure, dossier),
        verification_note=(
            VERIFICATION_PENDING_NOTE if dossier.verification is Verification.PENDING else None
        ),
        hotline=agency.hotline,
        kiosk_id=dossier.kiosk_id,
        qr_payload=qr_payload(dossier.display_code, qr_url_template),
    )


def render_dossier_slip(
    dossier: Dossier,
    procedure: Procedure,
    settings: Settings,
    *,
    render: SlipRenderer,
    profile: PrinterProfile | None = None,
    qr_url_template: str | None = None,
) -> RenderedSlip:
    """The dossier's slip drawn by ``render`` for ``profile`` (default: the configured
    printer's), with as many copies and in the mode the printer settings ask for."""
    printer = settings.devices.printer
    content = build_slip_content(dossier, procedure, settings, qr_url_template=qr_url_template)
    return render(
        content,
        profile or load_profile(printer.profile),
        copies=printer.copies,
        text_mode=printer.text_mode,
    )
