"""A scripted sample citizen walking through the journey, printed state by state.

This is what the README's demo command runs until the touchscreen app exists: it proves the whole
journey (including an abandoned session being wiped) on a fresh machine with no hardware. The
person is invented; the clock is simulated so the idle wipe does not take minutes.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import cv2
import numpy as np
from pydantic import SecretStr

from config.settings import GatewaySection, Language, PathsSection, Settings
from dvc_common.catalog import FieldType, FormField
from dvc_common.clock import FakeClock, SystemClock
from kiosk.app import build_kiosk
from kiosk.forms import format_date_vn, page_fields
from kiosk.journey import (
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
from offline_queue.opening import open_queue_store
from offline_queue.service import build_engine
from offline_queue.sync import PassReport
from simulators.people import DEMO_APPLICANT
from ui.messages import say, sentences

if TYPE_CHECKING:
    from gateway.faults import FaultState

STATE_TITLES: dict[State, str] = {
    State.ATTRACT: "Màn hình chờ — Chạm để bắt đầu",
    State.CHOOSE_PROCEDURE: "Chọn thủ tục",
    State.PROCEDURE_DETAILS: "Thông tin thủ tục và giấy tờ cần có",
    State.IDENTIFY: "Quét thẻ căn cước hoặc mã VNeID",
    State.IDENTITY_CHECK: "Kiểm tra thông tin trên thẻ",
    State.FORM: "Điền thông tin",
    State.SCAN: "Quét giấy tờ",
    State.REVIEW: "Kiểm tra lại hồ sơ",
    State.CONFIRM: "Nhập mã xác nhận",
    State.SUBMITTING: "Đang lưu hồ sơ",
    State.DONE: "Nộp hồ sơ thành công — In phiếu hẹn",
    State.IDLE_WARNING: "Ông/bà còn ở đây không?",
}

# The text demo reads like the Vietnamese screens: notices are worded from the translation file.
VIETNAMESE = sentences(Language.VI)

SAMPLE_QR = DEMO_APPLICANT.payload().decode("utf-8")
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
            return DEMO_APPLICANT.address[: field.max_length]
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
        days = "trong ngày" if p.same_day else f"{p.processing_days} ngày làm việc"
        parts.append(f"    {p.name} — {days} — giấy tờ: {docs}")
    if snapshot.identity and snapshot.state is State.IDENTITY_CHECK:
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
    if snapshot.notice:
        # Worded as the Vietnamese screen words it, from the translation file (no Qt here).
        parts.append(f"    ⓘ {say(snapshot.notice.reason, snapshot.notice.params, VIETNAMESE)}")
    return "\n".join(parts)


def run_demo(out: TextIO, work_dir: Path | None = None) -> int:
    """Play the scripted journey against the embedded reference gateway; returns an exit code."""
    from gateway.app import create_app, enrol
    from gateway.faults import FaultState
    from gateway.server import BackgroundServer
    from gateway.settings import GatewaySettings

    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as tmp:
        root = work_dir or Path(tmp)
        faults = FaultState()
        gateway_app = create_app(root / "gateway", GatewaySettings(), faults)
        token = enrol(root / "gateway", "KIOSK01")
        with BackgroundServer(gateway_app) as gateway:
            settings = Settings(
                paths=PathsSection(data_dir=root / "data", scratch_dir=root / "scratch"),
                gateway=GatewaySection(url=gateway.url, token=SecretStr(token)),
            )
            return _play(out, settings, faults)


def _play(out: TextIO, settings: Settings, faults: FaultState) -> int:
    clock = FakeClock(SystemClock().now())
    kiosk = build_kiosk(settings, clock=clock)
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

    print("=== Công dân thứ nhất: nộp hồ sơ khi mạng đang mất ===", file=out)
    faults.update({"maintenance": True})
    for event in (Start(), ChooseProcedure(SAMPLE_PROCEDURE), Proceed()):
        step(event)
    step(QrScanned(SAMPLE_QR.encode("utf-8")))
    step(Proceed())  # the card's details are right
    while journey.state is State.FORM:  # one page of the form at a time
        snapshot = journey.snapshot()
        assert snapshot.procedure is not None
        for field in page_fields(snapshot.procedure, snapshot.form_page, snapshot.form_input):
            wanted = field.required or field.type is FieldType.PHONE  # a phone, if one has it
            if wanted and not snapshot.form_input.get(field.name):
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
    step(Rate(5, None))  # on the done screen

    print("\n=== Công dân thứ hai: bỏ đi giữa chừng, phiên bị xoá ===", file=out)
    for event in (Start(), ChooseProcedure(SAMPLE_PROCEDURE), Proceed()):
        step(event)
    step(QrScanned(SAMPLE_QR.encode("utf-8")))
    session_dir = journey.snapshot().session_dir
    clock.advance(settings.session.idle_warning_after_s)
    journey.dispatch(Tick())
    clock.advance(settings.session.idle_countdown_s)
    journey.dispatch(Tick())
    wiped = session_dir is not None and not session_dir.exists()
    print(f"    Dữ liệu phiên đã xoá khỏi đĩa: {'có' if wiped else 'KHÔNG'}", file=out)

    print("\n=== Đồng bộ với cổng dịch vụ công (tiến trình riêng) ===", file=out)
    store = open_queue_store(settings)
    engine = build_engine(settings, store)

    def attempt() -> PassReport:
        # The demo does not wait out the backoff a real sync process would honour.
        engine.pause_until = 0.0
        with store.transaction() as conn:
            conn.execute("UPDATE dossiers SET next_attempt_at = 0")
        return engine.run_once()

    report = attempt()
    refused = report.failed[0][2] if report.failed else "-"
    print(
        f"    Cổng đang bảo trì, lần gửi bị từ chối ({refused});\n"
        f"    hồ sơ vẫn an toàn trong hàng đợi ({store.counts()['queued']} hồ sơ chờ gửi)",
        file=out,
    )
    faults.update({"maintenance": False})
    for _ in range(5):
        if attempt().submitted:
            break
    rows = store.list_dossiers()
    for row in rows:
        print(
            f"    {row.receipt_number} → mã hồ sơ chính thức {row.official_code or '(chưa có)'}, "
            f"hẹn trả {row.appointment_date or '?'}",
            file=out,
        )
    ok = (
        len(rows) == 1
        and rows[0].official_code is not None
        and wiped
        and journey.state is State.ATTRACT
    )
    return 0 if ok else 1
