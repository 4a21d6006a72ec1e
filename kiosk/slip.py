"""What the appointment slip says: the official fields of the "Giấy tiếp nhận hồ sơ và hẹn trả
kết quả", worded from a dossier, its procedure and the agency settings.

Plain Python (no Qt): drawing the ``SlipContent`` built here is a port (``SlipRenderer``), which
the composition root fills with the printer driver's Qt painter
(``drivers.printer.slip.render_slip``). Only the provisional receipt number, the masked phone and
the name are personal data on the slip; the ID number and address are not printed (a slip is
easily lost).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo

from config.settings import Settings
from drivers.printer.base import RenderedSlip, SlipContent, SlipDocument
from drivers.printer.profiles import PrinterProfile, load_profile
from dvc_common.catalog import Delivery, FeeKind, Procedure
from kiosk.dossier import Dossier, Verification

SAME_DAY = "Trong ngày"
FREE = "Miễn phí"
VERIFICATION_PENDING_NOTE = (
    "Danh tính chưa được xác minh do mất kết nối; hồ sơ sẽ được xác minh khi đồng bộ. "
    "Xin mang theo thẻ căn cước khi đến nhận kết quả."
)
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
DELIVERY_TEXT = {
    Delivery.IN_PERSON: "nhận trực tiếp",
    Delivery.POSTAL: "qua dịch vụ bưu chính công ích",
    Delivery.ONLINE: "nhận bản điện tử trực tuyến",
}


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
        documents=tuple(SlipDocument(doc.name, len(doc.pages)) for doc in dossier.documents),
        sets=procedure.number_of_sets,
        processing_time=processing_time_text(procedure),
        received=format_received(dossier.received_at, ZoneInfo(settings.kiosk.timezone)),
        appointment=format_appointment(dossier.due_date),
        result_place=procedure.result_place,
        delivery=delivery_text(procedure.result_delivery),
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
