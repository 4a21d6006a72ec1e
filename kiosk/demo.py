"""A scripted sample citizen walking through the journey, printed state by state.

This is what the README's demo command runs until the touchscreen app exists: it proves the whole
journey (including an abandoned session being wiped) on a fresh machine with no hardware. The
person is invented; the clock is simulated so the idle wipe does not take minutes.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

import cv2
import numpy as np

from config.catalog import FieldType, FormField
from config.settings import PathsSection, Settings
from kiosk.app import build_kiosk
from kiosk.clock import FakeClock, SystemClock
from kiosk.forms import format_date_vn
from kiosk.journey import (
    Back,
    ChooseProcedure,
    EnterCode,
    Event,
    PageScanned,
    PrintFinished,
    Proceed,
    QrScanned,
    Rate,
    SetField,
    Snapshot,
    Start,
    State,
    Tick,
)
from kiosk.ports import InMemoryQueue

STATE_TITLES: dict[State, str] = {
    State.ATTRACT: "Màn hình chờ — Chạm để bắt đầu",
    State.CHOOSE_PROCEDURE: "Chọn thủ tục",
    State.PROCEDURE_DETAILS: "Thông tin thủ tục và giấy tờ cần có",
    State.IDENTIFY: "Đăng nhập bằng mã QR VNeID hoặc thẻ căn cước",
    State.FORM: "Điền thông tin",
    State.SCAN: "Quét giấy tờ",
    State.REVIEW: "Kiểm tra lại hồ sơ",
    State.CONFIRM: "Nhập mã xác nhận",
    State.SUBMITTING: "Đang lưu hồ sơ",
    State.DONE: "Nộp hồ sơ thành công — In phiếu hẹn",
    State.RATING: "Đánh giá mức độ hài lòng",
    State.IDLE_WARNING: "Ông/bà còn ở đây không?",
}

# An invented citizen: province 049 (Quảng Nam), female born in 1958 (century digit 1).
SAMPLE_QR = (
    "049158000123||TRẦN THỊ MẪU|14021958|Nữ|"
    "Thôn Phú Xuân, xã Bình Phú, huyện Thăng Bình, tỉnh Quảng Nam|10052021"
)
SAMPLE_PROCEDURE = "1.001193"  # Đăng ký khai sinh: has a mandatory scanned document
SAMPLE_PHONE = "0912345678"


def sample_answer(field: FormField, today: date) -> str:
    """What the scripted citizen types into a required field the QR code did not fill."""
    match field.type:
        case FieldType.CHOICE:
            return field.choices[0].value
        case FieldType.DATE:
            return format_date_vn(today - timedelta(days=3))
        case FieldType.INTEGER:
            return str(field.min_value or 1)
        case FieldType.NAME:
            return "NGUYỄN VĂN AN"
        case FieldType.PHONE:
            return SAMPLE_PHONE
        case FieldType.EMAIL:
            return "mau@example.vn"
        case FieldType.ID_NUMBER:
            return "049090000456"
        case FieldType.ADDRESS:
            return "Thôn Phú Xuân, xã Bình Phú, tỉnh Quảng Nam"[: field.max_length]
        case FieldType.TEXT:
            return "Kinh"


def _sample_page(path: Path, title: str) -> Path:
    """A plain A4-shaped page at 100 dpi standing in for a scanner image."""
    page = np.full((1169, 827), 255, dtype=np.uint8)
    cv2.putText(page, title, (60, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2)
    for row in range(220, 1100, 40):
        cv2.line(page, (60, row), (760, row), 90, 2)
    cv2.imwrite(str(path), page)
    return path


def _describe(snapshot: Snapshot) -> str:
    parts = [f"[{snapshot.state.value}] {STATE_TITLES[snapshot.state]}"]
    if snapshot.procedure and snapshot.state is State.PROCEDURE_DETAILS:
        p = snapshot.procedure
        docs = "; ".join(d.name for d in p.documents if d.mandatory)
        parts.append(f"    {p.name} — {p.processing_days} ngày làm việc — giấy tờ: {docs}")
    if snapshot.identity and snapshot.state is State.FORM:
        who = snapshot.identity
        parts.append(f"    Người nộp: {who.full_name}, số định danh {who.masked_id}")
    if snapshot.state is State.SCAN and snapshot.documents:
        current = snapshot.documents[snapshot.document_index]
        parts.append(f"    {current.document.name}: {len(current.pages)} trang")
    if snapshot.challenge and snapshot.state is State.CONFIRM:
        parts.append(f"    Mã xác nhận trên màn hình: {snapshot.challenge.code}")
    if snapshot.dossier and snapshot.state is State.DONE:
        d = snapshot.dossier
        parts.append(
            f"    Mã hồ sơ (tạm): {d.display_code} — hẹn trả: {format_date_vn(d.due_date)}"
        )
    if snapshot.idle_seconds_left is not None:
        parts.append(f"    Phiên sẽ bị xoá sau {snapshot.idle_seconds_left} giây")
    if snapshot.message:
        parts.append(f"    ⓘ {snapshot.message}")
    return "\n".join(parts)


def run_demo(out: TextIO, work_dir: Path | None = None) -> int:
    """Play the scripted journey; returns a process exit code."""
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as tmp:
        root = work_dir or Path(tmp)
        settings = Settings(
            paths=PathsSection(data_dir=root / "data", scratch_dir=root / "scratch")
        )
        clock = FakeClock(SystemClock().now().replace(hour=9, minute=30, second=0))
        queue = InMemoryQueue()
        kiosk = build_kiosk(settings, clock=clock, queue=queue)
        journey = kiosk.journey
        # Field-by-field typing is noise in a transcript: show one line per screen change.
        last: list[State] = []

        def show(snapshot: Snapshot) -> None:
            if not last or snapshot.state is not last[-1] or snapshot.state is State.SCAN:
                print(_describe(snapshot), file=out)
            last.append(snapshot.state)

        journey.subscribe(show)

        def step(event: Event) -> None:
            clock.advance(4)
            outcome = journey.dispatch(event)
            if not outcome.accepted:
                raise RuntimeError(
                    f"demo step {event} refused: {outcome.reason} {journey.snapshot().form_errors}"
                )

        print("=== Công dân thứ nhất: nộp hồ sơ trọn vẹn ===", file=out)
        scripted: list[Event] = [
            Start(),
            ChooseProcedure(SAMPLE_PROCEDURE),
            Proceed(),
            QrScanned(SAMPLE_QR.encode("utf-8")),
        ]
        for event in scripted:
            step(event)
        snapshot = journey.snapshot()
        assert snapshot.procedure is not None
        for field in snapshot.procedure.form:
            if field.required and not snapshot.form_input.get(field.name):
                step(SetField(field.name, sample_answer(field, clock.now().date())))
        step(Proceed())
        while journey.state is State.SCAN:
            snap = journey.snapshot()
            current = snap.documents[snap.document_index]
            if current.document.mandatory and not current.pages:
                assert snap.session_dir is not None
                page = _sample_page(snap.session_dir / f"{current.document.code}-1.png", "PAGE 1")
                step(PageScanned(page))
            step(Proceed())
        step(Proceed())  # review → confirm
        challenge = journey.snapshot().challenge
        assert challenge is not None and challenge.code is not None
        step(EnterCode(challenge.code))
        step(PrintFinished(ok=True))
        step(Rate(5, None))

        print("\n=== Công dân thứ hai: bỏ đi giữa chừng, phiên bị xoá ===", file=out)
        step(Start())
        step(ChooseProcedure(SAMPLE_PROCEDURE))
        step(Proceed())
        step(QrScanned(SAMPLE_QR.encode("utf-8")))
        session_dir = journey.snapshot().session_dir
        clock.advance(settings.session.idle_warning_after_s)
        journey.dispatch(Tick())
        clock.advance(settings.session.idle_countdown_s)
        journey.dispatch(Tick())
        wiped = session_dir is not None and not session_dir.exists()
        print(f"    Dữ liệu phiên đã xoá khỏi đĩa: {'có' if wiped else 'KHÔNG'}", file=out)

        print("\n=== Công dân thứ ba: quay lại màn hình đầu ===", file=out)
        step(Start())
        step(Back())

        stored = queue.dossiers
        print(f"\nHồ sơ trong hàng đợi: {len(stored)}", file=out)
        for dossier in stored:
            print(
                f"  {dossier.receipt_number}  {dossier.procedure_name}  "
                f"hẹn trả {format_date_vn(dossier.due_date)}  ({dossier.applicant.masked_id})",
                file=out,
            )
        ok = len(stored) == 1 and wiped and journey.state is State.ATTRACT
        return 0 if ok else 1
